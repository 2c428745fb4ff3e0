import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalSystem, startLocalSystem } from '../../local/system.ts';
import { ApiClient, type ChangeView, isoDateAfter, realRationale } from '../support/api-client.ts';
import { snapshotAllTables } from '../support/table-snapshot.ts';
import { TEST_SYSTEM_START } from '../support/test-system.ts';

/**
 * Stage moves over real HTTP on the real local engines (DynamoDB Local, the ASL on the local Step Functions
 * runtime, the virtual clock): the same lifecycle as a commission change — its routes for approval,
 * consultation, disputes, withdrawal and lists work on a stage move unchanged.
 */
let system: LocalSystem;
let api: ApiClient;
let finance: string;
let dana: string;

const rationale =
  'Your services certification expired in June 2026 and you closed no value-added deal in the last 4 quarters, ' +
  'so the joint planning we fund at your stage no longer fits because the demand for it fell.';
const upRationale =
  'You closed 14 value-added deals in 2026 and renewed the services certification in March, so you now get the ' +
  'longer notice and joint planning of the enhanced stage because your demand grew.';

type Problem = {
  error: string;
  message: string;
  fields: { field: string; reason: string }[];
  conflictingChangeId?: string;
};
type Submitted = { changeId: string; status: string; noticePeriodDays: number; approvalsRequired: number };

beforeAll(async () => {
  // Retries at once: the failure path (a task's retries, then RecordFailure) runs without real waits.
  system = await startLocalSystem({ frozenAt: TEST_SYSTEM_START, instantRetries: true });
  api = new ApiClient(system.baseUrl);
  finance = await api.token('finance', 'fiona');
  dana = await api.token('partner-manager', 'dana');
}, 90_000);

afterAll(async () => {
  await system?.stop();
});

const tables = () => snapshotAllTables(system.dynamodbEndpoint);

function post(
  body: Record<string, unknown>,
  options: { token?: string; key?: string; dryRun?: boolean } = {},
) {
  return api.request<Submitted & Problem & { replayed: boolean }>(
    'POST',
    `/api/stage-moves${options.dryRun ? '?dryRun=true' : ''}`,
    {
      token: options.token ?? dana,
      json: body,
      headers: options.key ? { 'idempotency-key': options.key } : {},
    },
  );
}

async function view(changeId: string): Promise<ChangeView & Record<string, unknown>> {
  await api.settle();
  return api.view(changeId, finance);
}

async function stageOf(partnerId: string): Promise<string> {
  const response = await api.request<{ stage: string }>('GET', `/api/partners/${partnerId}`, { token: dana });
  return response.body.stage;
}

async function noticeLink(changeId: string): Promise<URL> {
  const messages = await api.messagesOf(changeId, ['notice']);
  expect(messages.length, `notice emails of ${changeId}`).toBeGreaterThan(0);
  return new URL(messages.at(-1)!.links[0]!);
}

async function listed(path: string): Promise<string[]> {
  const response = await api.request<{ items: { changeId: string }[] }>('GET', path, { token: finance });
  expect(response.status, response.text).toBe(200);
  return response.body.items.map((item) => item.changeId);
}

describe('a move down, enhanced → transactional', () => {
  it('is approved, noticed with the enhanced 45 days, acknowledged, applied on the clock — and the next cut gets 30 days', async () => {
    const now = await api.now();
    const body = {
      partnerId: 'contoso-value-partners',
      currentStage: 'enhanced',
      toStage: 'transactional',
      effectiveDate: isoDateAfter(now, 50),
      rationale,
    };
    const before = await tables();
    const notAllowed = await post(body, { token: finance });
    expect(notAllowed.status).toBe(403);
    expect(await tables()).toEqual(before);

    const submitted = await post(body, { key: 'contoso-down-1' });
    expect(submitted.status, submitted.text).toBe(201);
    expect(submitted.body).toMatchObject({
      status: 'awaiting-approval',
      noticePeriodDays: 45,
      approvalsRequired: 1,
    });
    const changeId = submitted.body.changeId;
    const replay = await post(body, { key: 'contoso-down-1' });
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ changeId, replayed: true });

    // A second move of the same partner while this one is pending: 409 naming it, nothing written.
    await api.settle();
    const beforeSecond = await tables();
    const second = await post({ ...body, toStage: 'collaborative', rationale: upRationale });
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ error: 'conflicting-change', conflictingChangeId: changeId });
    expect(await tables()).toEqual(beforeSecond);

    await api.approve(changeId);
    const sent = await view(changeId);
    expect(sent).toMatchObject({
      kind: 'stage-move',
      status: 'notice-sent',
      noticePeriodDays: 45,
      summary: 'relationship stage Enhanced → Transactional (down)',
      terms: { fromStage: 'enhanced', toStage: 'transactional', direction: 'down' },
    });
    const notices = await api.messagesOf(changeId, ['notice']);
    expect(notices.map((message) => message.to[0]!.email).sort()).toEqual([
      'maya.chen@contoso.example',
      'tom.becker@contoso.example',
    ]);
    expect(notices[0]!.text).toContain(rationale);
    expect(notices[0]!.text).toContain('Your new relationship stage: Transactional');
    // Staff see the partner's page as the partner does.
    const page = await api.request('GET', `/api/changes/${changeId}/notice`, { token: finance });
    expect(page.status).toBe(200);
    expect(page.text).toContain('Your new relationship stage');
    expect(page.text).toContain('relationship stage change: Enhanced → Transactional');

    // Every list of changes shows it; the commission list does not.
    expect(await listed('/api/changes')).toContain(changeId);
    expect(await listed('/api/changes?kind=stage-move')).toContain(changeId);
    expect(await listed('/api/changes?kind=commission-change')).not.toContain(changeId);
    expect(await listed('/api/stage-moves')).toContain(changeId);
    expect(await listed('/api/commission-changes')).not.toContain(changeId);
    const pendingHistory = await api.request<{ pending: { changeId: string }[]; applied: unknown[] }>(
      'GET',
      '/api/partners/contoso-value-partners/stage-history',
      { token: finance },
    );
    expect(pendingHistory.body).toMatchObject({ applied: [], pending: [{ changeId }] });

    // The notice period runs; unacknowledged, it does not apply.
    const link = await noticeLink(changeId);
    const acknowledged = await api.request('POST', `${link.pathname}/acknowledgement`, {
      form: { token: link.searchParams.get('token')! },
    });
    expect(acknowledged.status, acknowledged.text).toBe(200);
    expect((await view(changeId)).status).toBe('scheduled');
    await api.advance(44);
    expect((await view(changeId)).status).toBe('scheduled');
    expect(await stageOf('contoso-value-partners')).toBe('enhanced');
    await api.advance(7);
    expect((await view(changeId)).status).toBe('applied');
    expect(await stageOf('contoso-value-partners')).toBe('transactional');

    const history = await api.request<Record<string, unknown>>(
      'GET',
      '/api/partners/contoso-value-partners/stage-history',
      { token: finance },
    );
    expect(history.status).toBe(200);
    expect(history.body).toMatchObject({
      stage: 'transactional',
      applied: [{ changeId, fromStage: 'enhanced', toStage: 'transactional', rationale }],
      pending: [],
    });

    // The next cut is judged at the partner's new stage: 30 days' notice.
    const cut = await api.request<{ noticePeriodDays: number; partner: { stage: string } }>(
      'POST',
      '/api/commission-changes?dryRun=true',
      {
        token: finance,
        json: {
          partnerId: 'contoso-value-partners',
          currentRatePct: 15,
          newRatePct: 14,
          effectiveDate: isoDateAfter(await api.now(), 31),
          rationale: realRationale,
        },
      },
    );
    expect(cut.status, cut.text).toBe(200);
    expect(cut.body).toMatchObject({ noticePeriodDays: 30, partner: { stage: 'transactional' } });
  }, 60_000);
});

describe('a move up, transactional → enhanced', () => {
  it('needs no approval nor acknowledgement: scheduled once noticed, applied at its effective date', async () => {
    const now = await api.now();
    const body = {
      partnerId: 'northwind-resellers',
      currentStage: 'transactional',
      toStage: 'enhanced',
      effectiveDate: isoDateAfter(now, 5),
      rationale: upRationale,
    };
    const preview = await post(body, { dryRun: true });
    expect(preview.status, preview.text).toBe(200);
    expect(preview.body).toMatchObject({
      dryRun: true,
      kind: 'stage-move',
      adverse: false,
      approvalsRequired: 0,
    });
    const submitted = await post(body);
    expect(submitted.status, submitted.text).toBe(201);
    const changeId = submitted.body.changeId;
    expect(await view(changeId)).toMatchObject({ status: 'scheduled', noticePeriodDays: 0 });
    expect(await api.messagesOf(changeId, ['notice'])).toHaveLength(1);
    await api.advance(4);
    expect(await stageOf('northwind-resellers')).toBe('transactional');
    await api.advance(1);
    expect((await view(changeId)).status).toBe('applied');
    expect(await stageOf('northwind-resellers')).toBe('enhanced');
  });
});

describe('refusals', () => {
  it('answers a stale current stage 409, the same stage 422 and an unknown stage 400, naming the field, and writes nothing', async () => {
    const now = await api.now();
    const body = {
      partnerId: 'adventure-works',
      currentStage: 'transactional',
      toStage: 'enhanced',
      effectiveDate: isoDateAfter(now, 5),
      rationale: upRationale,
    };
    await api.settle();
    const before = await tables();
    const stale = await post({ ...body, currentStage: 'enhanced', toStage: 'collaborative' });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toBe('stale-stage');
    expect(stale.body.fields.map((field) => field.field)).toEqual(['currentStage']);
    const same = await post({ ...body, toStage: 'transactional' });
    expect(same.status).toBe(422);
    expect(same.body.fields).toContainEqual({
      field: 'toStage',
      reason: 'The partner is already transactional: there is nothing to announce.',
    });
    const unknown = await post({ ...body, toStage: 'platinum' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.fields.map((field) => field.field)).toEqual(['toStage']);
    const dryStale = await post({ ...body, currentStage: 'partnership' }, { dryRun: true });
    expect(dryStale.status).toBe(409);
    expect(await tables()).toEqual(before);
    expect(await stageOf('adventure-works')).toBe('transactional');
  });
});

describe('the lifecycle’s other routes on a stage move', () => {
  it('consultation, a concern revised to a better stage (date kept), then withdrawal, all unchanged', async () => {
    const now = await api.now();
    const rita = await api.token('partner-manager', 'rita');
    const submitted = await post(
      {
        partnerId: 'tailspin-msp',
        currentStage: 'partnership',
        toStage: 'enhanced',
        effectiveDate: isoDateAfter(now, 100),
        rationale,
      },
      { token: rita },
    );
    expect(submitted.status, submitted.text).toBe(201);
    const changeId = submitted.body.changeId;
    expect(submitted.body.noticePeriodDays).toBe(90);
    await api.approve(changeId);
    expect((await view(changeId)).status).toBe('awaiting-consultation');
    const consulted = await api.request('POST', `/api/changes/${changeId}/consultation`, {
      token: rita,
      json: {
        heldOn: isoDateAfter(await api.now(), 0),
        participants: ['Elena Petrova', 'Rita Okafor'],
        summary:
          'Reviewed the certification lapse with Elena; she asked to keep joint planning for one year.',
      },
    });
    expect(consulted.status, consulted.text).toBe(200);
    const sent = await view(changeId);
    expect(sent.status).toBe('notice-sent');
    const link = await noticeLink(changeId);
    const concern = await api.request('POST', `${link.pathname}/concern`, {
      form: {
        token: link.searchParams.get('token')!,
        comment: 'We are renewing the certification next month; dropping two stages at once is unfair.',
      },
    });
    expect(concern.status, concern.text).toBe(200);
    expect((await view(changeId)).status).toBe('disputed');
    const revised = await api.request('POST', `/api/changes/${changeId}/dispute-resolution`, {
      token: rita,
      json: {
        outcome: 'revised',
        answer: 'Agreed: you move one stage only, to collaborative, and keep the joint planning calls.',
        revision: { toStage: 'collaborative' },
        rationale: `${rationale} After your concern we move you one stage only.`,
      },
    });
    expect(revised.status, revised.text).toBe(200);
    const v2 = await view(changeId);
    expect(v2).toMatchObject({
      status: 'notice-sent',
      noticeId: `${changeId}-v2`,
      applyAt: sent.applyAt,
      terms: { fromStage: 'partnership', toStage: 'collaborative', direction: 'down' },
    });
    const v2Email = (await api.messagesOf(changeId, ['notice'])).at(-1)!;
    expect(v2Email.subject).toMatch(
      /^Revised notice of relationship stage change: Partnership → Collaborative/,
    );

    const withdrawn = await api.request('POST', `/api/changes/${changeId}/withdrawal`, {
      token: rita,
      json: { reason: 'Elena renewed the certification early; the move is no longer needed.' },
    });
    expect(withdrawn.status, withdrawn.text).toBe(200);
    expect((await view(changeId)).status).toBe('withdrawn');
    expect((await api.messagesOf(changeId, ['withdrawal'])).map((message) => message.to[0]!.email)).toContain(
      'elena.petrova@tailspin.example',
    );
    expect(await stageOf('tailspin-msp')).toBe('partnership');
    // Withdrawn moves never happened: not part of the stage history.
    const history = await api.request<{ applied: unknown[]; pending: unknown[] }>(
      'GET',
      '/api/partners/tailspin-msp/stage-history',
      { token: finance },
    );
    expect(history.body).toMatchObject({ applied: [], pending: [] });
  }, 60_000);
});

describe('a partner moved outside the lifecycle before the move applies', () => {
  it('fails the workflow visibly (named error, the submitter’s inbox), moves nothing, and can be withdrawn', async () => {
    const now = await api.now();
    const submitted = await post({
      partnerId: 'adventure-works',
      currentStage: 'transactional',
      toStage: 'enhanced',
      effectiveDate: isoDateAfter(now, 3),
      rationale: upRationale,
    });
    expect(submitted.status, submitted.text).toBe(201);
    const changeId = submitted.body.changeId;
    expect((await view(changeId)).status).toBe('scheduled');

    // An edit of the partner's record, not a stage move (through the system's own client and table).
    await system.deps.documentClient.send(
      new UpdateCommand({
        TableName: system.deps.tables.partners,
        Key: { partnerId: 'adventure-works' },
        UpdateExpression: 'SET stage = :stage',
        ExpressionAttributeValues: { ':stage': 'collaborative' },
      }),
    );

    await api.advance(3);
    const failed = (await view(changeId)) as ChangeView & { failure?: { error: string; cause: string } };
    expect(failed.status).toBe('workflow-failed');
    expect(failed.failure?.error).toBe('StageMovedMeanwhile');
    expect(failed.failure?.cause).toContain('adventure-works is collaborative, not transactional');
    expect(await stageOf('adventure-works')).toBe('collaborative');
    const inbox = await api.request<{ items: { changeId: string; task: string }[] }>('GET', '/api/inbox', {
      token: dana,
    });
    expect(inbox.body.items).toContainEqual(expect.objectContaining({ changeId, task: 'retry-workflow' }));

    const withdrawn = await api.request('POST', `/api/changes/${changeId}/withdrawal`, {
      token: dana,
      json: { reason: 'The partner was moved to collaborative in the directory; this move is moot.' },
    });
    expect(withdrawn.status, withdrawn.text).toBe(200);
    // The stage lock is free again: a move from the partner's real stage is accepted.
    const next = await post({
      partnerId: 'adventure-works',
      currentStage: 'collaborative',
      toStage: 'partnership',
      effectiveDate: isoDateAfter(await api.now(), 3),
      rationale: upRationale,
    });
    expect(next.status, next.text).toBe(201);
  }, 60_000);
});
