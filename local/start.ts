import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureConsoleBuilt } from '../scripts/console-build.ts';
import { startLocalSystem } from './system.ts';

const repositoryRoot = fileURLToPath(new URL('..', import.meta.url));

/** Where a running `npm start` tells `pcn` its URL (the data folder, or `.data/` when data is in memory). */
export function serverFilePath(environment: NodeJS.ProcessEnv = process.env): string {
  const dataDir =
    environment.DATA_DIR && environment.DATA_DIR !== ':memory:' ? environment.DATA_DIR : '.data';
  return resolve(repositoryRoot, dataDir, 'server.json');
}

export interface ServerAnnouncement {
  baseUrl: string;
  pid: number;
  startedAt: string;
}

/** How often `npm start` seals the audit heads into a signed digest (AWS: hourly, infra/). */
const AUDIT_SEAL_EVERY_MS = 60_000;

/** `npm start`: the whole system locally, announced on the terminal and in the server file, until Ctrl+C. */
export async function startLocal(): Promise<void> {
  const dataDir = process.env.DATA_DIR === ':memory:' ? undefined : (process.env.DATA_DIR ?? '.data');
  const began = performance.now();
  console.log('Starting Partner Change Notice (local mode)…');
  await ensureConsoleBuilt();
  const system = await startLocalSystem({
    ...(dataDir ? { dataDir: resolve(repositoryRoot, dataDir) } : {}),
    port: Number(process.env.PORT ?? 3000),
    longLived: true,
    auditSealEveryMs: AUDIT_SEAL_EVERY_MS,
  });
  const serverFile = serverFilePath();
  const announcement: ServerAnnouncement = {
    baseUrl: system.baseUrl,
    pid: process.pid,
    startedAt: new Date().toISOString(),
  };
  await mkdir(dirname(serverFile), { recursive: true });
  await writeFile(serverFile, `${JSON.stringify(announcement)}\n`);
  const seconds = ((performance.now() - began) / 1000).toFixed(1);
  const pcn = 'npm run pcn --';
  console.log(`
Partner Change Notice is running locally (started in ${seconds} s).

  Console            ${system.baseUrl}/           (sign in as any seeded person)
  HTTP API           ${system.baseUrl}/api        (OpenAPI: ${system.baseUrl}/openapi.json)
  Developer pages    ${system.baseUrl}/dev        (links to the outbox, the clock and the API)
  Outbox (emails)    ${system.baseUrl}/dev/outbox (JSON; open it in a browser for a page)
  Virtual clock      ${system.baseUrl}/dev/clock  now ${system.clock.now().toISOString()}
  Event log          ${system.baseUrl}/dev/events (webhook: ${system.webhookUrl ?? 'none; set PCN_WEBHOOK_URL to a loopback URL'})
  DynamoDB Local     ${system.dynamodbEndpoint}
  Step Functions     ${system.stepFunctionsEndpoint} (local ASL interpreter)
  Data               ${dataDir ? join(dataDir) : 'in memory (nothing is kept)'}
  Resumed            ${system.resumed.executions} in-flight workflow(s)

Try it (the CLI finds this server through ${serverFile}):
  ${pcn} partners
  ${pcn} submit examples/commission-cut.yaml          # a cut for Northwind, 32 days ahead
  ${pcn} approve <changeId> --comment "Numbers check out."
  then open ${system.baseUrl}/dev/outbox, follow the notice link, acknowledge, and
  ${pcn} clock advance --days 32
  ${pcn} show <changeId>

Stop with Ctrl+C (in-flight changes resume at the next start).`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    await system.stop();
    await rm(serverFile, { force: true });
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
