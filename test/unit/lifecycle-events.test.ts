import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type AuditEntry, type AuditEntryType, auditEntryTypes } from '../../functions/domain/audit-chain.ts';
import {
  auditEntryPublication,
  type ChangeFacts,
  eventSchemaOf,
  type IntegrationEventType,
  integrationEventsOf,
  integrationEventTypes,
} from '../../functions/domain/lifecycle-events.ts';
import { eventJsonSchema, schemaFileName, schemasDirectory } from '../../scripts/event-schemas.ts';

const change: ChangeFacts = {
  changeId: 'chg_1',
  partnerId: 'northwind-resellers',
  kind: 'commission-change',
  status: 'scheduled',
};
const at = '2026-03-02T09:00:00.000Z';

function entry(
  type: AuditEntryType,
  details: Record<string, unknown>,
  actor = 'workflow',
  seq = 3,
): AuditEntry {
  return {
    stream: type.startsWith('partner-') ? 'partner#northwind-resellers' : 'change#chg_1',
    seq,
    prevHash: 'sha256:prev',
    hash: `sha256:${type}`,
    type,
    at,
    actor,
    details,
  };
}

/** One realistic entry per audit type, with the details its step writes today (see the use cases). */
const samples: Record<AuditEntryType, AuditEntry> = {
  'change-submitted': entry(
    'change-submitted',
    {
      kind: 'commission-change',
      partnerId: 'northwind-resellers',
      stage: 'transactional',
      terms: { currentRatePct: 12, newRatePct: 11 },
      adverse: true,
      effectiveDate: '2026-04-02',
      noticePeriodDays: 30,
      rationale: 'Our supplier raised prices.',
      internalNote: 'Board wants this before Q2.',
      emergency: { justification: 'Supplier insolvency, confidential' },
      approvalsRequired: 2,
      status: 'awaiting-approval',
    },
    'fiona',
  ),
  'approval-recorded': entry(
    'approval-recorded',
    { comment: 'ok', approvals: 1, required: 1, status: 'notice-due' },
    'amara',
  ),
  'self-approval-refused': entry('self-approval-refused', { comment: 'mine' }, 'fiona'),
  'policy-change-submitted': entry(
    'policy-change-submitted',
    { title: 'Deal registration', adverse: true, targeted: 40, status: 'awaiting-approval' },
    'dana',
  ),
  'policy-change-approved': entry(
    'policy-change-approved',
    { comment: 'Checked.', status: 'approved' },
    'amara',
  ),
  'policy-change-rejected': entry('policy-change-rejected', { comment: 'Not yet.' }, 'amara'),
  'policy-round-planned': entry('policy-round-planned', {
    roundId: 'v1-notice',
    partnerIds: ['northwind-resellers'],
  }),
  'policy-round-completed': entry('policy-round-completed', {
    roundId: 'v1-notice',
    partnerIds: ['northwind-resellers'],
  }),
  'policy-notices-queued': entry('policy-notices-queued', {
    roundId: 'v1-notice',
    partnerIds: ['northwind-resellers'],
  }),
  'policy-notices-delivered': entry('policy-notices-delivered', {
    roundId: 'v1-notice',
    partnerIds: ['northwind-resellers'],
  }),
  'policy-reminders-sent': entry('policy-reminders-sent', {
    roundId: 'v1-notice',
    partnerIds: ['northwind-resellers'],
  }),
  'policy-escalations-sent': entry('policy-escalations-sent', {
    roundId: 'v1-notice',
    partnerIds: ['northwind-resellers'],
  }),
  'policy-withdrawal-sent': entry('policy-withdrawal-sent', {
    roundId: 'v1-notice',
    partnerIds: ['northwind-resellers'],
  }),
  'policy-outcomes-recorded': entry('policy-outcomes-recorded', {
    roundId: 'v1-notice',
    partnerIds: ['northwind-resellers'],
  }),
  'policy-notice-opened': entry('policy-notice-opened', {
    roundId: 'v1-notice',
    partnerIds: ['northwind-resellers'],
  }),
  'policy-acknowledgement-recorded': entry('policy-acknowledgement-recorded', {
    roundId: 'v1-notice',
    partnerIds: ['northwind-resellers'],
  }),
  'policy-concern-raised': entry('policy-concern-raised', {
    roundId: 'v1-notice',
    partnerIds: ['northwind-resellers'],
  }),
  'policy-concern-answered': entry('policy-concern-answered', {
    roundId: 'v1-notice',
    partnerIds: ['northwind-resellers'],
  }),
  'policy-change-revised': entry('policy-change-revised', {
    roundId: 'v1-notice',
    partnerIds: ['northwind-resellers'],
  }),
  'policy-change-withdrawn': entry('policy-change-withdrawn', {
    roundId: 'v1-notice',
    partnerIds: ['northwind-resellers'],
  }),
  'policy-workflow-failed': entry('policy-workflow-failed', {
    roundId: 'v1-notice',
    partnerIds: ['northwind-resellers'],
  }),
  'change-rejected': entry('change-rejected', { comment: 'no' }, 'amara'),
  'approval-expired': entry('approval-expired', { expiresAt: at }),
  'consultation-reminder-sent': entry('consultation-reminder-sent', {
    reminderNumber: 1,
    allianceManager: 'dana',
  }),
  'consultation-recorded': entry('consultation-recorded', { form: 'call', summary: 'private notes' }, 'dana'),
  'notice-sent': entry('notice-sent', { noticeId: 'chg_1-v1', noticeVersion: 1 }),
  'notice-delivered': entry(
    'notice-delivered',
    {
      noticeId: 'chg_1-v1',
      deliveredAt: at,
      recipients: [{ contactId: 'nw-ops', deliveredAt: at }],
      applyAt: '2026-04-02T00:00:00.000Z',
    },
    'email-provider',
  ),
  'recipient-unreachable': entry(
    'recipient-unreachable',
    {
      noticeId: 'chg_1-v1',
      contactId: 'nw-ops',
      email: 'priya.raman@northwind.example',
      reason: 'bounce',
      detail: 'Permanent (General)',
      sesMessageId: '0100018f-example',
      messageId: 'chg_1-v1#notice#nw-ops',
      fallbackContacts: ['nw-owner'],
    },
    'email-provider',
  ),
  'notice-opened': entry(
    'notice-opened',
    { noticeId: 'chg_1-v2', contactId: 'nw-ops', userAgent: 'Mozilla/5.0', openedBy: 'link' },
    'notice-link',
  ),
  'acknowledgement-recorded': entry(
    'acknowledgement-recorded',
    {
      noticeId: 'chg_1-v1',
      noticeVersion: 1,
      contentHash: 'sha256:abc',
      acknowledgedAt: at,
      contactId: 'nw-ops',
      sourceIp: '203.0.113.9',
      userAgent: 'Mozilla/5.0',
    },
    'partner:nw-ops',
  ),
  'reminder-sent': entry('reminder-sent', {
    noticeId: 'chg_1-v1',
    reminderNumber: 1,
    recipients: ['nw-ops'],
  }),
  'escalated-to-alliance-manager': entry('escalated-to-alliance-manager', {
    noticeId: 'chg_1-v1',
    allianceManager: { userId: 'dana', name: 'Dana', email: 'dana@vendor.example' },
    fallbackContacts: ['nw-owner'],
  }),
  'change-held': entry('change-held', { applyAt: at, reason: 'not acknowledged' }),
  'held-reminder-sent': entry('held-reminder-sent', { reminderNumber: 1 }),
  'escalation-resolved': entry(
    'escalation-resolved',
    { outcome: 'withdraw', by: 'dana', at, note: 'Partner is leaving the program.', from: 'held' },
    'dana',
  ),
  'concern-raised': entry(
    'concern-raised',
    {
      disputeId: 'chg_1#dispute-1',
      noticeId: 'chg_1-v1',
      comment: 'The timing hurts.',
      owner: 'dana',
      dueAt: at,
      paused: true,
    },
    'partner:nw-ops',
  ),
  'dispute-reminder-sent': entry('dispute-reminder-sent', {
    disputeId: 'd',
    reminderNumber: 1,
    overdue: false,
  }),
  'dispute-escalated': entry('dispute-escalated', { disputeId: 'd', dueAt: at, to: ['x@vendor.example'] }),
  'dispute-resolved': entry(
    'dispute-resolved',
    { disputeId: 'chg_1#dispute-1', outcome: 'upheld', answer: 'The cut stands.', status: 'scheduled' },
    'dana',
  ),
  'change-withdrawn': entry(
    'change-withdrawn',
    { reason: 'Pricing reverted.', from: 'notice-sent', notified: ['priya@northwind.example'] },
    'fiona',
  ),
  'change-applied': entry('change-applied', {
    appliedFrom: '2026-04-02',
    previousRatePct: 12,
    newRatePct: 11,
    scopeKey: '*',
    trustEvents: [{ rule: 'commission-cut', points: -5 }],
  }),
  'handover-recorded': entry(
    'handover-recorded',
    { side: 'outgoing', note: 'Introduced Rita on the quarterly call.' },
    'luis',
  ),
  'workflow-failed': entry('workflow-failed', { failedFrom: 'notice-due', error: 'boom' }),
  'workflow-retried': entry('workflow-retried', { attempt: 2 }, 'fiona'),
  // The details as functions/directory/write.ts writes them.
  'partner-created': entry(
    'partner-created',
    {
      partnerId: 'northwind-resellers',
      stage: 'transactional',
      profile: {
        name: 'Northwind',
        region: 'EMEA',
        tier: 'gold',
        tags: ['hardware'],
        allianceManager: { userId: 'dana', name: 'Dana', email: 'dana@vendor.example' },
        contacts: [{ contactId: 'nw-ops', name: 'Priya', email: 'priya@northwind.example', role: 'primary' }],
      },
      openingRates: [{ scopeKey: '*', effectiveFrom: '2026-01-01', ratePct: 12 }],
      version: 1,
    },
    'pat',
  ),
  'partner-updated': entry(
    'partner-updated',
    {
      partnerId: 'northwind-resellers',
      changes: {
        name: { before: 'Northwind', after: 'Northwind Ltd' },
        contacts: { before: [], after: [{ email: 'new@northwind.example' }] },
      },
      version: { before: 1, after: 2 },
    },
    'pat',
  ),
};

/** The decisions, as the README's event catalogue states them: changing one must change this test. */
const expectedPublic: Partial<Record<AuditEntryType, IntegrationEventType[]>> = {
  'change-submitted': ['change.submitted'],
  'approval-recorded': ['change.approved'],
  'change-rejected': ['change.rejected'],
  'approval-expired': ['change.approval-expired'],
  'notice-delivered': ['notice.delivered'],
  'notice-opened': ['notice.opened'],
  'acknowledgement-recorded': ['notice.acknowledged'],
  'escalated-to-alliance-manager': ['change.escalated'],
  'change-held': ['change.held'],
  'escalation-resolved': ['escalation.resolved', 'change.withdrawn'],
  'concern-raised': ['change.disputed'],
  'dispute-resolved': ['dispute.resolved', 'change.withdrawn'],
  'change-withdrawn': ['change.withdrawn'],
  'change-applied': ['change.applied', 'partner.stage-moved', 'partner.alliance-manager-reassigned'],
  'partner-created': ['partner.created'],
  'partner-updated': ['partner.updated'],
};
const expectedPrivate: AuditEntryType[] = [
  'self-approval-refused',
  'recipient-unreachable',
  'policy-change-submitted',
  'policy-change-approved',
  'policy-change-rejected',
  'policy-round-planned',
  'policy-round-completed',
  'policy-notices-queued',
  'policy-notices-delivered',
  'policy-reminders-sent',
  'policy-escalations-sent',
  'policy-withdrawal-sent',
  'policy-outcomes-recorded',
  'policy-notice-opened',
  'policy-acknowledgement-recorded',
  'policy-concern-raised',
  'policy-concern-answered',
  'policy-change-revised',
  'policy-change-withdrawn',
  'policy-workflow-failed',
  'consultation-reminder-sent',
  'consultation-recorded',
  'notice-sent',
  'reminder-sent',
  'held-reminder-sent',
  'dispute-reminder-sent',
  'dispute-escalated',
  'handover-recorded',
  'workflow-failed',
  'workflow-retried',
];

function committedSchema(type: IntegrationEventType) {
  return JSON.parse(readFileSync(`${schemasDirectory}${schemaFileName(type)}`, 'utf8'));
}

describe('the public events an audit entry maps to', () => {
  it('decides every audit type: it publishes named event types, or it is private with a reason', () => {
    for (const type of auditEntryTypes) {
      const publication = auditEntryPublication[type];
      expect(publication, type).toBeDefined();
      if ('private' in publication) {
        expect(publication.private.length, type).toBeGreaterThan(10);
        expect(expectedPrivate, `${type} is private`).toContain(type);
      } else {
        expect(publication.publishes, type).toEqual(expectedPublic[type]);
      }
    }
    expect([...Object.keys(expectedPublic), ...expectedPrivate].sort()).toEqual([...auditEntryTypes].sort());
    // Every public type has a source.
    const published = new Set(Object.values(expectedPublic).flat());
    expect([...published].sort()).toEqual([...integrationEventTypes].sort());
  });

  it('publishes nothing for a private entry', () => {
    for (const type of expectedPrivate) expect(integrationEventsOf(samples[type], change), type).toEqual([]);
  });

  it('gives every event a deterministic id from its audit entry, the entry’s time and its hash', () => {
    const [event] = integrationEventsOf(samples['notice-delivered'], change);
    expect(event).toMatchObject({
      eventId: 'change#chg_1:3',
      type: 'notice.delivered',
      version: 1,
      time: at,
      source: 'partner-change-notice',
      subject: 'chg_1',
      auditRef: { stream: 'change#chg_1', seq: 3, hash: 'sha256:notice-delivered' },
    });
    expect(integrationEventsOf(samples['notice-delivered'], change)).toEqual([event]);
    const twice = integrationEventsOf(samples['escalation-resolved'], { ...change, status: 'withdrawn' });
    expect(twice.map((e) => [e.eventId, e.type])).toEqual([
      ['change#chg_1:3', 'escalation.resolved'],
      ['change#chg_1:3:1', 'change.withdrawn'],
    ]);
  });

  it('never publishes a staff note, an emergency justification or the acknowledgement’s source IP', () => {
    const all = auditEntryTypes.flatMap((type) => integrationEventsOf(samples[type], change));
    const text = JSON.stringify(all);
    expect(text).not.toContain('Board wants this');
    expect(text).not.toContain('Supplier insolvency');
    expect(text).not.toContain('203.0.113.9');
    expect(text).not.toContain('private notes');
    expect(text).not.toContain('priya@northwind.example');
    expect(integrationEventsOf(samples['change-submitted'], change)[0]?.detail.emergency).toBe(true);
  });

  it('approves a change only with the approval that completes the approvals it needs', () => {
    const first = entry(
      'approval-recorded',
      { approvals: 1, required: 2, status: 'awaiting-approval' },
      'amara',
    );
    expect(integrationEventsOf(first, { ...change, status: 'awaiting-approval' })).toEqual([]);
    const second = entry('approval-recorded', { approvals: 2, required: 2, status: 'notice-due' }, 'ben');
    expect(integrationEventsOf(second, { ...change, status: 'notice-due' })[0]?.detail).toMatchObject({
      approvedBy: 'ben',
      approvals: 2,
      required: 2,
    });
  });

  it('announces an applied stage move as change.applied and partner.stage-moved', () => {
    const applied = entry('change-applied', {
      appliedFrom: '2026-04-02',
      fromStage: 'enhanced',
      toStage: 'transactional',
      trustEvents: [],
    });
    const events = integrationEventsOf(applied, { ...change, kind: 'stage-move', status: 'applied' });
    expect(events.map((e) => [e.type, e.subject])).toEqual([
      ['change.applied', 'chg_1'],
      ['partner.stage-moved', 'northwind-resellers'],
    ]);
    expect(events[1]?.detail).toEqual({
      partnerId: 'northwind-resellers',
      changeId: 'chg_1',
      fromStage: 'enhanced',
      toStage: 'transactional',
      appliedFrom: '2026-04-02',
    });
    expect(eventSchemaOf('partner.stage-moved').safeParse(events[1]).success).toBe(true);
    // A commission change's apply is only change.applied, its effect without the trust events.
    const commission = integrationEventsOf(samples['change-applied'], { ...change, status: 'applied' });
    expect(commission.map((e) => e.type)).toEqual(['change.applied']);
    expect(commission[0]?.detail.effect).toEqual({ previousRatePct: 12, newRatePct: 11, scopeKey: '*' });
  });

  it('announces an applied reassignment as change.applied and partner.alliance-manager-reassigned, by userIds only', () => {
    const applied = entry('change-applied', {
      appliedFrom: '2026-04-02',
      kind: 'alliance-manager-reassignment',
      partnerId: 'northwind-resellers',
      outgoingManager: 'dana',
      incomingManager: 'rita',
      trustEvents: [{ rule: 'alliance-manager-reassigned', points: -1 }],
    });
    const events = integrationEventsOf(applied, {
      ...change,
      kind: 'alliance-manager-reassignment',
      status: 'applied',
    });
    expect(events.map((e) => [e.type, e.subject])).toEqual([
      ['change.applied', 'chg_1'],
      ['partner.alliance-manager-reassigned', 'northwind-resellers'],
    ]);
    expect(events[1]?.detail).toEqual({
      partnerId: 'northwind-resellers',
      changeId: 'chg_1',
      outgoingManager: 'dana',
      incomingManager: 'rita',
      appliedFrom: '2026-04-02',
    });
    expect(eventSchemaOf('partner.alliance-manager-reassigned').safeParse(events[1]).success).toBe(true);
  });

  it('announces a directory write with the partner’s public fields only: the profile on create, the changed fields on update', () => {
    const [created] = integrationEventsOf(samples['partner-created']);
    expect(created?.detail).toEqual({
      partnerId: 'northwind-resellers',
      externalId: 'northwind-resellers',
      name: 'Northwind',
      stage: 'transactional',
      region: 'EMEA',
      tier: 'gold',
      tags: ['hardware'],
      version: 1,
    });
    const [updated] = integrationEventsOf(samples['partner-updated']);
    // The new contacts are named as changed, but their addresses stay in the directory.
    expect(updated?.detail).toEqual({
      partnerId: 'northwind-resellers',
      externalId: 'northwind-resellers',
      name: 'Northwind Ltd',
      version: 2,
      changed: ['name', 'contacts'],
    });
    expect(JSON.stringify([created, updated])).not.toMatch(/@/);
  });

  it('refuses to build a change’s event without the change’s facts', () => {
    expect(() => integrationEventsOf(samples['change-submitted'])).toThrow(/needs its change's facts/);
    // A partner's stream names its partner: no facts needed.
    expect(integrationEventsOf(samples['partner-created'])[0]?.subject).toBe('northwind-resellers');
  });
});

describe('the JSON Schemas in events/schemas', () => {
  it('are exactly what npm run events:schemas generates from the zod schemas (they never drift)', () => {
    const files = readdirSync(schemasDirectory)
      .filter((file) => file.endsWith('.json'))
      .sort();
    expect(files).toEqual(integrationEventTypes.map(schemaFileName).sort());
    for (const type of integrationEventTypes) {
      expect(readFileSync(`${schemasDirectory}${schemaFileName(type)}`, 'utf8'), type).toBe(
        eventJsonSchema(type),
      );
    }
  });

  it('accept every event the mapping builds, and refuse one of another type or with a field missing', () => {
    let checked = 0;
    for (const type of auditEntryTypes) {
      const facts = { ...change, kind: type === 'change-applied' ? 'stage-move' : change.kind };
      const source =
        type === 'change-applied'
          ? entry('change-applied', {
              appliedFrom: '2026-04-02',
              fromStage: 'enhanced',
              toStage: 'transactional',
            })
          : samples[type];
      for (const event of integrationEventsOf(source, facts)) {
        const schema = z.fromJSONSchema(committedSchema(event.type));
        const verdict = schema.safeParse(JSON.parse(JSON.stringify(event)));
        expect(verdict.success, `${event.type}: ${verdict.error?.message}`).toBe(true);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(integrationEventTypes.length);
    const [acknowledged] = integrationEventsOf(samples['acknowledgement-recorded'], change);
    const schema = z.fromJSONSchema(committedSchema('notice.acknowledged'));
    expect(schema.safeParse({ ...acknowledged, type: 'notice.opened' }).success).toBe(false);
    const { contentHash: _hash, ...detail } = acknowledged!.detail;
    expect(schema.safeParse({ ...acknowledged, detail }).success).toBe(false);
  });
});
