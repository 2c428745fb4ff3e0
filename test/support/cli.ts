import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';
import type { LocalSystem } from '../../local/system.ts';
import type { ApiClient } from './api-client.ts';
import { startTestSystem } from './test-system.ts';

const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `pcn` as a person would (a process of its own, from the repository) against a running system's URL,
 * answering its exit code and output whether it succeeded or not. The buffer fits a whole exported directory.
 */
export async function runPcn(baseUrl: string, ...args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'cli/pcn.ts', ...args], {
      cwd: repositoryRoot,
      env: { ...process.env, PCN_URL: baseUrl, NODE_NO_WARNINGS: '1' },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as CliResult;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** Runs `pcn-verify-audit` (bin/pcn-verify-audit.mjs) as an auditor would: a process with no server URL. */
export async function runVerifier(...args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/pcn-verify-audit.mjs', ...args], {
      cwd: repositoryRoot,
      env: { PATH: process.env.PATH ?? '', NODE_NO_WARNINGS: '1' },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as CliResult;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/**
 * One local system and one scratch folder for a CLI test file (started before its tests, stopped and removed
 * after), and `pcn(...)` bound to that system.
 */
type TestSystem = Awaited<ReturnType<typeof startTestSystem>>;

export function cliTestSystem(dirPrefix: string) {
  let started: TestSystem | undefined;
  let scratch: string | undefined;
  beforeAll(async () => {
    started = await startTestSystem();
    scratch = await mkdtemp(join(tmpdir(), dirPrefix));
  }, 90_000);
  afterAll(async () => {
    await started?.system.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });
  const ready = (): TestSystem => {
    if (!started) throw new Error('The CLI test system is used before beforeAll started it');
    return started;
  };
  return {
    get system(): LocalSystem {
      return ready().system;
    },
    get api(): ApiClient {
      return ready().api;
    },
    get dir(): string {
      ready();
      return scratch!;
    },
    pcn: (...args: string[]): Promise<CliResult> => runPcn(ready().system.baseUrl, ...args),
  };
}
