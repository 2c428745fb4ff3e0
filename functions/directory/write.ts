import { commitAuditedTogether, commitWithAudit } from '../adapters/dynamodb/audited-transaction.ts';
import { partnerAuditStream } from '../adapters/dynamodb/partner-store.ts';
import { isConditionFailed } from '../adapters/dynamodb/transaction-errors.ts';
import type { Dependencies } from '../dependencies.ts';
import type { AuditEntryDraft, AuditStreamHead } from '../domain/audit-chain.ts';
import type { Partner, PartnerProfile } from '../domain/partner.ts';
import type { RateScheduleEntry } from '../domain/rate-schedule.ts';
import { type NewPartner, profileChanges, profileOf, sameProfile, scopeKeyOfOpeningRate } from './profile.ts';

/** What the directory's writes need: the clock, the partner store and the audit trail. */
export type DirectoryDeps = Pick<Dependencies, 'clock' | 'documentClient' | 'tables' | 'partners'>;

export type CreatePartnerOutcome =
  | { outcome: 'created'; partner: Partner }
  /** A partner with this id exists: nothing was written (an import re-run, a duplicate click). */
  | { outcome: 'exists'; current: Partner };

export type UpdatePartnerOutcome =
  | { outcome: 'updated'; partner: Partner }
  /** The profile is already this one: nothing written, no audit entry, the version kept. */
  | { outcome: 'unchanged'; partner: Partner }
  /** Someone wrote the partner since `expectedVersion`: nothing written; decide again on `current`. */
  | { outcome: 'version-conflict'; currentVersion: number; current: Partner }
  | { outcome: 'unknown-partner' };

function commitPartnerWrite(
  deps: DirectoryDeps,
  partnerId: string,
  entry: AuditEntryDraft,
  items: Parameters<typeof commitWithAudit>[4],
  knownHead?: AuditStreamHead | null,
) {
  return commitWithAudit(
    deps.documentClient,
    deps.tables,
    partnerAuditStream(partnerId),
    [entry],
    items,
    knownHead,
  );
}

/**
 * The partner as the caller has just read it (a bulk import reads a hundred in one BatchGetItem): an update
 * skips its own read and decides on this one. Its version still guards the write, so a stale one is a
 * conflict, never an overwrite.
 */
export interface AlreadyRead {
  current: Partner | undefined;
}

/** A new partner's write: the partner (version 1), its opening rates and its `partner-created` audit entry. */
function creationOf(deps: DirectoryDeps, input: NewPartner, actor: string, at: string) {
  const partner: Partner = {
    partnerId: input.partnerId,
    stage: input.stage,
    ...profileOf(input),
    version: 1,
    createdAt: at,
    updatedAt: at,
  };
  const openingRates: RateScheduleEntry[] = (input.openingRates ?? []).map((rate) => ({
    partnerId: input.partnerId,
    scopeKey: scopeKeyOfOpeningRate(rate),
    effectiveFrom: rate.effectiveFrom,
    ratePct: rate.ratePct,
    recordedAt: at,
  }));
  const entry: AuditEntryDraft = {
    type: 'partner-created',
    at,
    actor,
    details: {
      partnerId: partner.partnerId,
      stage: partner.stage,
      profile: profileOf(partner),
      openingRates: openingRates.map(({ scopeKey, effectiveFrom, ratePct }) => ({
        scopeKey,
        effectiveFrom,
        ratePct,
      })),
      version: 1,
    },
  };
  const items = [
    deps.partners.newPartner(partner),
    ...openingRates.map((rate) => deps.partners.addRateEntry(rate)),
  ];
  return { partner, entry, items };
}

/**
 * Creates a partner (version 1) with its opening rate schedule, and its `partner-created` audit entry, in one
 * transaction (and no read before it). Idempotent by the partner's external id: if it exists, nothing is
 * written and the stored partner is returned ('exists'), whatever the input says.
 */
export async function createPartner(
  deps: DirectoryDeps,
  input: NewPartner,
  actor: string,
): Promise<CreatePartnerOutcome> {
  const { partner, entry, items } = creationOf(deps, input, actor, deps.clock.now().toISOString());
  try {
    // A new partner's stream is new too: one transaction, no read first (an import creates thousands).
    await commitPartnerWrite(deps, partner.partnerId, entry, items, null);
    return { outcome: 'created', partner };
  } catch (error) {
    if (!isConditionFailed(error)) throw error;
    // The partner exists (a re-run, a duplicate click, a concurrent create): the stored one stands.
    const current = await deps.partners.get(input.partnerId);
    if (current) return { outcome: 'exists', current };
    throw error;
  }
}

/** Each partner of createPartnersTogether: created, or not written (its transaction was cancelled). */
export type GroupedCreateOutcome = { outcome: 'created'; partner: Partner } | { outcome: 'not-written' };

/**
 * Creates new partners (distinct ids) several to a transaction, each exactly as createPartner writes it
 * (partner, opening rates, audit head and entry, event): a bulk import's many creations in far fewer
 * requests. A transaction is cancelled whole when any of its partners cannot be created (one exists
 * already): its partners are 'not-written', and the caller creates each of them with createPartner to learn
 * its own outcome. So each partner is still written whole or not at all, and one bad row costs its
 * neighbours a retry, never their write.
 */
export async function createPartnersTogether(
  deps: DirectoryDeps,
  inputs: readonly NewPartner[],
  actor: string,
): Promise<GroupedCreateOutcome[]> {
  const at = deps.clock.now().toISOString();
  const creations = inputs.map((input) => creationOf(deps, input, actor, at));
  const outcomes = await commitAuditedTogether(
    deps.documentClient,
    deps.tables,
    creations.map(({ partner, entry, items }) => ({
      stream: partnerAuditStream(partner.partnerId),
      drafts: [entry],
      items,
      head: null,
    })),
  );
  return outcomes.map((outcome, index) =>
    outcome.committed
      ? { outcome: 'created', partner: creations[index]!.partner }
      : { outcome: 'not-written' },
  );
}

/**
 * Replaces a partner's profile if the partner is still at `expectedVersion`, with a `partner-updated` audit
 * entry naming each changed field before → after, in one transaction. A profile equal to the stored one is
 * 'unchanged' whatever the version (nothing would be overwritten: a retried or duplicated edit is a no-op);
 * otherwise a stale version is a 'version-conflict' carrying the current partner. The stage is never
 * touched: moving a partner's stage is a change of its own.
 */
export async function updatePartner(
  deps: DirectoryDeps,
  partnerId: string,
  expectedVersion: number,
  profile: PartnerProfile,
  actor: string,
  read?: AlreadyRead,
): Promise<UpdatePartnerOutcome> {
  const current = read ? read.current : await deps.partners.get(partnerId);
  if (!current) return { outcome: 'unknown-partner' };
  if (sameProfile(current, profile)) return { outcome: 'unchanged', partner: current };
  if (current.version !== expectedVersion) {
    return { outcome: 'version-conflict', currentVersion: current.version, current };
  }
  const at = deps.clock.now().toISOString();
  const next = profileOf(profile);
  const partner: Partner = {
    partnerId,
    stage: current.stage,
    ...next,
    version: expectedVersion + 1,
    createdAt: current.createdAt,
    updatedAt: at,
  };
  try {
    await commitPartnerWrite(
      deps,
      partnerId,
      {
        type: 'partner-updated',
        at,
        actor,
        details: {
          partnerId,
          changes: profileChanges(current, next),
          version: { before: expectedVersion, after: expectedVersion + 1 },
        },
      },
      [deps.partners.profileUpdate(partnerId, expectedVersion, next, at)],
    );
    return { outcome: 'updated', partner };
  } catch (error) {
    if (!isConditionFailed(error)) throw error;
    // Another write got in between our read and ours: report where the partner is now.
    const now = await deps.partners.get(partnerId);
    if (!now) return { outcome: 'unknown-partner' };
    if (sameProfile(now, profile)) return { outcome: 'unchanged', partner: now };
    return { outcome: 'version-conflict', currentVersion: now.version, current: now };
  }
}
