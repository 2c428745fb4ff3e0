import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import FileUpload from '@cloudscape-design/components/file-upload';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import ProgressBar from '@cloudscape-design/components/progress-bar';
import RadioGroup from '@cloudscape-design/components/radio-group';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table from '@cloudscape-design/components/table';
import Textarea from '@cloudscape-design/components/textarea';
import { useState } from 'react';
import type { ApiClient, Problem } from '../api.ts';
import {
  halve,
  type ImportChunk,
  type ImportMediaType,
  importChunks,
  mediaTypeOf,
} from '../components/import-chunks.ts';
import { ErrorState } from '../components/states.tsx';
import { useCan, useConsole } from '../context.ts';
import { useFollow } from '../shell.tsx';
import type { ImportReport } from '../types.ts';

/** 413s a run may answer by halving a chunk, at most: each halving shrinks it, so this bounds the retries. */
const MAX_HALVINGS = 16;

type Run =
  | { state: 'idle' }
  | { state: 'running'; dryRun: boolean; done: number; total: number }
  | { state: 'done'; dryRun: boolean; report: ImportReport; total: number }
  | { state: 'failed'; dryRun: boolean; problem: Problem; done: number; total: number; report: ImportReport };

function emptyReport(dryRun: boolean): ImportReport {
  return { dryRun, created: 0, updated: 0, unchanged: 0, rejected: 0, rows: [] };
}

function isReport(body: Record<string, unknown>): boolean {
  return (
    ['created', 'updated', 'unchanged', 'rejected'].every((key) => typeof body[key] === 'number') &&
    Array.isArray(body.rows)
  );
}

/**
 * Sends the chunks one after another, adding up their reports. A 413 (a chunk the API finds too big) is
 * sent again as two halves; any other refusal stops the run there and says how far it got: a re-run is safe,
 * rows already imported are then reported unchanged.
 */
async function runImport(
  api: ApiClient,
  mediaType: ImportMediaType,
  chunks: ImportChunk[],
  dryRun: boolean,
  onProgress: (done: number) => void,
): Promise<{ report: ImportReport; problem?: Problem; done: number }> {
  const report = emptyReport(dryRun);
  const queue = [...chunks];
  let done = 0;
  let halvings = 0;
  while (queue.length > 0) {
    const chunk = queue.shift()!;
    const result = await api.postText<ImportReport>(
      `/api/partner-imports?dryRun=${dryRun}&firstLine=${chunk.firstLine}`,
      chunk.body,
      mediaType,
    );
    let part: ImportReport | undefined;
    if (result.ok) part = result.data;
    else if (result.problem.status === 422 && isReport(result.problem.body)) {
      part = result.problem.body as unknown as ImportReport;
    } else if (result.problem.status === 413 && halvings < MAX_HALVINGS) {
      const halves = halve(chunk, mediaType);
      if (halves) {
        halvings += 1;
        queue.unshift(...halves);
        continue;
      }
    }
    if (!part) return { report, problem: result.ok ? undefined : result.problem, done };
    report.created += part.created;
    report.updated += part.updated;
    report.unchanged += part.unchanged;
    report.rejected += part.rejected;
    report.rows.push(...part.rows);
    done += chunk.rows;
    onProgress(done);
  }
  return { report, done };
}

/** One line of the bad-rows table: a field of a refused row. */
interface BadField {
  key: string;
  line: number;
  partnerId: string;
  field: string;
  reason: string;
}

function ReportView({ report, total }: { report: ImportReport; total: number }) {
  const would = report.dryRun ? 'Would be ' : '';
  const bad: BadField[] = report.rows.flatMap((row) =>
    row.fields.map((item, index) => ({
      key: `${row.line}:${index}`,
      line: row.line,
      partnerId: row.partnerId ?? '—',
      field: item.field,
      reason: item.reason,
    })),
  );
  return (
    <SpaceBetween size="l">
      <Container
        header={
          <Header
            variant="h2"
            description={
              report.dryRun
                ? `The dry run read all ${total} rows and wrote nothing.`
                : `All ${total} rows were sent; each row was written whole or not at all.`
            }
          >
            {report.dryRun ? 'Preview of the import' : 'Import finished'}
          </Header>
        }
      >
        <KeyValuePairs
          columns={4}
          ariaLabel={report.dryRun ? 'What the import would do' : 'What the import did'}
          items={[
            {
              label: `${would}created`.replace(/^./, (c) => c.toUpperCase()),
              value: <span data-testid="import-created">{report.created}</span>,
            },
            {
              label: `${would}updated`.replace(/^./, (c) => c.toUpperCase()),
              value: <span data-testid="import-updated">{report.updated}</span>,
            },
            { label: 'Unchanged', value: <span data-testid="import-unchanged">{report.unchanged}</span> },
            {
              label: report.dryRun ? 'Would be rejected' : 'Rejected',
              value: <span data-testid="import-rejected">{report.rejected}</span>,
            },
          ]}
        />
      </Container>
      <Table<BadField>
        header={
          <Header
            variant="h2"
            counter={`(${report.rows.length})`}
            description={
              report.dryRun
                ? 'These rows would be refused and nothing of them written; fix them in the file and preview again, or import the others.'
                : 'These rows were refused: nothing of them was written.'
            }
          >
            Rejected rows
          </Header>
        }
        items={bad}
        trackBy="key"
        wrapLines
        empty={<Box textAlign="center">No row was rejected.</Box>}
        columnDefinitions={[
          // The field and its reason first, the partner id last: on a phone the reason is what matters.
          { id: 'line', header: 'Line', cell: (item) => item.line, isRowHeader: true, width: 64 },
          { id: 'field', header: 'Field', cell: (item) => <code>{item.field}</code>, width: 140 },
          { id: 'reason', header: 'Reason', cell: (item) => item.reason, minWidth: 120 },
          { id: 'partner', header: 'Partner id', cell: (item) => item.partnerId, minWidth: 100 },
        ]}
      />
    </SpaceBetween>
  );
}

export default function PartnerImport() {
  const { api } = useConsole();
  const follow = useFollow();
  const canWrite = useCan('partner-manager');
  const [files, setFiles] = useState<File[]>([]);
  const [pasted, setPasted] = useState('');
  const [pastedType, setPastedType] = useState<ImportMediaType>('text/csv');
  const [fileError, setFileError] = useState<string>();
  const [run, setRun] = useState<Run>({ state: 'idle' });
  const [previewed, setPreviewed] = useState(false);
  if (!canWrite) {
    return (
      <Alert type="info" header="Partner managers import partners">
        Your role can see the directory but not change it.
      </Alert>
    );
  }
  const file = files[0];
  const reset = () => {
    setRun({ state: 'idle' });
    setPreviewed(false);
    setFileError(undefined);
  };

  async function start(dryRun: boolean) {
    setFileError(undefined);
    let text: string;
    let mediaType: ImportMediaType;
    if (file) {
      const type = mediaTypeOf(file);
      if (!type) {
        setFileError('Choose a .csv or a .jsonl (JSON Lines) file.');
        return;
      }
      mediaType = type;
      text = await file.text();
    } else {
      mediaType = pastedType;
      text = pasted;
    }
    const chunks = importChunks(text, mediaType);
    const total = chunks.reduce((sum, chunk) => sum + chunk.rows, 0);
    if (total === 0) {
      setFileError(
        mediaType === 'text/csv'
          ? 'There is no row to import: a CSV file is a header line, then one partner per line.'
          : 'There is no row to import: JSON Lines is one partner (a JSON object) per line.',
      );
      return;
    }
    setRun({ state: 'running', dryRun, done: 0, total });
    const outcome = await runImport(api, mediaType, chunks, dryRun, (done) =>
      setRun({ state: 'running', dryRun, done, total }),
    );
    if (outcome.problem) {
      setRun({
        state: 'failed',
        dryRun,
        problem: outcome.problem,
        done: outcome.done,
        total,
        report: outcome.report,
      });
      return;
    }
    setRun({ state: 'done', dryRun, report: outcome.report, total });
    if (dryRun) setPreviewed(true);
  }
  const running = run.state === 'running';
  const nothingChosen = !file && pasted.trim() === '';

  return (
    <Form
      header={
        <Header
          variant="h1"
          description="Bring the directory in from your CRM or PRM as CSV or JSON Lines (the format GET /api/partner-exports writes). A partner is matched by its id: a re-run changes nothing."
        >
          Import partners
        </Header>
      }
      actions={
        <SpaceBetween direction="horizontal" size="xs">
          <Button href="/partners" onFollow={follow} variant="link">
            Back to partners
          </Button>
          <Button
            onClick={() => void start(true)}
            loading={running && run.dryRun}
            disabled={running || nothingChosen}
          >
            Preview
          </Button>
          <Button
            variant="primary"
            onClick={() => void start(false)}
            loading={running && !run.dryRun}
            disabled={running || nothingChosen || !previewed}
          >
            Import
          </Button>
        </SpaceBetween>
      }
    >
      <SpaceBetween size="l">
        <Container
          header={
            <Header
              variant="h2"
              description="Preview first: it reads every row and writes nothing. Then import."
            >
              The file
            </Header>
          }
        >
          <SpaceBetween size="l">
            <FormField
              label="A CSV or JSON Lines file"
              description="Big files are sent in parts; the report names the file’s own line numbers."
              errorText={fileError}
            >
              <FileUpload
                value={files}
                accept=".csv,.jsonl,.ndjson,text/csv,application/x-ndjson"
                onChange={({ detail }) => {
                  setFiles(detail.value.slice(0, 1));
                  reset();
                }}
                showFileSize
                i18nStrings={{
                  uploadButtonText: () => 'Choose file',
                  dropzoneText: () => 'Drop a file to import',
                  removeFileAriaLabel: (_index, name) => `Remove ${name}`,
                  errorIconAriaLabel: 'Error',
                  warningIconAriaLabel: 'Warning',
                  formatFileSize: (bytes) =>
                    bytes < 1024 * 1024
                      ? `${Math.ceil(bytes / 1024)} kB`
                      : `${(bytes / 1024 / 1024).toFixed(1)} MB`,
                }}
              />
            </FormField>
            {file ? null : (
              <>
                <FormField label="Or paste the rows">
                  <Textarea
                    value={pasted}
                    rows={6}
                    placeholder={'partnerId,name,stage,…\nacme,Acme Resellers,transactional,…'}
                    onChange={({ detail }) => {
                      setPasted(detail.value);
                      reset();
                    }}
                  />
                </FormField>
                <FormField label="The pasted rows are">
                  <RadioGroup
                    value={pastedType}
                    onChange={({ detail }) => {
                      setPastedType(
                        detail.value === 'application/x-ndjson' ? 'application/x-ndjson' : 'text/csv',
                      );
                      reset();
                    }}
                    items={[
                      {
                        value: 'text/csv',
                        label: 'CSV',
                        description: 'A header line, then one partner per line',
                      },
                      {
                        value: 'application/x-ndjson',
                        label: 'JSON Lines',
                        description: 'One partner (a JSON object) per line',
                      },
                    ]}
                  />
                </FormField>
              </>
            )}
          </SpaceBetween>
        </Container>
        {run.state !== 'idle' ? (
          <ProgressBar
            label={run.dryRun ? 'Checking rows' : 'Importing rows'}
            value={run.state === 'done' ? 100 : Math.round((run.done / run.total) * 100)}
            additionalInfo={run.state === 'done' ? undefined : `${run.done} of ${run.total} rows`}
            status={run.state === 'failed' ? 'error' : run.state === 'done' ? 'success' : 'in-progress'}
            resultText={
              run.state === 'failed'
                ? `Stopped after ${run.done} of ${run.total} rows`
                : run.state === 'done'
                  ? `All ${run.total} rows ${run.dryRun ? 'checked' : 'sent'}`
                  : undefined
            }
          />
        ) : null}
        {run.state === 'failed' ? (
          <SpaceBetween size="s">
            <ErrorState
              problem={run.problem}
              header={run.dryRun ? 'The preview stopped' : 'The import stopped'}
            />
            {!run.dryRun && run.done > 0 ? (
              <Alert type="info">
                The first {run.done} rows were sent and each was written whole or not at all. Importing the
                same file again is safe: rows already imported are reported unchanged.
              </Alert>
            ) : null}
          </SpaceBetween>
        ) : null}
        {run.state === 'done' ? <ReportView report={run.report} total={run.total} /> : null}
        {run.state === 'done' && run.dryRun ? (
          <Box color="text-body-secondary">
            Nothing has been written yet. Press Import to write the rows that passed; rejected rows are
            skipped.
          </Box>
        ) : null}
      </SpaceBetween>
    </Form>
  );
}
