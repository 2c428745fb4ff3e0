import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { findFreePort } from '@pcn/dynamodb-local';

const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));

/** `npm start` as a real child process (node + tsx + cli/pcn.ts start), for restart tests. */
export interface RunningLocalProcess {
  baseUrl: string;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startLocalProcess(dataDir: string, port?: number): Promise<RunningLocalProcess> {
  const chosenPort = port ?? (await findFreePort());
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'cli/pcn.ts', 'start'], {
    cwd: repositoryRoot,
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(chosenPort), NODE_NO_WARNINGS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  await new Promise<void>((resolve, reject) => {
    const onData = () => {
      if (output.includes('is running locally')) {
        child.stdout?.off('data', onData);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`local system exited (${code}) before it was ready:\n${output}`)),
    );
  });
  return {
    baseUrl: `http://127.0.0.1:${chosenPort}`,
    output: () => output,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode !== null) return child.exitCode;
      child.kill(signal);
      const [code] = (await once(child, 'exit')) as [number | null];
      return code;
    },
  };
}
