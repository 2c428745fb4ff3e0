import { useCollection } from '@cloudscape-design/collection-hooks';
import Box from '@cloudscape-design/components/box';
import Header from '@cloudscape-design/components/header';
import Link from '@cloudscape-design/components/link';
import Pagination from '@cloudscape-design/components/pagination';
import Table from '@cloudscape-design/components/table';
import TextFilter from '@cloudscape-design/components/text-filter';
import { percent } from '../components/format.tsx';
import { ErrorState } from '../components/states.tsx';
import { useLoad } from '../components/use-api.ts';
import { useConsole } from '../context.ts';
import { pageLabels, useFollow } from '../shell.tsx';
import type { PartnerSummary } from '../types.ts';

export default function Partners() {
  const { api } = useConsole();
  const follow = useFollow();
  const [partners] = useLoad(
    () => api.get<{ partners: PartnerSummary[] }>('/api/partners?limit=200'),
    'partners',
  );
  const all = partners.state === 'ready' ? partners.data.partners : [];
  // The first 200 partners (the API's largest page); filtering, sorting and paging happen here.
  const { items, collectionProps, filterProps, paginationProps, filteredItemsCount } = useCollection(all, {
    filtering: {
      empty: <Box textAlign="center">No partners yet.</Box>,
      noMatch: <Box textAlign="center">No partner matches this filter.</Box>,
    },
    sorting: { defaultState: { sortingColumn: { sortingField: 'name' } } },
    pagination: { pageSize: 25 },
  });
  return (
    <Table<PartnerSummary>
      {...collectionProps}
      variant="full-page"
      header={
        <Header
          variant="awsui-h1-sticky"
          counter={partners.state === 'ready' ? `(${all.length})` : undefined}
          description="Each partner's stage and the partner-wide rate in force today."
        >
          Partners
        </Header>
      }
      filter={
        <TextFilter
          {...filterProps}
          filteringPlaceholder="Find a partner"
          countText={`${filteredItemsCount ?? 0} matches`}
        />
      }
      pagination={<Pagination {...paginationProps} ariaLabels={pageLabels} />}
      loading={partners.state === 'loading'}
      loadingText="Loading partners"
      items={items}
      trackBy="partnerId"
      empty={partners.state === 'error' ? <ErrorState problem={partners.problem} /> : collectionProps.empty}
      columnDefinitions={[
        {
          id: 'name',
          header: 'Partner',
          sortingField: 'name',
          isRowHeader: true,
          cell: (item) => (
            <Link href={`/partners/${encodeURIComponent(item.partnerId)}`} onFollow={follow}>
              {item.name}
            </Link>
          ),
        },
        { id: 'stage', header: 'Stage', sortingField: 'stage', cell: (item) => item.stage },
        {
          id: 'rate',
          header: 'Current rate',
          sortingField: 'currentRatePct',
          cell: (item) => percent(item.currentRatePct),
        },
      ]}
    />
  );
}
