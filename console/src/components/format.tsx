import StatusIndicator, { type StatusIndicatorProps } from '@cloudscape-design/components/status-indicator';
import type { ChangeStatus } from '../../../functions/domain/lifecycle.ts';

const dateFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
const instantFormat = new Intl.DateTimeFormat(undefined, {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZoneName: 'short',
});
const utcFormat = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'UTC',
});

/** An instant in the viewer's own zone; the UTC date and time in its tooltip. */
export function Instant({ iso }: { iso: string | undefined }) {
  if (!iso) return <>—</>;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return <>{iso}</>;
  return (
    <time dateTime={iso} title={`${utcFormat.format(date)} UTC`}>
      {instantFormat.format(date)}
    </time>
  );
}

/** A calendar day (YYYY-MM-DD, a UTC day on the server): the same day everywhere, so no zone is applied. */
export function CalendarDay({ date }: { date: string | undefined }) {
  if (!date) return <>—</>;
  const [year, month, day] = date.slice(0, 10).split('-').map(Number);
  if (!year || !month || !day) return <>{date}</>;
  return (
    <time dateTime={date.slice(0, 10)} title={`${date.slice(0, 10)} (UTC day)`}>
      {dateFormat.format(new Date(year, month - 1, day))}
    </time>
  );
}

export function percent(value: unknown): string {
  return typeof value === 'number' ? `${value}%` : '—';
}

/** Old → new rate of a change's terms (commission changes; other kinds show their summary). */
export function rateChange(terms: Record<string, unknown>): string | undefined {
  const { currentRatePct, newRatePct } = terms;
  if (typeof currentRatePct !== 'number' || typeof newRatePct !== 'number') return undefined;
  return `${currentRatePct}% → ${newRatePct}%`;
}

const statusLook: Record<ChangeStatus, { type: StatusIndicatorProps.Type; label: string }> = {
  'awaiting-approval': { type: 'pending', label: 'Awaiting approval' },
  'awaiting-consultation': { type: 'pending', label: 'Awaiting consultation' },
  'notice-due': { type: 'in-progress', label: 'Notice due' },
  'notice-sent': { type: 'in-progress', label: 'Notice sent' },
  escalated: { type: 'warning', label: 'Escalated' },
  held: { type: 'warning', label: 'Held' },
  disputed: { type: 'warning', label: 'Disputed' },
  scheduled: { type: 'info', label: 'Scheduled' },
  applied: { type: 'success', label: 'Applied' },
  rejected: { type: 'error', label: 'Rejected' },
  'approval-expired': { type: 'stopped', label: 'Approval expired' },
  withdrawn: { type: 'stopped', label: 'Withdrawn' },
  'workflow-failed': { type: 'error', label: 'Workflow failed' },
};

export function statusLabel(status: ChangeStatus): string {
  return statusLook[status].label;
}

export function ChangeStatusBadge({ status }: { status: ChangeStatus }) {
  const look = statusLook[status];
  return <StatusIndicator type={look.type}>{look.label}</StatusIndicator>;
}

/** "partner-manager" → "Partner manager". */
export function roleLabel(role: string): string {
  const text = role.replace(/-/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** "transactional" → "Transactional": a relationship stage as people read it. */
export function stageLabel(stage: string): string {
  return stage.charAt(0).toUpperCase() + stage.slice(1);
}
