import { parseArgs } from 'node:util';
import { startLocalSystem } from './system.ts';

/**
 * `npm start` (start) and the local helper commands:
 *   npm run pcn -- clock                    show the virtual clock
 *   npm run pcn -- clock advance --days 30  move it forward (workflows catch up before it returns)
 *   npm run pcn -- token --user fiona --role finance
 * The helper commands talk to a running `npm start` on PORT (default 3000).
 */
const usage = `usage: pcn start | clock [advance --days N --hours N] | token --user NAME --role finance|approver|partner-manager|compliance`;

function serverUrl(): string {
  return process.env.PCN_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;
}

async function call(method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${serverUrl()}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  }).catch((error: Error) => {
    throw new Error(
      `Cannot reach the local system at ${serverUrl()} (is \`npm start\` running?): ${error.message}`,
    );
  });
  const payload = (await response.json()) as unknown;
  if (!response.ok) throw new Error(`${response.status}: ${JSON.stringify(payload)}`);
  return payload;
}

async function start(): Promise<void> {
  const dataDir = process.env.DATA_DIR === ':memory:' ? undefined : (process.env.DATA_DIR ?? '.data');
  const began = performance.now();
  console.log('Starting Partner Change Notice (local mode)…');
  const system = await startLocalSystem({
    ...(dataDir ? { dataDir } : {}),
    port: Number(process.env.PORT ?? 3000),
  });
  const seconds = ((performance.now() - began) / 1000).toFixed(1);
  console.log(`
Partner Change Notice is running locally (started in ${seconds} s).

  HTTP API           ${system.baseUrl}            (OpenAPI: ${system.baseUrl}/openapi.json)
  Outbox (emails)    ${system.baseUrl}/dev/outbox (JSON; open it in a browser for a page)
  Virtual clock      ${system.baseUrl}/dev/clock  now ${system.clock.now().toISOString()}
  DynamoDB Local     ${system.dynamodbEndpoint}
  Step Functions     ${system.stepFunctionsEndpoint} (local ASL interpreter)
  Data               ${dataDir ?? 'in memory (nothing is kept)'}
  Resumed            ${system.resumed.executions} in-flight workflow(s)

Try it:
  TOKEN=$(curl -s -X POST ${system.baseUrl}/dev/token -d '{"user":"fiona","role":"finance"}' | sed 's/.*"token":"\\([^"]*\\)".*/\\1/')
  curl -s -H "Authorization: Bearer $TOKEN" ${system.baseUrl}/api/partners
  curl -s -X POST -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' ${system.baseUrl}/api/commission-changes \\
    -d '{"partnerId":"northwind-resellers","currentRatePct":12,"newRatePct":11,"effectiveDate":"YYYY-MM-DD (30+ days ahead)","rationale":"…"}'
  then open ${system.baseUrl}/dev/outbox, follow the notice link, acknowledge, and
  npm run pcn -- clock advance --days 31

Stop with Ctrl+C (in-flight changes resume at the next start).`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    await system.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      days: { type: 'string' },
      hours: { type: 'string' },
      user: { type: 'string' },
      role: { type: 'string' },
    },
  });
  switch (command) {
    case 'start':
      return start();
    case 'clock': {
      if (positionals[0] === 'advance') {
        const body = {
          ...(values.days ? { days: Number(values.days) } : {}),
          ...(values.hours ? { hours: Number(values.hours) } : {}),
        };
        console.log(JSON.stringify(await call('POST', '/dev/clock/advance', body)));
      } else {
        console.log(JSON.stringify(await call('GET', '/dev/clock')));
      }
      return;
    }
    case 'token':
      console.log(JSON.stringify(await call('POST', '/dev/token', { user: values.user, role: values.role })));
      return;
    default:
      console.error(usage);
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
