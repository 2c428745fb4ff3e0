import Header from '@cloudscape-design/components/header';
import Link from '@cloudscape-design/components/link';
import Table from '@cloudscape-design/components/table';
import Toggle from '@cloudscape-design/components/toggle';
import { useState } from 'react';
import type { ChangeStatus } from '../../../functions/domain/lifecycle.ts';
import { ChangeStatusBadge, Instant, roleLabel } from '../components/format.tsx';
import { EmptyState, ErrorState } from '../components/states.tsx';
import { useLoad } from '../components/use-api.ts';
import { useConsole } from '../context.ts';
import { useFollow } from '../shell.tsx';

export interface InboxItem {
  changeId: string;
  partnerId: string;
  partnerName?: string;
  kind: string;
  summary: string;
  status: ChangeStatus;
  task: string;
  dueAt?: string;
  mine: boolean;
}

const taskLabels: Record<string, string> = {
  approve: 'Approve or reject',
  'record-consultation': 'Record the consultation',
  'resolve-escalation': 'Resolve the escalation',
  'resolve-dispute': 'Answer the partner’s concern',
  'retry-workflow': 'Retry the workflow',
  'record-handover': 'Record your handover',
};

/** What waits on the signed-in person: approvals for approvers, concerns and escalations for partner managers. */
export default function Inbox() {
  const { api, session, clockVersion } = useConsole();
  const follow = useFollow();
  const [mineOnly, setMineOnly] = useState(false);
  const [inbox] = useLoad(() => api.get<{ items: InboxItem[] }>('/api/inbox'), `inbox#${clockVersion}`);
  const all = inbox.state === 'ready' ? inbox.data.items : [];
  const items = mineOnly ? all.filter((item) => item.mine) : all;
  return (
    <Table<InboxItem>
      variant="full-page"
      header={
        <Header
          variant="awsui-h1-sticky"
          counter={inbox.state === 'ready' ? `(${items.length})` : undefined}
          description={`What waits on you as ${session.roles.map(roleLabel).join(', ')}, soonest deadline first.`}
          actions={
            <Toggle checked={mineOnly} onChange={({ detail }) => setMineOnly(detail.checked)}>
              Only mine
            </Toggle>
          }
        >
          Inbox
        </Header>
      }
      loading={inbox.state === 'loading'}
      loadingText="Loading your inbox"
      items={items}
      trackBy={(item) => `${item.changeId}:${item.task}`}
      empty={
        inbox.state === 'error' ? (
          <ErrorState problem={inbox.problem} />
        ) : (
          <EmptyState
            title="Nothing waits on you"
            hint="New approvals, concerns and escalations appear here."
          />
        )
      }
      columnDefinitions={[
        {
          id: 'task',
          header: 'To do',
          cell: (item) => (
            <Link href={`/changes/${encodeURIComponent(item.changeId)}`} onFollow={follow}>
              {taskLabels[item.task] ?? item.task}
            </Link>
          ),
          isRowHeader: true,
        },
        { id: 'partner', header: 'Partner', cell: (item) => item.partnerName ?? item.partnerId },
        { id: 'change', header: 'Change', cell: (item) => item.summary },
        { id: 'status', header: 'Status', cell: (item) => <ChangeStatusBadge status={item.status} /> },
        { id: 'due', header: 'Due', cell: (item) => (item.dueAt ? <Instant iso={item.dueAt} /> : '—') },
        { id: 'mine', header: 'Yours', cell: (item) => (item.mine ? 'Yes' : '') },
      ]}
    />
  );
}
