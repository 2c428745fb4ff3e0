import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allTables } from '../../functions/adapters/dynamodb/table-definitions.ts';
import {
  type FunctionTableAccess,
  handlerTableAccess,
  tableActionsFor,
  taskTableAccess,
} from '../../functions/config/table-access.ts';
import { noticeLifecycleTasks, policyChangeTasks } from '../../functions/config/workflows.ts';
import { DAY_MS } from '../../functions/domain/calendar.ts';
import { createEmailFeedbackHandler } from '../../functions/handlers/email-feedback.ts';
import { createStartPendingWorkflowsHandler } from '../../functions/handlers/start-pending-workflows.ts';
import { type LocalSystem, startLocalSystem } from '../../local/system.ts';
import { ApiClient, isoDateAfter, realRationale } from '../support/api-client.ts';
import { StepFunctionsOutage, TaskFaults } from '../support/faults.ts';
import { acknowledgeAsPartner, createRegionPartners, policyRequest } from '../support/policy.ts';
import { sesBounce } from '../support/ses-events.ts';
import { TableAccessRecorder } from '../support/table-access-recorder.ts';
import { TEST_SYSTEM_START } from '../support/test-system.ts';

/**
 * Each workflow task's declared table access (functions/config/table-access.ts), from which CDK grants its
 * function (infra/tables.ts), checked against what its real code sends: the happy, disputed and escalated
 * notice lifecycles, a step that fails for good, and a policy change's rounds (notice, reminders, outcomes)
 * and its failure run on the real local engines, while a recorder (test/support/table-access-recorder.ts)
 * attributes every DynamoDB request to the task that sent it. A task reaching a table, an index or an action
 * its declaration lacks (AccessDenied in AWS) fails here, and so does a declared access no task used.
 */
const recorder = new TableAccessRecorder();
const tasks = new TaskFaults();
const stepFunctions = new StepFunctionsOutage();
/** While set, every email fails to go out: it stays queued, for the sweep. */
let mailerDown = false;
let system: LocalSystem;
let api: ApiClient;
let finance: string;

beforeAll(async () => {
  system = await startLocalSystem({
    frozenAt: TEST_SYSTEM_START,
    instantRetries: true,
    // A step fails on purpose: its error logs would bury the run's output.
    logLevel: 'SILENT',
    faults: {
      dynamodb: recorder.dynamodb,
      task: recorder.wrapTask(tasks.wrap),
      stepFunctions: stepFunctions.install,
      mailer: (outbox) => ({
        send: async (email) => {
          if (mailerDown) throw new Error('Email provider unavailable (injected)');
          return outbox.send(email);
        },
      }),
    },
  });
  api = new ApiClient(system.baseUrl);
  finance = await api.token('finance', 'fiona');
}, 90_000);

afterAll(async () => {
  await system?.stop();
});

/** A cut for Northwind (transactional: 30 days' notice), one product each so they run side by side. */
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
  // Approved, not waited on: while Step Functions refuses, the change stays for the sweep.
  await api.approve(response.body.changeId);
  return response.body.changeId;
}

async function link(changeId: string): Promise<URL> {
  return new URL((await api.messagesOf(changeId, ['notice'])).at(-1)!.links[0]!);
}

const form = (url: URL, extra: Record<string, string> = {}) => ({
  form: { token: url.searchParams.get('token')!, ...extra },
});

const isoDate = (days: number) =>
  new Date(system.clock.now().getTime() + days * DAY_MS).toISOString().slice(0, 10);

/** logicalName of each local table (local/system.ts creates them unprefixed). */
const logicalNames = new Set(allTables.map((table) => table.logicalName));

/** A declaration as the recorder can see it: each table's access, indexes and scan, normalized. */
function declared(access: FunctionTableAccess) {
  return Object.fromEntries(
    Object.entries(access)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([table, grant]) => [
        table,
        { access: grant.access, indexes: [...(grant.indexes ?? [])].sort(), scan: grant.scan ?? false },
      ]),
  );
}

const writes = new Set([
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
]);

/** The least declaration that would allow what `unit` sent. */
function needed(unit: string) {
  return Object.fromEntries(
    Object.entries(recorder.of(unit)).map(([table, seen]) => [
      table,
      {
        access: seen.actions.some((action) => writes.has(action)) ? 'readWrite' : 'read',
        indexes: seen.indexes,
        scan: seen.actions.includes('dynamodb:Scan'),
      },
    ]),
  );
}

/** Every action `unit` sent that its declaration does not grant (e.g. a delete on an append-only table). */
function ungranted(unit: string, access: FunctionTableAccess): string[] {
  return Object.entries(recorder.of(unit)).flatMap(([table, seen]) => {
    const grant = access[table as keyof FunctionTableAccess];
    const granted = new Set(grant ? tableActionsFor(table, grant) : []);
    return seen.actions.filter((action) => !granted.has(action)).map((action) => `${table} ${action}`);
  });
}

describe('the workflows run', () => {
  it('through every task of both workflows', { timeout: 180_000 }, async () => {
    const happy = await cut('happy');
    const disputed = await cut('disputed');
    const escalated = await cut('escalated');
    const failing = await cut('failing');
    tasks.fail('ApplyChangeFunctionArn', Number.POSITIVE_INFINITY, failing);
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
    const failingLink = await link(failing);
    await api.request('POST', `${failingLink.pathname}/acknowledgement`, form(failingLink));

    const manager = await api.token('partner-manager', 'dana');
    const approver = await api.token('approver', 'amara');
    const partnerIds = await createRegionPartners(system, { prefix: 'latam', region: 'LATAM', count: 30 });
    const submitted = await api.request<{ policyChangeId: string }>('POST', '/api/policy-changes', {
      token: manager,
      json: policyRequest('LATAM', isoDate(20)),
    });
    expect(submitted.status, submitted.text).toBe(201);
    const policyChangeId = submitted.body.policyChangeId;
    await api.settle();
    await acknowledgeAsPartner(
      system,
      (await system.deps.policyRecipients.get(policyChangeId, partnerIds[0]!))!,
    );

    await createRegionPartners(system, { prefix: 'baltic', region: 'BALTIC', count: 30 });
    const doomed = await api.request<{ policyChangeId: string }>('POST', '/api/policy-changes', {
      token: manager,
      json: policyRequest('BALTIC', isoDate(40), { adverse: true }),
    });
    expect(doomed.status, doomed.text).toBe(201);
    tasks.fail(
      'SendPolicyBatchFunctionArn',
      Number.POSITIVE_INFINITY,
      `${doomed.body.policyChangeId}/baltic-0000`,
    );
    await api.request('POST', `/api/policy-changes/${doomed.body.policyChangeId}/approve`, {
      token: approver,
      json: { comment: 'Fine.' },
    });
    await api.settle();

    await api.advance(12);
    const escalatedLink = await link(escalated);
    await api.request('POST', `${escalatedLink.pathname}/acknowledgement`, form(escalatedLink));
    await api.advance(20);

    // A permanent bounce of a notice's only primary contact (SES via EventBridge, infra/email.ts): marked
    // unreachable, and the fallback contacts are sent the notice.
    const bounced = await cut('bounced');
    const [sentNotice] = (await api.messagesOf(bounced, ['notice'])).filter((message) =>
      message.to.some((to) => to.email === 'priya.raman@northwind.example'),
    );
    expect(sentNotice, 'the notice to Northwind’s primary contact').toBeDefined();
    const feedback = await recorder.as('EmailFeedback', () =>
      createEmailFeedbackHandler(system.deps)({
        detail: sesBounce({ ...sentNotice!, to: 'priya.raman@northwind.example' }),
      }),
    );
    expect(feedback).toMatchObject({ outcome: 'marked-unreachable', fallbackContacts: ['nw-owner'] });

    // Left for the sweep: a change and an approved policy change whose workflows could not start.
    stepFunctions.refusing = true;
    mailerDown = true;
    const stranded = await cut('stranded');
    await createRegionPartners(system, { prefix: 'nordic', region: 'NORDIC', count: 3 });
    const strandedPolicy = await api.request<{ policyChangeId: string }>('POST', '/api/policy-changes', {
      token: manager,
      json: policyRequest('NORDIC', isoDate(40), { adverse: true }),
    });
    await api.request('POST', `/api/policy-changes/${strandedPolicy.body.policyChangeId}/approve`, {
      token: approver,
      json: { comment: 'Fine.' },
    });
    stepFunctions.refusing = false;
    mailerDown = false;
    await api.advance(1);
    const swept = await recorder.as('StartPendingWorkflows', () =>
      createStartPendingWorkflowsHandler(system.deps)({}),
    );
    expect(swept.started).toBeGreaterThanOrEqual(2);
    expect(swept.delivered).toBeGreaterThan(0);
    await api.settle();
    expect((await api.view(stranded, finance)).status).not.toBe('submitted');

    for (const [name, changeId] of Object.entries({ happy, disputed, escalated })) {
      expect((await api.view(changeId, finance)).status, name).toBe('applied');
    }
    expect((await api.view(failing, finance)).status).toBe('workflow-failed');
    expect((await system.deps.policyChanges.get(policyChangeId))?.status).toBe('in-effect');
    expect((await system.deps.policyChanges.get(doomed.body.policyChangeId))?.status).toBe('workflow-failed');
  });
});

const checked: [string, FunctionTableAccess][] = [
  ...[...noticeLifecycleTasks, ...policyChangeTasks].map((task): [string, FunctionTableAccess] => [
    task,
    taskTableAccess[task],
  ]),
  ['StartPendingWorkflows', handlerTableAccess.startPendingWorkflows],
  ['EmailFeedback', handlerTableAccess.emailFeedback],
];

describe.each(checked)('%s', (unit, access) => {
  it('was run, and sent only what its declaration grants', () => {
    expect(recorder.observed.has(unit)).toBe(true);
    expect(Object.keys(recorder.of(unit)).filter((table) => !logicalNames.has(table))).toEqual([]);
    expect(ungranted(unit, access)).toEqual([]);
  });

  it('is declared exactly as used: no table, index, write or scan more or less', () => {
    expect(declared(access)).toEqual(needed(unit));
  });
});
