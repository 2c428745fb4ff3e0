/**
 * The list of every kind's changes against the real DynamoDB Local: the kinds' lists merged newest first,
 * paged with a cursor so that every change is seen exactly once in order, even changes submitted in the same
 * millisecond; `kind` narrows it to one kind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitChange } from '../../functions/notices/submit.ts';
import { listChanges } from '../../functions/notices/view.ts';
import {
  createIntegrationContext,
  type IntegrationContext,
  isoDateAfter,
  submitCommission,
  validCut,
} from '../support/integration-deps.ts';

let context: IntegrationContext;
/** Every change submitted, newest first in the lists' order (submittedAt, then the change's key). */
let expected: { changeId: string; kind: string; submittedAt: string }[] = [];

const stageRationale =
  'You closed 14 value-added deals in 2026 and renewed the services certification in March, so you now get the ' +
  'longer notice and joint planning of the next stage because your demand grew.';

beforeAll(async () => {
  context = await createIntegrationContext();
  const partners = [
    { partnerId: 'northwind-resellers', ratePct: 12, stage: 'transactional', next: 'enhanced' },
    { partnerId: 'contoso-value-partners', ratePct: 15, stage: 'enhanced', next: 'collaborative' },
    { partnerId: 'fabrikam-solutions', ratePct: 18, stage: 'collaborative', next: 'partnership' },
    { partnerId: 'adventure-works', ratePct: 10, stage: 'transactional', next: 'enhanced' },
  ];
  const ids: string[] = [];
  for (const [round, partner] of partners.entries()) {
    // Two commission changes and a stage move in the same millisecond, then the clock moves on a little.
    for (const product of ['edge', 'storage']) {
      const cut = await submitCommission(context, validCut(partner, context.clock.now(), 61, product));
      if (cut.outcome !== 'created') throw new Error(JSON.stringify(cut));
      ids.push(cut.change.changeId);
    }
    const request = {
      partnerId: partner.partnerId,
      currentStage: partner.stage,
      toStage: partner.next,
      effectiveDate: isoDateAfter(context.clock.now(), 5),
      rationale: stageRationale,
    };
    const move = await submitChange(context.deps, 'stage-move', request, 'dana');
    if (move.outcome !== 'created') throw new Error(JSON.stringify(move));
    ids.push(move.change.changeId);
    context.clock.set(new Date(context.clock.now().getTime() + 1000 * (round + 1)));
  }
  const changes = await Promise.all(ids.map((id) => context.deps.changes.get(id)));
  expected = changes
    .map((change) => ({ changeId: change!.changeId, kind: change!.kind, submittedAt: change!.submittedAt }))
    .sort(
      (a, b) =>
        b.submittedAt.localeCompare(a.submittedAt) ||
        `change#${b.changeId}`.localeCompare(`change#${a.changeId}`),
    );
});

afterAll(() => context?.close());

async function allPages(limit: number, kind?: string) {
  const seen: string[] = [];
  let cursor: Record<string, string> | undefined;
  for (let page = 0; page < 50; page += 1) {
    const answer = await listChanges(context.deps, { limit, ...(kind ? { kind } : {}), cursor });
    if (answer === 'invalid-cursor') throw new Error('invalid cursor');
    seen.push(...answer.items.map((item) => item.changeId));
    if (!answer.cursor) return seen;
    cursor = answer.cursor as Record<string, string>;
  }
  throw new Error('more than 50 pages');
}

describe('the list of every kind', () => {
  it('merges the kinds newest first and pages through them, each change once, ties included', async () => {
    expect(expected).toHaveLength(12);
    for (const limit of [1, 2, 5, 12, 25]) {
      expect(await allPages(limit), `limit ${limit}`).toEqual(expected.map((item) => item.changeId));
    }
  });

  it('narrows to one kind', async () => {
    expect(await allPages(3, 'stage-move')).toEqual(
      expected.filter((item) => item.kind === 'stage-move').map((item) => item.changeId),
    );
  });

  it('refuses a cursor of a kind nobody registered', async () => {
    const answer = await listChanges(context.deps, {
      limit: 5,
      cursor: { pk: 'change#x', sk: 'change', kind: 'no-such-kind', submittedAt: expected[0]!.submittedAt },
    });
    expect(answer).toBe('invalid-cursor');
  });
});
