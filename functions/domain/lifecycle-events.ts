import * as z from 'zod';
import type { AuditEntry, AuditEntryType } from './audit-chain.ts';
import { changeStatuses } from './lifecycle.ts';
import { relationshipStages } from './relationship-stage.ts';

/**
 * The public events: what happens here, told to the companies' CRM/PRM (EventBridge in AWS, the event log and
 * a loopback webhook locally). Each is derived from exactly one audit entry, so an event exists if and only if
 * the step that caused it committed (they are written in the same transaction: the transactional outbox, see
 * functions/adapters/dynamodb/audited-transaction.ts). Each type has a version and a JSON Schema generated
 * from the zod schemas below (events/schemas/, `npm run events:schemas`); consumers dedupe on `eventId`
 * (delivery is at least once) and order a subject's events by `auditRef.seq`.
 */
export const EVENT_SOURCE = 'partner-change-notice';
export const EVENT_VERSION = 1;

/** The change a step belongs to, as the step already knows it (no extra read): carried into its events. */
export interface ChangeFacts {
  changeId: string;
  partnerId: string;
  kind: string;
  /** Its status once the step commits. */
  status: (typeof changeStatuses)[number];
}

/** The kind whose applied change moves a partner on the pyramid (its `change-applied` is also a stage move). */
export const STAGE_MOVE_KIND = 'stage-move';
/** The kind whose applied change gives a partner a new alliance manager (functions/reassignments/). */
export const REASSIGNMENT_KIND = 'alliance-manager-reassignment';

const id = z.string().min(1);
const instant = z.string().describe('ISO 8601 instant (UTC)');
const isoDate = z.string().describe('ISO 8601 date');
const stage = z.enum(relationshipStages);

/** What every event about a change carries. */
const changeDetail = z.object({
  changeId: id,
  partnerId: id,
  kind: id.describe('The change kind, e.g. commission-change or stage-move'),
  status: z.enum(changeStatuses).describe('The change’s status once this step committed'),
});

const partnerDetail = z.object({
  partnerId: id,
  externalId: z.string().optional().describe('The id the CRM/PRM knows the partner by'),
  name: z.string().optional(),
  stage: stage.optional(),
  region: z.string().optional(),
  tier: z.string().optional(),
  tags: z.array(z.string()).optional(),
  version: z.number().int().optional().describe('The partner record’s version after this write'),
});

/** Each public event type and its detail schema (version 1). */
export const eventDetailSchemas = {
  'change.submitted': changeDetail.extend({
    submittedBy: id,
    stage: stage.describe('The partner’s stage when the change was submitted'),
    adverse: z
      .boolean()
      .describe('Worse for the partner (a cut): needs approval, notice and acknowledgement'),
    terms: z.record(z.string(), z.unknown()).describe('The kind’s terms, as the API shows them'),
    effectiveDate: isoDate,
    noticePeriodDays: z.number().int(),
    approvalsRequired: z.number().int(),
    emergency: z.boolean(),
    rationale: z.string().describe('The reason, written for the partner (shown in the notice)'),
  }),
  'change.approved': changeDetail.extend({
    approvedBy: id.describe('The approver whose approval completed the approvals required'),
    approvals: z.number().int(),
    required: z.number().int(),
  }),
  'change.rejected': changeDetail.extend({ rejectedBy: id }),
  'change.approval-expired': changeDetail.extend({ expiresAt: instant.optional() }),
  'notice.delivered': changeDetail.extend({
    noticeId: id,
    noticeVersion: z.number().int(),
    deliveredAt: instant,
    applyAt: instant.describe('When the change applies: the notice period counts from delivery'),
    recipients: z.array(z.object({ contactId: id, deliveredAt: instant.optional() })),
  }),
  'notice.opened': changeDetail.extend({
    noticeId: id,
    noticeVersion: z.number().int(),
    contactId: id.describe('The recipient whose link was opened'),
    openedAt: instant,
    userAgent: z.string(),
    maybeByScanner: z
      .literal(true)
      .describe('A link opened, not a person identified: mail scanners open links too'),
  }),
  'notice.acknowledged': changeDetail.extend({
    noticeId: id,
    noticeVersion: z.number().int(),
    contentHash: z.string().describe('Hash of exactly what the partner was shown'),
    contactId: id,
    acknowledgedAt: instant,
  }),
  'change.escalated': changeDetail.extend({
    noticeId: id,
    allianceManager: id.describe('The alliance manager now holding an open task'),
    fallbackContacts: z.array(id).describe('Contacts the notice was also sent to'),
  }),
  'change.held': changeDetail.extend({ applyAt: instant.optional() }),
  'escalation.resolved': changeDetail.extend({
    outcome: z.enum(['proceed', 'withdraw']),
    resolvedBy: id,
  }),
  'change.disputed': changeDetail.extend({
    disputeId: id,
    noticeId: id,
    contactId: id.describe('The partner contact who raised the concern'),
    comment: z.string().describe('The partner’s own words'),
    dueAt: instant.describe('When an answer is due'),
    paused: z.boolean().describe('An adverse change pauses until the concern is resolved'),
  }),
  'dispute.resolved': changeDetail.extend({
    disputeId: id,
    outcome: z.enum(['upheld', 'revised', 'withdrawn']),
    resolvedBy: id,
    answer: z.string().describe('The written answer sent to the partner'),
  }),
  'change.withdrawn': changeDetail.extend({
    withdrawnBy: id,
    reason: z.string().describe('The reason everyone notified was told'),
    from: z.enum(changeStatuses).optional().describe('The status it was withdrawn from'),
  }),
  'change.applied': changeDetail.extend({
    appliedFrom: isoDate,
    effect: z
      .record(z.string(), z.unknown())
      .describe('The kind’s effect, e.g. previousRatePct, newRatePct, scopeKey for a commission change'),
  }),
  'partner.created': partnerDetail,
  'partner.updated': partnerDetail.extend({
    changed: z.array(z.string()).optional().describe('The fields this write changed'),
  }),
  'partner.stage-moved': z.object({
    partnerId: id,
    changeId: id.describe('The stage-move change that moved it'),
    fromStage: stage,
    toStage: stage,
    appliedFrom: isoDate,
  }),
  'partner.alliance-manager-reassigned': z.object({
    partnerId: id,
    changeId: id.describe('The alliance-manager-reassignment change that reassigned it'),
    outgoingManager: id.describe('The staff userId who handed over'),
    incomingManager: id.describe('The staff userId who is the partner’s alliance manager from appliedFrom'),
    appliedFrom: isoDate,
  }),
} as const;

export type IntegrationEventType = keyof typeof eventDetailSchemas;
export const integrationEventTypes = Object.keys(eventDetailSchemas) as IntegrationEventType[];

export const auditRefSchema = z.object({
  stream: z.string().describe('The audit stream (change#<id> or partner#<id>)'),
  seq: z.number().int().describe('Order of the subject’s events'),
  hash: z.string().describe('The audit entry’s hash: GET /api/audit verifies it'),
});

/** The envelope of one event type: what is stored in the outbox, published and delivered. */
export function eventSchemaOf<Type extends IntegrationEventType>(type: Type) {
  return z.object({
    eventId: id.describe(
      'Deterministic from the audit entry (<stream>:<seq>[:<n>]): the same event always has the same id, so consumers dedupe on it',
    ),
    type: z.literal(type),
    version: z.literal(EVENT_VERSION),
    time: instant.describe('When it happened (the audit entry’s time)'),
    source: z.literal(EVENT_SOURCE),
    subject: id.describe('The changeId or partnerId it is about'),
    detail: eventDetailSchemas[type] as (typeof eventDetailSchemas)[Type],
    auditRef: auditRefSchema,
  });
}

export interface IntegrationEvent {
  eventId: string;
  type: IntegrationEventType;
  version: typeof EVENT_VERSION;
  time: string;
  source: typeof EVENT_SOURCE;
  subject: string;
  detail: Record<string, unknown>;
  auditRef: { stream: string; seq: number; hash: string };
}

/** The facts an entry's events are built from: the entry, and its change when it is a change's. */
interface Source {
  entry: AuditEntry;
  change: ChangeFacts | undefined;
}

type Draft = { type: IntegrationEventType; subject: string; detail: Record<string, unknown> };

/** An audit type's decision: the events it becomes, or why it stays private. */
export type Publication =
  | { publishes: readonly IntegrationEventType[]; events: (source: Source) => Draft[] }
  | { private: string };

const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
const num = (value: unknown) => (typeof value === 'number' ? value : undefined);

function facts(source: Source): ChangeFacts {
  if (!source.change)
    throw new Error(`Audit entry ${source.entry.type} on ${source.entry.stream} needs its change's facts`);
  return source.change;
}

function changeEvent(
  type: IntegrationEventType,
  source: Source,
  extra: Record<string, unknown>,
  status?: ChangeFacts['status'],
): Draft {
  const { changeId, partnerId, kind, status: after } = facts(source);
  return {
    type,
    subject: changeId,
    detail: { changeId, partnerId, kind, status: status ?? after, ...extra },
  };
}

/** `partner:<contactId>` → contactId. */
const contactOf = (actor: string) => (actor.startsWith('partner:') ? actor.slice('partner:'.length) : actor);
const versionOf = (noticeId: unknown) => Number(/-v(\d+)$/.exec(String(noticeId))?.[1] ?? 0);

function partnerEvent(type: 'partner.created' | 'partner.updated', { entry }: Source): Draft {
  const partnerId = text(entry.details.partnerId) ?? entry.stream.replace(/^partner#/, '');
  const d = entry.details;
  const record = (value: unknown): Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  // partner-created carries the whole profile; partner-updated each changed field before → after
  // (functions/directory/write.ts). Only the directory's public fields are published: contacts' addresses and
  // the alliance manager's details stay in the directory.
  const changes = record(d.changes);
  const values: Record<string, unknown> =
    type === 'partner.created'
      ? record(d.profile)
      : Object.fromEntries(Object.entries(changes).map(([field, change]) => [field, record(change).after]));
  // The partner's id is its external id (the CRM's): named as such for the systems that read these events.
  const picked: Record<string, unknown> = { partnerId, externalId: partnerId };
  for (const key of ['name', 'region', 'tier'] as const) {
    if (typeof values[key] === 'string') picked[key] = values[key];
  }
  if (typeof d.stage === 'string') picked.stage = d.stage;
  if (Array.isArray(values.tags)) picked.tags = values.tags.filter((tag) => typeof tag === 'string');
  const version = typeof d.version === 'number' ? d.version : num(record(d.version).after);
  if (version !== undefined) picked.version = version;
  if (type === 'partner.updated') picked.changed = Object.keys(changes);
  return { type, subject: partnerId, detail: picked };
}

/**
 * Every audit entry type, decided: public events or private (with the reason). A new audit type fails the
 * type check here until it is decided, and test/unit/lifecycle-events.test.ts lists the decisions.
 */
export const auditEntryPublication: Record<AuditEntryType, Publication> = {
  'change-submitted': {
    publishes: ['change.submitted'],
    events: (source) => {
      const d = source.entry.details;
      return [
        changeEvent('change.submitted', source, {
          submittedBy: source.entry.actor,
          stage: d.stage,
          adverse: d.adverse,
          terms: d.terms ?? {},
          effectiveDate: d.effectiveDate,
          noticePeriodDays: d.noticePeriodDays,
          approvalsRequired: d.approvalsRequired,
          emergency: d.emergency !== undefined,
          rationale: d.rationale,
          // internalNote and the emergency's justification are staff notes: never published.
        }),
      ];
    },
  },
  'approval-recorded': {
    publishes: ['change.approved'],
    // An emergency needs two approvers: only the approval that completes them approves the change.
    events: (source) => {
      const d = source.entry.details;
      if (d.status === 'awaiting-approval') return [];
      return [
        changeEvent('change.approved', source, {
          approvedBy: source.entry.actor,
          approvals: num(d.approvals) ?? 0,
          required: num(d.required) ?? 0,
        }),
      ];
    },
  },
  'policy-change-submitted': {
    private: 'a program policy change recorded; its public events come with its sending workflow (issue 10)',
  },
  'policy-change-approved': {
    private: 'a second person approved a program policy change; published with its workflow (issue 10)',
  },
  'policy-change-rejected': {
    private: 'a program policy change rejected before any notice; published with its workflow (issue 10)',
  },
  'policy-round-planned': { private: 'policy workflow bookkeeping: a round and its manifest' },
  'policy-round-completed': {
    private: 'policy workflow bookkeeping: a round done (its counts are in coverage)',
  },
  'policy-notices-queued': { private: 'policy notices recorded before their emails leave' },
  'policy-notices-delivered': {
    private:
      'a batch of policy notices delivered; public policy events are not published yet (issue 10 note)',
  },
  'policy-reminders-sent': { private: 'reminders of a policy change' },
  'policy-escalations-sent': { private: 'escalations of a policy change to fallback contacts and managers' },
  'policy-withdrawal-sent': { private: 'the withdrawal told to the partners notified' },
  'policy-outcomes-recorded': { private: 'each partner’s outcome when the policy change took effect' },
  'policy-notice-opened': { private: 'a GET of a policy notice link: maybe a mail scanner' },
  'policy-acknowledgement-recorded': { private: 'a person acknowledged a policy notice' },
  'policy-concern-raised': { private: 'a partner raised a concern about a policy change' },
  'policy-concern-answered': { private: 'the alliance manager’s written answer to a concern' },
  'policy-change-revised': { private: 'a new notice version of a policy change' },
  'policy-change-withdrawn': { private: 'a policy change withdrawn before it took effect' },
  'policy-workflow-failed': { private: 'the policy workflow failed for good: marked visibly' },
  'self-approval-refused': { private: 'a refused attempt, kept for security review; nothing changed' },
  'change-rejected': {
    publishes: ['change.rejected'],
    events: (source) => [changeEvent('change.rejected', source, { rejectedBy: source.entry.actor })],
  },
  'approval-expired': {
    publishes: ['change.approval-expired'],
    events: (source) => [
      changeEvent('change.approval-expired', source, {
        ...(text(source.entry.details.expiresAt) ? { expiresAt: source.entry.details.expiresAt } : {}),
      }),
    ],
  },
  'consultation-reminder-sent': { private: 'a reminder to staff (the alliance manager)' },
  'consultation-recorded': {
    private: 'internal preparation before the notice; its summary is a staff note',
  },
  'notice-sent': {
    private: 'workflow bookkeeping before the email goes out: the delivery (notice.delivered) is the fact',
  },
  'recipient-unreachable': {
    private: "the email provider's report on one address (a bounce or complaint); the partner's contact data",
  },
  'notice-delivered': {
    publishes: ['notice.delivered'],
    events: (source) => {
      const d = source.entry.details;
      const recipients = Array.isArray(d.recipients) ? (d.recipients as Record<string, unknown>[]) : [];
      return [
        changeEvent('notice.delivered', source, {
          noticeId: d.noticeId,
          noticeVersion: versionOf(d.noticeId),
          deliveredAt: d.deliveredAt,
          applyAt: d.applyAt,
          recipients: recipients.map((recipient) => ({
            contactId: recipient.contactId,
            ...(text(recipient.deliveredAt) ? { deliveredAt: recipient.deliveredAt } : {}),
          })),
        }),
      ];
    },
  },
  'notice-opened': {
    publishes: ['notice.opened'],
    events: (source) => {
      const d = source.entry.details;
      return [
        changeEvent('notice.opened', source, {
          noticeId: d.noticeId,
          noticeVersion: versionOf(d.noticeId),
          contactId: d.contactId,
          openedAt: source.entry.at,
          userAgent: text(d.userAgent) ?? '',
          maybeByScanner: true,
        }),
      ];
    },
  },
  'acknowledgement-recorded': {
    publishes: ['notice.acknowledged'],
    events: (source) => {
      const d = source.entry.details;
      // Not the source IP or user agent: evidence for the audit, not facts for a CRM.
      return [
        changeEvent('notice.acknowledged', source, {
          noticeId: d.noticeId,
          noticeVersion: d.noticeVersion,
          contentHash: d.contentHash,
          contactId: d.contactId,
          acknowledgedAt: d.acknowledgedAt,
        }),
      ];
    },
  },
  'reminder-sent': {
    private: 'the follow-up cadence of a notice already published (notice.delivered, notice.acknowledged)',
  },
  'escalated-to-alliance-manager': {
    publishes: ['change.escalated'],
    events: (source) => {
      const d = source.entry.details;
      const manager = d.allianceManager as { userId?: unknown } | undefined;
      return [
        changeEvent('change.escalated', source, {
          noticeId: d.noticeId,
          allianceManager: text(manager?.userId) ?? '',
          fallbackContacts: Array.isArray(d.fallbackContacts) ? d.fallbackContacts : [],
        }),
      ];
    },
  },
  'change-held': {
    publishes: ['change.held'],
    events: (source) => [
      changeEvent('change.held', source, {
        ...(text(source.entry.details.applyAt) ? { applyAt: source.entry.details.applyAt } : {}),
      }),
    ],
  },
  'held-reminder-sent': { private: 'a reminder to staff about a held change' },
  'escalation-resolved': {
    publishes: ['escalation.resolved', 'change.withdrawn'],
    // The outcome's note is the alliance manager's record for staff; a withdrawal is also a change.withdrawn.
    events: (source) => {
      const d = source.entry.details;
      const resolved = changeEvent('escalation.resolved', source, {
        outcome: d.outcome,
        resolvedBy: source.entry.actor,
      });
      if (d.outcome !== 'withdraw') return [resolved];
      return [
        resolved,
        changeEvent('change.withdrawn', source, {
          withdrawnBy: source.entry.actor,
          reason: text(d.note) ?? '',
          ...(text(d.from) ? { from: d.from } : {}),
        }),
      ];
    },
  },
  'concern-raised': {
    publishes: ['change.disputed'],
    events: (source) => {
      const d = source.entry.details;
      return [
        changeEvent('change.disputed', source, {
          disputeId: d.disputeId,
          noticeId: d.noticeId,
          contactId: contactOf(source.entry.actor),
          comment: text(d.comment) ?? '',
          dueAt: d.dueAt,
          paused: d.paused === true,
        }),
      ];
    },
  },
  'dispute-reminder-sent': { private: 'a reminder to staff (the dispute’s owner)' },
  'dispute-escalated': { private: 'an internal escalation to the submitter and approvers' },
  'dispute-resolved': {
    publishes: ['dispute.resolved', 'change.withdrawn'],
    events: (source) => {
      const d = source.entry.details;
      const resolved = changeEvent('dispute.resolved', source, {
        disputeId: d.disputeId,
        outcome: d.outcome,
        resolvedBy: source.entry.actor,
        answer: text(d.answer) ?? '',
      });
      if (d.outcome !== 'withdrawn') return [resolved];
      return [
        resolved,
        changeEvent('change.withdrawn', source, {
          withdrawnBy: source.entry.actor,
          reason: text(d.answer) ?? '',
        }),
      ];
    },
  },
  'change-withdrawn': {
    publishes: ['change.withdrawn'],
    events: (source) => {
      const d = source.entry.details;
      return [
        changeEvent('change.withdrawn', source, {
          withdrawnBy: source.entry.actor,
          reason: text(d.reason) ?? '',
          ...(text(d.from) ? { from: d.from } : {}),
        }),
      ];
    },
  },
  'change-applied': {
    publishes: ['change.applied', 'partner.stage-moved', 'partner.alliance-manager-reassigned'],
    events: (source) => {
      // appliedFrom, then the kind's effect details (functions/notices/apply.ts); the trust events stay inside.
      const { appliedFrom, trustEvents: _trust, ...effect } = source.entry.details;
      const change = facts(source);
      const applied = changeEvent('change.applied', source, { appliedFrom, effect });
      if (change.kind === REASSIGNMENT_KIND) {
        // A reassignment's effect details carry both managers' userIds (functions/reassignments/kind.ts).
        return [
          applied,
          {
            type: 'partner.alliance-manager-reassigned',
            subject: change.partnerId,
            detail: {
              partnerId: change.partnerId,
              changeId: change.changeId,
              outgoingManager: effect.outgoingManager,
              incomingManager: effect.incomingManager,
              appliedFrom,
            },
          },
        ];
      }
      if (change.kind !== STAGE_MOVE_KIND) return [applied];
      // A stage-move kind's effect details carry fromStage and toStage.
      return [
        applied,
        {
          type: 'partner.stage-moved',
          subject: change.partnerId,
          detail: {
            partnerId: change.partnerId,
            changeId: change.changeId,
            fromStage: effect.fromStage,
            toStage: effect.toStage,
            appliedFrom,
          },
        },
      ];
    },
  },
  'handover-recorded': {
    private: 'staff-internal: the alliance managers’ handover notes on a reassignment',
  },
  'workflow-failed': { private: 'operations: the change waits for an operator' },
  'workflow-retried': { private: 'operations: an operator restarted the workflow' },
  'partner-created': {
    publishes: ['partner.created'],
    events: (source) => [partnerEvent('partner.created', source)],
  },
  'partner-updated': {
    publishes: ['partner.updated'],
    events: (source) => [partnerEvent('partner.updated', source)],
  },
};

/** Event ids name the audit entry they come from: `<stream>:<seq>`, and `:<n>` for an entry's n-th extra one. */
export function eventIdOf(entry: Pick<AuditEntry, 'stream' | 'seq'>, index: number): string {
  return index === 0 ? `${entry.stream}:${entry.seq}` : `${entry.stream}:${entry.seq}:${index}`;
}

/**
 * The public events of one committed audit entry (none for a private one), in the envelope they are stored,
 * published and delivered in. Pure: the same entry always yields the same events with the same ids.
 */
export function integrationEventsOf(entry: AuditEntry, change?: ChangeFacts): IntegrationEvent[] {
  const publication = auditEntryPublication[entry.type];
  if ('private' in publication) return [];
  return publication.events({ entry, change }).map((draft, index) => ({
    eventId: eventIdOf(entry, index),
    type: draft.type,
    version: EVENT_VERSION,
    time: entry.at,
    source: EVENT_SOURCE,
    subject: draft.subject,
    detail: draft.detail,
    auditRef: { stream: entry.stream, seq: entry.seq, hash: entry.hash },
  }));
}
