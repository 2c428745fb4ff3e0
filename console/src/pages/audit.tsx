import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import ButtonDropdown from '@cloudscape-design/components/button-dropdown';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import ContentLayout from '@cloudscape-design/components/content-layout';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Table from '@cloudscape-design/components/table';
import { useEffect, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import { auditEntryTypes } from '../../../functions/domain/audit-entry-types.ts';
import type { Problem } from '../api.ts';
import {
  downloadAuditExport,
  downloadEvidencePack,
  type ExportFormat,
} from '../components/audit-download.ts';
import { AuditEntryModal, auditTypeLabel, StreamLink } from '../components/audit-entry.tsx';
import { needsFormError, placeReasons } from '../components/field-reasons.ts';
import { Instant } from '../components/format.tsx';
import { PartnerSelect } from '../components/partner-select.tsx';
import { EmptyState, ErrorState } from '../components/states.tsx';
import { useCan, useConsole } from '../context.ts';
import type { AuditEntryView, AuditSearch, AuditVerification, PartnerDetail } from '../types.ts';

/** Entries per page of the search unless the address says `limit` (the API takes 1 to 500). */
const PAGE_SIZE = 50;

function pageSizeOf(params: URLSearchParams): number {
  const limit = Number(params.get('limit'));
  return Number.isInteger(limit) && limit >= 1 && limit <= 500 ? limit : PAGE_SIZE;
}

/** The API's filters, kept in the address so a search can be bookmarked and shared. */
const filterNames = ['partnerId', 'changeId', 'type', 'actor', 'from', 'to'] as const;
type FilterName = (typeof filterNames)[number];
type Filters = Partial<Record<FilterName, string>>;

function filtersOf(params: URLSearchParams): Filters {
  return Object.fromEntries(
    filterNames.flatMap((name) => {
      const value = params.get(name)?.trim();
      return value ? [[name, value]] : [];
    }),
  );
}

type Results =
  | { state: 'loading' }
  | { state: 'error'; problem: Problem }
  | {
      state: 'ready';
      entries: AuditEntryView[];
      nextCursor?: string | undefined;
      chain?: AuditSearch['chain'];
    };

const typeOptions = auditEntryTypes.map((type) => ({ value: type, label: auditTypeLabel(type) }));

/** A partner's name for the heading, read once per partner id (the id itself until it arrives). */
function usePartnerName(partnerId: string | undefined): string | undefined {
  const { api } = useConsole();
  const [names, setNames] = useState<Record<string, string>>({});
  useEffect(() => {
    if (!partnerId || names[partnerId]) return;
    let live = true;
    void api.get<PartnerDetail>(`/api/partners/${encodeURIComponent(partnerId)}`).then((result) => {
      if (live && result.ok) setNames((previous) => ({ ...previous, [partnerId]: result.data.name }));
    });
    return () => {
      live = false;
    };
  }, [api, partnerId, names]);
  return partnerId ? (names[partnerId] ?? partnerId) : undefined;
}

/**
 * Compliance's view of the audit trail, read-only: search the entries (newest first, a page at a time), open
 * one to see its evidence and proof, verify the chains against the signed digests, download an export.
 */
export default function AuditPage() {
  // The API answers finance and approvers only about their own changes, one at a time: no search to offer.
  if (!useCan('compliance'))
    return (
      <ContentLayout header={<Header variant="h1">Audit trail</Header>}>
        <Alert type="info" statusIconAriaLabel="Info" header="The audit trail is compliance’s to search">
          Sign in with the compliance role to search, verify and export the audit trail.
        </Alert>
      </ContentLayout>
    );
  return <Audit />;
}

function Audit() {
  const { api, clockVersion } = useConsole();
  const [params, setParams] = useSearchParams();
  const filters = filtersOf(params);
  const filterKey = new URLSearchParams(filters).toString();
  const [draft, setDraft] = useState<Filters>(filters);
  // The form shows what the address says: after a search, Back, or a shared link.
  useEffect(() => setDraft(filtersOf(new URLSearchParams(filterKey))), [filterKey]);
  const partnerName = usePartnerName(filters.partnerId);
  const changeAlone = filters.changeId !== undefined && Object.keys(filters).length === 1;
  const pageSize = pageSizeOf(params);

  const [results, setResults] = useState<Results>({ state: 'loading' });
  const [loadingMore, setLoadingMore] = useState(false);
  const round = useRef(0);
  useEffect(() => {
    const current = ++round.current;
    setResults({ state: 'loading' });
    const query = new URLSearchParams(filterKey);
    // A change's id alone asks for its whole chain, verified; anything else is a search a page at a time.
    if (!changeAlone) query.set('limit', String(pageSize));
    void api.get<AuditSearch>(`/api/audit?${query.toString()}`).then((answer) => {
      if (current !== round.current) return;
      if (!answer.ok) {
        // A change without entries is an empty chain, not a failure.
        if (answer.problem.status === 404) setResults({ state: 'ready', entries: [] });
        else setResults({ state: 'error', problem: answer.problem });
        return;
      }
      setResults({
        state: 'ready',
        // The chain comes oldest first: shown newest first like every search.
        entries: answer.data.changeId ? [...answer.data.entries].reverse() : answer.data.entries,
        nextCursor: answer.data.nextCursor,
        chain: answer.data.chain,
      });
    });
  }, [api, filterKey, changeAlone, pageSize, clockVersion]);

  async function loadMore() {
    if (results.state !== 'ready' || !results.nextCursor) return;
    const current = round.current;
    setLoadingMore(true);
    const query = new URLSearchParams(filterKey);
    query.set('limit', String(pageSize));
    query.set('cursor', results.nextCursor);
    const answer = await api.get<AuditSearch>(`/api/audit?${query.toString()}`);
    setLoadingMore(false);
    if (current !== round.current) return;
    if (!answer.ok) {
      setResults({ state: 'error', problem: answer.problem });
      return;
    }
    setResults({
      state: 'ready',
      entries: [...results.entries, ...answer.data.entries],
      nextCursor: answer.data.nextCursor,
    });
  }

  function search() {
    // The page size (`limit`, set only in the address) stays with a new search.
    const next = new URLSearchParams(params.has('limit') ? { limit: String(pageSize) } : {});
    for (const name of filterNames) {
      const value = draft[name]?.trim();
      if (value) next.set(name, value);
    }
    setParams(next);
  }
  const problem = results.state === 'error' ? results.problem : undefined;
  const reasons = placeReasons(problem, (path) =>
    (filterNames as readonly string[]).includes(path) ? path : undefined,
  );
  const fieldError = (name: FilterName) => reasons.byField[name];

  const [opened, setOpened] = useState<AuditEntryView>();
  const [verification, setVerification] = useState<
    { state: 'loading' } | { state: 'error'; problem: Problem } | { state: 'ready'; data: AuditVerification }
  >();
  async function verify() {
    setVerification({ state: 'loading' });
    const query = new URLSearchParams(filters.partnerId ? { partnerId: filters.partnerId } : {});
    const answer = await api.get<AuditVerification>(`/api/audit/verify?${query.toString()}`);
    setVerification(
      answer.ok ? { state: 'ready', data: answer.data } : { state: 'error', problem: answer.problem },
    );
  }
  const [exporting, setExporting] = useState<
    | { state: 'running'; format: ExportFormat; entries: number }
    | { state: 'done'; format: ExportFormat; entries: number }
    | { state: 'error'; problem: Problem }
  >();
  async function exportEntries(format: ExportFormat) {
    setExporting({ state: 'running', format, entries: 0 });
    const result = await downloadAuditExport(api, { partnerId: filters.partnerId, format }, (entries) =>
      setExporting({ state: 'running', format, entries }),
    );
    setExporting(
      result.ok
        ? { state: 'done', format, entries: result.entries }
        : { state: 'error', problem: result.problem },
    );
  }
  // A verdict or an export is of the partner it ran for: another partner's search starts without one.
  useEffect(() => {
    setVerification(undefined);
    setExporting(undefined);
  }, [filters.partnerId]);
  const [pdfError, setPdfError] = useState<string>();
  const [pdfLoading, setPdfLoading] = useState(false);
  async function evidencePack(changeId: string) {
    setPdfLoading(true);
    setPdfError(undefined);
    const result = await downloadEvidencePack(api, changeId);
    setPdfLoading(false);
    if (!result.ok) setPdfError(result.message);
  }

  const title = filters.partnerId
    ? `History of ${partnerName}`
    : changeAlone
      ? `Audit of change ${filters.changeId}`
      : 'Audit trail';
  const entries = results.state === 'ready' ? results.entries : [];
  const anyFilter = filterKey.length > 0;
  const scope = filters.partnerId ? `${partnerName}’s entries` : 'every entry';

  return (
    <ContentLayout
      header={
        <Header
          variant="h1"
          description={
            filters.partnerId
              ? 'Everything recorded about this partner, newest first: notices, opens, acknowledgements, concerns and directory changes.'
              : 'Every recorded step, newest first, each chained to the one before it. Read-only: nothing here changes the record.'
          }
          actions={
            <SpaceBetween direction="horizontal" size="xs">
              {changeAlone && filters.changeId?.startsWith('chg_') ? (
                <Button
                  iconName="download"
                  loading={pdfLoading}
                  onClick={() => filters.changeId && void evidencePack(filters.changeId)}
                >
                  Evidence pack (PDF)
                </Button>
              ) : null}
              <Button
                iconName="security"
                loading={verification?.state === 'loading'}
                onClick={() => void verify()}
              >
                {filters.partnerId ? 'Verify this partner’s chains' : 'Verify the audit trail'}
              </Button>
              <ButtonDropdown
                loading={exporting?.state === 'running'}
                items={[
                  { id: 'jsonl', text: 'JSON Lines (verifiable)' },
                  { id: 'csv', text: 'CSV (for spreadsheets)' },
                ]}
                onItemClick={({ detail }) => void exportEntries(detail.id === 'csv' ? 'csv' : 'jsonl')}
              >
                Download export
              </ButtonDropdown>
            </SpaceBetween>
          }
        >
          {title}
        </Header>
      }
    >
      <SpaceBetween size="l">
        {pdfError ? (
          <Alert
            type="error"
            statusIconAriaLabel="Error"
            dismissible
            onDismiss={() => setPdfError(undefined)}
            header="The evidence pack could not be downloaded"
          >
            {pdfError}
          </Alert>
        ) : null}
        <ExportProgress exporting={exporting} scope={scope} />
        {verification ? <VerificationView verification={verification} partnerName={partnerName} /> : null}
        {results.state === 'ready' && results.chain ? (
          results.chain.intact ? (
            <Alert type="success" statusIconAriaLabel="Success" header="This change’s chain is intact">
              Every entry’s hash and link to the one before it checks out, up to the chain’s head.
            </Alert>
          ) : (
            <Alert type="error" statusIconAriaLabel="Error" header="This change’s chain is broken">
              {results.chain.problem ?? 'The chain does not verify'}
              {results.chain.seq !== undefined ? ` (at entry ${results.chain.seq})` : ''}.
            </Alert>
          )
        ) : null}
        <Container header={<Header variant="h2">Search</Header>}>
          <form
            onSubmit={(event) => {
              event.preventDefault();
              search();
            }}
          >
            <Form
              errorText={
                problem && problem.fields.length > 0 && needsFormError(reasons)
                  ? reasons.unplaced.map((item) => `${item.field}: ${item.reason}`).join('; ')
                  : undefined
              }
              actions={
                <SpaceBetween direction="horizontal" size="xs">
                  {anyFilter ? (
                    <Button formAction="none" onClick={() => setParams(new URLSearchParams())}>
                      Clear filters
                    </Button>
                  ) : null}
                  <Button variant="primary" formAction="submit">
                    Search
                  </Button>
                </SpaceBetween>
              }
            >
              <ColumnLayout columns={3} minColumnWidth={200}>
                <FormField label="Partner" errorText={fieldError('partnerId')}>
                  <PartnerSelect
                    value={draft.partnerId ?? ''}
                    placeholder="Any partner"
                    anyLabel="Any partner"
                    onChange={(partnerId) => setDraft((previous) => ({ ...previous, partnerId }))}
                  />
                </FormField>
                <FormField label="Change id" errorText={fieldError('changeId')}>
                  <Input
                    value={draft.changeId ?? ''}
                    placeholder="chg_… or pol_…"
                    onChange={({ detail }) =>
                      setDraft((previous) => ({ ...previous, changeId: detail.value }))
                    }
                  />
                </FormField>
                <FormField label="Event type" errorText={fieldError('type')}>
                  <Select
                    selectedOption={
                      draft.type
                        ? (typeOptions.find((option) => option.value === draft.type) ?? {
                            value: draft.type,
                            label: draft.type,
                          })
                        : null
                    }
                    placeholder="Any type"
                    filteringType="auto"
                    filteringAriaLabel="Search event types"
                    options={[{ value: '', label: 'Any type' }, ...typeOptions]}
                    onChange={({ detail }) =>
                      setDraft((previous) => ({ ...previous, type: detail.selectedOption.value ?? '' }))
                    }
                  />
                </FormField>
                <FormField
                  label="Actor"
                  description="A user id, partner:<contact id>, or workflow"
                  errorText={fieldError('actor')}
                >
                  <Input
                    value={draft.actor ?? ''}
                    placeholder="user id"
                    onChange={({ detail }) => setDraft((previous) => ({ ...previous, actor: detail.value }))}
                  />
                </FormField>
                <FormField
                  label="From"
                  description="A day (UTC) YYYY-MM-DD, or an ISO 8601 time"
                  errorText={fieldError('from')}
                >
                  <Input
                    value={draft.from ?? ''}
                    placeholder="YYYY-MM-DD"
                    onChange={({ detail }) => setDraft((previous) => ({ ...previous, from: detail.value }))}
                  />
                </FormField>
                <FormField
                  label="Before"
                  description="Entries before this day (UTC) or time"
                  errorText={fieldError('to')}
                >
                  <Input
                    value={draft.to ?? ''}
                    placeholder="YYYY-MM-DD"
                    onChange={({ detail }) => setDraft((previous) => ({ ...previous, to: detail.value }))}
                  />
                </FormField>
              </ColumnLayout>
            </Form>
          </form>
        </Container>
        <Table<AuditEntryView>
          data-testid="audit-entries"
          header={
            <Header
              variant="h2"
              counter={
                results.state === 'ready' ? `(${entries.length}${results.nextCursor ? '+' : ''})` : undefined
              }
              description="Open an entry (its type) for its details, its evidence and its proof."
            >
              Entries
            </Header>
          }
          loading={results.state === 'loading'}
          loadingText="Loading audit entries"
          items={entries}
          trackBy={(item) => `${item.stream}#${item.seq}`}
          empty={
            problem ? (
              <ErrorState problem={problem} header="The search was refused" />
            ) : (
              <EmptyState
                title={`No entries${anyFilter ? ' match this search' : ' yet'}`}
                hint={anyFilter ? 'Clear a filter to see more.' : 'Entries appear as changes are submitted.'}
              />
            )
          }
          columnDefinitions={[
            {
              id: 'type',
              header: 'Type',
              isRowHeader: true,
              // The type opens the entry: its name is the button's, so a screen reader hears what it opens.
              cell: (item) => (
                <Button variant="inline-link" onClick={() => setOpened(item)}>
                  <span style={{ whiteSpace: 'nowrap' }}>{auditTypeLabel(item.type)}</span>
                </Button>
              ),
            },
            { id: 'at', header: 'Time', cell: (item) => <Instant iso={item.at} /> },
            { id: 'actor', header: 'Actor', cell: (item) => item.actor },
            {
              id: 'stream',
              header: 'Stream',
              cell: (item) => <StreamLink stream={item.stream} />,
            },
            { id: 'seq', header: 'Seq', cell: (item) => item.seq },
          ]}
          footer={
            results.state === 'ready' && results.nextCursor ? (
              <Box textAlign="center">
                <Button loading={loadingMore} onClick={() => void loadMore()}>
                  Load more
                </Button>
              </Box>
            ) : undefined
          }
        />
      </SpaceBetween>
      {opened ? <AuditEntryModal entry={opened} onDismiss={() => setOpened(undefined)} /> : null}
    </ContentLayout>
  );
}

function ExportProgress({
  exporting,
  scope,
}: {
  exporting:
    | { state: 'running'; format: ExportFormat; entries: number }
    | { state: 'done'; format: ExportFormat; entries: number }
    | { state: 'error'; problem: Problem }
    | undefined;
  scope: string;
}) {
  return (
    <div aria-live="polite" data-testid="export-progress">
      {exporting?.state === 'running' ? (
        <StatusIndicator type="in-progress">
          Exporting {scope} as {exporting.format === 'csv' ? 'CSV' : 'JSON Lines'}:{' '}
          {exporting.entries.toLocaleString()} entries so far…
        </StatusIndicator>
      ) : exporting?.state === 'done' ? (
        <StatusIndicator type="success">
          Exported {exporting.entries.toLocaleString()} entries as{' '}
          {exporting.format === 'csv' ? 'CSV' : 'JSON Lines'}.
        </StatusIndicator>
      ) : exporting?.state === 'error' ? (
        <ErrorState problem={exporting.problem} header="The export could not be downloaded" />
      ) : null}
    </div>
  );
}

function VerificationView({
  verification,
  partnerName,
}: {
  /** The chosen partner's name, for the scope (its id until the name arrives). */
  partnerName: string | undefined;
  verification:
    | { state: 'loading' }
    | { state: 'error'; problem: Problem }
    | { state: 'ready'; data: AuditVerification };
}) {
  if (verification.state === 'loading')
    return <StatusIndicator type="loading">Verifying every hash and link…</StatusIndicator>;
  if (verification.state === 'error')
    return <ErrorState problem={verification.problem} header="The verification could not run" />;
  const { data } = verification;
  const latest = data.digests.latest;
  const problems = data.problems.length + data.digests.problems.length;
  return (
    <Container
      data-testid="verification"
      header={
        <Header
          variant="h2"
          description={
            <>
              Verified at <Instant iso={data.verifiedAt} />
            </>
          }
        >
          Verification
        </Header>
      }
    >
      <SpaceBetween size="l">
        {data.intact ? (
          <Alert type="success" statusIconAriaLabel="Success" header="The audit trail is intact">
            Every entry’s hash and link checks out against its chain’s head
            {latest ? ` and the signed digest ${latest.number}` : ''}.
          </Alert>
        ) : (
          <Alert type="error" statusIconAriaLabel="Error" header="The audit trail has been tampered with">
            {problems} problem{problems === 1 ? '' : 's'} found: each is listed below.
          </Alert>
        )}
        <KeyValuePairs
          columns={4}
          items={[
            {
              label: 'Scope',
              value: data.scope.partnerId ? (partnerName ?? data.scope.partnerId) : 'Every stream',
            },
            { label: 'Streams', value: data.streams.toLocaleString() },
            { label: 'Entries', value: data.entries.toLocaleString() },
            { label: 'Sealed in a digest', value: data.sealedEntries.toLocaleString() },
            { label: 'Digests', value: data.digests.count.toLocaleString() },
            { label: 'Anchoring digest', value: latest ? `Digest ${latest.number}` : 'None sealed yet' },
            { label: 'Sealed at', value: <Instant iso={latest?.sealedAt} /> },
            {
              label: 'Signing key',
              value: latest ? <span style={{ overflowWrap: 'anywhere' }}>{latest.signingKeyId}</span> : '—',
            },
          ]}
        />
        {data.problems.length > 0 ? (
          <Table
            variant="embedded"
            header={<Header variant="h3">Problems in the chains</Header>}
            items={data.problems}
            wrapLines
            columnDefinitions={[
              {
                id: 'stream',
                header: 'Stream',
                cell: (item) => <StreamLink stream={item.stream} />,
                isRowHeader: true,
              },
              { id: 'seq', header: 'Entry', cell: (item) => item.seq },
              { id: 'kind', header: 'Kind', cell: (item) => item.kind },
              { id: 'message', header: 'What is wrong', cell: (item) => item.message },
            ]}
          />
        ) : null}
        {data.digests.problems.length > 0 ? (
          <Table
            variant="embedded"
            header={<Header variant="h3">Problems in the digests</Header>}
            items={data.digests.problems}
            wrapLines
            columnDefinitions={[
              { id: 'number', header: 'Digest', cell: (item) => item.number, isRowHeader: true },
              { id: 'kind', header: 'Kind', cell: (item) => item.kind },
              { id: 'message', header: 'What is wrong', cell: (item) => item.message },
            ]}
          />
        ) : null}
      </SpaceBetween>
    </Container>
  );
}
