import Alert from '@cloudscape-design/components/alert';
import Button from '@cloudscape-design/components/button';
import ContentLayout from '@cloudscape-design/components/content-layout';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Link from '@cloudscape-design/components/link';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table from '@cloudscape-design/components/table';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { relationshipStages } from '../../../functions/domain/relationship-stage.ts';
import { useCursorPages } from '../components/cursor-pages.tsx';
import { Instant, stageLabel } from '../components/format.tsx';
import { EmptyState, ErrorState } from '../components/states.tsx';
import { useLoad } from '../components/use-api.ts';
import { useConsole } from '../context.ts';
import { useFollow } from '../shell.tsx';
import type { TrustHealth, TrustPortfolio, TrustPortfolioRow } from '../types.ts';

const PAGE_SIZE = 50;
const orNone = (value: number | null, unit = '') => (value === null ? '—' : `${value}${unit}`);

/** The relationship health per stage: what the portfolio below adds up to. */
function HealthSummary() {
  const { api, clockVersion } = useConsole();
  const [health] = useLoad(() => api.get<TrustHealth>('/api/trust/health'), `health#${clockVersion}`);
  return (
    <Table<TrustHealth['stages'][number]>
      data-testid="trust-health"
      variant="container"
      header={
        <Header
          variant="h2"
          description="Per stage: the average score, adverse changes applied with the full notice, disputes resolved."
        >
          Relationship health
        </Header>
      }
      loading={health.state === 'loading'}
      loadingText="Loading relationship health"
      items={health.state === 'ready' ? health.data.stages : []}
      trackBy="stage"
      empty={health.state === 'error' ? <ErrorState problem={health.problem} /> : null}
      columnDefinitions={[
        { id: 'stage', header: 'Stage', isRowHeader: true, cell: (item) => stageLabel(item.stage) },
        { id: 'partners', header: 'Partners', cell: (item) => item.partners },
        { id: 'score', header: 'Average score', cell: (item) => orNone(item.averageScore) },
        { id: 'notice', header: 'Notice kept', cell: (item) => orNone(item.noticeKeptPct, ' %') },
        {
          id: 'disputes',
          header: 'Disputes resolved',
          cell: (item) => orNone(item.disputesResolvedPct, ' %'),
        },
      ]}
    />
  );
}

/** Every partner by trust, the ones needing care first, with a CSV of the same list. */
export default function TrustPortfolioPage() {
  const { api, clockVersion } = useConsole();
  const follow = useFollow();
  const [params, setParams] = useSearchParams();
  const stage = params.get('stage') ?? '';
  const filters: Record<string, string> = stage ? { stage } : {};
  const { page, pagination } = useCursorPages(
    filters,
    PAGE_SIZE,
    (query) => api.get<TrustPortfolio>(`/api/trust/portfolio?${query.toString()}`),
    String(clockVersion),
  );
  const [downloading, setDownloading] = useState(false);
  const [downloadError, setDownloadError] = useState<string>();
  async function download() {
    setDownloading(true);
    setDownloadError(undefined);
    try {
      const answer = await api.text(`/api/trust/portfolio.csv${stage ? `?stage=${stage}` : ''}`);
      if (!answer.ok) {
        setDownloadError(answer.problem.message);
        return;
      }
      const url = URL.createObjectURL(new Blob([answer.data], { type: 'text/csv' }));
      const anchor = document.createElement('a');
      anchor.href = url;
      anchor.download = `trust-portfolio${stage ? `-${stage}` : ''}.csv`;
      anchor.click();
      URL.revokeObjectURL(url);
    } finally {
      setDownloading(false);
    }
  }
  const stageOptions = relationshipStages.map((value) => ({ value, label: stageLabel(value) }));
  return (
    <ContentLayout
      header={
        <Header
          variant="h1"
          description="Every partner by trust score, lowest first: the relationships that need care come first."
          actions={
            <Button iconName="download" loading={downloading} onClick={download}>
              Download CSV
            </Button>
          }
        >
          Trust portfolio
        </Header>
      }
    >
      <SpaceBetween size="l">
        {downloadError ? (
          <Alert type="error" statusIconAriaLabel="Error" header="The CSV could not be downloaded">
            {downloadError}
          </Alert>
        ) : null}
        <HealthSummary />
        <Table<TrustPortfolioRow>
          data-testid="trust-portfolio"
          variant="container"
          wrapLines
          header={
            <Header variant="h2" description="Sorted by score, lowest first.">
              Partners by trust
            </Header>
          }
          filter={
            <FormField label="Stage">
              <Select
                selectedOption={stageOptions.find((option) => option.value === stage) ?? null}
                placeholder="Any stage"
                options={[{ value: '', label: 'Any stage' }, ...stageOptions]}
                onChange={({ detail }) =>
                  setParams(detail.selectedOption.value ? { stage: detail.selectedOption.value } : {})
                }
              />
            </FormField>
          }
          pagination={pagination}
          loading={page.state === 'loading'}
          loadingText="Loading the portfolio"
          items={page.state === 'ready' ? page.data.partners : []}
          trackBy="partnerId"
          empty={
            page.state === 'error' ? (
              <ErrorState problem={page.problem} />
            ) : (
              <EmptyState
                title="No partners"
                hint={stage ? 'Choose another stage.' : 'Add partners to the directory.'}
              />
            )
          }
          columnDefinitions={[
            {
              id: 'name',
              header: 'Partner',
              isRowHeader: true,
              cell: (item) => (
                <Link href={`/partners/${encodeURIComponent(item.partnerId)}`} onFollow={follow}>
                  {item.name}
                </Link>
              ),
            },
            {
              id: 'score',
              header: 'Score',
              cell: (item) => (
                <Link
                  href={`/partners/${encodeURIComponent(item.partnerId)}/trust`}
                  onFollow={follow}
                  ariaLabel={`Trust page of ${item.name}: score ${item.score}`}
                >
                  {item.score}
                </Link>
              ),
            },
            { id: 'stage', header: 'Stage', cell: (item) => stageLabel(item.stage) },
            {
              id: 'last',
              header: 'Last change',
              cell: (item) => (item.lastChangeAt ? <Instant iso={item.lastChangeAt} /> : 'Never'),
            },
            { id: 'disputes', header: 'Open disputes', cell: (item) => item.openDisputes },
          ]}
        />
      </SpaceBetween>
    </ContentLayout>
  );
}
