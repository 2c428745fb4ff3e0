import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { allTables } from '../../functions/adapters/dynamodb/table-definitions.ts';
import { allPieces } from '../../functions/composition/all.ts';
import {
  noticeLifecycleWorkflow,
  policyChangeWorkflow,
  type WorkflowTask,
} from '../../functions/config/workflows.ts';
import {
  composeDependencies,
  MissingSetting,
  NotComposed,
  type Pieces,
} from '../../functions/dependencies.ts';
import { repoRoot } from '../../infra/functions.ts';
import { policyManifestAccess } from '../../infra/partner-change-notice-stack.ts';

/** Each table's environment variable set, as every function is given them (infra/tables.ts). */
const environment = Object.fromEntries(
  allTables
    .filter((table) => !table.localOnly)
    .map((table) => [table.environmentVariable, table.logicalName]),
);

async function piecesOf(task: WorkflowTask): Promise<Partial<Pieces>> {
  // The entry as the bundle starts from it, by its path in the one description of the workflows.
  const entry: { pieces: Partial<Pieces> } = await import(pathToFileURL(join(repoRoot, task.entry)).href);
  return entry.pieces;
}

describe('each Lambda function is composed with exactly the clients its grants allow', () => {
  const manifestAccess: Record<string, string> = policyManifestAccess;
  const tasks = [
    ...Object.values(noticeLifecycleWorkflow.tasks),
    ...(Object.entries(policyChangeWorkflow.tasks) as [string, WorkflowTask][]).map(
      ([placeholder, task]) => ({
        ...task,
        manifests: manifestAccess[placeholder] !== 'none',
      }),
    ),
  ];
  for (const task of tasks) {
    it(`${task.id}: email if it sends email, Step Functions if it answers task tokens, S3 if it reads manifests`, async () => {
      const pieces = await piecesOf(task);
      expect({
        email: 'email' in pieces,
        workflows: 'workflows' in pieces,
        manifests: 'manifests' in pieces,
        anchoring: 'anchoring' in pieces,
      }).toEqual({
        email: task.sendsEmail,
        workflows: task.answersTaskTokens,
        manifests: 'manifests' in task && task.manifests,
        anchoring: false,
      });
    });
  }

  it('a function asked for a client it was not composed with fails loudly, naming the piece', async () => {
    const deps = composeDependencies({}, environment);
    const email = {
      messageId: 'm-1',
      kind: 'notice' as const,
      changeId: 'change-1',
      to: [{ name: 'Pat', email: 'pat@partner.example' }],
      subject: 'Notice',
      text: 'Notice',
      html: '<p>Notice</p>',
      links: [],
    };
    await expect(async () => deps.mailer.send(email)).rejects.toThrow(NotComposed);
    await expect(async () => deps.acknowledgementLinkKeys()).rejects.toThrow(/email piece/);
    await expect(async () => deps.workflow.start('change-1')).rejects.toThrow(/workflows piece/);
    await expect(async () => deps.manifests.readJson('key')).rejects.toThrow(/manifests piece/);
    expect(() => deps.manifests.bucket).toThrow(/manifests piece/);
    await expect(async () => deps.digestSigner.sign(Buffer.from('x'))).rejects.toThrow(/anchoring piece/);
  });

  it('the HTTP API is composed with every piece: each asks for its setting, none is a stand-in', async () => {
    const deps = composeDependencies(allPieces, environment);
    expect(Object.keys(allPieces).sort()).toEqual(['anchoring', 'email', 'manifests', 'workflows']);
    expect(deps.manifests.bucket).toBe('');
    await expect(async () => deps.acknowledgementLinkKeys()).rejects.toThrow(MissingSetting);
    await expect(async () => deps.workflow.start('change-1')).rejects.toThrow(MissingSetting);
    await expect(async () => deps.digestSigner.keyId()).rejects.toThrow(MissingSetting);
  });
});
