import { type AuditedWrite, commitWithAudit } from '../adapters/dynamodb/audited-transaction.ts';
import {
  type PolicyChange,
  type PolicyStepFields,
  policyAuditStreamOf,
  policyBatchStreamOf,
} from '../adapters/dynamodb/policy-change-store.ts';
import {
  type ManifestLine,
  type PolicyRecipient,
  stateDeltas,
  sumDeltas,
} from '../adapters/dynamodb/policy-recipient-store.ts';
import { isConditionFailed } from '../adapters/dynamodb/transaction-errors.ts';
import { policyRoundConcurrency } from '../config/workflows.ts';
import type { Dependencies } from '../dependencies.ts';
import type { AuditEntryDraft, AuditStreamHead } from '../domain/audit-chain.ts';
import { addDays } from '../domain/calendar.ts';
import { countCommitted } from '../domain/product-metrics.ts';
import { type RelationshipStage, relationshipStages } from '../domain/relationship-stage.ts';
import { type TrustLedgerEvent, type TrustRule, trustEvent } from '../domain/trust-rules.ts';
import {
  escalationNoticeForManager,
  type PolicyEmailWording,
  policyEmails,
  roundContacts,
} from './emails.ts';
import {
  awaitingAnswer,
  dueOn,
  nextRoundStep,
  outcomeOf,
  type PlannedRound,
  type RoundFacts,
  type RoundKind,
  type RoundRecord,
  takesEffectAt,
} from './rounds.ts';
import { finalPolicyStatuses, type PolicyChangeEvent, type PolicyChangeStatus } from './rules.ts';
import { Pacer, type PartnerSendOutcome, sendPaced, sendToPartner } from './sending.ts';
import { resolveSegment } from './submit.ts';

/**
 * The policy-change workflow's steps (workflows/policy-change.asl.json): plan what is due, send a round's
 * batches (Distributed Map children), complete the round, park until the next due day. Every step reads the
 * policy change and its partners from DynamoDB and decides from them alone, so a retried, re-driven or
 * restarted step does what is still to do and nothing twice (message ids, conditional writes).
 */
export class PolicyChangeNotFound extends Error {
  override readonly name = 'PolicyChangeNotFound';
}

/** A sending round as the Distributed Map reads it: its manifest in S3, and where its results go. */
export interface RoundManifest {
  roundId: string;
  kind: RoundKind;
  version: number;
  bucket: string;
  manifestKey: string;
  resultsPrefix: string;
  partners: number;
}

/** What PlanRound (and CompleteRound) tell the workflow; `revision` is the one a wait is parked on. */
export type PolicyPlan =
  | { next: 'send'; revision: number; round: RoundManifest }
  | { next: 'wait'; revision: number; waitSeconds: number; until: string; for: string }
  | { next: 'end'; revision: number; status: PolicyChangeStatus };

/**
 * The notice states the day it takes effect, so it is fixed when the notice round is planned; the margin
 * leaves the full notice period after delivery even if sending the round takes up to a day.
 */
export const SEND_MARGIN_DAYS = 1;

/**
 * Passes of one planning call: each pass either answers or moves the policy change one step (an empty round
 * completed, a lost race re-read); a version has at most a notice, a few reminder and escalation days and an
 * outcome, so this bound is never reached by a healthy change and stops a loop that would not settle.
 */
const MAX_PLAN_PASSES = 24;

/** Partners per audited write of a round's bookkeeping outside the map (failed batches, empty rounds). */
const PARTNERS_PER_WRITE = 25;

/** Partners per transaction of the outcome round: an outcome, up to two trust events and a summary each. */
const OUTCOMES_PER_WRITE = 10;

/** Re-reads after a partner acted between a batch's read and its write (its condition failed). */
const MAX_BATCH_WRITE_ROUNDS = 4;

async function load(deps: Dependencies, policyChangeId: string): Promise<PolicyChange> {
  const change = await deps.policyChanges.get(policyChangeId);
  if (!change) throw new PolicyChangeNotFound(`No policy change ${policyChangeId}`);
  return change;
}

function stagesOf(change: PolicyChange): RelationshipStage[] {
  const present = relationshipStages.filter((stage) => (change.byStage[stage] ?? 0) > 0);
  return present.length > 0 ? present : [...relationshipStages];
}

function factsOf(change: PolicyChange): RoundFacts {
  return {
    status: change.status,
    noticeVersion: change.noticeVersion ?? 0,
    rounds: change.rounds ?? {},
    ...(change.noticeSentAt ? { noticeSentAt: change.noticeSentAt } : {}),
    ...(change.takesEffectAt ? { takesEffectAt: change.takesEffectAt } : {}),
    stages: stagesOf(change),
  };
}

/** Where a round's manifest and results live: named by the round, so a re-planned round rewrites its own. */
export function roundKeys(policyChangeId: string, roundId: string) {
  const folder = `policy-changes/${policyChangeId}/${roundId}`;
  return { manifestKey: `${folder}/manifest.jsonl`, resultsPrefix: `${folder}/results` };
}

function lineOf(recipient: PolicyRecipient): ManifestLine {
  return {
    partnerId: recipient.partnerId,
    name: recipient.name,
    stage: recipient.stage,
    contacts: recipient.contacts,
    ...(recipient.allianceManager ? { allianceManager: recipient.allianceManager } : {}),
  };
}

/** The partners a round is for, as manifest lines in partner-id order. */
async function manifestLines(
  deps: Dependencies,
  change: PolicyChange,
  round: PlannedRound,
): Promise<ManifestLine[]> {
  if (round.kind === 'notice') {
    const { partnerIds } = await resolveSegment(deps, change.segment, change.adverse);
    const lines: ManifestLine[] = [];
    const sorted = [...partnerIds].sort();
    for (let start = 0; start < sorted.length; start += 100) {
      const found = await deps.partners.getMany(sorted.slice(start, start + 100));
      for (const partnerId of sorted.slice(start, start + 100)) {
        const partner = found.get(partnerId);
        if (!partner) continue;
        lines.push({
          partnerId,
          name: partner.name,
          stage: partner.stage,
          contacts: partner.contacts,
          allianceManager: partner.allianceManager,
        });
      }
    }
    return lines;
  }
  const lines: ManifestLine[] = [];
  for await (const page of deps.policyRecipients.all(change.policyChangeId)) {
    for (const recipient of page) {
      if (inRound(recipient, round, deps)) lines.push(lineOf(recipient));
    }
  }
  return lines;
}

/** Whether a recipient (as read now) is still to be reached by a round of this kind. */
function inRound(
  recipient: PolicyRecipient,
  round: PlannedRound,
  deps: Pick<Dependencies, 'policy'>,
): boolean {
  switch (round.kind) {
    case 'notice':
      return recipient.version < round.version || recipient.state === 'queued';
    case 'withdrawal':
      // Everyone the notice reached is told; a partner never reached has nothing to be told.
      return recipient.state !== 'queued' && recipient.state !== 'unreachable';
    case 'outcome':
      return recipient.version === round.version && recipient.outcome === undefined;
    case 'reminder':
    case 'escalation': {
      if (recipient.version !== round.version || !awaitingAnswer.has(recipient.state)) return false;
      if (round.day === undefined || !dueOn(round.kind, recipient.stage, round.day, deps.policy))
        return false;
      return round.kind === 'reminder' ? !recipient.reminders?.[round.roundId] : !recipient.escalated;
    }
  }
}

/** The step that completes a round: the status it moves the policy change to, and what it records. */
function completion(
  change: PolicyChange,
  roundId: string,
  record: RoundRecord,
  now: Date,
): { event: PolicyChangeEvent; to: PolicyChangeStatus; fields: PolicyStepFields } {
  const rounds = { ...(change.rounds ?? {}), [roundId]: { ...record, completedAt: now.toISOString() } };
  const current = record.version === (change.noticeVersion ?? 0);
  if (record.kind === 'notice' && current && change.status === 'notifying') {
    const fromDelivery = takesEffectAt(change.effectiveDate, now, change.noticeDays);
    const planned = change.takesEffectAt ? new Date(change.takesEffectAt) : fromDelivery;
    // Only ever later: the notice told partners a date, and sending late must not shorten their notice.
    const effect = fromDelivery > planned ? fromDelivery : planned;
    return {
      event: 'notice-sent',
      to: 'notified',
      fields: { rounds, noticeSentAt: now.toISOString(), takesEffectAt: effect.toISOString() },
    };
  }
  if (record.kind === 'withdrawal' && change.status === 'withdrawing') {
    return { event: 'withdrawn', to: 'withdrawn', fields: { rounds } };
  }
  if (record.kind === 'outcome' && current && change.status === 'notified') {
    return { event: 'take-effect', to: 'in-effect', fields: { rounds } };
  }
  return { event: 'round', to: change.status, fields: { rounds } };
}

function isActive(status: PolicyChangeStatus): boolean {
  return !finalPolicyStatuses.has(status) && status !== 'awaiting-approval';
}

/**
 * Workflow step PlanRound: what the policy change needs now. A round due now gets its manifest written to
 * S3 (and its record on the policy change); an empty round is completed at once; otherwise the workflow
 * waits until the next due day (at most the policy's longest wait) or ends.
 */
export async function planPolicyRound(deps: Dependencies, policyChangeId: string): Promise<PolicyPlan> {
  for (let pass = 1; pass <= MAX_PLAN_PASSES; pass += 1) {
    const change = await load(deps, policyChangeId);
    const now = deps.clock.now();
    if (!isActive(change.status)) return { next: 'end', revision: change.revision, status: change.status };
    const step = nextRoundStep(factsOf(change), now, deps.policy);
    if (step.next === 'end') return { next: 'end', revision: change.revision, status: change.status };
    if (step.next === 'wait') {
      const cap = addDays(now, deps.policy.maxWaitDays);
      const until = step.until < cap ? step.until : cap;
      return {
        next: 'wait',
        revision: change.revision,
        waitSeconds: Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000)),
        until: until.toISOString(),
        for: step.for,
      };
    }
    const round = step.round;
    const lines = await manifestLines(deps, change, round);
    const known = change.rounds?.[round.roundId];
    const starting = change.status === 'approved';
    let revision = change.revision;
    if (!known || starting) {
      const record: RoundRecord = known ?? {
        kind: round.kind,
        version: round.version,
        plannedAt: now.toISOString(),
        partners: lines.length,
      };
      const fields: PolicyStepFields = starting
        ? {
            noticeVersion: round.version,
            // The date the notice announces (SEND_MARGIN_DAYS); completing the round only ever moves it later.
            takesEffectAt: takesEffectAt(
              change.effectiveDate,
              addDays(now, SEND_MARGIN_DAYS),
              change.noticeDays,
            ).toISOString(),
          }
        : {};
      const moved = await tryStep(
        deps,
        change,
        'round',
        starting ? 'notifying' : change.status,
        { ...fields, rounds: { ...(change.rounds ?? {}), [round.roundId]: record } },
        roundAudit('policy-round-planned', round, record, now, { partners: lines.length }),
      );
      // Moved in between, or planned with nobody in it: read again (the next pass completes an empty round).
      if (!moved || lines.length === 0) continue;
      revision += 1;
    } else if (lines.length === 0) {
      // Nobody left to reach (a re-planned round whose partners all answered): the round is done.
      const done = completion(change, round.roundId, known, now);
      await tryStep(
        deps,
        change,
        done.event,
        done.to,
        done.fields,
        roundAudit('policy-round-completed', round, known, now, { partners: 0, status: done.to }),
      );
      continue;
    }
    const { manifestKey, resultsPrefix } = roundKeys(policyChangeId, round.roundId);
    await deps.manifests.writeLines(manifestKey, lines);
    return {
      next: 'send',
      revision,
      round: {
        roundId: round.roundId,
        kind: round.kind,
        version: round.version,
        bucket: deps.manifests.bucket,
        manifestKey,
        resultsPrefix,
        partners: lines.length,
      },
    };
  }
  throw new Error(`Planning policy change ${policyChangeId} did not settle in ${MAX_PLAN_PASSES} passes`);
}

function roundAudit(
  type: 'policy-round-planned' | 'policy-round-completed',
  round: Pick<PlannedRound, 'roundId' | 'kind' | 'version'>,
  record: RoundRecord,
  now: Date,
  details: Record<string, unknown>,
): AuditEntryDraft {
  return {
    type,
    at: now.toISOString(),
    actor: 'workflow',
    details: {
      roundId: round.roundId,
      kind: round.kind,
      version: round.version,
      plannedAt: record.plannedAt,
      ...details,
    },
  };
}

/** One guarded step with its audit entry; false when the policy change moved in between (read it again). */
async function tryStep(
  deps: Dependencies,
  change: PolicyChange,
  event: PolicyChangeEvent,
  to: PolicyChangeStatus,
  fields: PolicyStepFields,
  entry: AuditEntryDraft,
  remove: readonly (keyof PolicyStepFields)[] = [],
): Promise<boolean> {
  try {
    await commitWithAudit(
      deps.documentClient,
      deps.tables,
      policyAuditStreamOf(change.policyChangeId),
      [entry],
      [deps.policyChanges.step(change, event, to, fields, remove)],
    );
    return true;
  } catch (error) {
    if (isConditionFailed(error)) return false;
    throw error;
  }
}

// ---- SendBatch: one Distributed Map child ----

export interface BatchInput {
  policyChangeId: string;
  roundId: string;
  roundKind: RoundKind;
  version: number;
  items: ManifestLine[];
}

export interface BatchOutcome {
  roundId: string;
  partners: number;
  /** Partners this run reached (0 when a retry found everything done, or the round no longer applies). */
  reached: number;
  unreachable: number;
  skipped?: 'round-no-longer-applies';
}

/** The batch's share of the account's sending rate: the map runs this many batches at once. */
function pacerFor(deps: Dependencies): Pacer {
  return new Pacer({
    ...deps.emailPace,
    ratePerSecond: deps.emailPace.ratePerSecond / policyRoundConcurrency,
  });
}

/** Whether a batch of this round still has work, given the policy change as it is now. */
function roundApplies(change: PolicyChange, input: BatchInput): boolean {
  if (input.roundKind === 'withdrawal') return change.status === 'withdrawing';
  if (change.status === 'withdrawing' || change.status === 'withdrawn') return false;
  return input.version === (change.noticeVersion ?? 0) && isActive(change.status);
}

/**
 * Workflow step SendBatch (a Distributed Map child): one batch of a round's partners. A notice batch first
 * records each partner's notice (queued) with the coverage counters, so a partner who opens the link the
 * moment the email arrives finds it; then emails them at the provider's pace (fallback contacts next, then
 * unreachable) and records who was reached. Reminders, escalations, the withdrawal and the outcome act only
 * on partners still due when the batch runs.
 */
export async function sendPolicyBatch(deps: Dependencies, input: BatchInput): Promise<BatchOutcome> {
  const change = await load(deps, input.policyChangeId);
  const base = { roundId: input.roundId, partners: input.items.length, reached: 0, unreachable: 0 };
  if (!roundApplies(change, input)) return { ...base, skipped: 'round-no-longer-applies' };
  const stream = policyBatchStreamOf(
    input.policyChangeId,
    input.roundId,
    input.items[0]?.partnerId ?? 'none',
  );
  switch (input.roundKind) {
    case 'notice':
      return sendNotices(deps, change, input, stream);
    case 'reminder':
    case 'escalation':
      return sendFollowUps(deps, change, input, stream);
    case 'withdrawal':
      return sendWithdrawals(deps, change, input, stream);
    case 'outcome':
      return recordOutcomes(deps, change, input, stream);
  }
}

/** What a batch knows before a write: the recipients as last read and its stream's head (`null`: new). */
interface BatchView {
  recipients: Map<string, PolicyRecipient>;
  head: AuditStreamHead | null | undefined;
}

/**
 * Commits one batch write on its own audit stream, built from what the batch knows (no read: a batch's
 * partners rarely act between its steps), and redoing it from a fresh read when a condition failed because
 * one did. Returns the stream's head after the write, for the batch's next one.
 */
async function commitBatch(
  deps: Dependencies,
  stream: string,
  build: (recipients: Map<string, PolicyRecipient>) => Omit<AuditedWrite, 'stream' | 'head'> | undefined,
  partnerIds: readonly string[],
  policyChangeId: string,
  known?: BatchView,
): Promise<AuditStreamHead | null | undefined> {
  for (let round = 1; ; round += 1) {
    const recipients =
      round === 1 && known
        ? known.recipients
        : await deps.policyRecipients.getMany(policyChangeId, partnerIds);
    const write = build(recipients);
    if (!write || write.items.length === 0) return round === 1 ? known?.head : undefined;
    try {
      const entries = await commitWithAudit(
        deps.documentClient,
        deps.tables,
        stream,
        write.drafts,
        write.items,
        round === 1 ? known?.head : undefined,
      );
      countCommitted(deps.metrics, entries);
      const last = entries.at(-1);
      return last ? { seq: last.seq, hash: last.hash } : undefined;
    } catch (error) {
      if (isConditionFailed(error) && round < MAX_BATCH_WRITE_ROUNDS) continue;
      throw error;
    }
  }
}

/** Emails a batch sends at once: overlaps the provider's latency; the pacer still spaces them by the rate. */
const EMAILS_IN_FLIGHT = 5;

async function eachInFlight<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(EMAILS_IN_FLIGHT, items.length) }, lane));
}

async function sendNotices(
  deps: Dependencies,
  change: PolicyChange,
  input: BatchInput,
  stream: string,
): Promise<BatchOutcome> {
  const ids = input.items.map((line) => line.partnerId);
  const at = () => deps.clock.now().toISOString();
  const read = await deps.policyRecipients.getMany(input.policyChangeId, ids);
  // 1. Every partner's notice exists before any email that links to it leaves. A first run's stream is new
  // (`null` saves reading its head); a retried batch's is not, which costs one lost head race.
  const queuedNow = new Map<string, PolicyRecipient>();
  let head = await commitBatch(
    deps,
    stream,
    (recipients) => {
      queuedNow.clear();
      const now = at();
      const fresh = input.items.filter((line) => {
        const known = recipients.get(line.partnerId);
        return !known || known.version < input.version;
      });
      for (const line of fresh) {
        queuedNow.set(line.partnerId, {
          ...line,
          policyChangeId: input.policyChangeId,
          version: input.version,
          state: 'queued',
          stateAt: now,
        });
      }
      if (fresh.length === 0) return undefined;
      const counter = deps.policyRecipients.count(input.policyChangeId, input.version, {
        targeted: fresh.length,
        queued: fresh.length,
      });
      return {
        drafts: [
          {
            type: 'policy-notices-queued',
            at: now,
            actor: 'workflow',
            details: {
              roundId: input.roundId,
              version: input.version,
              partnerIds: fresh.map((line) => line.partnerId),
            },
          },
        ],
        items: [
          ...fresh.map((line) => deps.policyRecipients.queue(input.policyChangeId, input.version, line, now)),
          ...(counter ? [counter] : []),
        ],
      };
    },
    ids,
    input.policyChangeId,
    { recipients: read, head: null },
  );
  const states = new Map(read);
  for (const [partnerId, recipient] of queuedNow) states.set(partnerId, recipient);
  // 2. Email the partners still queued (a retried batch re-sends only those: message ids make it harmless).
  const pacer = pacerFor(deps);
  const wording: PolicyEmailWording = input.version > 1 ? 'revised-notice' : 'notice';
  const sent = new Map<string, PartnerSendOutcome>();
  const toSend = input.items.filter((line) => {
    const recipient = states.get(line.partnerId);
    return recipient?.version === input.version && recipient.state === 'queued';
  });
  await eachInFlight(toSend, async (line) => {
    sent.set(line.partnerId, await sendRound(deps, change, line, input, wording, pacer, false));
  });
  // 3. Record who was reached (a partner who acted in between keeps what it did: its condition fails, the
  // batch reads again and leaves it out).
  let reached = 0;
  let unreachable = 0;
  head = await commitBatch(
    deps,
    stream,
    (recipients) => {
      const now = at();
      const moves: { recipient: PolicyRecipient; outcome: PartnerSendOutcome }[] = [];
      for (const [partnerId, outcome] of sent) {
        const recipient = recipients.get(partnerId);
        if (recipient && recipient.version === input.version && recipient.state === 'queued')
          moves.push({ recipient, outcome });
      }
      if (moves.length === 0) return undefined;
      reached = moves.filter((move) => move.outcome.reached).length;
      unreachable = moves.length - reached;
      const counter = deps.policyRecipients.count(
        input.policyChangeId,
        input.version,
        sumDeltas(
          moves.map((move) => stateDeltas('queued', move.outcome.reached ? 'delivered' : 'unreachable')),
        ),
      );
      return {
        drafts: [
          {
            type: 'policy-notices-delivered',
            at: now,
            actor: 'email-provider',
            details: {
              roundId: input.roundId,
              version: input.version,
              delivered: moves.flatMap(({ recipient, outcome }) =>
                outcome.reached ? [{ partnerId: recipient.partnerId, deliveredTo: outcome.deliveredTo }] : [],
              ),
              unreachable: moves.flatMap(({ recipient, outcome }) =>
                outcome.reached ? [] : [{ partnerId: recipient.partnerId, failure: outcome.failure }],
              ),
            },
          },
        ],
        items: [
          ...moves.map(({ recipient, outcome }) =>
            outcome.reached
              ? deps.policyRecipients.move(recipient, 'deliver', 'delivered', now, {
                  deliveredTo: outcome.deliveredTo,
                })
              : deps.policyRecipients.move(recipient, 'give-up', 'unreachable', now, {
                  failure: outcome.failure,
                }),
          ),
          ...(counter ? [counter] : []),
        ],
      };
    },
    ids,
    input.policyChangeId,
    { recipients: states, head },
  );
  return { roundId: input.roundId, partners: input.items.length, reached, unreachable };
}

/** One partner's email of a round: its contacts first, then its fallback contacts if none could be reached. */
async function sendRound(
  deps: Dependencies,
  change: PolicyChange,
  line: ManifestLine,
  input: BatchInput,
  wording: PolicyEmailWording,
  pacer: Pacer,
  escalation: boolean,
): Promise<PartnerSendOutcome> {
  const { first, fallback } = roundContacts(line, escalation);
  const firstEmails = await policyEmails(deps, change, line, input.roundId, input.version, wording, first);
  const fallbackEmails = await policyEmails(
    deps,
    change,
    line,
    input.roundId,
    input.version,
    wording,
    fallback,
  );
  return sendToPartner(deps.mailer, pacer, firstEmails, fallbackEmails);
}

async function sendFollowUps(
  deps: Dependencies,
  change: PolicyChange,
  input: BatchInput,
  stream: string,
): Promise<BatchOutcome> {
  const ids = input.items.map((line) => line.partnerId);
  const escalation = input.roundKind === 'escalation';
  const current = await deps.policyRecipients.getMany(input.policyChangeId, ids);
  const planned: PlannedRound = {
    roundId: input.roundId,
    kind: input.roundKind,
    version: input.version,
    ...dayOf(input.roundId),
  };
  const pacer = pacerFor(deps);
  const reachedIds: string[] = [];
  const failures: { partnerId: string; failure: string }[] = [];
  const due = input.items.filter((line) => {
    const recipient = current.get(line.partnerId);
    return recipient !== undefined && inRound(recipient, planned, deps);
  });
  await eachInFlight(due, async (line) => {
    const outcome = await sendRound(
      deps,
      change,
      line,
      input,
      escalation ? 'escalation' : 'reminder',
      pacer,
      escalation,
    );
    if (escalation) {
      const managerCopy = escalationNoticeForManager(change, line, input.roundId);
      // The partner's own contacts are what counts; the manager's copy failing is logged, not fatal.
      if (managerCopy) {
        const copy = await sendPaced(deps.mailer, pacer, managerCopy);
        if (!copy.sent)
          deps.logger.warn('Escalation copy to the alliance manager failed', {
            partnerId: line.partnerId,
            error: copy.error,
          });
      }
    }
    // An escalation is marked even when no contact could be reached: the alliance manager was told.
    if (outcome.reached || escalation) reachedIds.push(line.partnerId);
    if (!outcome.reached) failures.push({ partnerId: line.partnerId, failure: outcome.failure });
  });
  await commitBatch(
    deps,
    stream,
    (recipients) => {
      const marks = reachedIds.flatMap((partnerId) => {
        const recipient = recipients.get(partnerId);
        return recipient && inRound(recipient, planned, deps) ? [recipient] : [];
      });
      if (marks.length === 0) return undefined;
      const now = deps.clock.now().toISOString();
      const counter = escalation
        ? deps.policyRecipients.count(input.policyChangeId, input.version, { escalated: marks.length })
        : undefined;
      return {
        drafts: [
          {
            type: escalation ? 'policy-escalations-sent' : 'policy-reminders-sent',
            at: now,
            actor: 'workflow',
            details: {
              roundId: input.roundId,
              version: input.version,
              partnerIds: marks.map((r) => r.partnerId),
              failures,
            },
          },
        ],
        items: [
          ...marks.map((recipient) =>
            escalation
              ? deps.policyRecipients.markEscalated(recipient)
              : deps.policyRecipients.markReminded(recipient, input.roundId, now),
          ),
          ...(counter ? [counter] : []),
        ],
      };
    },
    ids,
    input.policyChangeId,
  );
  return {
    roundId: input.roundId,
    partners: input.items.length,
    reached: reachedIds.length - (escalation ? failures.length : 0),
    unreachable: failures.length,
  };
}

function dayOf(roundId: string): { day?: number } {
  const match = /-day-(\d+)$/.exec(roundId);
  return match ? { day: Number(match[1]) } : {};
}

async function sendWithdrawals(
  deps: Dependencies,
  change: PolicyChange,
  input: BatchInput,
  stream: string,
): Promise<BatchOutcome> {
  const pacer = pacerFor(deps);
  const reached: string[] = [];
  const failures: { partnerId: string; failure: string }[] = [];
  await eachInFlight(input.items, async (line) => {
    const outcome = await sendRound(deps, change, line, input, 'withdrawal', pacer, false);
    if (outcome.reached) reached.push(line.partnerId);
    else failures.push({ partnerId: line.partnerId, failure: outcome.failure });
  });
  // The withdrawal changes no partner's state: the audit entry is the record of who was told (a retried
  // batch writes another entry on its stream, its emails deduplicated by message id).
  await commitWithAudit(
    deps.documentClient,
    deps.tables,
    stream,
    [
      {
        type: 'policy-withdrawal-sent',
        at: deps.clock.now().toISOString(),
        actor: 'workflow',
        details: { roundId: input.roundId, partnerIds: reached, failures },
      },
    ],
    [],
  );
  return {
    roundId: input.roundId,
    partners: input.items.length,
    reached: reached.length,
    unreachable: failures.length,
  };
}

/** Trust events of a partner's outcome: the notice itself, and how the answer came. */
function outcomeTrustEvents(change: PolicyChange, recipient: PolicyRecipient, at: Date): TrustLedgerEvent[] {
  const outcome = outcomeOf(recipient);
  if (outcome === 'unreachable') return [];
  const rules: TrustRule[] = ['policy-notice'];
  if (outcome === 'acknowledged') rules.push('prompt-acknowledgement');
  if (outcome === 'acknowledged-after-reminder') rules.push('reminder-needed');
  if (recipient.escalated) rules.push('escalation-needed');
  return rules.map((rule) =>
    trustEvent(rule, {
      partnerId: recipient.partnerId,
      stage: recipient.stage,
      at,
      cause: `policy-change#${change.policyChangeId}#v${recipient.version}#${recipient.partnerId}`,
      source: { type: 'policy-outcome', id: change.policyChangeId },
      changeId: change.policyChangeId,
      adverse: change.adverse,
    }),
  );
}

async function recordOutcomes(
  deps: Dependencies,
  change: PolicyChange,
  input: BatchInput,
  stream: string,
): Promise<BatchOutcome> {
  const ids = input.items.map((line) => line.partnerId);
  let recorded = 0;
  for (let start = 0; start < ids.length; start += OUTCOMES_PER_WRITE) {
    const chunk = ids.slice(start, start + OUTCOMES_PER_WRITE);
    await commitBatch(
      deps,
      stream,
      (recipients) => {
        const now = deps.clock.now();
        const due = chunk.flatMap((partnerId) => {
          const recipient = recipients.get(partnerId);
          return recipient && recipient.version === input.version && recipient.outcome === undefined
            ? [recipient]
            : [];
        });
        if (due.length === 0) return undefined;
        recorded += due.length;
        return {
          drafts: [
            {
              type: 'policy-outcomes-recorded',
              at: now.toISOString(),
              actor: 'workflow',
              details: {
                roundId: input.roundId,
                version: input.version,
                outcomes: due.map((recipient) => ({
                  partnerId: recipient.partnerId,
                  outcome: outcomeOf(recipient),
                })),
              },
            },
          ],
          items: [
            ...due.map((recipient) => deps.policyRecipients.recordOutcome(recipient, outcomeOf(recipient))),
            ...deps.trust.recordEvents(
              due.flatMap((recipient) => outcomeTrustEvents(change, recipient, now)),
            ),
          ],
        };
      },
      chunk,
      input.policyChangeId,
    );
  }
  return { roundId: input.roundId, partners: input.items.length, reached: recorded, unreachable: 0 };
}

// ---- CompleteRound ----

/** The ResultWriter's answer: where its manifest of result files is. */
export interface RoundResults {
  MapRunArn?: string;
  ResultWriterDetails?: { Bucket: string; Key: string };
}

interface ResultManifest {
  ResultFiles?: { FAILED?: { Key: string }[] };
}

/** The manifest lines of the batches that failed for good, from the ResultWriter's FAILED files. */
async function failedLines(deps: Dependencies, results: RoundResults): Promise<ManifestLine[]> {
  const key = results.ResultWriterDetails?.Key;
  if (!key) return [];
  const manifest = (await deps.manifests.readJson(key)) as ResultManifest | null;
  const lines: ManifestLine[] = [];
  for (const file of manifest?.ResultFiles?.FAILED ?? []) {
    const entries = (await deps.manifests.readJson(file.Key)) as { Input?: string }[] | null;
    for (const entry of entries ?? []) {
      const parsed = JSON.parse(entry.Input ?? '{}') as { Items?: ManifestLine[] };
      lines.push(...(parsed.Items ?? []));
    }
  }
  return lines;
}

/**
 * Workflow step CompleteRound: the partners of the round's failed batches are surfaced (a notice round marks
 * them unreachable with the failure: never silently dropped), the round is recorded as done with the step it
 * completes (notified, withdrawn, in effect), then what is due next is planned.
 */
export async function completePolicyRound(
  deps: Dependencies,
  input: { policyChangeId: string; roundId: string; results: RoundResults },
): Promise<PolicyPlan> {
  const first = await load(deps, input.policyChangeId);
  const record = first.rounds?.[input.roundId];
  if (record && record.completedAt === undefined) {
    const failed = await failedLines(deps, input.results);
    if (record.kind === 'notice' && failed.length > 0)
      await markUnreachable(deps, input, record.version, failed);
    for (let round = 1; round <= MAX_BATCH_WRITE_ROUNDS; round += 1) {
      const change = round === 1 ? first : await load(deps, input.policyChangeId);
      const now = deps.clock.now();
      const known = change.rounds?.[input.roundId];
      if (!known || known.completedAt !== undefined) break;
      const done = completion(change, input.roundId, { ...known, failedPartners: failed.length }, now);
      const moved = await tryStep(
        deps,
        change,
        done.event,
        done.to,
        done.fields,
        roundAudit('policy-round-completed', { roundId: input.roundId, ...known }, known, now, {
          partners: known.partners,
          failedPartners: failed.length,
          status: done.to,
        }),
      );
      if (moved) break;
    }
  }
  return planPolicyRound(deps, input.policyChangeId);
}

async function markUnreachable(
  deps: Dependencies,
  input: { policyChangeId: string; roundId: string },
  version: number,
  lines: readonly ManifestLine[],
): Promise<void> {
  const failure = 'Its batch failed after every retry (see the round results): not emailed.';
  for (let start = 0; start < lines.length; start += PARTNERS_PER_WRITE) {
    const chunk = lines.slice(start, start + PARTNERS_PER_WRITE);
    const ids = chunk.map((line) => line.partnerId);
    await commitBatch(
      deps,
      policyBatchStreamOf(input.policyChangeId, `${input.roundId}-failed`, ids[0]!),
      (recipients) => {
        const now = deps.clock.now().toISOString();
        const fresh = chunk.filter((line) => {
          const known = recipients.get(line.partnerId);
          return !known || known.version < version;
        });
        const stuck = chunk.flatMap((line) => {
          const known = recipients.get(line.partnerId);
          return known && known.version === version && known.state === 'queued' ? [known] : [];
        });
        if (fresh.length + stuck.length === 0) return undefined;
        const counter = deps.policyRecipients.count(input.policyChangeId, version, {
          targeted: fresh.length,
          unreachable: fresh.length + stuck.length,
          queued: -stuck.length,
        });
        return {
          drafts: [
            {
              type: 'policy-notices-delivered',
              at: now,
              actor: 'workflow',
              details: {
                roundId: input.roundId,
                version,
                delivered: [],
                unreachable: [...fresh.map((l) => l.partnerId), ...stuck.map((r) => r.partnerId)].map(
                  (partnerId) => ({
                    partnerId,
                    failure,
                  }),
                ),
              },
            },
          ],
          items: [
            ...fresh.map((line) =>
              deps.policyRecipients.queue(input.policyChangeId, version, line, now, {
                state: 'unreachable',
                failure,
              }),
            ),
            ...stuck.map((recipient) =>
              deps.policyRecipients.move(recipient, 'give-up', 'unreachable', now, { failure }),
            ),
            ...(counter ? [counter] : []),
          ],
        };
      },
      ids,
      input.policyChangeId,
    );
  }
}

// ---- AwaitPolicyEvent, RecordFailure, and a person's step waking the workflow ----

/**
 * Workflow callback step: parks the task token on the policy change, if it is still at the revision the plan
 * was made on; if anything moved since (a revision, a withdrawal), the workflow is resumed here at once, so
 * no interleaving of a person's step and this one leaves it asleep.
 */
export async function awaitPolicyEvent(
  deps: Dependencies,
  input: { policyChangeId: string; taskToken: string; revision: number },
): Promise<'waiting' | 'resumed'> {
  const parked = await deps.policyChanges.parkWait(input.policyChangeId, {
    token: input.taskToken,
    revision: input.revision,
  });
  if (parked) return 'waiting';
  await load(deps, input.policyChangeId);
  await deps.policyWorkflow.resume(input.taskToken, { next: 'plan' });
  return 'resumed';
}

/** After a person's step committed: a parked wait is resumed so the workflow plans again at once. */
export async function wakePolicyWorkflow(deps: Dependencies, policyChangeId: string): Promise<void> {
  const change = await deps.policyChanges.get(policyChangeId);
  if (change?.waitToken) await deps.policyWorkflow.resume(change.waitToken.token, { next: 'plan' });
}

/** Workflow step RecordFailure: the policy change is marked workflow-failed, visibly and audited. */
export async function recordPolicyFailure(
  deps: Dependencies,
  input: { policyChangeId: string; failure: { Error?: string; Cause?: string } },
): Promise<{ recorded: boolean }> {
  for (let round = 1; round <= MAX_BATCH_WRITE_ROUNDS; round += 1) {
    const change = await load(deps, input.policyChangeId);
    if (!isActive(change.status)) return { recorded: false };
    const now = deps.clock.now().toISOString();
    const failure = {
      at: now,
      error: (input.failure.Error ?? 'Unknown').slice(0, 200),
      cause: (input.failure.Cause ?? '').slice(0, 2000),
    };
    const moved = await tryStep(
      deps,
      change,
      'fail',
      'workflow-failed',
      { failure },
      { type: 'policy-workflow-failed', at: now, actor: 'workflow', details: failure },
      ['waitToken'],
    );
    if (moved) return { recorded: true };
  }
  return { recorded: false };
}

/** Starts an approved policy change's workflow; a failure is logged and left to the pending-workflow sweep. */
export async function startPolicyWorkflow(deps: Dependencies, policyChangeId: string): Promise<void> {
  try {
    await deps.policyWorkflow.start(policyChangeId);
  } catch (error) {
    deps.logger.error('Policy workflow start failed: the pending-workflow sweep will start it', {
      policyChangeId,
      error: error as Error,
    });
  }
}

/**
 * Approved policy changes whose workflow may not have started (start-up, the sweep): the execution is named
 * by the policy change, so starting one that runs already is a no-op.
 */
export async function startPendingPolicyWorkflows(deps: Dependencies): Promise<string[]> {
  const pending = await deps.policyChanges.inStatuses(new Set(['approved']));
  for (const change of pending) await deps.policyWorkflow.start(change.policyChangeId);
  return pending.map((change) => change.policyChangeId);
}
