/**
 * Helpers shared by the reliability suite (test/reliability): partners made in bulk, bounded concurrency,
 * latency figures, the audit trail and trust ledger of a change read back from the real tables, and a
 * watchdog that turns a workflow hang into a failure naming what hung.
 */
import { scanAll } from '../../functions/adapters/dynamodb/all-items.ts';
import { readAuditHead } from '../../functions/adapters/dynamodb/audited-transaction.ts';
import { auditStreamOf } from '../../functions/adapters/dynamodb/change-store.ts';
import { createPartner } from '../../functions/directory/write.ts';
import { type AuditEntry, verifyChain } from '../../functions/domain/audit-chain.ts';
import type { TrustLedgerEvent } from '../../functions/domain/trust-rules.ts';
import type { LocalSystem } from '../../local/system.ts';

/** Runs `work(0 … count − 1)`, at most `concurrency` at a time; the results in index order. */
export async function inParallel<T>(
  count: number,
  concurrency: number,
  work: (index: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const index = next++;
        results[index] = await work(index);
      }
    }),
  );
  return results;
}

export interface LoadPartner {
  partnerId: string;
  /** The primary contacts' ids: each gets the notice. */
  contactIds: string[];
  ratePct: number;
}

/**
 * `count` transactional partners (30 days' notice, no consultation), each with `primaryContacts` primary
 * contacts (one by default) and a 12% partner-wide rate since 2025, written straight through the PartnerStore
 * through the directory's create, as an import does.
 */
export async function createPartners(
  system: LocalSystem,
  prefix: string,
  count: number,
  primaryContacts = 1,
): Promise<LoadPartner[]> {
  return inParallel(count, 16, async (index) => {
    const n = String(index).padStart(4, '0');
    const partner: LoadPartner = {
      partnerId: `${prefix}-${n}`,
      contactIds: Array.from({ length: primaryContacts }, (_, c) => `${prefix}-contact-${n}-${c}`),
      ratePct: 12,
    };
    const created = await createPartner(
      system.deps,
      {
        partnerId: partner.partnerId,
        name: `${prefix} partner ${n}`,
        stage: 'transactional',
        allianceManager: { userId: 'dana', name: 'Dana Whitfield', email: 'dana.whitfield@vendor.example' },
        contacts: partner.contactIds.map((contactId, c) => ({
          contactId,
          name: `Contact ${n}-${c}`,
          email: `contact-${n}-${c}@${prefix}.example`,
          role: 'primary' as const,
        })),
        openingRates: [{ ratePct: partner.ratePct, effectiveFrom: '2025-01-01' }],
      },
      'seed',
    );
    if (created.outcome !== 'created') throw new Error(`partner ${partner.partnerId} already exists`);
    return partner;
  });
}

/** Latency figures in milliseconds (nearest-rank percentiles). */
export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export function latencySummary(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
  return {
    count: sorted.length,
    p50: rank(50),
    p90: rank(90),
    p99: rank(99),
    max: sorted.at(-1) ?? Number.NaN,
    mean: sorted.reduce((sum, value) => sum + value, 0) / sorted.length,
  };
}

/** A small fixed-width table of latency summaries, one row each, for the run's log. */
export function latencyTable(
  title: string,
  rows: Record<string, LatencySummary & { seconds: number }>,
): string {
  const ms = (value: number) => value.toFixed(1).padStart(9);
  const lines = [
    title,
    `  ${'scenario'.padEnd(34)} ${'requests'.padStart(8)} ${'p50 ms'.padStart(9)} ${'p90 ms'.padStart(9)} ${'p99 ms'.padStart(9)} ${'max ms'.padStart(9)} ${'wall s'.padStart(7)} ${'req/s'.padStart(7)}`,
  ];
  for (const [name, row] of Object.entries(rows)) {
    lines.push(
      `  ${name.padEnd(34)} ${String(row.count).padStart(8)} ${ms(row.p50)} ${ms(row.p90)} ${ms(row.p99)} ${ms(row.max)} ${row.seconds.toFixed(2).padStart(7)} ${(row.count / row.seconds).toFixed(0).padStart(7)}`,
    );
  }
  return lines.join('\n');
}

/** Runs `request` and how long it took in milliseconds of real time. */
export async function timed<T>(request: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const began = performance.now();
  const result = await request();
  return { result, ms: performance.now() - began };
}

/**
 * The workflows settle (every execution parked on a callback or a future virtual timer, or ended). A
 * workflow that never does is a hang: the watchdog fails the test naming `what`, well before vitest's own
 * timeout would, instead of leaving a silent stall. The watchdog only bounds; it never waits for anything.
 */
export async function settled(system: LocalSystem, what: string, seconds = 60): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const watchdog = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: the workflows did not settle within ${seconds} s (a hang)`)),
      seconds * 1000,
    );
  });
  try {
    await Promise.race([system.settle(), watchdog]);
  } finally {
    clearTimeout(timer);
  }
}

/** A change's audit entries, oldest first, after checking that they verify as a chain against its head. */
export async function verifiedAuditEntries(system: LocalSystem, changeId: string): Promise<AuditEntry[]> {
  const { deps } = system;
  const entries = (await deps.changes.auditEntries(changeId)).sort((a, b) => a.seq - b.seq);
  const head = await readAuditHead(deps.documentClient, deps.tables.auditTrail, auditStreamOf(changeId));
  const verdict = verifyChain(entries, head);
  if (!verdict.intact) throw new Error(`audit chain of ${changeId} broken: ${JSON.stringify(verdict)}`);
  return entries;
}

/** Every trust-ledger event, grouped by the change that caused it. */
export async function ledgerByChange(system: LocalSystem): Promise<Map<string, TrustLedgerEvent[]>> {
  const events = await scanAll<TrustLedgerEvent>(system.deps.documentClient, {
    TableName: system.deps.tables.trustLedger,
    ConsistentRead: true,
  });
  const byChange = new Map<string, TrustLedgerEvent[]>();
  for (const event of events) {
    if (!event.changeId) continue;
    byChange.set(event.changeId, [...(byChange.get(event.changeId) ?? []), event]);
  }
  return byChange;
}

/** How many times each key occurs. */
export function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}
