import Button from '@cloudscape-design/components/button';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import { useState } from 'react';
import { mayReadEvidence } from '../../../functions/audit/evidence-access.ts';
import { useConsole } from '../context.ts';
import type { ChangeView } from '../types.ts';

/** Saves `blob` as `filename`, as a browser saves a download. */
function save(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = filename;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  // After the click has handed the URL to the download.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * The change's evidence pack (GET /api/audit/evidence/{changeId}, as JSON and as PDF), offered to the people the
 * API lets read it: compliance, the finance person who submitted it, an approver who approved it.
 */
export function EvidenceDownload({ change }: { change: ChangeView }) {
  const { api, session } = useConsole();
  const [busy, setBusy] = useState<'pdf' | 'json'>();
  const [problem, setProblem] = useState<string>();
  if (!mayReadEvidence(session, change)) return null;
  const path = `/api/audit/evidence/${encodeURIComponent(change.changeId)}`;
  const download = async (format: 'pdf' | 'json') => {
    setBusy(format);
    setProblem(undefined);
    const result = await api.blob(format === 'pdf' ? `${path}/pdf` : path);
    setBusy(undefined);
    if (!result.ok) return setProblem(result.problem.message);
    save(result.data, `${change.changeId}.evidence.${format}`);
  };
  return (
    <SpaceBetween direction="horizontal" size="xs" alignItems="center">
      {problem ? (
        <StatusIndicator type="error">
          <span role="alert">{problem}</span>
        </StatusIndicator>
      ) : null}
      <Button iconName="download" loading={busy === 'pdf'} onClick={() => void download('pdf')}>
        Evidence pack (PDF)
      </Button>
      <Button iconName="download" loading={busy === 'json'} onClick={() => void download('json')}>
        Evidence pack (JSON)
      </Button>
    </SpaceBetween>
  );
}
