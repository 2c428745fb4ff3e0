import { describe, expect, it } from 'vitest';
import {
  evaluateReassignment,
  lastReassignmentWithin,
  reassignmentTrustRules,
} from '../../functions/reassignments/rules.ts';

const dana = { userId: 'dana', name: 'Dana Whitfield', email: 'dana.whitfield@vendor.example' };
const rita = { ...dana, userId: 'rita', name: 'Rita Okafor', email: 'rita.okafor@vendor.example' };
const base = { outgoing: dana, incoming: rita, handoverDate: '2027-03-01' };

describe('the reassignment kind’s rules', () => {
  it('counts a repeat only when the last reassignment applied within 365 days before the handover date', () => {
    const applied = (appliedAt: string) => [{ changeId: 'chg_a', appliedAt }];
    expect(lastReassignmentWithin(applied('2026-03-01T00:00:00.000Z'), '2027-03-01')).toEqual({
      changeId: 'chg_a',
      appliedAt: '2026-03-01T00:00:00.000Z',
    });
    expect(lastReassignmentWithin(applied('2026-02-28T23:59:59.000Z'), '2027-03-01')).toBeUndefined();
    // Not applied (no appliedAt): never a repeat.
    expect(lastReassignmentWithin([{ changeId: 'chg_b' }], '2027-03-01')).toBeUndefined();
  });

  it('earns alliance-manager-reassigned, and repeated-reassignment too when the terms carry a recent one', () => {
    expect(reassignmentTrustRules(base)).toEqual(['alliance-manager-reassigned']);
    expect(
      reassignmentTrustRules({ ...base, lastReassignment: { changeId: 'chg_a', appliedAt: '2026-09-01' } }),
    ).toEqual(['alliance-manager-reassigned', 'repeated-reassignment']);
  });

  it('refuses unknown staff, a member without the partner-manager role and the current manager, naming the field', () => {
    const rule = (member: Parameters<typeof evaluateReassignment>[2]) => {
      const verdict = evaluateReassignment('incomingManager', member?.userId ?? 'ghost', member, dana);
      return verdict.accepted ? 'accepted' : verdict.violations.map((item) => `${item.field}:${item.rule}`);
    };
    expect(rule(undefined)).toEqual(['incomingManager:unknown-staff']);
    expect(rule({ ...rita, roles: ['approver'] })).toEqual(['incomingManager:not-a-partner-manager']);
    expect(rule({ ...dana, roles: ['partner-manager'] })).toEqual(['incomingManager:no-change']);
    expect(rule({ ...rita, roles: ['partner-manager'] })).toBe('accepted');
  });
});
