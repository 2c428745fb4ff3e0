import type { TransactItem } from '../adapters/dynamodb/audited-transaction.ts';
import {
  ChangeStore,
  changeKeys,
  type StoredChange,
  type StoredNotice,
} from '../adapters/dynamodb/change-store.ts';
import { ConditionNotMet } from '../adapters/dynamodb/transaction-errors.ts';
import type { Dependencies } from '../dependencies.ts';
import { type AcknowledgementLinkClaims, verifyAcknowledgementLink } from '../domain/acknowledgement-link.ts';
import { DAY_MS } from '../domain/calendar.ts';
import type { DeliveredNotice, RecordedAcknowledgement } from '../domain/commission-change.ts';
import { trustEvent } from '../domain/trust-rules.ts';
import { commitChangeStep, ledgerEventWrite } from './change-step.ts';

/** Bound on re-reading after a lost race (a concurrent click, or the status moving under us). */
const MAX_ROUNDS = 5;

export type LinkProblem = 'tampered' | 'foreign' | 'expired' | 'unknown-notice';

export type OpenedNotice =
  | {
      ok: true;
      claims: AcknowledgementLinkClaims;
      /** The change as read while opening: a delivered notice, so `change.notice` is set. */
      change: StoredChange & { notice: DeliveredNotice };
      notice: StoredNotice;
      acknowledgement?: RecordedAcknowledgement;
    }
  | { ok: false; problem: LinkProblem };

/** Checks a link and loads what it shows. Opening never changes anything: mail scanners open links too. */
export async function openNotice(deps: Dependencies, noticeId: string, token: string): Promise<OpenedNotice> {
  const verdict = verifyAcknowledgementLink(
    token,
    noticeId,
    await deps.acknowledgementLinkSecret(),
    deps.clock.now(),
  );
  if (!verdict.valid) return { ok: false, problem: verdict.problem };
  const changes = new ChangeStore(deps.documentClient, deps.tables);
  const change = await changes.get(verdict.claims.changeId);
  const version = change?.notice?.noticeId === noticeId ? change.notice.version : undefined;
  const notice = version === undefined ? undefined : await changes.notice(verdict.claims.changeId, version);
  // A validly signed link to a notice we never recorded, or for someone who was not a recipient, is foreign.
  if (!change?.notice || !notice) return { ok: false, problem: 'unknown-notice' };
  if (!change.notice.recipients.some((recipient) => recipient.contactId === verdict.claims.contactId)) {
    return { ok: false, problem: 'foreign' };
  }
  const acknowledgement = await changes.acknowledgement(change.changeId, noticeId);
  return {
    ok: true,
    claims: verdict.claims,
    change: { ...change, notice: change.notice },
    notice,
    ...(acknowledgement ? { acknowledgement } : {}),
  };
}

export type AcknowledgementOutcome =
  | {
      outcome: 'recorded' | 'already-recorded';
      notice: StoredNotice;
      acknowledgement: RecordedAcknowledgement;
    }
  | { outcome: 'refused'; problem: LinkProblem };

/**
 * The partner's button: records what exactly was shown (content hash and version), when and from where, once.
 * A repeat click finds the record and changes nothing. Then the waiting workflow is resumed.
 */
export async function acknowledgeNotice(
  deps: Dependencies,
  input: { noticeId: string; token: string; sourceIp: string; userAgent: string },
): Promise<AcknowledgementOutcome> {
  // Each lost race means someone else's write landed; a handful of rounds always settles it.
  for (let round = 1; ; round += 1) {
    const opened = await openNotice(deps, input.noticeId, input.token);
    if (!opened.ok) return { outcome: 'refused', problem: opened.problem };
    if (opened.acknowledgement) {
      return { outcome: 'already-recorded', notice: opened.notice, acknowledgement: opened.acknowledgement };
    }
    const { change } = opened;
    const now = deps.clock.now();
    const acknowledgement: RecordedAcknowledgement = {
      noticeId: opened.notice.noticeId,
      noticeVersion: opened.notice.version,
      contentHash: opened.notice.contentHash,
      acknowledgedAt: now.toISOString(),
      contactId: opened.claims.contactId,
      sourceIp: input.sourceIp,
      userAgent: input.userAgent.slice(0, 300),
    };
    const policy = deps.stagePolicies[change.partnerStage];
    const firstReminderAt =
      new Date(change.notice.deliveredAt).getTime() + (policy.reminderDays[0] ?? 0) * DAY_MS;
    const moveToAcknowledged = change.status === 'notice-sent';
    const items: TransactItem[] = [
      {
        Put: {
          TableName: deps.tables.changes,
          Item: {
            ...changeKeys.acknowledgement(change.changeId, acknowledgement.noticeId),
            ...acknowledgement,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Update: {
          TableName: deps.tables.changes,
          Key: changeKeys.change(change.changeId),
          // A raise may already be applied when the partner clicks: record the acknowledgement, keep the status.
          UpdateExpression: moveToAcknowledged
            ? 'SET acknowledgement = :ack, #status = :acknowledged'
            : 'SET acknowledgement = :ack',
          ConditionExpression: '#status = :seen',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':ack': acknowledgement,
            ':seen': change.status,
            ...(moveToAcknowledged ? { ':acknowledged': 'acknowledged' } : {}),
          },
        },
      },
    ];
    if (now.getTime() < firstReminderAt) {
      const event = trustEvent('prompt-acknowledgement', {
        partnerId: change.partnerId,
        stagePolicy: policy,
        at: now,
        cause: `change#${change.changeId}`,
        changeId: change.changeId,
      });
      items.push(ledgerEventWrite(deps, event));
    }
    try {
      await commitChangeStep(
        deps,
        change.changeId,
        {
          type: 'acknowledgement-recorded',
          at: acknowledgement.acknowledgedAt,
          actor: `partner:${acknowledgement.contactId}`,
          details: { ...acknowledgement },
        },
        items,
      );
    } catch (error) {
      // Someone else's click or a status change got in first: look again (it is then "already recorded").
      if (error instanceof ConditionNotMet && round < MAX_ROUNDS) continue;
      throw error;
    }
    if (moveToAcknowledged) {
      // Read after the commit: a token parked meanwhile must be the one resumed.
      const token = (await new ChangeStore(deps.documentClient, deps.tables).get(change.changeId))
        ?.acknowledgementTaskToken;
      if (token)
        await deps.workflow.resumeAcknowledgementWait(token, {
          acknowledgedAt: acknowledgement.acknowledgedAt,
        });
    }
    return { outcome: 'recorded', notice: opened.notice, acknowledgement };
  }
}
