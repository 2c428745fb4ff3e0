import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awaitEvent } from '../../functions/notices/await-event.ts';
import { startPendingWorkflows } from '../../functions/notices/start-pending-workflows.ts';
import { withdrawChange } from '../../functions/notices/withdraw.ts';
import {
  createIntegrationContext,
  type IntegrationContext,
  northwind,
  submitCommission,
  validCut,
} from '../support/integration-deps.ts';

/** A change recorded while its workflow failed to start is started by the sweep, once its grace has passed. */
let context: IntegrationContext;

beforeAll(async () => {
  context = await createIntegrationContext();
});

afterAll(() => context?.close());

describe('startPendingWorkflows', () => {
  it('starts the workflow of a change whose own start failed, and forgets it once its workflow acts', async () => {
    context.workflow.failStartsWith = Object.assign(new Error('Rate exceeded'), {
      name: 'ThrottlingException',
    });
    // The change is recorded, so the submitter hears "created"; only its workflow waits for the sweep.
    const submitted = await submitCommission(
      context,
      validCut(northwind, context.clock.now(), 60, 'stranded'),
      'fiona',
    );
    expect(submitted.outcome).toBe('created');
    expect(context.workflow.started).toEqual([]);
    context.workflow.failStartsWith = undefined;
    const [stranded] = (await context.scan('Changes')).filter((item) => item.sk === 'change');
    expect(stranded?.status).toBe('awaiting-approval');
    const changeId = stranded!.changeId as string;

    // Within the grace period the submission may still be starting it: the sweep leaves it alone.
    context.clock.set(new Date(context.clock.now().getTime() + 30_000));
    expect((await startPendingWorkflows(context.deps)).started).toEqual([]);
    context.clock.set(new Date(context.clock.now().getTime() + 31_000));
    expect((await startPendingWorkflows(context.deps)).started).toEqual([changeId]);
    expect(context.workflow.started).toEqual([changeId]);

    // A normal submission is pending only until its workflow first parks on it (or sends its notice).
    const normal = await submitCommission(
      context,
      validCut(northwind, context.clock.now(), 60, 'normal'),
      'fiona',
    );
    if (normal.outcome !== 'created') throw new Error('expected a created change');
    for (const id of [changeId, normal.change.changeId]) {
      const change = await context.deps.changes.get(id);
      await awaitEvent(context.deps, { changeId: id, taskToken: `token-${id}`, revision: change!.revision });
    }
    context.clock.set(new Date(context.clock.now().getTime() + 120_000));
    expect((await startPendingWorkflows(context.deps)).started).toEqual([]);
  });

  it('forgets a change that ended before its workflow ever acted on it: nothing is left to start', async () => {
    context.workflow.failStartsWith = Object.assign(new Error('Rate exceeded'), {
      name: 'ThrottlingException',
    });
    expect(
      (
        await submitCommission(
          context,
          validCut(northwind, context.clock.now(), 60, 'withdrawn-early'),
          'fiona',
        )
      ).outcome,
    ).toBe('created');
    context.workflow.failStartsWith = undefined;
    const [stranded] = (await context.scan('Changes')).filter(
      (item) => item.sk === 'change' && JSON.stringify(item.terms).includes('withdrawn-early'),
    );
    const changeId = stranded!.changeId as string;
    const withdrawn = await withdrawChange(context.deps, changeId, {
      by: 'fiona',
      reason: 'The supplier reversed its price rise this morning.',
    });
    expect(withdrawn.ok).toBe(true);
    context.clock.set(new Date(context.clock.now().getTime() + 120_000));
    expect((await startPendingWorkflows(context.deps)).started).toEqual([]);
  });
});
