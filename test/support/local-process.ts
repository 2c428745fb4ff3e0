import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { diesWithParent, findFreePort } from '@pcn/dynamodb-local';

const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));

/** `npm start` as a real child process (node + tsx + cli/pcn.ts start), for restart and kill tests. */
export interface RunningLocalProcess {
  baseUrl: string;
  output: () => string;
  /** Its DynamoDB Local's endpoint, as its start banner (local/start.ts) announces it. */
  dynamodbEndpoint(): string;
  /** Sends a signal to the process (SIGTERM: a clean stop) and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** SIGKILLs its whole process group (DynamoDB Local included) at once, as a crash or an OOM kill would. */
  killGroup(): Promise<void>;
}

/**
 * Starts the local system in its own process group (so the group can be killed at once) and, like DynamoDB
 * Local, tied to this process's life: a test runner that dies takes it along.
 */
export async function startLocalProcess(
  dataDir: string,
  port?: number,
  environment: Record<string, string> = {},
): Promise<RunningLocalProcess> {
  // A free port can be taken by another process before ours binds it (parallel test files): try another.
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startOnce(dataDir, port ?? (await findFreePort()), environment);
    } catch (error) {
      const taken = error instanceof Error && error.message.includes('EADDRINUSE');
      if (!taken || port !== undefined || attempt >= PORT_ATTEMPTS) throw error;
    }
  }
}

/** How many free ports to try before giving up; a lost race is rare, three in a row would mean a real problem. */
const PORT_ATTEMPTS = 3;

async function startOnce(
  dataDir: string,
  chosenPort: number,
  environment: Record<string, string>,
): Promise<RunningLocalProcess> {
  const [command, args] = diesWithParent(process.execPath, ['--import', 'tsx', 'cli/pcn.ts', 'start']);
  const child: ChildProcess = spawn(command, args, {
    cwd: repositoryRoot,
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: String(chosenPort),
      NODE_NO_WARNINGS: '1',
      ...environment,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((done) => {
    child.once('exit', (code) => done(code));
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
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    baseUrl: `http://127.0.0.1:${chosenPort}`,
    output: () => output,
    dynamodbEndpoint: () => {
      // Read when asked: the banner's readiness line may have arrived in an earlier chunk than this one.
      const endpoint = /DynamoDB Local\s+(http\S+)/.exec(output)?.[1];
      if (!endpoint) throw new Error(`no DynamoDB Local endpoint in the start banner:\n${output}`);
      return endpoint;
    },
    stop: async (signal = 'SIGTERM') => {
      if (!alive()) return child.exitCode;
      child.kill(signal);
      return exited;
    },
    killGroup: async () => {
      if (!alive() || child.pid === undefined) return;
      process.kill(-child.pid, 'SIGKILL');
      await exited;
    },
  };
}
