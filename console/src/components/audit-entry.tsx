import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import Link from '@cloudscape-design/components/link';
import Modal from '@cloudscape-design/components/modal';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { type ReactNode, useState } from 'react';
import { useConsole } from '../context.ts';
import { useFollow } from '../shell.tsx';
import type { AuditEntryView } from '../types.ts';
import { downloadEvidencePack } from './audit-download.ts';
import { Instant } from './format.tsx';

/** "notice-opened" → "Notice opened": an entry's type as people read it. */
export function auditTypeLabel(type: string): string {
  const text = type.replace(/-/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Where a stream's subject lives in the console: a change's stream (change#chg_…) is its change page, a
 * policy change's (change#pol_…, and its batches' and partners' streams under it) its policy change page, a
 * partner's (partner#…) the partner's page.
 */
export function streamSubject(
  stream: string,
): { kind: 'change' | 'policy-change' | 'partner'; id: string; href: string } | undefined {
  const [prefix, id] = stream.split('#');
  if (!id) return undefined;
  if (prefix === 'partner') return { kind: 'partner', id, href: `/partners/${encodeURIComponent(id)}` };
  if (prefix !== 'change') return undefined;
  if (id.startsWith('pol_'))
    return { kind: 'policy-change', id, href: `/policy-changes/${encodeURIComponent(id)}` };
  return { kind: 'change', id, href: `/changes/${encodeURIComponent(id)}` };
}

export function StreamLink({ stream }: { stream: string }) {
  const follow = useFollow();
  const subject = streamSubject(stream);
  if (!subject) return <>{stream}</>;
  return (
    <Link href={subject.href} onFollow={follow}>
      {stream}
    </Link>
  );
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * An acknowledgement's evidence in plain words: a change's entry holds it in its details, a policy change's
 * under `acknowledgement` (with the version and content hash beside it).
 */
function acknowledgementEvidence(entry: AuditEntryView): { label: string; value: ReactNode }[] | undefined {
  if (entry.type !== 'acknowledgement-recorded' && entry.type !== 'policy-acknowledgement-recorded')
    return undefined;
  const inner = isRecord(entry.details.acknowledgement) ? entry.details.acknowledgement : {};
  const pick = (...names: string[]) =>
    names.map((name) => text(entry.details[name]) ?? text(inner[name])).find((value) => value !== undefined);
  const acknowledgedAt = pick('acknowledgedAt', 'at') ?? entry.at;
  const rows: [string, ReactNode | undefined][] = [
    ['Recipient (contact)', pick('contactId') ?? entry.actor.replace(/^partner:/, '')],
    ['Acknowledged at', <Instant key="at" iso={acknowledgedAt} />],
    ['IP address', pick('sourceIp')],
    ['User agent (browser)', pick('userAgent')],
    ['Notice version', pick('noticeVersion', 'version')],
    ['Content hash of the notice shown', pick('contentHash')],
    ['Notice', pick('noticeId')],
  ];
  return rows.flatMap(([label, value]) => (value === undefined ? [] : [{ label, value }]));
}

/** One entry opened: its evidence in plain words where it is an acknowledgement, its details, its proof. */
export function AuditEntryModal({ entry, onDismiss }: { entry: AuditEntryView; onDismiss(): void }) {
  const { api } = useConsole();
  const subject = streamSubject(entry.stream);
  const evidence = acknowledgementEvidence(entry);
  const [pdf, setPdf] = useState<{ state: 'idle' | 'loading' } | { state: 'error'; message: string }>({
    state: 'idle',
  });
  async function evidencePack(changeId: string) {
    setPdf({ state: 'loading' });
    const result = await downloadEvidencePack(api, changeId);
    setPdf(result.ok ? { state: 'idle' } : { state: 'error', message: result.message });
  }
  return (
    <Modal
      visible
      size="large"
      onDismiss={onDismiss}
      closeAriaLabel="Close entry"
      header={`${auditTypeLabel(entry.type)} · ${entry.stream} #${entry.seq}`}
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            {subject?.kind === 'change' ? (
              <Button
                iconName="download"
                loading={pdf.state === 'loading'}
                onClick={() => void evidencePack(subject.id)}
              >
                Evidence pack (PDF)
              </Button>
            ) : null}
            <Button variant="primary" onClick={onDismiss}>
              Close
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      <SpaceBetween size="l">
        {pdf.state === 'error' ? (
          <Alert type="error" statusIconAriaLabel="Error" header="The evidence pack could not be downloaded">
            {pdf.message}
          </Alert>
        ) : null}
        {entry.type === 'notice-opened' || entry.type === 'policy-notice-opened' ? (
          <Alert type="info" statusIconAriaLabel="Info" header="An open is not an acknowledgement">
            The notice’s link was opened. A mail scanner opens links too, so this does not show that the
            partner read the notice, and it is not an acknowledgement.
          </Alert>
        ) : null}
        <KeyValuePairs
          columns={2}
          items={[
            { label: 'Type', value: auditTypeLabel(entry.type) },
            { label: 'At', value: <Instant iso={entry.at} /> },
            { label: 'Actor', value: entry.actor },
            { label: 'Stream', value: <StreamLink stream={entry.stream} /> },
          ]}
        />
        {evidence ? (
          <Container header={<Header variant="h3">Evidence of the acknowledgement</Header>}>
            <div data-testid="acknowledgement-evidence">
              <KeyValuePairs
                columns={2}
                items={evidence.map(({ label, value }) => ({
                  label,
                  value: <span style={{ overflowWrap: 'anywhere' }}>{value}</span>,
                }))}
              />
            </div>
          </Container>
        ) : null}
        <Container header={<Header variant="h3">Details</Header>}>
          {Object.keys(entry.details).length === 0 ? (
            <Box color="text-body-secondary">No details.</Box>
          ) : (
            <pre
              data-testid="entry-details"
              style={{ margin: 0, whiteSpace: 'pre-wrap', overflowWrap: 'anywhere', fontSize: '13px' }}
            >
              {JSON.stringify(entry.details, null, 2)}
            </pre>
          )}
        </Container>
        <Container
          header={
            <Header
              variant="h3"
              description="The hash covers this entry and the previous entry’s hash: altering either breaks the chain."
            >
              Proof
            </Header>
          }
        >
          <KeyValuePairs
            columns={1}
            items={[
              { label: 'Sequence number', value: String(entry.seq) },
              {
                label: 'Previous hash',
                value: <code style={{ overflowWrap: 'anywhere' }}>{entry.prevHash}</code>,
              },
              { label: 'Hash', value: <code style={{ overflowWrap: 'anywhere' }}>{entry.hash}</code> },
            ]}
          />
        </Container>
      </SpaceBetween>
    </Modal>
  );
}
