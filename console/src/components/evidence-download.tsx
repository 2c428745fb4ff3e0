import Button from '@cloudscape-design/components/button';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import { useState } from 'react';
import { mayReadEvidence } from '../../../functions/audit/evidence-access.ts';
import { useConsole } from '../context.ts';
import type { ChangeView } from '../types.ts';
import { downloadEvidencePack } from './audit-download.ts';

/**
 * The change's evidence pack (GET /api/audit/evidence/{changeId}, as JSON and as PDF), offered to the people the
 * API lets read it: compliance, the finance person who submitted it, an approver who approved it.
 */
export function EvidenceDownload({ change }: { change: ChangeView }) {
  const { api, session } = useConsole();
  const [busy, setBusy] = useState<'pdf' | 'json'>();
  const [problem, setProblem] = useState<string>();
  if (!mayReadEvidence(session, change)) return null;
  const download = async (format: 'pdf' | 'json') => {
    setBusy(format);
    setProblem(undefined);
    const result = await downloadEvidencePack(api, change.changeId, format);
    setBusy(undefined);
    if (!result.ok) setProblem(result.message);
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
