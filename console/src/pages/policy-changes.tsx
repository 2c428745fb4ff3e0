import Header from '@cloudscape-design/components/header';
import Link from '@cloudscape-design/components/link';
import Table from '@cloudscape-design/components/table';
import { useCursorPages } from '../components/cursor-pages.tsx';
import { CalendarDay } from '../components/format.tsx';
import { PolicyStatusBadge } from '../components/policy-status.tsx';
import { EmptyState, ErrorState } from '../components/states.tsx';
import { useConsole } from '../context.ts';
import { useFollow } from '../shell.tsx';
import type { PolicyChangePage, PolicyChangeView } from '../types.ts';

const PAGE_SIZE = 25;

/** Every program policy change, newest first, a page at a time: what it is, how far it is, whom it reaches. */
export default function PolicyChangesPage() {
  const { api, clockVersion } = useConsole();
  const follow = useFollow();
  const { page, pagination } = useCursorPages(
    {},
    PAGE_SIZE,
    (query) => api.get<PolicyChangePage>(`/api/policy-changes?${query.toString()}`),
    String(clockVersion),
  );
  return (
    <Table<PolicyChangeView>
      data-testid="policy-changes"
      variant="full-page"
      wrapLines
      header={
        <Header
          variant="h1"
          description="Program policy changes to a segment of partners, newest first. Open one to follow its notice: who was told, who acknowledged."
        >
          Policy changes
        </Header>
      }
      pagination={pagination}
      loading={page.state === 'loading'}
      loadingText="Loading policy changes"
      items={page.state === 'ready' ? page.data.items : []}
      trackBy="policyChangeId"
      empty={
        page.state === 'error' ? (
          <ErrorState problem={page.problem} />
        ) : (
          <EmptyState
            title="No policy changes yet"
            hint="A partner manager submits them (pcn policy submit, or the API)."
          />
        )
      }
      columnDefinitions={[
        {
          id: 'title',
          // Kept this wide (the table scrolls sideways on a phone): squeezed, a title broke every word.
          minWidth: 220,
          header: 'Title',
          isRowHeader: true,
          cell: (item) => (
            <Link href={`/policy-changes/${encodeURIComponent(item.policyChangeId)}`} onFollow={follow}>
              {item.title}
            </Link>
          ),
        },
        {
          id: 'status',
          header: 'Status',
          minWidth: 170,
          cell: (item) => <PolicyStatusBadge status={item.status} />,
        },
        { id: 'targeted', header: 'Partners', cell: (item) => item.targeted },
        {
          id: 'effective',
          header: 'Effective',
          minWidth: 130,
          cell: (item) => <CalendarDay date={item.effectiveDate} />,
        },
        { id: 'kind', header: 'Kind', cell: (item) => (item.adverse ? 'Adverse' : 'Favourable') },
        { id: 'id', header: 'Id', cell: (item) => item.policyChangeId },
      ]}
    />
  );
}
