import Button from '@cloudscape-design/components/button';
import ButtonDropdown from '@cloudscape-design/components/button-dropdown';
import DateInput from '@cloudscape-design/components/date-input';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import Link from '@cloudscape-design/components/link';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table from '@cloudscape-design/components/table';
import { useSearchParams } from 'react-router';
import { type ChangeStatus, changeStatuses } from '../../../functions/domain/lifecycle.ts';
import { useCursorPages } from '../components/cursor-pages.tsx';
import { CalendarDay, ChangeStatusBadge, Instant, rateChange, statusLabel } from '../components/format.tsx';
import { PartnerSelect } from '../components/partner-select.tsx';
import { EmptyState, ErrorState } from '../components/states.tsx';
import { useCan, useConsole } from '../context.ts';
import { useFollow } from '../shell.tsx';
import type { ChangePage, ChangeSummary } from '../types.ts';

/** Changes per page of the table. */
const PAGE_SIZE = 20;

/** The filters the API takes, kept in the address so a view can be bookmarked, shared and saved. */
const filterNames = ['status', 'partnerId', 'submittedBy', 'from', 'to'] as const;

const savedViews: { id: string; text: string; query: Record<string, string> }[] = [
  { id: 'awaiting-approval', text: 'Awaiting approval', query: { status: 'awaiting-approval' } },
  { id: 'notice-sent', text: 'Waiting for the partner', query: { status: 'notice-sent' } },
  { id: 'disputed', text: 'Disputed', query: { status: 'disputed' } },
  { id: 'escalated', text: 'Escalated', query: { status: 'escalated' } },
  { id: 'scheduled', text: 'Scheduled to apply', query: { status: 'scheduled' } },
  { id: 'applied', text: 'Applied', query: { status: 'applied' } },
];

export default function Changes() {
  const { api, session, clockVersion } = useConsole();
  const follow = useFollow();
  const canSubmit = useCan('finance');
  const [params, setParams] = useSearchParams();
  const filters = Object.fromEntries(
    filterNames.flatMap((name) => {
      const value = params.get(name);
      return value ? [[name, value]] : [];
    }),
  ) as Partial<Record<(typeof filterNames)[number], string>>;
  const filterKey = new URLSearchParams(filters).toString();
  const { page, pagination } = useCursorPages(
    filters,
    PAGE_SIZE,
    (query) => api.get<ChangePage>(`/api/changes?${query.toString()}`),
    String(clockVersion),
  );

  function setFilter(name: (typeof filterNames)[number], value: string | undefined) {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next);
  }
  const statusOptions = changeStatuses.map((status) => ({ value: status, label: statusLabel(status) }));
  const items = page.state === 'ready' ? page.data.items : [];
  const anyFilter = filterKey.length > 0;

  return (
    <Table<ChangeSummary>
      variant="full-page"
      header={
        <Header
          variant="awsui-h1-sticky"
          description="Every change, newest first. Filters live in the address: bookmark a view to keep it."
          actions={
            <SpaceBetween direction="horizontal" size="xs">
              <ButtonDropdown
                items={[
                  ...savedViews.map(({ id, text }) => ({ id, text })),
                  { id: 'mine', text: 'Submitted by me' },
                ]}
                onItemClick={({ detail }) => {
                  const view = savedViews.find((item) => item.id === detail.id);
                  setParams(new URLSearchParams(view ? view.query : { submittedBy: session.userId }));
                }}
              >
                Saved views
              </ButtonDropdown>
              {canSubmit ? (
                <Button variant="primary" href="/changes/new" onFollow={follow}>
                  Submit a change
                </Button>
              ) : null}
            </SpaceBetween>
          }
        >
          Changes
        </Header>
      }
      filter={
        <SpaceBetween direction="horizontal" size="s">
          <FormField label="Status">
            <Select
              selectedOption={statusOptions.find((option) => option.value === filters.status) ?? null}
              placeholder="Any status"
              options={[{ value: '', label: 'Any status' }, ...statusOptions]}
              onChange={({ detail }) => setFilter('status', detail.selectedOption.value)}
            />
          </FormField>
          <FormField label="Partner">
            <PartnerSelect
              value={filters.partnerId ?? ''}
              placeholder="Any partner"
              anyLabel="Any partner"
              onChange={(partnerId) => setFilter('partnerId', partnerId || undefined)}
            />
          </FormField>
          <FormField label="Submitted by">
            <Input
              value={filters.submittedBy ?? ''}
              placeholder="user id"
              onChange={({ detail }) => setFilter('submittedBy', detail.value.trim() || undefined)}
            />
          </FormField>
          <FormField label="Submitted from">
            <DateInput
              value={filters.from ?? ''}
              placeholder="YYYY/MM/DD"
              onChange={({ detail }) => setFilter('from', detail.value.replace(/\//g, '-') || undefined)}
            />
          </FormField>
          <FormField label="Submitted before">
            <DateInput
              value={filters.to ?? ''}
              placeholder="YYYY/MM/DD"
              onChange={({ detail }) => setFilter('to', detail.value.replace(/\//g, '-') || undefined)}
            />
          </FormField>
          {anyFilter ? (
            <FormField label={'\u00a0'}>
              <Button onClick={() => setParams(new URLSearchParams())}>Clear filters</Button>
            </FormField>
          ) : null}
        </SpaceBetween>
      }
      pagination={pagination}
      loading={page.state === 'loading'}
      loadingText="Loading changes"
      items={items}
      trackBy="changeId"
      empty={
        page.state === 'error' ? (
          <ErrorState problem={page.problem} />
        ) : (
          <EmptyState
            title={`No changes${anyFilter ? ' match these filters' : ' yet'}`}
            hint={
              anyFilter
                ? 'Clear a filter to see more.'
                : canSubmit
                  ? 'Submit the first one.'
                  : 'Finance submits changes.'
            }
          />
        )
      }
      columnDefinitions={[
        {
          id: 'change',
          header: 'Change',
          cell: (item) => (
            <Link href={`/changes/${encodeURIComponent(item.changeId)}`} onFollow={follow}>
              {item.changeId}
            </Link>
          ),
          isRowHeader: true,
        },
        {
          id: 'partner',
          header: 'Partner',
          cell: (item) => (
            <Link href={`/partners/${encodeURIComponent(item.partnerId)}`} onFollow={follow}>
              {item.partnerName}
            </Link>
          ),
        },
        { id: 'stage', header: 'Stage', cell: (item) => item.stage },
        {
          id: 'status',
          header: 'Status',
          cell: (item) => <ChangeStatusBadge status={item.status as ChangeStatus} />,
        },
        { id: 'rate', header: 'Rate', cell: (item) => rateChange(item.terms) ?? item.summary },
        { id: 'effective', header: 'Effective', cell: (item) => <CalendarDay date={item.effectiveDate} /> },
        { id: 'applies', header: 'Applies', cell: (item) => <CalendarDay date={item.applyAt} /> },
        {
          id: 'deadline',
          header: 'Next deadline',
          cell: (item) =>
            item.nextDeadline ? (
              <span>
                {item.nextDeadline.what} · <Instant iso={item.nextDeadline.at} />
              </span>
            ) : (
              '—'
            ),
        },
        { id: 'submitter', header: 'Submitted by', cell: (item) => item.submittedBy },
      ]}
    />
  );
}
