import type * as z from 'zod';
import type { TransactItem } from '../adapters/dynamodb/audited-transaction.ts';
import type { StoredChange } from '../adapters/dynamodb/change-store.ts';
import type { Dependencies } from '../dependencies.ts';
import type { NoticeExample, NoticeLine } from '../domain/notice.ts';
import type { Partner } from '../domain/partner.ts';
import type { RuleViolation } from '../domain/submission-rules.ts';
import type { TrustRule } from '../domain/trust-rules.ts';
import type { OpenTask } from './view.ts';

/**
 * A kind of change, plugged into the one notice lifecycle (functions/notices/). It supplies only what differs
 * between kinds: its request fields and their rules, whether a change is adverse for the partner, what the
 * partner is shown, the trust rules it earns, and its effect when applied. Approval, consultation, notices,
 * links, reminders, escalation, disputes, revisions, withdrawal, holds and audit are the lifecycle's.
 *
 * Methods (not function-valued properties) on purpose: a registry holds kinds of different term types, and
 * method parameters stay assignable to the registry's erased `unknown` terms.
 */
export interface ChangeKind<
  Request extends object = object,
  Terms = unknown,
  Revision extends object = object,
> {
  /** Stored on every change of this kind (e.g. 'commission-change'). */
  readonly name: string;
  /** In words ("commission change"). */
  readonly label: string;
  /** The kind's own request fields (the lifecycle's — partner, dates, rationale — are added around them). */
  readonly requestSchema: z.ZodObject;
  /** New terms proposed when a dispute is resolved by revising the change. */
  readonly revisionSchema: z.ZodType<Revision>;

  /** Reads what it needs (e.g. the rate in force) and applies the kind's rules to a submission. */
  assess(
    deps: Dependencies,
    input: { partner: Partner; request: Request; now: Date },
  ): Promise<KindAssessment<Terms>>;

  /** The terms after a revision, and how they compare for the partner with the terms announced. */
  revise(
    deps: Dependencies,
    input: { change: StoredChange<Terms>; partner: Partner; revision: Revision; now: Date },
  ): Promise<KindRevision<Terms>>;

  /** The terms as they stand when the notice goes out (e.g. the rate in force that day), so the notice is true. */
  termsAtNotice(deps: Dependencies, change: StoredChange<Terms>): Promise<Terms>;

  /**
   * What the partner is shown: a one-line title, the terms in plain words and, for a kind with money terms,
   * what the change means on an example (shown first on the partner's page).
   */
  notice(terms: Terms): { title: string; lines: NoticeLine[]; example?: NoticeExample };

  /** One line for staff emails and lists ("commission 12% → 11%, all products and accounts"). */
  describe(terms: Terms): string;

  /** The terms for the API. */
  view(terms: Terms): Record<string, unknown>;

  /**
   * What a kind keeps beside the lifecycle's records and shows on the change's view, with the open tasks it
   * adds (e.g. a reassignment's handover notes, a task for each manager until recorded). Optional: most kinds
   * have nothing beside their terms.
   */
  extras?(
    deps: Dependencies,
    change: StoredChange<Terms>,
  ): Promise<{ view: Record<string, unknown>; tasks: OpenTask[] }>;

  /** The kind's own trust-ledger rules for an applied change (e.g. commission-cut). */
  trustRules(terms: Terms): TrustRule[];

  /** The effect when applied, as transaction items committed with the lifecycle's apply step. */
  apply(
    deps: Dependencies,
    change: StoredChange<Terms>,
    at: { now: Date; appliedFrom: string },
  ): Promise<{ items: TransactItem[]; details: Record<string, unknown> }>;
}

export type KindAssessment<Terms> =
  | {
      ok: true;
      terms: Terms;
      adverse: boolean;
      /** Beyond adverse: e.g. a raise above the configured size also needs an approver. */
      needsApproval: boolean;
      /** Two pending changes of a partner with the same key contradict each other. */
      conflictKey?: string;
    }
  | {
      ok: false;
      /** 'conflict': the submitter's view is stale (reload); 'unprocessable': a rule refuses it. */
      problem: 'conflict' | 'unprocessable';
      violations: RuleViolation[];
    };

export type KindRevision<Terms> =
  | { ok: true; terms: Terms; adverse: boolean; comparedToPrevious: 'worse' | 'better' | 'same' }
  | { ok: false; violations: RuleViolation[] };

/** The kinds a deployment knows, by name; assembled once where the dependencies are built. */
export type ChangeKinds = ReadonlyMap<string, ChangeKind>;

export class UnknownChangeKind extends Error {
  override readonly name = 'UnknownChangeKind';
}

export function kindOf(deps: Pick<Dependencies, 'kinds'>, name: string): ChangeKind {
  const kind = deps.kinds.get(name);
  if (!kind) throw new UnknownChangeKind(`No change kind ${name} is registered`);
  return kind;
}
