import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import Link from '@cloudscape-design/components/link';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table from '@cloudscape-design/components/table';
import { useState } from 'react';
import { useLocation, useParams } from 'react-router';
import type { ChangeStatus } from '../../../functions/domain/lifecycle.ts';
import {
  CalendarDay,
  ChangeStatusBadge,
  Instant,
  percent,
  rateChange,
  stageLabel,
} from '../components/format.tsx';
import { ReassignModal } from '../components/reassign-modal.tsx';
import { StageMoveModal } from '../components/stage-move-modal.tsx';
import { ErrorState, LoadingState } from '../components/states.tsx';
import { useLoad } from '../components/use-api.ts';
import { useCan, useConsole } from '../context.ts';
import { useFollow } from '../shell.tsx';
import type { ChangePage, PartnerDetail as Partner, StageHistory, StageHistoryEntry } from '../types.ts';

function scopeLabel(scopeKey: string): string {
  return scopeKey === 'all' ? 'All products and accounts' : scopeKey.replace(':', ': ').replace(/,/g, ', ');
}

export default function PartnerDetail() {
  const { api, clockVersion } = useConsole();
  const follow = useFollow();
  const canSubmit = useCan('finance');
  const canWrite = useCan('partner-manager');
  const location = useLocation();
  const { saved, outcome } = (location.state as { saved?: number; outcome?: string } | null) ?? {};
  const { partnerId = '' } = useParams();
  const id = encodeURIComponent(partnerId);
  const [moving, setMoving] = useState(false);
  const [moved, setMoved] = useState<string>();
  const [reassigning, setReassigning] = useState(false);
  const [reassigned, setReassigned] = useState<string>();
  const [partner, reloadPartner] = useLoad(
    () => api.get<Partner>(`/api/partners/${id}`),
    `${partnerId}#${clockVersion}`,
  );
  const [changes, reloadChanges] = useLoad(
    () => api.get<ChangePage>(`/api/changes?partnerId=${id}&limit=50`),
    `changes:${partnerId}#${clockVersion}`,
  );
  const [history, reloadHistory] = useLoad(
    () => api.get<StageHistory>(`/api/partners/${id}/stage-history`),
    `history:${partnerId}#${clockVersion}`,
  );
  if (partner.state === 'loading') return <LoadingState what="the partner" />;
  if (partner.state === 'error')
    return <ErrorState problem={partner.problem} header="This partner could not be loaded" />;
  const view = partner.data;
  const moves: (StageHistoryEntry & { applied: boolean })[] =
    history.state === 'ready'
      ? [
          ...history.data.applied.map((entry) => ({ ...entry, applied: true })),
          ...history.data.pending.map((entry) => ({ ...entry, applied: false })),
        ]
      : [];
  return (
    <ContentLayout
      header={
        <Header
          variant="h1"
          description={`${stageLabel(view.stage)} stage · ${percent(view.currentRatePct)} partner-wide today`}
          actions={
            <SpaceBetween direction="horizontal" size="xs">
              {canWrite ? (
                <Button
                  onClick={() => setMoving(true)}
                  disabled={history.state === 'ready' && history.data.pending.length > 0}
                >
                  Move stage
                </Button>
              ) : null}
              {canWrite ? (
                <Button onClick={() => setReassigning(true)}>Reassign alliance manager</Button>
              ) : null}
              {canWrite ? (
                <Button href={`/partners/${id}/edit`} onFollow={follow}>
                  Edit
                </Button>
              ) : null}
              {canSubmit ? (
                <Button variant="primary" href={`/changes/new?partnerId=${id}`} onFollow={follow}>
                  Submit a change
                </Button>
              ) : null}
            </SpaceBetween>
          }
        >
          {view.name}
        </Header>
      }
    >
      <SpaceBetween size="l">
        {saved !== undefined ? (
          <Alert type="success" statusIconAriaLabel="Success">
            {outcome === 'unchanged'
              ? `Nothing to save: the profile was already so (version ${saved}).`
              : `Saved: ${view.name} is at version ${saved}.`}
          </Alert>
        ) : null}
        {moved ? (
          <Alert type="success" statusIconAriaLabel="Success">
            Stage move submitted as{' '}
            <Link href={`/changes/${encodeURIComponent(moved)}`} onFollow={follow}>
              {moved}
            </Link>
            : it follows the notice lifecycle, shown under Stage history.
          </Alert>
        ) : null}
        {reassigned ? (
          <Alert type="success" statusIconAriaLabel="Success">
            Reassignment submitted as{' '}
            <Link href={`/changes/${encodeURIComponent(reassigned)}`} onFollow={follow}>
              {reassigned}
            </Link>
            : the partner is told once it is approved.
          </Alert>
        ) : null}
        {reassigning ? (
          <ReassignModal
            partnerId={view.partnerId}
            currentManager={view.allianceManager}
            onClose={() => setReassigning(false)}
            onDone={(changeId) => {
              setReassigning(false);
              setReassigned(changeId);
              reloadChanges();
            }}
          />
        ) : null}
        {moving ? (
          <StageMoveModal
            partnerId={view.partnerId}
            currentStage={view.stage}
            onClose={() => setMoving(false)}
            onDone={(changeId) => {
              setMoving(false);
              setMoved(changeId);
              reloadHistory();
              reloadChanges();
              reloadPartner();
            }}
          />
        ) : null}
        <Container header={<Header variant="h2">Relationship</Header>}>
          <KeyValuePairs
            columns={3}
            items={[
              { label: 'Stage', value: stageLabel(view.stage) },
              { label: 'Region', value: view.region ?? '—' },
              { label: 'Tier', value: view.tier ?? '—' },
              { label: 'Tags', value: view.tags.length > 0 ? view.tags.join(', ') : '—' },
              {
                label: 'Alliance manager',
                value: (
                  <span>
                    {view.allianceManager.name} ·{' '}
                    <Link href={`mailto:${view.allianceManager.email}`} external={false}>
                      {view.allianceManager.email}
                    </Link>
                  </span>
                ),
              },
              {
                label: 'Trust score',
                value: (
                  <SpaceBetween direction="horizontal" size="xs">
                    <span data-testid="trust-score">{view.trust.score}</span>
                    <Link href={`/partners/${id}/trust`} onFollow={follow}>
                      Trust page
                    </Link>
                  </SpaceBetween>
                ),
              },
              { label: 'Version', value: <span data-testid="partner-version">{view.version}</span> },
              { label: 'Added', value: <Instant iso={view.createdAt} /> },
              { label: 'Last changed', value: <Instant iso={view.updatedAt} /> },
            ]}
          />
        </Container>
        <Table
          header={<Header variant="h2">Contacts</Header>}
          items={view.contacts}
          trackBy="contactId"
          empty={<Box textAlign="center">No contacts.</Box>}
          columnDefinitions={[
            { id: 'name', header: 'Name', cell: (item) => item.name, isRowHeader: true },
            { id: 'role', header: 'Receives notices as', cell: (item) => stageLabel(item.role) },
            { id: 'email', header: 'Email', cell: (item) => item.email },
          ]}
        />
        <Table
          header={
            <Header
              variant="h2"
              description="Each move up or down the stages: applied moves oldest first, then the ones under way."
            >
              Stage history
            </Header>
          }
          loading={history.state === 'loading'}
          loadingText="Loading the stage history"
          items={moves}
          trackBy="changeId"
          empty={
            history.state === 'error' ? (
              <ErrorState problem={history.problem} />
            ) : (
              <Box textAlign="center">No stage moves: {stageLabel(view.stage)} since it was added.</Box>
            )
          }
          columnDefinitions={[
            {
              id: 'move',
              header: 'Move',
              isRowHeader: true,
              cell: (item) => `${stageLabel(item.fromStage)} → ${stageLabel(item.toStage)}`,
            },
            {
              id: 'status',
              header: 'Status',
              cell: (item) => <ChangeStatusBadge status={item.status} />,
            },
            {
              id: 'from',
              header: 'From',
              cell: (item) => <CalendarDay date={item.appliedFrom ?? item.applyAt ?? item.effectiveDate} />,
            },
            { id: 'rationale', header: 'Rationale', cell: (item) => item.rationale },
            {
              id: 'change',
              header: 'Change',
              cell: (item) => (
                <Link href={`/changes/${encodeURIComponent(item.changeId)}`} onFollow={follow}>
                  {item.changeId}
                </Link>
              ),
            },
            { id: 'by', header: 'By', cell: (item) => item.submittedBy },
          ]}
        />
        <Table
          header={
            <Header
              variant="h2"
              description="Every dated entry: a new rate applies from its day, earlier entries stay for the record."
            >
              Rate schedule
            </Header>
          }
          items={view.rateSchedule}
          trackBy={(item) => `${item.scopeKey}:${item.effectiveFrom}:${item.recordedAt}`}
          empty={<Box textAlign="center">No rates recorded.</Box>}
          columnDefinitions={[
            { id: 'scope', header: 'Applies to', cell: (item) => scopeLabel(item.scopeKey) },
            {
              id: 'from',
              header: 'From',
              cell: (item) => <CalendarDay date={item.effectiveFrom} />,
              isRowHeader: true,
            },
            { id: 'rate', header: 'Rate', cell: (item) => percent(item.ratePct) },
            {
              id: 'change',
              header: 'By change',
              cell: (item) =>
                item.changeId ? (
                  <Link href={`/changes/${encodeURIComponent(item.changeId)}`} onFollow={follow}>
                    {item.changeId}
                  </Link>
                ) : (
                  'Opening rate'
                ),
            },
            { id: 'recorded', header: 'Recorded', cell: (item) => <Instant iso={item.recordedAt} /> },
          ]}
        />
        <Table
          header={<Header variant="h2">Changes that touched this partner</Header>}
          loading={changes.state === 'loading'}
          loadingText="Loading changes"
          items={changes.state === 'ready' ? changes.data.items : []}
          trackBy="changeId"
          empty={
            changes.state === 'error' ? (
              <ErrorState problem={changes.problem} />
            ) : (
              <Box textAlign="center">No changes yet.</Box>
            )
          }
          columnDefinitions={[
            {
              id: 'change',
              header: 'Change',
              isRowHeader: true,
              cell: (item) => (
                <Link href={`/changes/${encodeURIComponent(item.changeId)}`} onFollow={follow}>
                  {item.changeId}
                </Link>
              ),
            },
            {
              id: 'status',
              header: 'Status',
              cell: (item) => <ChangeStatusBadge status={item.status as ChangeStatus} />,
            },
            { id: 'rate', header: 'Rate', cell: (item) => rateChange(item.terms) ?? item.summary },
            {
              id: 'effective',
              header: 'Effective',
              cell: (item) => <CalendarDay date={item.effectiveDate} />,
            },
          ]}
        />
        <Table
          header={
            <Header
              variant="h2"
              description="Each event that moved trust, with the rule that priced it and its weight today."
            >
              Trust ledger
            </Header>
          }
          items={view.trust.contributions}
          trackBy="eventId"
          empty={<Box textAlign="center">No trust events yet.</Box>}
          columnDefinitions={[
            { id: 'explanation', header: 'Event', cell: (item) => item.explanation, isRowHeader: true },
            { id: 'points', header: 'Points', cell: (item) => item.points },
            { id: 'now', header: 'Weight today', cell: (item) => `${Math.round(item.weightNow * 100)}%` },
          ]}
        />
      </SpaceBetween>
    </ContentLayout>
  );
}
