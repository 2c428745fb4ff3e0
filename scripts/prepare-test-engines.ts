/**
 * Makes sure the engines the tests need are on this machine before vitest starts (`npm test` runs this
 * first): DynamoDB Local (fetched once into `.cache/`), Chromium for the browser tests, and the console's
 * build (the browser tests drive it).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dynamoDbLocalDir, ensureDynamoDbLocal } from '@pcn/dynamodb-local';
import { ensureConsoleBuilt } from './console-build.ts';

const CHROMIUM = '/usr/bin/chromium';

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}

function run(command: string, args: readonly string[]): Promise<void> {
  return new Promise((done, fail) => {
    console.log(`$ ${command} ${args.join(' ')}`);
    const child = spawn(command, args, {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    child.once('error', fail);
    child.once('exit', (code, signal) =>
      code === 0
        ? done()
        : fail(new Error(`${command} ${args.join(' ')} failed (code ${code}, signal ${signal})`)),
    );
  });
}

async function prepareDynamoDbLocal(): Promise<void> {
  const started = performance.now();
  const present = existsSync(`${dynamoDbLocalDir}/DynamoDBLocal.jar`);
  const dir = await ensureDynamoDbLocal();
  console.log(
    `DynamoDB Local: ${present ? 'found' : 'downloaded, verified and unpacked'} at ${dir} (${seconds(started)})`,
  );
}

async function prepareChromium(): Promise<void> {
  const started = performance.now();
  if (existsSync(CHROMIUM)) {
    console.log(`Chromium: found at ${CHROMIUM} (${seconds(started)})`);
    return;
  }
  if (process.getuid?.() !== 0) {
    console.log(
      `Chromium: MISSING at ${CHROMIUM} and not running as root, so not installed. ` +
        'Install it with `sudo apt-get install -y chromium`; the browser tests will fail without it.',
    );
    return;
  }
  // Wait for the dpkg lock instead of failing when another apt-get runs at the same moment.
  const lockTimeout = ['-o', 'DPkg::Lock::Timeout=300'];
  await run('apt-get', [...lockTimeout, 'update']);
  await run('apt-get', [...lockTimeout, 'install', '-y', '--no-install-recommends', 'chromium']);
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get install chromium succeeded but ${CHROMIUM} is missing`);
  console.log(`Chromium: installed at ${CHROMIUM} with apt-get (${seconds(started)})`);
}

try {
  await prepareDynamoDbLocal();
  await prepareChromium();
  await ensureConsoleBuilt();
} catch (error) {
  console.error(`prepare-test-engines failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
