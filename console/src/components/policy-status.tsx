import StatusIndicator, { type StatusIndicatorProps } from '@cloudscape-design/components/status-indicator';
import type { RecipientState } from '../../../functions/policy-changes/rounds.ts';

/**
 * A policy change's status and a recipient's state as people read them. Keyed by string: a status the
 * console does not know yet (a newer server) is still shown, by its name, rather than breaking the page.
 */
const policyStatusLook: Record<string, { type: StatusIndicatorProps.Type; label: string }> = {
  'awaiting-approval': { type: 'pending', label: 'Awaiting approval' },
  approved: { type: 'info', label: 'Approved' },
  rejected: { type: 'error', label: 'Rejected' },
  notifying: { type: 'in-progress', label: 'Notifying' },
  notified: { type: 'in-progress', label: 'Notified' },
  withdrawing: { type: 'in-progress', label: 'Withdrawing' },
  withdrawn: { type: 'stopped', label: 'Withdrawn' },
  'in-effect': { type: 'success', label: 'In effect' },
  'workflow-failed': { type: 'error', label: 'Workflow failed' },
};

/**
 * While the sending workflow is at work the coverage moves: the detail page reads it again every few seconds.
 * `approved` is included because the workflow starts from it at once (its notice round comes next).
 */
export const livePolicyStatuses: ReadonlySet<string> = new Set([
  'approved',
  'notifying',
  'notified',
  'withdrawing',
]);

export function PolicyStatusBadge({ status }: { status: string }) {
  const look = policyStatusLook[status] ?? { type: 'info' as const, label: status };
  return <StatusIndicator type={look.type}>{look.label}</StatusIndicator>;
}

export const recipientStateLabels: Record<RecipientState, string> = {
  queued: 'Queued',
  delivered: 'Delivered',
  opened: 'Opened',
  acknowledged: 'Acknowledged',
  'concern-raised': 'Concern raised',
  unreachable: 'Unreachable',
};

const recipientStateTypes: Record<RecipientState, StatusIndicatorProps.Type> = {
  queued: 'pending',
  delivered: 'info',
  opened: 'info',
  acknowledged: 'success',
  'concern-raised': 'warning',
  unreachable: 'error',
};

export function RecipientStateBadge({ state }: { state: RecipientState }) {
  return (
    <StatusIndicator type={recipientStateTypes[state] ?? 'info'}>
      {recipientStateLabels[state] ?? state}
    </StatusIndicator>
  );
}

/** A segment as it was submitted ({ by: 'region', regions: [...] } → "Region: EMEA, APAC"). */
export function segmentText(segment: Record<string, unknown>): string {
  const by = segment.by;
  if (by === 'all') return 'All partners';
  const field = { stage: 'stages', tier: 'tiers', region: 'regions', tag: 'tags', partners: 'partnerIds' }[
    String(by)
  ];
  const list = field ? segment[field] : undefined;
  const values = Array.isArray(list) ? list.map(String).join(', ') : JSON.stringify(segment);
  const name = by === 'partners' ? 'Partners' : `${String(by).charAt(0).toUpperCase()}${String(by).slice(1)}`;
  return `${name}: ${values}`;
}
