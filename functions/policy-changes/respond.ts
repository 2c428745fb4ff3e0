import { createHash } from 'node:crypto';
import { commitWithAudit } from '../adapters/dynamodb/audited-transaction.ts';
import {
  type PolicyChange,
  policyContentOf,
  policyPartnerStreamOf,
} from '../adapters/dynamodb/policy-change-store.ts';
import { type PolicyRecipient, stateDeltas } from '../adapters/dynamodb/policy-recipient-store.ts';
import { isConditionFailed } from '../adapters/dynamodb/transaction-errors.ts';
import type { Dependencies } from '../dependencies.ts';
import { canonicalJson } from '../domain/canonical-json.ts';
import { plainEmail } from '../domain/notice.ts';
import type { AllianceManager } from '../domain/partner.ts';
import { countCommitted } from '../domain/product-metrics.ts';
import { verifyLink } from '../notices/links.ts';
import { policyNoticeId } from './emails.ts';
import type { RecipientState } from './rounds.ts';

/**
 * A partner's answers to a policy notice, from the link in its email (no account: the signed link is the
 * capability). Opening it (a GET, maybe a mail scanner) is recorded once and never counts as a person;
 * acknowledging and raising a concern are a person's POSTs. Each act is one transaction: the recipient's
 * guarded move, the coverage counters and the audit entry on the partner's own stream.
 */
export type LinkProblem = 'tampered' | 'foreign' | 'expired' | 'unknown-notice' | 'superseded' | 'withdrawn';

export interface OpenedPolicyNotice {
  change: PolicyChange;
  recipient: PolicyRecipient;
  contactId: string;
  /** SHA-256 of exactly what the page shows (canonical JSON): what an acknowledgement acknowledges. */
  contentHash: string;
}

export type LinkOutcome =
  | ({ ok: true } & OpenedPolicyNotice)
  | { ok: false; problem: LinkProblem; contact?: AllianceManager };

/** Re-reads after a concurrent act moved the recipient in between (the loser reads and decides again). */
const MAX_ACT_ROUNDS = 4;

/** What a policy notice shows, as hashed for the evidence of an acknowledgement. */
export function policyNoticeContent(change: PolicyChange, version: number) {
  // The day it takes effect is what the notice states; the effective date asked for is not shown.
  const { effectiveDate: _asked, ...shown } = policyContentOf(change);
  return {
    policyChangeId: change.policyChangeId,
    version,
    ...shown,
    takesEffect: (change.takesEffectAt ?? change.effectiveDate).slice(0, 10),
  };
}

export function policyContentHash(change: PolicyChange, version: number): string {
  return `sha256:${createHash('sha256')
    .update(canonicalJson(policyNoticeContent(change, version)))
    .digest('hex')}`;
}

/** Checks a link for this partner's current notice of the policy change. */
export async function checkPolicyLink(
  deps: Dependencies,
  policyChangeId: string,
  partnerId: string,
  token: string,
): Promise<LinkOutcome> {
  const [change, recipient] = await Promise.all([
    deps.policyChanges.get(policyChangeId),
    deps.policyRecipients.get(policyChangeId, partnerId),
  ]);
  const expected = policyNoticeId(policyChangeId, partnerId, recipient?.version ?? 1);
  const verdict = await verifyLink(deps, token, expected);
  if (!verdict.valid) {
    const olderVersion =
      verdict.problem === 'foreign' &&
      verdict.claims?.changeId === policyChangeId &&
      verdict.claims.noticeId.startsWith(`policy-notice:${policyChangeId}:${partnerId}:v`);
    if (olderVersion && recipient) return { ok: false, problem: 'superseded', ...managerOf(recipient) };
    return { ok: false, problem: verdict.problem };
  }
  if (!change || !recipient || verdict.claims.changeId !== policyChangeId) {
    return { ok: false, problem: 'unknown-notice' };
  }
  if (change.status === 'withdrawing' || change.status === 'withdrawn') {
    return { ok: false, problem: 'withdrawn', ...managerOf(recipient) };
  }
  return {
    ok: true,
    change,
    recipient,
    contactId: verdict.claims.contactId,
    contentHash: policyContentHash(change, recipient.version),
  };
}

function managerOf(recipient: PolicyRecipient): { contact?: AllianceManager } {
  return recipient.allianceManager ? { contact: recipient.allianceManager } : {};
}

/**
 * One guarded act of a partner on its recipient item: `decide` says what to do with the recipient as read
 * (or nothing); a concurrent act makes the condition fail, and the act reads again and decides again.
 */
async function actOnRecipient<Result>(
  deps: Dependencies,
  opened: OpenedPolicyNotice,
  decide: (
    recipient: PolicyRecipient,
    at: string,
  ) =>
    | {
        to: RecipientState;
        event: 'open' | 'acknowledge' | 'raise-concern';
        details: Partial<Pick<PolicyRecipient, 'acknowledgement' | 'concern'>>;
        result: Result;
      }
    | { none: Result },
): Promise<Result> {
  let recipient = opened.recipient;
  for (let round = 1; ; round += 1) {
    const at = deps.clock.now().toISOString();
    const decision = decide(recipient, at);
    if ('none' in decision) return decision.none;
    const counter = deps.policyRecipients.count(
      recipient.policyChangeId,
      recipient.version,
      stateDeltas(recipient.state, decision.to),
    );
    const type =
      decision.event === 'open'
        ? 'policy-notice-opened'
        : decision.event === 'acknowledge'
          ? 'policy-acknowledgement-recorded'
          : 'policy-concern-raised';
    try {
      await commitWithAudit(
        deps.documentClient,
        deps.tables,
        policyPartnerStreamOf(recipient.policyChangeId, recipient.partnerId),
        [
          {
            type,
            at,
            actor: `partner:${opened.contactId}`,
            details: { version: recipient.version, contentHash: opened.contentHash, ...decision.details },
          },
        ],
        [
          deps.policyRecipients.move(recipient, decision.event, decision.to, at, decision.details),
          ...(counter ? [counter] : []),
        ],
      );
      countCommitted(deps.metrics, [{ type, details: {} }]);
      return decision.result;
    } catch (error) {
      if (!isConditionFailed(error) || round >= MAX_ACT_ROUNDS) throw error;
      const fresh = await deps.policyRecipients.get(recipient.policyChangeId, recipient.partnerId);
      if (!fresh) throw error;
      recipient = fresh;
    }
  }
}

/** The first open after delivery is recorded (opened: not a person); later opens write nothing. */
export function recordPolicyOpen(deps: Dependencies, opened: OpenedPolicyNotice): Promise<void> {
  return actOnRecipient(deps, opened, (recipient) =>
    recipient.state === 'delivered'
      ? { event: 'open', to: 'opened', details: {}, result: undefined }
      : { none: undefined },
  );
}

export type AcknowledgeOutcome =
  | {
      outcome: 'recorded' | 'already-recorded';
      acknowledgement: NonNullable<PolicyRecipient['acknowledgement']>;
    }
  | { outcome: 'not-open'; state: RecipientState };

/** A person's acknowledgement, with the evidence (who, when, from where, of which words); once. */
export function acknowledgePolicyNotice(
  deps: Dependencies,
  opened: OpenedPolicyNotice,
  evidence: { sourceIp: string; userAgent: string },
): Promise<AcknowledgeOutcome> {
  return actOnRecipient<AcknowledgeOutcome>(deps, opened, (recipient, at) => {
    if (recipient.state === 'acknowledged' && recipient.acknowledgement) {
      return { none: { outcome: 'already-recorded', acknowledgement: recipient.acknowledgement } };
    }
    if (recipient.state === 'unreachable') return { none: { outcome: 'not-open', state: recipient.state } };
    const acknowledgement = {
      at,
      contactId: opened.contactId,
      sourceIp: evidence.sourceIp.slice(0, 100),
      userAgent: evidence.userAgent.slice(0, 2000),
      contentHash: opened.contentHash,
      version: recipient.version,
    };
    return {
      event: 'acknowledge',
      to: 'acknowledged',
      details: { acknowledgement },
      result: { outcome: 'recorded', acknowledgement },
    };
  });
}

export type ConcernOutcome =
  | { outcome: 'recorded' | 'already-raised'; concern: NonNullable<PolicyRecipient['concern']> }
  | { outcome: 'not-open'; state: RecipientState };

/** A partner's concern: recorded once, and its alliance manager is emailed to answer it. */
export async function raisePolicyConcern(
  deps: Dependencies,
  opened: OpenedPolicyNotice,
  text: string,
): Promise<ConcernOutcome> {
  const outcome = await actOnRecipient<ConcernOutcome>(deps, opened, (recipient, at) => {
    if (recipient.concern) return { none: { outcome: 'already-raised', concern: recipient.concern } };
    if (!['queued', 'delivered', 'opened'].includes(recipient.state)) {
      return { none: { outcome: 'not-open', state: recipient.state } };
    }
    const concern = { at, contactId: opened.contactId, text };
    return {
      event: 'raise-concern',
      to: 'concern-raised',
      details: { concern },
      result: { outcome: 'recorded', concern },
    };
  });
  const manager = opened.recipient.allianceManager;
  if (outcome.outcome !== 'not-open' && manager) {
    // Sent after the commit (and again on a repeat, deduplicated by its id), so a crash never loses it.
    const rendered = plainEmail(
      `Concern from ${opened.recipient.name} about the policy change ${opened.change.title}`,
      [
        `${opened.recipient.name} (${opened.recipient.partnerId}) raised a concern about "${opened.change.title}" (${opened.change.policyChangeId}):`,
        outcome.concern.text,
        'Please answer it in the console (Policy changes, the partner’s row): the answer is emailed to the partner and audited.',
      ],
    );
    await deps.mailer.send({
      messageId: `${opened.change.policyChangeId}/concern/${opened.recipient.partnerId}/v${opened.recipient.version}`,
      kind: 'dispute-raised',
      changeId: opened.change.policyChangeId,
      to: [{ name: manager.name, email: manager.email }],
      ...rendered,
      links: [],
    });
  }
  return outcome;
}

export type AnswerOutcome =
  | { outcome: 'answered'; recipient: PolicyRecipient }
  | { outcome: 'unknown-recipient' | 'no-concern' | 'already-answered' };

/**
 * The alliance manager's written answer to a partner's concern: recorded once (a second answer is refused by
 * the store's condition), audited on the partner's stream, then emailed to the partner's primary contacts
 * (message ids per contact, so a retry never sends twice).
 */
export async function answerPolicyConcern(
  deps: Dependencies,
  policyChangeId: string,
  partnerId: string,
  input: { by: string; text: string },
): Promise<AnswerOutcome> {
  const [change, recipient] = await Promise.all([
    deps.policyChanges.get(policyChangeId),
    deps.policyRecipients.get(policyChangeId, partnerId),
  ]);
  if (!change || !recipient) return { outcome: 'unknown-recipient' };
  if (!recipient.concern) return { outcome: 'no-concern' };
  if (recipient.concern.answer) return { outcome: 'already-answered' };
  const answer = { at: deps.clock.now().toISOString(), by: input.by, text: input.text };
  try {
    await commitWithAudit(
      deps.documentClient,
      deps.tables,
      policyPartnerStreamOf(policyChangeId, partnerId),
      [
        {
          type: 'policy-concern-answered',
          at: answer.at,
          actor: input.by,
          details: { version: recipient.version, concernAt: recipient.concern.at, answer: input.text },
        },
      ],
      [deps.policyRecipients.answerConcern(recipient, answer)],
    );
  } catch (error) {
    if (isConditionFailed(error)) return { outcome: 'already-answered' };
    throw error;
  }
  const answered: PolicyRecipient = { ...recipient, concern: { ...recipient.concern, answer } };
  for (const contact of recipient.contacts.filter((candidate) => candidate.role === 'primary')) {
    const rendered = plainEmail(`Answer to your concern about the policy change ${change.title}`, [
      `Dear ${contact.name},`,
      `You wrote: "${recipient.concern.text}"`,
      `Our answer: ${input.text}`,
      'You can still acknowledge the policy change from the link in its notice email.',
    ]);
    await deps.mailer.send({
      messageId: `${policyChangeId}/concern-answer/${partnerId}/v${recipient.version}/${contact.contactId}`,
      kind: 'dispute-answer',
      changeId: policyChangeId,
      to: [{ name: contact.name, email: contact.email }],
      ...rendered,
      links: [],
    });
  }
  return { outcome: 'answered', recipient: answered };
}
