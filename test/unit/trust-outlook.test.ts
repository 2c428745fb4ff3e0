import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../../functions/domain/calendar.ts';
import { REPEATED_CUT_WINDOW_DAYS, trustOutlook } from '../../functions/domain/trust-outlook.ts';
import {
  CURRENT_TRUST_RULES_VERSION,
  type TrustLedgerEvent,
  type TrustRule,
  trustRules,
  trustScore,
} from '../../functions/domain/trust-rules.ts';

const NOW = new Date('2026-03-10T12:00:00.000Z');

function applied(rule: TrustRule, points: number, daysAgo: number, changeId = 'chg_old'): TrustLedgerEvent {
  return {
    partnerId: 'p1',
    eventId: `change#${changeId}#${rule}`,
    rule,
    at: new Date(NOW.getTime() - daysAgo * DAY_MS).toISOString(),
    stage: 'transactional',
    multiplier: 1,
    rulesVersion: CURRENT_TRUST_RULES_VERSION,
    basePoints: points,
    weight: 1,
    points,
    explanation: trustRules[rule].explanation,
    source: { type: 'change-applied', id: changeId },
    changeId,
    adverse: points < 0,
  };
}

/** A forecast event of the change about to be submitted, dated now. */
function forecastEvent(rule: TrustRule, points: number): TrustLedgerEvent {
  return { ...applied(rule, points, 0, 'forecast'), eventId: `change#forecast#${rule}` };
}

const cutForecast = [forecastEvent('commission-cut', -3)];
const base = {
  partnerId: 'p1',
  partnerName: 'Northwind',
  adverse: true,
  emergency: false,
  openChanges: [],
  now: NOW,
  appliesAt: NOW,
  threshold: 40,
};

describe('the trust outlook of a change about to be submitted', () => {
  it('is the ledger’s score now, and with the forecast counted at full weight after', () => {
    const ledger = [applied('commission-raise', 2, 400)];
    const outlook = trustOutlook({ ...base, ledger, forecast: cutForecast });
    expect(outlook.scoreNow).toBe(trustScore(ledger, NOW).score);
    expect(outlook.scoreAfter).toBeCloseTo(outlook.scoreNow - 3, 1);
  });

  it('flags a cut within 12 months of the last one, and not one after', () => {
    const recent = trustOutlook({
      ...base,
      ledger: [applied('commission-cut', -3, 200)],
      forecast: cutForecast,
    });
    expect(recent.flags).toEqual([
      {
        flag: 'repeated-cut',
        message: 'Second cut in 12 months: Northwind had a cut applied on 2025-08-22.',
        changeId: 'chg_old',
      },
    ]);
    const old = trustOutlook({
      ...base,
      ledger: [applied('commission-cut', -3, REPEATED_CUT_WINDOW_DAYS + 1)],
      forecast: cutForecast,
    });
    expect(old.flags).toEqual([]);
    const raise = trustOutlook({
      ...base,
      adverse: false,
      ledger: [applied('commission-cut', -3, 10)],
      forecast: [forecastEvent('commission-raise', 2)],
    });
    expect(raise.flags).toEqual([]);
  });

  it('flags open disputes of the partner, other pending adverse changes (for an adverse one) and an emergency', () => {
    const outlook = trustOutlook({
      ...base,
      emergency: true,
      ledger: [],
      forecast: cutForecast,
      openChanges: [
        { changeId: 'chg_a', status: 'notice-sent', adverse: true },
        {
          changeId: 'chg_b',
          status: 'scheduled',
          adverse: false,
          openDisputeDueAt: '2026-03-20T12:00:00.000Z',
        },
      ],
    });
    expect(outlook.flags.map((flag) => [flag.flag, flag.changeId])).toEqual([
      ['pending-adverse-change', 'chg_a'],
      ['open-dispute', 'chg_b'],
      ['emergency-notice', undefined],
    ]);
    expect(outlook.flags[1]!.message).toBe(
      'Northwind has an open dispute on change chg_b, to be answered by 2026-03-20.',
    );
  });
});
