import type { AuditStore } from '../adapters/dynamodb/audit-store.ts';
import type { ChangeStore } from '../adapters/dynamodb/change-store.ts';
import { auditStreamOf } from '../adapters/dynamodb/change-store.ts';
import { type AuditEntry, type AuditEntryType, auditEntryTypes } from '../domain/audit-chain.ts';
import { headsInScope } from './anchoring.ts';

/** Compliance's search over the audit trail: every filter optional, newest first, a page at a time. */
export interface AuditQuery {
  changeId?: string;
  partnerId?: string;
  type?: AuditEntryType;
  actor?: string;
  /** Entries at or after this instant (ISO). */
  from?: string;
  /** Entries before this instant (ISO). */
  to?: string;
  limit: number;
  /** The position after the previous page's last entry (see AuditPosition). */
  after?: AuditPosition;
}

/** Where an entry sits in the search's order (newest first; ties by stream, then seq, both descending). */
export interface AuditPosition {
  at: string;
  stream: string;
  seq: number;
}

export interface AuditPage {
  entries: AuditEntry[];
  /** Set when there may be more: the position to pass as `after` for the next page. */
  next?: AuditPosition;
}

/** Whether `a` comes before `b` in the search's order. */
function before(a: AuditPosition, b: AuditPosition): boolean {
  if (a.at !== b.at) return a.at > b.at;
  if (a.stream !== b.stream) return a.stream > b.stream;
  return a.seq > b.seq;
}

const newestFirst = (a: AuditEntry, b: AuditEntry) => (before(a, b) ? -1 : before(b, a) ? 1 : 0);

function matches(entry: AuditEntry, query: AuditQuery): boolean {
  return (
    (query.type === undefined || entry.type === query.type) &&
    (query.actor === undefined || entry.actor === query.actor) &&
    (query.from === undefined || entry.at >= query.from) &&
    (query.to === undefined || entry.at < query.to) &&
    (query.after === undefined || before(query.after, entry))
  );
}

/**
 * The page: entries sorted, cut at `frontier` (the newest instant down to which every source was read: below
 * it a source may hold entries not read yet), then at `limit`.
 */
function page(entries: AuditEntry[], limit: number, frontier?: string): AuditPage {
  const complete = frontier === undefined ? entries : entries.filter((entry) => entry.at >= frontier);
  complete.sort(newestFirst);
  const shown = complete.slice(0, limit);
  const last = shown.at(-1);
  return {
    entries: shown,
    ...((complete.length > limit || frontier !== undefined) && last
      ? { next: { at: last.at, stream: last.stream, seq: last.seq } }
      : {}),
  };
}

/**
 * One page of the search. A change or a partner names its streams, read whole (a partner's history is
 * hundreds of entries, not millions); otherwise the `byType` index answers by time, one query per type
 * (merged), each stopping once it has a page's worth.
 */
export async function searchAudit(
  deps: { audit: AuditStore; changes: Pick<ChangeStore, 'idsOfPartner'> },
  query: AuditQuery,
): Promise<AuditPage> {
  if (query.changeId !== undefined || query.partnerId !== undefined) {
    let streams: string[];
    if (query.partnerId !== undefined) {
      streams = (await headsInScope(deps, query.partnerId)).map((head) => head.stream);
      if (query.changeId !== undefined) {
        const wanted = auditStreamOf(query.changeId);
        streams = streams.filter((stream) => stream === wanted);
      }
    } else streams = [auditStreamOf(query.changeId!)];
    const entries = (await Promise.all(streams.map((stream) => deps.audit.entries(stream)))).flat();
    return page(
      entries.filter((entry) => matches(entry, query)),
      query.limit,
    );
  }
  const types = query.type ? [query.type] : auditEntryTypes;
  const results = await Promise.all(
    types.map((type) =>
      deps.audit.byType(type, {
        ...(query.from !== undefined ? { from: query.from } : {}),
        // The next page starts at the previous one's last instant, inclusive: its ties are sorted out by position.
        ...(query.to !== undefined || query.after !== undefined
          ? { to: minTime(query.to, query.after?.at) }
          : {}),
        ...(query.actor !== undefined ? { actor: query.actor } : {}),
        wanted: query.limit + 1,
        keep: (entry) => matches(entry, query),
      }),
    ),
  );
  const frontiers = results.flatMap((result) => (result.frontier === undefined ? [] : [result.frontier]));
  return page(
    results.flatMap((result) => result.entries),
    query.limit,
    frontiers.length > 0 ? frontiers.reduce((a, b) => (a > b ? a : b)) : undefined,
  );
}

/** The later bound of two: the earlier instant (either may be absent). */
function minTime(a: string | undefined, b: string | undefined): string {
  if (a === undefined) return b!;
  if (b === undefined) return a;
  return a < b ? a : b;
}
