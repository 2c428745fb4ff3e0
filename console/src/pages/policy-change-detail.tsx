import BarChart from '@cloudscape-design/components/bar-chart';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import Link from '@cloudscape-design/components/link';
import ProgressBar from '@cloudscape-design/components/progress-bar';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table from '@cloudscape-design/components/table';
import { useEffect, useState } from 'react';
import { useParams, useSearchParams } from 'react-router';
import { type RecipientState, recipientStates } from '../../../functions/policy-changes/rounds.ts';
import { useCursorPages } from '../components/cursor-pages.tsx';
import { CalendarDay, Instant, stageLabel } from '../components/format.tsx';
import {
  livePolicyStatuses,
  PolicyStatusBadge,
  RecipientStateBadge,
  recipientStateLabels,
  segmentText,
} from '../components/policy-status.tsx';
import { EmptyState, ErrorState, LoadingState } from '../components/states.tsx';
import { useLoad } from '../components/use-api.ts';
import { useConsole } from '../context.ts';
import { useFollow } from '../shell.tsx';
import type {
  PolicyChangeView,
  PolicyCoverage,
  PolicyRecipient,
  PolicyRecipientPage,
  PolicyRound,
} from '../types.ts';

/** How often the coverage is read again while the workflow sends, and for how long at most (then a button). */
const POLL_MS = 3000;
const MAX_POLLS = 200;
const PAGE_SIZE = 25;

const roundLabels: Record<PolicyRound['kind'], string> = {
  notice: 'Notice',
  reminder: 'Reminder',
  escalation: 'Escalation',
  withdrawal: 'Withdrawal',
  outcome: 'Outcome',
};

function byStageText(byStage: Record<string, number>): string {
  return Object.entries(byStage)
    .filter(([, count]) => count > 0)
    .map(([stage, count]) => `${stageLabel(stage)} ${count}`)
    .join(', ');
}

function share(part: number, whole: number): number {
  return whole > 0 ? Math.round((part / whole) * 100) : 0;
}

/** The two progress bars, the counts as a bar chart (trends are drawn) and as numbers (read aloud). */
function CoverageSummary({ coverage }: { coverage: PolicyCoverage }) {
  const { targeted, counts, notified } = coverage;
  const acknowledged = counts.acknowledged;
  const bars = recipientStates.map((state) => ({ key: state, label: recipientStateLabels[state] }));
  return (
    <Container
      header={
        <Header
          variant="h2"
          description={`Notice version ${coverage.noticeVersion}: each partner counted once, in the state it is in now.`}
        >
          Coverage
        </Header>
      }
    >
      <SpaceBetween size="l">
        <ColumnLayout columns={2}>
          <div data-testid="acknowledged-progress">
            <ProgressBar
              label="Acknowledged"
              description="Partners who acknowledged the notice (a person, not a mail scanner)."
              value={share(acknowledged, targeted)}
              additionalInfo={`${acknowledged} of ${targeted} partners`}
              ariaLabel={`Acknowledged: ${acknowledged} of ${targeted} partners`}
            />
          </div>
          <div data-testid="notified-progress">
            <ProgressBar
              label="Notified"
              description="Partners whose notice was delivered (delivered, opened, acknowledged or concern raised)."
              value={share(notified, targeted)}
              additionalInfo={`${notified} of ${targeted} partners`}
              ariaLabel={`Notified: ${notified} of ${targeted} partners`}
            />
          </div>
        </ColumnLayout>
        <div data-testid="coverage-chart">
          <BarChart
            series={[
              {
                type: 'bar',
                title: 'Partners',
                data: bars.map((bar) => ({ x: bar.label, y: counts[bar.key] ?? 0 })),
              },
            ]}
            xScaleType="categorical"
            // Lying down, every state's name has room beside its bar, even on a phone (standing, the axis
            // dropped every other name at 390 px).
            horizontalBars
            yDomain={[0, Math.max(1, targeted)]}
            xTitle="State"
            yTitle="Partners"
            // Partners are whole: no tick at 0.5.
            yTickFormatter={(value) => (Number.isInteger(value) ? String(value) : '')}
            height={240}
            hideFilter
            hideLegend
            ariaLabel={`Partners per state, of ${targeted} targeted`}
            empty={
              <Box textAlign="center" color="inherit">
                No partners targeted.
              </Box>
            }
          />
        </div>
        <KeyValuePairs
          columns={4}
          items={[
            { label: 'Targeted', value: targeted },
            ...bars.map((bar) => ({ label: bar.label, value: counts[bar.key] ?? 0 })),
            { label: 'Escalated', value: counts.escalated ?? 0 },
          ]}
        />
      </SpaceBetween>
    </Container>
  );
}

/**
 * Columns keep these widths and a table scrolls sideways inside its container on a phone: squeezed to the
 * screen, wrapLines broke a state or a date mid-word ("Deliv-ered").
 */
const DATE_COLUMN = 190;

function RoundsTable({ rounds }: { rounds: PolicyRound[] }) {
  return (
    <Table<PolicyRound>
      data-testid="policy-rounds"
      variant="container"
      wrapLines
      header={
        <Header
          variant="h2"
          description="Each sending round: the notice, reminders, escalation, the outcome."
        >
          Rounds
        </Header>
      }
      items={rounds}
      trackBy="roundId"
      empty={<EmptyState title="No rounds yet" hint="The notice round starts once the change is approved." />}
      columnDefinitions={[
        {
          id: 'kind',
          header: 'Round',
          isRowHeader: true,
          cell: (item) => roundLabels[item.kind] ?? item.kind,
        },
        { id: 'id', header: 'Id', minWidth: 170, cell: (item) => item.roundId },
        { id: 'partners', header: 'Partners', cell: (item) => item.partners },
        {
          id: 'planned',
          header: 'Planned',
          minWidth: DATE_COLUMN,
          cell: (item) => <Instant iso={item.plannedAt} />,
        },
        {
          id: 'completed',
          header: 'Completed',
          minWidth: DATE_COLUMN,
          cell: (item) => (item.completedAt ? <Instant iso={item.completedAt} /> : 'Sending…'),
        },
        { id: 'failed', header: 'Failed', cell: (item) => item.failedPartners ?? 0 },
      ]}
    />
  );
}

const stateOptions = [
  { value: '', label: 'Any state' },
  ...recipientStates.map((value) => ({ value, label: recipientStateLabels[value] })),
];

function RecipientDetail({ item }: { item: PolicyRecipient }) {
  const parts: string[] = [];
  if (item.deliveredTo?.length) parts.push(`To ${item.deliveredTo.join(', ')}`);
  if (item.failure) parts.push(item.failure);
  if (item.concern) {
    parts.push(`Concern: “${item.concern.text}”`);
    if (item.concern.answer)
      parts.push(`Answered by ${item.concern.answer.by}: “${item.concern.answer.text}”`);
  }
  return <>{parts.length > 0 ? parts.join(' · ') : '—'}</>;
}

/** The partners of the change, filtered by state (kept in the address, so a filtered view can be shared). */
function RecipientsTable({ policyChangeId, refresh }: { policyChangeId: string; refresh: string }) {
  const { api } = useConsole();
  const follow = useFollow();
  const [params, setParams] = useSearchParams();
  const raw = params.get('state') ?? '';
  const state = (recipientStates as readonly string[]).includes(raw) ? (raw as RecipientState) : '';
  const { page, pagination } = useCursorPages(
    state ? { state } : {},
    PAGE_SIZE,
    (query) =>
      api.get<PolicyRecipientPage>(
        `/api/policy-changes/${encodeURIComponent(policyChangeId)}/recipients?${query.toString()}`,
      ),
    refresh,
  );
  return (
    <Table<PolicyRecipient>
      data-testid="policy-recipients"
      variant="container"
      wrapLines
      header={<Header variant="h2">Partners</Header>}
      filter={
        <FormField label="State">
          <Select
            selectedOption={stateOptions.find((option) => option.value === state) ?? stateOptions[0]!}
            options={stateOptions}
            onChange={({ detail }) =>
              setParams(detail.selectedOption.value ? { state: detail.selectedOption.value } : {})
            }
          />
        </FormField>
      }
      pagination={pagination}
      loading={page.state === 'loading'}
      loadingText="Loading the partners"
      items={page.state === 'ready' ? page.data.items : []}
      trackBy="partnerId"
      empty={
        page.state === 'error' ? (
          <ErrorState problem={page.problem} />
        ) : (
          <EmptyState
            title={state ? `No partner is ${recipientStateLabels[state].toLowerCase()}` : 'No partners yet'}
            hint={state ? 'Choose another state.' : 'Partners appear once the notice round is planned.'}
          />
        )
      }
      columnDefinitions={[
        {
          id: 'name',
          header: 'Partner',
          isRowHeader: true,
          minWidth: 170,
          cell: (item) => (
            <Link href={`/partners/${encodeURIComponent(item.partnerId)}`} onFollow={follow}>
              {item.name}
            </Link>
          ),
        },
        {
          id: 'state',
          header: 'State',
          minWidth: 160,
          // Next to the name, so a phone shows it without scrolling the table. Escalation is a mark on top
          // of the state (rounds.ts): shown with it, not as a column of "No".
          cell: (item) => (
            <SpaceBetween size="xxxs">
              <RecipientStateBadge state={item.state} />
              {item.escalated ? <Box variant="small">Escalated</Box> : null}
            </SpaceBetween>
          ),
        },
        {
          id: 'since',
          header: 'Since',
          minWidth: DATE_COLUMN,
          cell: (item) => <Instant iso={item.stateAt} />,
        },
        { id: 'stage', header: 'Stage', minWidth: 130, cell: (item) => stageLabel(item.stage) },
        { id: 'detail', header: 'Detail', minWidth: 260, cell: (item) => <RecipientDetail item={item} /> },
      ]}
    />
  );
}

/**
 * One policy change and how far its notice has reached, live: the coverage is read again every few seconds
 * while the workflow is at work (notifying, notified, withdrawing), and no longer once the status is final.
 */
export default function PolicyChangeDetailPage() {
  const { api, clockVersion } = useConsole();
  const { policyChangeId = '' } = useParams();
  const path = `/api/policy-changes/${encodeURIComponent(policyChangeId)}`;
  const [change] = useLoad(() => api.get<PolicyChangeView>(path), `${path}#${clockVersion}`);
  const [coverage, reloadCoverage] = useLoad(
    () => api.get<PolicyCoverage>(`${path}/coverage`),
    `${path}#${clockVersion}`,
  );
  const [polls, setPolls] = useState(0);
  const status =
    coverage.state === 'ready'
      ? coverage.data.status
      : change.state === 'ready'
        ? change.data.status
        : undefined;
  const live = status !== undefined && livePolicyStatuses.has(status);
  useEffect(() => {
    if (!live || polls >= MAX_POLLS) return;
    const timer = setTimeout(() => {
      setPolls((n) => n + 1);
      reloadCoverage();
    }, POLL_MS);
    return () => clearTimeout(timer);
  }, [live, polls, reloadCoverage]);
  if (change.state === 'loading') return <LoadingState what="the policy change" />;
  if (change.state === 'error')
    return <ErrorState problem={change.problem} header="This policy change could not be loaded" />;
  const view = change.data;
  const takesEffectAt = coverage.state === 'ready' ? coverage.data.takesEffectAt : undefined;
  return (
    <ContentLayout
      header={
        <Header variant="h1" description={view.summary}>
          {view.title}
        </Header>
      }
    >
      <SpaceBetween size="l">
        <Container
          header={
            <Header
              variant="h2"
              description={
                live
                  ? polls < MAX_POLLS
                    ? 'Updating every few seconds while partners are being told and answering.'
                    : 'Updates paused.'
                  : undefined
              }
              actions={
                live && polls >= MAX_POLLS ? (
                  <Button iconName="refresh" onClick={() => setPolls(0)}>
                    Resume updates
                  </Button>
                ) : undefined
              }
            >
              Policy change
            </Header>
          }
        >
          <KeyValuePairs
            columns={3}
            items={[
              {
                label: 'Status',
                value: (
                  <span data-testid="policy-status">
                    <PolicyStatusBadge status={status ?? view.status} />
                  </span>
                ),
              },
              { label: 'Effective date', value: <CalendarDay date={view.effectiveDate} /> },
              {
                label: 'Takes effect',
                value: takesEffectAt ? <Instant iso={takesEffectAt} /> : 'Once the notice is sent',
              },
              { label: 'Segment', value: segmentText(view.segment) },
              {
                label: 'Partners targeted',
                value: `${view.targeted} (${byStageText(view.byStage)})`,
              },
              {
                label: 'Kind',
                value: view.adverse ? `Adverse, ${view.noticeDays} days’ notice` : 'Favourable, no notice',
              },
              { label: 'Submitted', value: `${view.submittedBy}` },
              { label: 'Submitted at', value: <Instant iso={view.submittedAt} /> },
              { label: 'Id', value: view.policyChangeId },
              ...(view.decision
                ? [
                    {
                      label: 'Decision',
                      value: `${view.decision.outcome} by ${view.decision.by}: ${view.decision.comment}`,
                    },
                  ]
                : []),
              ...(view.document
                ? [
                    {
                      label: 'Document',
                      value: (
                        <Link href={view.document.uri} external>
                          The published policy
                        </Link>
                      ),
                    },
                  ]
                : []),
            ]}
          />
        </Container>
        {coverage.state === 'loading' ? <LoadingState what="the coverage" /> : null}
        {coverage.state === 'error' ? (
          <ErrorState problem={coverage.problem} header="The coverage could not be loaded" />
        ) : null}
        {/* Two children of their own (not a fragment), so SpaceBetween spaces them. */}
        {coverage.state === 'ready' ? <CoverageSummary coverage={coverage.data} /> : null}
        {coverage.state === 'ready' ? <RoundsTable rounds={coverage.data.rounds} /> : null}
        <RecipientsTable policyChangeId={policyChangeId} refresh={`${clockVersion}#${polls}`} />
      </SpaceBetween>
    </ContentLayout>
  );
}
