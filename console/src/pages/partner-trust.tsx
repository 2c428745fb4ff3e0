import Box from '@cloudscape-design/components/box';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import Link from '@cloudscape-design/components/link';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table from '@cloudscape-design/components/table';
import { useParams } from 'react-router';
import { CalendarDay, Instant, stageLabel } from '../components/format.tsx';
import { ErrorState, LoadingState } from '../components/states.tsx';
import { TrustChart } from '../components/trust-chart.tsx';
import { useLoad } from '../components/use-api.ts';
import { useConsole } from '../context.ts';
import { useFollow } from '../shell.tsx';
import type { PartnerTrust as Trust } from '../types.ts';

const signed = (value: number) => `${value > 0 ? '+' : ''}${value.toFixed(2)}`;

/** What caused a ledger entry: the change it belongs to as a link, else the step's own name and id. */
function Source({
  item,
  follow,
}: {
  item: Trust['contributions'][number];
  follow: ReturnType<typeof useFollow>;
}) {
  const type = item.source?.type ?? item.rule;
  if (item.changeId)
    return (
      <Link href={`/changes/${encodeURIComponent(item.changeId)}`} onFollow={follow}>
        {type} · {item.changeId}
      </Link>
    );
  return <span>{item.source ? `${type} · ${item.source.id}` : type}</span>;
}

/** A partner's trust: the score over time with its events, the ledger that explains it, and what is open. */
export default function PartnerTrust() {
  const { api, clockVersion } = useConsole();
  const follow = useFollow();
  const { partnerId = '' } = useParams();
  const id = encodeURIComponent(partnerId);
  const [trust] = useLoad(
    () => api.get<Trust>(`/api/partners/${id}/trust`),
    `trust:${partnerId}#${clockVersion}`,
  );
  if (trust.state === 'loading') return <LoadingState what="the partner's trust" />;
  if (trust.state === 'error')
    return <ErrorState problem={trust.problem} header="This trust page could not be loaded" />;
  const view = trust.data;
  const ledger = [...view.contributions].sort((a, b) => b.at.localeCompare(a.at));
  return (
    <ContentLayout
      header={
        <Header
          variant="h1"
          description={`${stageLabel(view.stage)} stage · score ${view.score} under rules ${view.rulesVersion}`}
        >
          Trust:{' '}
          <Link href={`/partners/${id}`} onFollow={follow} fontSize="inherit">
            {view.name}
          </Link>
        </Header>
      }
    >
      <SpaceBetween size="l">
        <Container header={<Header variant="h2">Relationship</Header>}>
          <KeyValuePairs
            columns={4}
            items={[
              { label: 'Trust score', value: <span data-testid="trust-score">{view.score}</span> },
              { label: 'Stage', value: stageLabel(view.stage) },
              { label: 'Starting score', value: view.startingScore },
              { label: 'As of', value: <Instant iso={view.at} /> },
            ]}
          />
        </Container>
        <ColumnLayout columns={2} minColumnWidth={420}>
          <Container header={<Header variant="h2">Score over time</Header>}>
            <TrustChart trust={view} />
          </Container>
          <Table
            data-testid="trust-ledger"
            variant="container"
            wrapLines
            header={
              <Header
                variant="h2"
                counter={`(${ledger.length})`}
                description="Each event that moved trust: the rule that priced it, its points then and now (after decay)."
              >
                Ledger
              </Header>
            }
            items={ledger}
            trackBy="eventId"
            empty={<Box textAlign="center">No trust events yet.</Box>}
            columnDefinitions={[
              { id: 'rule', header: 'Rule', isRowHeader: true, cell: (item) => item.explanation },
              { id: 'points', header: 'Points', cell: (item) => signed(item.points) },
              { id: 'now', header: 'Points now', cell: (item) => signed(item.pointsNow) },
              { id: 'at', header: 'Date', cell: (item) => <CalendarDay date={item.at.slice(0, 10)} /> },
              { id: 'source', header: 'Source', cell: (item) => <Source item={item} follow={follow} /> },
            ]}
          />
        </ColumnLayout>
        <ColumnLayout columns={2} minColumnWidth={320}>
          <Table
            data-testid="trust-open-changes"
            variant="container"
            wrapLines
            header={
              <Header variant="h2" counter={`(${view.openChanges.length})`}>
                Open changes
              </Header>
            }
            items={view.openChanges}
            trackBy="changeId"
            empty={<Box textAlign="center">No open change.</Box>}
            columnDefinitions={[
              {
                id: 'change',
                header: 'Change',
                isRowHeader: true,
                cell: (item) => (
                  <Link href={`/changes/${encodeURIComponent(item.changeId)}`} onFollow={follow}>
                    {item.summary || item.changeId}
                  </Link>
                ),
              },
              { id: 'status', header: 'Status', cell: (item) => item.status },
              {
                id: 'effective',
                header: 'Effective',
                cell: (item) => <CalendarDay date={item.effectiveDate} />,
              },
            ]}
          />
          <Table
            data-testid="trust-open-disputes"
            variant="container"
            wrapLines
            header={
              <Header variant="h2" counter={`(${view.openDisputes.length})`}>
                Open disputes
              </Header>
            }
            items={view.openDisputes}
            trackBy="changeId"
            empty={<Box textAlign="center">No open dispute.</Box>}
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
              { id: 'raised', header: 'Raised', cell: (item) => <Instant iso={item.raisedAt} /> },
              {
                id: 'due',
                header: 'Answer due',
                cell: (item) => (item.dueAt ? <Instant iso={item.dueAt} /> : '—'),
              },
            ]}
          />
        </ColumnLayout>
      </SpaceBetween>
    </ContentLayout>
  );
}
