import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

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
