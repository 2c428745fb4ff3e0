/**
 * Makes sure the engines the tests need are on this machine before vitest starts (`npm test` runs this
 * first): DynamoDB Local (fetched once into `.cache/`), Chromium for the browser tests, poppler-utils
 * (pdftoppm and pdftotext: the evidence pack's PDF is checked by rendering it), and the console's build (the
 * browser tests drive it).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dynamoDbLocalDir, ensureDynamoDbLocal } from '@pcn/dynamodb-local';
import { ensureConsoleBuilt } from './console-build.ts';

const CHROMIUM = '/usr/bin/chromium';
const PDFTOPPM = '/usr/bin/pdftoppm';

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

/** Chromium and poppler-utils from Debian, in one apt-get run for whichever is missing. */
async function prepareDebianPackages(): Promise<void> {
  const started = performance.now();
  const wanted = [
    { name: 'Chromium', pkg: 'chromium', path: CHROMIUM, for: 'the browser tests' },
    { name: 'pdftoppm', pkg: 'poppler-utils', path: PDFTOPPM, for: 'the evidence PDF tests' },
  ];
  const missing = wanted.filter((item) => !existsSync(item.path));
  for (const item of wanted.filter((candidate) => !missing.includes(candidate)))
    console.log(`${item.name}: found at ${item.path} (${seconds(started)})`);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    for (const item of missing)
      console.log(
        `${item.name}: MISSING at ${item.path} and not running as root, so not installed. ` +
          `Install it with \`sudo apt-get install -y --no-install-recommends ${item.pkg}\`; ${item.for} will fail without it.`,
      );
    return;
  }
  // Wait for the dpkg lock instead of failing when another apt-get runs at the same moment.
  const lockTimeout = ['-o', 'DPkg::Lock::Timeout=300'];
  await run('apt-get', [...lockTimeout, 'update']);
  await run('apt-get', [
    ...lockTimeout,
    'install',
    '-y',
    '--no-install-recommends',
    ...missing.map((item) => item.pkg),
  ]);
  for (const item of missing) {
    if (!existsSync(item.path))
      throw new Error(`apt-get install ${item.pkg} succeeded but ${item.path} is missing`);
    console.log(`${item.name}: installed at ${item.path} with apt-get (${seconds(started)})`);
  }
}

try {
  await prepareDynamoDbLocal();
  await prepareDebianPackages();
  await ensureConsoleBuilt();
} catch (error) {
  console.error(`prepare-test-engines failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
