import { type ChangeStatus, terminalStatuses, transitionRules } from '../../../functions/domain/lifecycle.ts';
import { statusLabel } from './format.tsx';

/**
 * Where each status sits in the drawing: the way a change normally goes on the top row, the detours it may
 * take while waiting for the partner in the middle, and the endings other than applying at the bottom. The
 * arrows themselves come from the lifecycle's transition table (functions/domain/lifecycle.ts), so the
 * drawing cannot show a move the system does not allow.
 */
const layout: Record<ChangeStatus, { column: number; row: number }> = {
  'awaiting-approval': { column: 0, row: 0 },
  'awaiting-consultation': { column: 1, row: 0 },
  'notice-due': { column: 2, row: 0 },
  'notice-sent': { column: 3, row: 0 },
  scheduled: { column: 4, row: 0 },
  applied: { column: 5, row: 0 },
  escalated: { column: 3, row: 1 },
  held: { column: 4, row: 1 },
  disputed: { column: 2, row: 1 },
  rejected: { column: 0, row: 2 },
  'approval-expired': { column: 1, row: 2 },
  'workflow-failed': { column: 3, row: 2 },
  withdrawn: { column: 4, row: 2 },
};

const mainPath: ChangeStatus[] = [
  'awaiting-approval',
  'awaiting-consultation',
  'notice-due',
  'notice-sent',
  'scheduled',
  'applied',
];

const BOX_W = 150;
const BOX_H = 40;
const GAP_X = 24;
const GAP_Y = 34;

function centre(status: ChangeStatus) {
  const { column, row } = layout[status];
  return { x: column * (BOX_W + GAP_X) + BOX_W / 2, y: row * (BOX_H + GAP_Y) + BOX_H / 2 };
}

/** The distinct moves between two different statuses the table allows (the table is fixed: read once). */
const moves: readonly [ChangeStatus, ChangeStatus][] = (() => {
  const seen = new Set<string>();
  const result: [ChangeStatus, ChangeStatus][] = [];
  for (const rule of transitionRules) {
    for (const from of rule.from as readonly ChangeStatus[]) {
      // A row's `to` is a list of statuses, or 'same' for a step that keeps the status.
      const targets: readonly ChangeStatus[] = rule.to === 'same' ? [] : rule.to;
      for (const to of targets) {
        if (to === from) continue;
        const key = `${from}>${to}`;
        if (seen.has(key)) continue;
        seen.add(key);
        result.push([from, to]);
      }
    }
  }
  return result;
})();

export function LifecycleDiagram({ status }: { status: ChangeStatus }) {
  const width = 6 * BOX_W + 5 * GAP_X;
  const height = 3 * BOX_H + 2 * GAP_Y;
  const reachedIndex = mainPath.indexOf(status);
  const next = moves.filter(([from]) => from === status).map(([, to]) => statusLabel(to));
  const description = terminalStatuses.has(status)
    ? `Lifecycle: this change has ended as ${statusLabel(status)}.`
    : `Lifecycle: now ${statusLabel(status)}; it can move to ${next.join(', ') || 'nothing else'}.`;
  return (
    <div style={{ overflowX: 'auto' }}>
      <svg
        role="img"
        aria-label={description}
        viewBox={`-4 -4 ${width + 8} ${height + 8}`}
        style={{ minWidth: '40rem', width: '100%', maxWidth: `${width + 8}px` }}
      >
        <title>{description}</title>
        <defs>
          <marker
            id="arrow"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="6"
            markerHeight="6"
            orient="auto-start-reverse"
          >
            <path d="M 0 0 L 10 5 L 0 10 z" fill="#8c8c94" />
          </marker>
        </defs>
        {moves
          // The usual way in grey, and every way out of where the change is now in blue: all the moves at
          // once (withdrawal and failure are possible from almost everywhere) would hide both.
          .filter(
            ([from, to]) =>
              from === status ||
              (mainPath.indexOf(to) === mainPath.indexOf(from) + 1 && mainPath.includes(from)),
          )
          .map(([from, to]) => {
            const a = centre(from);
            const b = centre(to);
            const fromHere = from === status;
            return (
              <line
                key={`${from}>${to}`}
                x1={a.x}
                y1={a.y}
                x2={b.x + Math.sign(a.x - b.x) * (BOX_W / 2) * (a.y === b.y ? 1 : 0.3)}
                y2={b.y + Math.sign(a.y - b.y) * (BOX_H / 2)}
                stroke={fromHere ? '#0972d3' : '#c6c6cd'}
                strokeWidth={fromHere ? 2 : 1}
                markerEnd="url(#arrow)"
              />
            );
          })}
        {(Object.keys(layout) as ChangeStatus[]).map((item) => {
          const { x, y } = centre(item);
          const current = item === status;
          const passed =
            reachedIndex > 0 && mainPath.indexOf(item) >= 0 && mainPath.indexOf(item) < reachedIndex;
          return (
            <g key={item} data-status={item} data-current={current || undefined}>
              <rect
                x={x - BOX_W / 2}
                y={y - BOX_H / 2}
                width={BOX_W}
                height={BOX_H}
                rx={8}
                fill={current ? '#0972d3' : passed ? '#d1f1ff' : '#ffffff'}
                stroke={current ? '#033160' : '#8c8c94'}
                strokeWidth={current ? 2 : 1}
              />
              <text
                x={x}
                y={y + 5}
                textAnchor="middle"
                fontSize="12.5"
                fontFamily="system-ui, sans-serif"
                fill={current ? '#ffffff' : '#000716'}
                fontWeight={current ? 700 : 400}
              >
                {statusLabel(item)}
              </text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}
