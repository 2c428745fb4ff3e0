/**
 * `npm run test:reliability [-- --full] [vitest args]`: prepares the engines, then runs the reliability suite
 * (vitest.reliability.config.ts) at CI size, or at full size with --full.
 */
import { spawn } from 'node:child_process';

const args = process.argv.slice(2);
const full = args.includes('--full');
const rest = args.filter((arg) => arg !== '--full');
const env = { ...process.env, RELIABILITY_SIZE: full ? 'full' : 'ci' };

function run(command: string, commandArgs: readonly string[]): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(command, commandArgs, { stdio: 'inherit', env });
    child.once('error', fail);
    child.once('exit', (code, signal) => done(code ?? (signal ? 1 : 0)));
  });
}

console.log(`Reliability suite, ${full ? 'full' : 'CI'} size`);
const prepared = await run(process.execPath, ['--import', 'tsx', 'scripts/prepare-test-engines.ts']);
if (prepared !== 0) process.exit(prepared);
process.exit(
  await run(process.execPath, [
    'node_modules/vitest/vitest.mjs',
    'run',
    '--config',
    'vitest.reliability.config.ts',
    ...rest,
  ]),
);
