import { type ChangeStatus, transitionRules } from './lifecycle.ts';

/** Events drawn as notes, not arrows: they leave (or return to) almost every status. */
const everywhere = new Set(['withdraw', 'fail-workflow', 'retry-workflow']);

const id = (status: ChangeStatus) => status.replaceAll('-', '_');

/**
 * The lifecycle's transition table as a Mermaid state diagram (the README shows it; a test keeps the two
 * equal, so the picture can never drift from the rules the code enforces).
 */
export function lifecycleDiagram(): string {
  const lines = ['stateDiagram-v2'];
  const statuses = new Set<ChangeStatus>();
  const edges: string[] = [];
  for (const rule of transitionRules) {
    if (rule.to === 'same' || everywhere.has(rule.event)) continue;
    const from: readonly (ChangeStatus | undefined)[] = rule.from.length === 0 ? [undefined] : rule.from;
    for (const source of from) {
      for (const target of rule.to) {
        if (source === target) continue;
        if (source) statuses.add(source);
        statuses.add(target);
        edges.push(`  ${source ? id(source) : '[*]'} --> ${id(target)}: ${rule.event}`);
      }
    }
  }
  for (const status of [...statuses].sort()) lines.push(`  state "${status}" as ${id(status)}`);
  lines.push(...edges);
  for (const end of ['applied', 'withdrawn', 'rejected', 'approval-expired'] as const)
    lines.push(`  ${id(end)} --> [*]`);
  lines.push('  note right of withdrawn: withdraw — from any status before applied');
  return `${lines.join('\n')}\n`;
}
