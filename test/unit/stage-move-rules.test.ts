import { Logger } from '@aws-lambda-powertools/logger';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { changeKinds } from '../../functions/change-kinds.ts';
import type { Dependencies } from '../../functions/dependencies.ts';
import { defaultLifecyclePolicy } from '../../functions/domain/lifecycle-policy.ts';
import {
  defaultStagePolicies,
  type RelationshipStage,
  relationshipStages,
} from '../../functions/domain/relationship-stage.ts';
import { stageMoveKind } from '../../functions/stage-moves/kind.ts';
import {
  compareStages,
  evaluateStageMove,
  promiseOf,
  stageMoveLines,
} from '../../functions/stage-moves/rules.ts';

const stage = fc.constantFrom(...relationshipStages);

describe('evaluateStageMove', () => {
  it('is a move down exactly when the new stage is lower in the pyramid, and refuses no move', () => {
    fc.assert(
      fc.property(stage, stage, (from, to) => {
        const verdict = evaluateStageMove({ currentStage: from, toStage: to }, from);
        if (from === to) {
          expect(verdict).toMatchObject({
            accepted: false,
            conflict: false,
            violations: [{ field: 'toStage', rule: 'no-change' }],
          });
        } else {
          const down = relationshipStages.indexOf(to) < relationshipStages.indexOf(from);
          expect(verdict).toEqual({ accepted: true, direction: down ? 'down' : 'up' });
        }
      }),
    );
  });

  it('refuses a stale view of the current stage as a conflict, naming currentStage', () => {
    expect(
      evaluateStageMove({ currentStage: 'enhanced', toStage: 'transactional' }, 'collaborative'),
    ).toEqual({
      accepted: false,
      conflict: true,
      violations: [
        {
          field: 'currentStage',
          rule: 'stale-stage',
          reason:
            'The partner is collaborative, not enhanced: reload the partner and submit against its current stage.',
        },
      ],
    });
  });

  it('compares a revised stage with the announced one: lower is worse for the partner', () => {
    expect(compareStages('enhanced', 'transactional')).toBe('worse');
    expect(compareStages('enhanced', 'collaborative')).toBe('better');
    expect(compareStages('enhanced', 'enhanced')).toBe('same');
  });
});

describe('what the partner is told', () => {
  it('states the promises of the new stage beside the current one’s, in words', () => {
    const terms = {
      fromStage: 'enhanced' as const,
      toStage: 'transactional' as const,
      direction: 'down' as const,
      promises: {
        from: promiseOf(defaultStagePolicies.enhanced),
        to: promiseOf(defaultStagePolicies.transactional),
      },
    };
    expect(stageMoveLines(terms)).toEqual([
      { label: 'Your relationship stage now', value: 'Enhanced' },
      { label: 'Your new relationship stage', value: 'Transactional' },
      {
        label: 'Notice of a later change worse for you',
        value: 'at least 30 days from delivery (now: at least 45 days)',
      },
      { label: 'Consultation before such a change', value: 'none, as now' },
      {
        label: 'If a notice is not acknowledged',
        value:
          'reminders on days 3 and 7, then your alliance manager is asked to reach you on day 10 after delivery (now: reminders on days 3 and 7, then your alliance manager is asked to reach you on day 10)',
      },
    ]);
    expect(stageMoveKind.notice(terms)).toEqual({
      title: 'relationship stage change: Enhanced → Transactional',
      lines: stageMoveLines(terms),
    });
  });

  it('takes the numbers from the lifecycle policy in force when the notice goes out, not from the defaults', async () => {
    const policy = {
      ...defaultLifecyclePolicy,
      stages: {
        ...defaultStagePolicies,
        collaborative: { ...defaultStagePolicies.collaborative, adverseNoticeDays: 75, reminderDays: [4] },
      },
    };
    const partner = {
      partnerId: 'p',
      name: 'P',
      stage: 'partnership' as RelationshipStage,
      allianceManager: { userId: 'a', name: 'A', email: 'a@example.test' },
      contacts: [],
      version: 1,
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
    };
    // Only the policy and the partner's stage are read: the stores are not needed for these two steps.
    const deps = {
      policy,
      kinds: changeKinds,
      logger: new Logger({ logLevel: 'SILENT' }),
      partners: { get: async () => partner },
    } as unknown as Dependencies;
    const assessed = await stageMoveKind.assess(deps, {
      partner,
      request: { currentStage: 'partnership', toStage: 'collaborative' },
      now: new Date('2026-03-02T09:00:00Z'),
    });
    expect(assessed).toMatchObject({ ok: true, adverse: true, needsApproval: true, conflictKey: 'stage' });
    if (!assessed.ok) return;
    const lines = stageMoveKind.notice(assessed.terms).lines;
    expect(lines).toContainEqual({
      label: 'Notice of a later change worse for you',
      value: 'at least 75 days from delivery (now: at least 90 days)',
    });
    expect(lines.at(-1)?.value).toMatch(/^reminders on day 4, then your alliance manager .* on day 7 after/);

    // Retuned before the notice goes out: the notice says what is true that day.
    const retuned = {
      ...deps,
      policy: {
        ...policy,
        stages: {
          ...policy.stages,
          collaborative: { ...policy.stages.collaborative, adverseNoticeDays: 80 },
        },
      },
    } as Dependencies;
    const atNotice = await stageMoveKind.termsAtNotice(retuned, {
      terms: assessed.terms,
      partnerId: 'p',
      changeId: 'chg_1',
    } as never);
    expect(atNotice.promises.to.adverseNoticeDays).toBe(80);
  });
});
