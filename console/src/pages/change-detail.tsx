import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import Link from '@cloudscape-design/components/link';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import { useEffect, useState } from 'react';
import { useParams } from 'react-router';
import type { ChangeStatus } from '../../../functions/domain/lifecycle.ts';
import { terminalStatuses } from '../../../functions/domain/lifecycle.ts';
import { relationshipStages, stageLabel } from '../../../functions/domain/relationship-stage.ts';
import type { handoverView } from '../../../functions/reassignments/handover-view.ts';
import { ActionModal, type ActionSpec } from '../components/action-modal.tsx';
import { EvidenceDownload } from '../components/evidence-download.tsx';
import { CalendarDay, ChangeStatusBadge, Instant, rateChange } from '../components/format.tsx';
import { LifecycleDiagram } from '../components/lifecycle-diagram.tsx';
import { ErrorState, LoadingState } from '../components/states.tsx';
import { useLoad } from '../components/use-api.ts';
import { type ConsoleContext, useConsole } from '../context.ts';
import { useFollow } from '../shell.tsx';
import type { ChangeView } from '../types.ts';

/** Statuses the workflow leaves by itself within moments: the page looks again until it has moved on. */
const passing: ReadonlySet<ChangeStatus> = new Set(['notice-due']);
const POLL_MS = 1000;
/** Enough for a notice to go out locally; after that the page stops looking and says so. */
const MAX_POLLS = 15;

/** The timeline's entry types in words. */
function eventLabel(type: string): string {
  const text = type.replace(/[-_.]/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A reassignment's handover, as its change view carries it (the kind's extras). */
type HandoverView = ReturnType<typeof handoverView>;
const handoverOf = (change: ChangeView) => (change as { handover?: HandoverView }).handover;

function actionsFor(
  change: ChangeView,
  context: ConsoleContext,
): { id: string; label: string; spec: ActionSpec; primary?: boolean }[] {
  const { session, api } = context;
  const has = (role: string) => session.roles.some((item) => item === role);
  const id = encodeURIComponent(change.changeId);
  const status = change.status as ChangeStatus;
  const actions: { id: string; label: string; spec: ActionSpec; primary?: boolean }[] = [];
  const disputeOpen = change.dispute !== undefined && change.dispute.resolution === undefined;
  const stageMove = change.kind === 'stage-move';
  // Maker-checker: the API refuses an approval of one's own change; the console does not offer it.
  if (has('approver') && status === 'awaiting-approval' && change.submittedBy !== session.userId) {
    actions.push({
      id: 'approve',
      label: 'Approve or reject',
      primary: true,
      spec: {
        title: 'Approve or reject this change',
        consequence:
          'Approving lets the notice go to the partner (after consultation where the stage needs it). Rejecting ends the change. Your comment is recorded in the audit trail and sent to the submitter.',
        confirmLabel: 'Record decision',
        fields: [
          {
            name: 'decision',
            label: 'Decision',
            kind: 'choice',
            options: [
              { value: 'approve', label: 'Approve' },
              { value: 'reject', label: 'Reject' },
            ],
          },
          { name: 'comment', label: 'Comment', kind: 'textarea' },
        ],
        initial: { decision: 'approve' },
        submit: (values) =>
          api.post(`/api/changes/${id}/approval`, {
            decision: values.decision,
            comment: values.comment ?? '',
          }),
      },
    });
  }
  if (has('partner-manager') && status === 'awaiting-consultation') {
    actions.push({
      id: 'consultation',
      label: 'Record consultation',
      primary: true,
      spec: {
        title: 'Record the consultation',
        consequence: 'The notice goes to the partner once the consultation held with them is recorded.',
        confirmLabel: 'Record consultation',
        fields: [
          { name: 'heldOn', label: 'Held on', kind: 'date' },
          {
            name: 'participants',
            label: 'Participants',
            kind: 'text',
            description: 'Names, separated by commas.',
          },
          {
            name: 'summary',
            label: 'Summary',
            kind: 'textarea',
            description: 'What was discussed and what the partner said.',
          },
        ],
        submit: (values) =>
          api.post(`/api/changes/${id}/consultation`, {
            heldOn: values.heldOn ?? '',
            participants: (values.participants ?? '')
              .split(',')
              .map((name) => name.trim())
              .filter(Boolean),
            summary: values.summary ?? '',
          }),
      },
    });
  }
  if ((has('partner-manager') || has('finance')) && disputeOpen) {
    actions.push({
      id: 'resolve-dispute',
      label: 'Resolve dispute',
      primary: true,
      spec: {
        title: 'Resolve the partner’s concern',
        consequence:
          'Your answer is emailed to the partner. Upheld keeps the change; revised sends a new notice version; withdrawn ends the change.',
        confirmLabel: 'Resolve',
        fields: [
          {
            name: 'outcome',
            label: 'Outcome',
            kind: 'choice',
            options: [
              { value: 'upheld', label: 'Upheld', description: 'The change goes ahead as announced.' },
              { value: 'revised', label: 'Revised', description: 'New terms, new notice.' },
              { value: 'withdrawn', label: 'Withdrawn', description: 'The change will not happen.' },
            ],
          },
          { name: 'answer', label: 'Answer to the partner', kind: 'textarea' },
          // The revised terms are the kind's (its revision schema): a stage for a stage move, else a rate.
          stageMove
            ? {
                name: 'toStage',
                label: 'Revised new stage',
                kind: 'choice',
                options: relationshipStages.map((stage) => ({ value: stage, label: stageLabel(stage) })),
              }
            : { name: 'newRatePct', label: 'Revised new rate (%)', kind: 'number' },
          { name: 'rationale', label: 'Rationale of the revised notice', kind: 'textarea' },
        ],
        initial: { outcome: 'upheld', rationale: change.rationale },
        visible: (name, values) =>
          !['newRatePct', 'toStage', 'rationale'].includes(name) || values.outcome === 'revised',
        submit: (values) =>
          api.post(
            `/api/changes/${id}/dispute-resolution`,
            values.outcome === 'revised'
              ? {
                  outcome: 'revised',
                  answer: values.answer ?? '',
                  revision: stageMove
                    ? { toStage: values.toStage }
                    : {
                        newRatePct:
                          values.newRatePct === undefined || values.newRatePct === ''
                            ? undefined
                            : Number(values.newRatePct),
                      },
                  rationale: values.rationale ?? '',
                }
              : { outcome: values.outcome, answer: values.answer ?? '' },
          ),
      },
    });
  }
  if (has('partner-manager') && (status === 'escalated' || status === 'held')) {
    actions.push({
      id: 'resolve-escalation',
      label: 'Resolve escalation',
      primary: true,
      spec: {
        title: 'Resolve the escalation',
        consequence:
          'The partner has not acknowledged. Proceed applies the change at its date; withdraw ends it and tells the partner.',
        confirmLabel: 'Resolve',
        fields: [
          {
            name: 'outcome',
            label: 'Outcome',
            kind: 'choice',
            options: [
              { value: 'proceed', label: 'Proceed' },
              { value: 'withdraw', label: 'Withdraw' },
            ],
          },
          {
            name: 'note',
            label: 'What was agreed with the partner, or why it is withdrawn',
            kind: 'textarea',
          },
        ],
        initial: { outcome: 'proceed' },
        submit: (values) =>
          api.post(`/api/changes/${id}/escalation-resolution`, {
            outcome: values.outcome,
            note: values.note ?? '',
          }),
      },
    });
  }
  if ((has('finance') || has('partner-manager')) && status === 'workflow-failed') {
    actions.push({
      id: 'retry',
      label: 'Retry workflow',
      spec: {
        title: 'Retry the workflow',
        consequence: 'The workflow starts again from where it failed. Do this after fixing the cause.',
        confirmLabel: 'Retry',
        fields: [],
        submit: () => api.post(`/api/changes/${id}/retry`, {}),
      },
    });
  }
  // The outgoing or the incoming manager of a reassignment, once the partner is told: their handover note.
  const handover = handoverOf(change);
  const side = handover
    ? (['outgoing', 'incoming'] as const).find((item) => handover[item].userId === session.userId)
    : undefined;
  if (
    has('partner-manager') &&
    handover &&
    side &&
    handover[side].note === undefined &&
    change.openTasks.some((task) => task.task === 'record-handover' && task.who === session.userId)
  ) {
    actions.push({
      id: 'handover',
      label: 'Record handover',
      primary: true,
      spec: {
        title: `Record your handover (${side} manager)`,
        consequence: 'Recorded once and kept as written; the other manager and staff see it on this change.',
        confirmLabel: 'Record handover',
        fields: [
          {
            name: 'note',
            label: 'Handover note',
            kind: 'textarea',
            description: 'What was handed over: open topics, contacts introduced, the first joint call.',
          },
        ],
        submit: (values) => api.post(`/api/changes/${id}/handover`, { note: values.note ?? '' }),
      },
    });
  }
  if (
    (has('finance') || has('partner-manager')) &&
    !terminalStatuses.has(status) &&
    status !== 'workflow-failed'
  ) {
    actions.push({
      id: 'withdraw',
      label: 'Withdraw',
      spec: {
        title: 'Withdraw this change',
        consequence: 'The change will not take effect. Everyone already notified is told, with your reason.',
        confirmLabel: 'Withdraw change',
        fields: [{ name: 'reason', label: 'Reason (told to the partner)', kind: 'textarea' }],
        submit: (values) => api.post(`/api/changes/${id}/withdrawal`, { reason: values.reason ?? '' }),
      },
    });
  }
  return actions;
}

/** The partner's notice page, as the partner sees it, in a frame that can neither run script nor submit. */
function NoticePreview({ changeId, version }: { changeId: string; version: string }) {
  const { api } = useConsole();
  const [page] = useLoad(
    () => api.text(`/api/changes/${encodeURIComponent(changeId)}/notice`),
    `${changeId}#${version}`,
  );
  if (page.state === 'loading') return <LoadingState what="the notice" />;
  if (page.state === 'error')
    return <ErrorState problem={page.problem} header="The notice could not be shown" />;
  return (
    <iframe
      title="The notice as the partner sees it"
      sandbox=""
      srcDoc={page.data}
      style={{ width: '100%', height: '44rem', border: '1px solid #c6c6cd', borderRadius: '8px' }}
    />
  );
}

export default function ChangeDetail() {
  const context = useConsole();
  const { api, clockVersion, refreshClock } = context;
  const follow = useFollow();
  const { changeId = '' } = useParams();
  const [change, reload] = useLoad(
    () => api.get<ChangeView>(`/api/changes/${encodeURIComponent(changeId)}`),
    `${changeId}#${clockVersion}`,
  );
  const [action, setAction] = useState<ActionSpec>();
  const [polls, setPolls] = useState(0);
  const [done, setDone] = useState<string>();
  const status = change.state === 'ready' ? (change.data.status as ChangeStatus) : undefined;
  useEffect(() => {
    if (!status || !passing.has(status) || polls >= MAX_POLLS) return;
    const timer = setTimeout(() => {
      setPolls((n) => n + 1);
      reload();
    }, POLL_MS);
    return () => clearTimeout(timer);
  }, [status, polls, reload]);
  if (change.state === 'loading') return <LoadingState what="the change" />;
  if (change.state === 'error')
    return <ErrorState problem={change.problem} header="This change could not be loaded" />;
  const view = change.data;
  const terms = view.terms as Record<string, unknown>;
  const actions = actionsFor(view, context);
  const ack = view.acknowledgement;
  const handover = handoverOf(view);
  return (
    <ContentLayout
      header={
        <Header
          variant="h1"
          description={view.summary}
          actions={
            <SpaceBetween direction="horizontal" size="xs">
              {actions.map((item) => (
                <Button
                  key={item.id}
                  variant={item.primary ? 'primary' : 'normal'}
                  onClick={() => setAction(item.spec)}
                >
                  {item.label}
                </Button>
              ))}
            </SpaceBetween>
          }
        >
          {view.partnerName ?? view.partnerId}: {view.changeId}
        </Header>
      }
    >
      <SpaceBetween size="l">
        {done ? (
          <StatusIndicator type="success">
            <span role="status">{done}</span>
          </StatusIndicator>
        ) : null}
        <Container header={<Header variant="h2">Where it stands</Header>}>
          <SpaceBetween size="m">
            <ColumnLayout columns={3} variant="text-grid">
              <KeyValuePairs
                items={[
                  { label: 'Status', value: <ChangeStatusBadge status={view.status as ChangeStatus} /> },
                ]}
              />
              <KeyValuePairs
                items={[
                  {
                    label: 'Next deadline',
                    value: view.nextDeadline ? (
                      <span>
                        {view.nextDeadline.what} · <Instant iso={view.nextDeadline.at} />
                      </span>
                    ) : (
                      'None'
                    ),
                  },
                ]}
              />
              <KeyValuePairs
                items={[
                  {
                    label: 'Open tasks',
                    value:
                      view.openTasks.length === 0
                        ? 'None'
                        : view.openTasks.map((task) => (
                            <div key={`${task.task}#${task.who}`}>
                              {eventLabel(task.task)} — {task.who}
                              {task.dueAt ? (
                                <>
                                  {' '}
                                  by <Instant iso={task.dueAt} />
                                </>
                              ) : null}
                            </div>
                          )),
                  },
                ]}
              />
            </ColumnLayout>
            <LifecycleDiagram status={view.status as ChangeStatus} />
          </SpaceBetween>
        </Container>
        <Container header={<Header variant="h2">Terms</Header>}>
          <KeyValuePairs
            columns={3}
            items={[
              {
                label: 'Partner',
                value: (
                  <Link href={`/partners/${encodeURIComponent(view.partnerId)}`} onFollow={follow}>
                    {view.partnerName ?? view.partnerId}
                  </Link>
                ),
              },
              { label: 'Stage', value: view.stage },
              // A kind without a rate (a stage move) shows its terms in its own words.
              rateChange(terms)
                ? { label: 'Rate', value: rateChange(terms) }
                : { label: 'Change', value: view.summary },
              { label: 'Adverse for the partner', value: view.adverse ? 'Yes' : 'No' },
              { label: 'Effective date (asked)', value: <CalendarDay date={view.effectiveDate} /> },
              {
                label: 'Applies from',
                value: view.applyAt ? (
                  <CalendarDay date={view.applyAt} />
                ) : (
                  'Set when the notice is delivered'
                ),
              },
              { label: 'Notice period', value: `${view.noticePeriodDays} days` },
              { label: 'Emergency', value: view.emergency ? view.emergency.justification : 'No' },
              {
                label: 'Submitted',
                value: (
                  <span>
                    {view.submittedBy} · <Instant iso={view.submittedAt} />
                  </span>
                ),
              },
              ...(ack ? [{ label: 'Acknowledged', value: <Instant iso={ack.acknowledgedAt} /> }] : []),
            ]}
          />
        </Container>
        {handover ? (
          <Container header={<Header variant="h2">Handover</Header>}>
            <KeyValuePairs
              columns={2}
              items={(['outgoing', 'incoming'] as const).map((item) => ({
                label: `${item === 'outgoing' ? 'Outgoing' : 'Incoming'} manager: ${handover[item].name}`,
                value:
                  handover[item].note === undefined ? (
                    'Not recorded yet'
                  ) : (
                    <span>
                      {handover[item].note} · <Instant iso={handover[item].recordedAt ?? ''} />
                    </span>
                  ),
              }))}
            />
          </Container>
        ) : null}
        <ColumnLayout columns={2}>
          <Container
            header={
              <Header variant="h2" description="Shown to the partner verbatim.">
                Rationale
              </Header>
            }
          >
            <Box variant="p">{view.rationale}</Box>
          </Container>
          <Container
            header={
              <Header variant="h2" description="Never shown to the partner.">
                Internal note
              </Header>
            }
          >
            <Box variant="p">{view.internalNote ?? '—'}</Box>
          </Container>
        </ColumnLayout>
        {view.dispute ? (
          <Container header={<Header variant="h2">Partner’s concern</Header>}>
            <KeyValuePairs
              columns={3}
              items={[
                { label: 'Raised', value: <Instant iso={view.dispute.raisedAt} /> },
                { label: 'Owner', value: view.dispute.owner.name },
                {
                  label: view.dispute.resolution ? 'Resolved' : 'Answer due',
                  value: view.dispute.resolution ? (
                    `${view.dispute.resolution.outcome} by ${view.dispute.resolution.by}`
                  ) : (
                    <Instant iso={view.dispute.dueAt} />
                  ),
                },
              ]}
            />
            <Box variant="p">“{view.dispute.comment}”</Box>
          </Container>
        ) : null}
        <Container
          header={
            <Header
              variant="h2"
              description="From the hash-chained audit trail; the evidence pack adds the proof and its verification."
              actions={<EvidenceDownload change={view} />}
            >
              Timeline
            </Header>
          }
        >
          {view.timeline.length === 0 ? (
            <Box color="text-status-inactive">Nothing recorded yet.</Box>
          ) : (
            <ol style={{ listStyle: 'none', padding: 0, margin: 0 }} aria-label="Timeline">
              {view.timeline.map((entry) => (
                <li
                  key={entry.seq}
                  style={{
                    display: 'flex',
                    gap: '1rem',
                    padding: '0.4rem 0',
                    borderBottom: '1px solid #e9ebed',
                    flexWrap: 'wrap',
                  }}
                >
                  <span style={{ minWidth: '12rem' }}>
                    <Instant iso={entry.at} />
                  </span>
                  <strong>{eventLabel(entry.type)}</strong>
                  <span style={{ color: '#5f6b7a' }}>by {entry.actor}</span>
                </li>
              ))}
            </ol>
          )}
        </Container>
        <Container
          header={
            <Header
              variant="h2"
              description="Exactly the page the partner opens from the email (the buttons do nothing here)."
            >
              Notice
            </Header>
          }
        >
          {view.noticeId ? (
            <NoticePreview changeId={view.changeId} version={String(view.notice?.version ?? '')} />
          ) : (
            <Box color="text-status-inactive">
              No notice yet: it is sent after approval
              {view.stage === 'collaborative' || view.stage === 'partnership' ? ' and consultation' : ''}.
            </Box>
          )}
        </Container>
      </SpaceBetween>
      {action ? (
        <ActionModal
          spec={action}
          onClose={() => setAction(undefined)}
          onDone={() => {
            setDone(`${action.title}: done.`);
            setAction(undefined);
            setPolls(0);
            refreshClock();
            reload();
          }}
        />
      ) : null}
    </ContentLayout>
  );
}
