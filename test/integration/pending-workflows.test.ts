import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendNotice } from '../../functions/commission-changes/send-notice.ts';
import { startPendingWorkflows } from '../../functions/commission-changes/start-pending-workflows.ts';
import { submitCommissionChange } from '../../functions/commission-changes/submit.ts';
import {
  createIntegrationContext,
  type IntegrationContext,
  northwind,
  validCut,
} from '../support/integration-deps.ts';

/** A change recorded while its workflow failed to start is started by the sweep, once its grace has passed. */
let context: IntegrationContext;

beforeAll(async () => {
  context = await createIntegrationContext();
});

afterAll(() => context?.close());

describe('startPendingWorkflows', () => {
  it('starts the workflow of a change whose own start failed, and forgets it once its notice is out', async () => {
    context.workflow.failStartsWith = Object.assign(new Error('Rate exceeded'), {
      name: 'ThrottlingException',
    });
    await expect(
      submitCommissionChange(context.deps, validCut(northwind, context.clock.now()), 'fiona'),
    ).rejects.toThrow('Rate exceeded');
    context.workflow.failStartsWith = undefined;
    const [stranded] = (await context.scan('Changes')).filter((item) => item.sk === 'change');
    expect(stranded?.status).toBe('submitted');
    const changeId = stranded!.changeId as string;

    // Within the grace period the submission may still be starting it: the sweep leaves it alone.
    context.clock.set(new Date(context.clock.now().getTime() + 30_000));
    expect(await startPendingWorkflows(context.deps)).toEqual([]);
    context.clock.set(new Date(context.clock.now().getTime() + 31_000));
    expect(await startPendingWorkflows(context.deps)).toEqual([changeId]);
    expect(context.workflow.started).toEqual([changeId]);

    // A normal submission is pending only until its notice is sent.
    const normal = await submitCommissionChange(
      context.deps,
      validCut(northwind, context.clock.now()),
      'fiona',
    );
    if (normal.outcome !== 'created') throw new Error('expected a created change');
    await sendNotice(context.deps, changeId);
    await sendNotice(context.deps, normal.change.changeId);
    context.clock.set(new Date(context.clock.now().getTime() + 120_000));
    expect(await startPendingWorkflows(context.deps)).toEqual([]);
  });
});
