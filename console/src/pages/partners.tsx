import Button from '@cloudscape-design/components/button';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import Link from '@cloudscape-design/components/link';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table from '@cloudscape-design/components/table';
import TextFilter from '@cloudscape-design/components/text-filter';
import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { relationshipStages } from '../../../functions/domain/relationship-stage.ts';
import { useCursorPages } from '../components/cursor-pages.tsx';
import { percent, stageLabel } from '../components/format.tsx';
import { EmptyState, ErrorState } from '../components/states.tsx';
import { useCan, useConsole } from '../context.ts';
import { useFollow } from '../shell.tsx';
import type { PartnerPage, PartnerSummary } from '../types.ts';

/** The filters GET /api/partners takes, kept in the address so a view can be bookmarked and shared. */
const filterNames = ['q', 'stage', 'region', 'tier', 'tag'] as const;
type FilterName = (typeof filterNames)[number];

const PAGE_SIZE = 25;
/** Typing in a filter box asks the API once the person pauses, not at every key. */
const TYPING_PAUSE_MS = 300;

/** A text filter that edits its own copy and writes the address after a pause in typing. */
function useTypedFilter(value: string, commit: (value: string) => void): [string, (value: string) => void] {
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);
  useEffect(() => {
    if (draft === value) return;
    const timer = setTimeout(() => commit(draft), TYPING_PAUSE_MS);
    return () => clearTimeout(timer);
  }, [draft]);
  return [draft, setDraft];
}

export default function Partners() {
  const { api } = useConsole();
  const follow = useFollow();
  const canWrite = useCan('partner-manager');
  const [params, setParams] = useSearchParams();
  const filters = Object.fromEntries(
    filterNames.flatMap((name) => {
      const value = params.get(name)?.trim();
      return value ? [[name, value]] : [];
    }),
  ) as Partial<Record<FilterName, string>>;
  const filterKey = new URLSearchParams(filters).toString();
  const { page, pagination } = useCursorPages(filters, PAGE_SIZE, (query) =>
    api.get<PartnerPage>(`/api/partners?${query.toString()}`),
  );

  function setFilter(name: FilterName, value: string | undefined) {
    const trimmed = value?.trim();
    // From the address as it is when the pause in typing ends, not as it was when typing began: a filter
    // cleared meanwhile stays cleared.
    setParams(
      (previous) => {
        const next = new URLSearchParams(previous);
        if (trimmed) next.set(name, trimmed);
        else next.delete(name);
        return next;
      },
      { replace: name !== 'stage' },
    );
  }
  const [q, setQ] = useTypedFilter(filters.q ?? '', (value) => setFilter('q', value));
  const [region, setRegion] = useTypedFilter(filters.region ?? '', (value) => setFilter('region', value));
  const [tier, setTier] = useTypedFilter(filters.tier ?? '', (value) => setFilter('tier', value));
  const [tag, setTag] = useTypedFilter(filters.tag ?? '', (value) => setFilter('tag', value));
  const stageOptions = relationshipStages.map((stage) => ({ value: stage, label: stageLabel(stage) }));
  const items = page.state === 'ready' ? page.data.partners : [];
  const anyFilter = filterKey.length > 0;

  return (
    <Table<PartnerSummary>
      variant="full-page"
      header={
        <Header
          variant="awsui-h1-sticky"
          description="Search the directory by name or id, filter by stage, region, tier or tag. Filters live in the address."
          actions={
            canWrite ? (
              <SpaceBetween direction="horizontal" size="xs">
                <Button href="/import-partners" onFollow={follow}>
                  Import
                </Button>
                <Button variant="primary" href="/add-partner" onFollow={follow}>
                  Add partner
                </Button>
              </SpaceBetween>
            ) : null
          }
        >
          Partners
        </Header>
      }
      filter={
        <SpaceBetween direction="horizontal" size="s">
          <FormField label="Search">
            <TextFilter
              filteringText={q}
              filteringPlaceholder="Name or id"
              filteringAriaLabel="Search partners by name or id"
              filteringClearAriaLabel="Clear the search"
              onChange={({ detail }) => setQ(detail.filteringText)}
            />
          </FormField>
          <FormField label="Stage">
            <Select
              selectedOption={stageOptions.find((option) => option.value === filters.stage) ?? null}
              placeholder="Any stage"
              options={[{ value: '', label: 'Any stage' }, ...stageOptions]}
              onChange={({ detail }) => setFilter('stage', detail.selectedOption.value)}
            />
          </FormField>
          <FormField label="Region">
            <Input
              value={region}
              placeholder="e.g. EMEA"
              onChange={({ detail }) => setRegion(detail.value)}
            />
          </FormField>
          <FormField label="Tier">
            <Input value={tier} placeholder="e.g. gold" onChange={({ detail }) => setTier(detail.value)} />
          </FormField>
          <FormField label="Tag">
            <Input value={tag} placeholder="e.g. cloud" onChange={({ detail }) => setTag(detail.value)} />
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
      loadingText="Loading partners"
      items={items}
      trackBy="partnerId"
      empty={
        page.state === 'error' ? (
          <ErrorState problem={page.problem} />
        ) : (
          <EmptyState
            title={`No partners${anyFilter ? ' match these filters' : ' yet'}`}
            hint={
              anyFilter
                ? 'Clear a filter to see more.'
                : canWrite
                  ? 'Add one, or import your directory from a CSV or JSON Lines file.'
                  : 'Partner managers add partners.'
            }
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
        { id: 'stage', header: 'Stage', cell: (item) => stageLabel(item.stage) },
        { id: 'region', header: 'Region', cell: (item) => item.region ?? '—' },
        { id: 'tier', header: 'Tier', cell: (item) => item.tier ?? '—' },
        { id: 'tags', header: 'Tags', cell: (item) => (item.tags.length > 0 ? item.tags.join(', ') : '—') },
        { id: 'rate', header: 'Current rate', cell: (item) => percent(item.currentRatePct) },
      ]}
    />
  );
}
