import type { SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStepFunctionsClient } from '../../functions/adapters/step-functions/workflow-gateway.ts';
import type { LocalSystem } from '../../local/system.ts';
import { type ApiClient, isoDateAfter, realRationale } from '../support/api-client.ts';
import { statesEntered } from '../support/executions.ts';
import { startTestSystem } from '../support/test-system.ts';

/**
 * What a change costs in Step Functions: the state transitions (billed per transition on AWS Standard
 * workflows) of three whole lives, read from the execution history of the real ASL on the local runtime.
 * The counts are exact for these scenarios on the virtual clock, so a change of the workflow's shape shows
 * here; the figures are printed for the record.
 */
let system: LocalSystem;
let api: ApiClient;
let finance: string;
let sfn: SFNClient;

beforeAll(async () => {
  ({ system, api, finance } = await startTestSystem());
  sfn = createStepFunctionsClient(system.stepFunctionsEndpoint);
}, 90_000);

afterAll(async () => {
  sfn?.destroy();
  await system?.stop();
});

/** A cut for Northwind (transactional: 30 days' notice), one product each so the three run side by side. */
async function cut(product: string): Promise<string> {
  const response = await api.request<{ changeId: string }>('POST', '/api/commission-changes', {
    token: finance,
    json: {
      partnerId: 'northwind-resellers',
      currentRatePct: 12,
      newRatePct: 11,
      effectiveDate: isoDateAfter(await api.now(), 31),
      rationale: realRationale,
      scope: { products: [product] },
    },
  });
  expect(response.status, response.text).toBe(201);
  await api.approve(response.body.changeId);
  return response.body.changeId;
}

async function link(changeId: string): Promise<URL> {
  return new URL((await api.messagesOf(changeId, ['notice'])).at(-1)!.links[0]!);
}

const form = (url: URL, extra: Record<string, string> = {}) => ({
  form: { token: url.searchParams.get('token')!, ...extra },
});

describe('billed state transitions per change', () => {
  it('happy path, disputed and escalated', { timeout: 60_000 }, async () => {
    const happy = await cut('happy');
    const disputed = await cut('disputed');
    const escalated = await cut('escalated');
    const happyLink = await link(happy);
    await api.request('POST', `${happyLink.pathname}/acknowledgement`, form(happyLink));
    const disputedLink = await link(disputed);
    await api.request(
      'POST',
      `${disputedLink.pathname}/concern`,
      form(disputedLink, { comment: 'The timing hurts our quarter badly.' }),
    );
    await api.settle();
    await api.request('POST', `/api/changes/${disputed}/dispute-resolution`, {
      token: await api.token('partner-manager', 'dana'),
      json: {
        outcome: 'upheld',
        answer: 'Deals registered this quarter keep the current rate; the cut stands.',
      },
    });
    await api.request('POST', `${disputedLink.pathname}/acknowledgement`, form(disputedLink));
    await api.advance(12);
    const escalatedLink = await link(escalated);
    await api.request('POST', `${escalatedLink.pathname}/acknowledgement`, form(escalatedLink));
    await api.advance(20);

    const counts: Record<string, number> = {};
    for (const [name, changeId] of Object.entries({ happy, disputed, escalated })) {
      expect((await api.view(changeId, finance)).status, name).toBe('applied');
      counts[name] = (await statesEntered(sfn, system.stateMachineArn, changeId)).length;
    }
    console.log(`State transitions per change (notice-lifecycle workflow): ${JSON.stringify(counts)}`);
    // happy 17: start and approval wait (3), approved → notice → wait (4), acknowledged → wait (2), the
    // maxWaitDays look on day 30 (3), apply on day 31 and end (5). disputed 21: the same plus the concern and
    // its answer (2 + 2). escalated 23: no acknowledgement look on day 30 (the apply date comes first), but
    // reminders on days 3 and 7 and the escalation on day 10 (3 each), then the late acknowledgement (2).
    expect(counts).toEqual({ happy: 17, disputed: 21, escalated: 23 });
  });
});
