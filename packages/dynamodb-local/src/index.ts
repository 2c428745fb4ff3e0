/**
 * DynamoDB Local (AWS's emulator) for the local runtime and the tests.
 *
 * The emulator ships inside the npm package `amplify-dynamodb-simulator`. That package is NOT a dependency
 * (it drags hundreds of packages and an old aws-cdk-lib/typescript along): only its tarball is fetched, once,
 * verified against the registry's integrity and unpacked into `<cache>/dynamodb-local/<version>/`, where
 * `<cache>` is DYNAMODB_LOCAL_CACHE if set, else the git-ignored `.cache/` at the root of the repository this
 * package lives in (so `npm start`, the tests and CI share one download, wherever they run from).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DynamoDBClient, type DynamoDBClientConfig, ListTablesCommand } from '@aws-sdk/client-dynamodb';

const execFileAsync = promisify(execFile);

export const DYNAMODB_LOCAL_PACKAGE = 'amplify-dynamodb-simulator';
export const DYNAMODB_LOCAL_PACKAGE_VERSION = '2.9.30';

/** The repository root: this file is packages/dynamodb-local/src/index.ts. */
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const cacheRoot = join(process.env.DYNAMODB_LOCAL_CACHE ?? join(repoRoot, '.cache'), 'dynamodb-local');
/** The emulator folder itself: `DynamoDBLocal.jar` + `DynamoDBLocal_lib/`. */
export const dynamoDbLocalDir = join(cacheRoot, DYNAMODB_LOCAL_PACKAGE_VERSION);
const lockPath = join(cacheRoot, `${DYNAMODB_LOCAL_PACKAGE_VERSION}.lock`);
const TEMP_PREFIX = '.tmp-';

const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 3_000;
const LOCK_WAIT_MS = 5 * 60_000;

function isInstalled(dir = dynamoDbLocalDir): boolean {
  return existsSync(join(dir, 'DynamoDBLocal.jar')) && existsSync(join(dir, 'DynamoDBLocal_lib'));
}

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM';
  }
}

/**
 * Returns the emulator folder, downloading it on first use. Safe to call from several processes at once: a
 * lock file keeps them from downloading twice, and since the folder only ever appears through an atomic
 * rename of a complete extraction, even a lost lock (stale-lock races, a killed process) cannot leave a
 * half-extracted folder behind — the loser of a rename race just finds the folder complete.
 */
export async function ensureDynamoDbLocal(): Promise<string> {
  if (isInstalled()) return dynamoDbLocalDir;
  await mkdir(cacheRoot, { recursive: true });
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    if (await tryAcquireLock()) {
      try {
        if (!isInstalled()) await install();
        return dynamoDbLocalDir;
      } finally {
        await rm(lockPath, { force: true });
      }
    }
    if (isInstalled()) return dynamoDbLocalDir;
    if (await isLockStale()) {
      await rm(lockPath, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out waiting for ${lockPath} (another process downloading DynamoDB Local?)`);
    }
    await sleep(250);
  }
}

async function tryAcquireLock(): Promise<boolean> {
  try {
    const handle = await open(lockPath, 'wx');
    try {
      await handle.writeFile(String(process.pid));
    } finally {
      await handle.close();
    }
    return true;
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw error;
  }
}

async function isLockStale(): Promise<boolean> {
  try {
    const pid = Number.parseInt(await readFile(lockPath, 'utf8'), 10);
    if (Number.isInteger(pid) && pid > 0) return !isProcessAlive(pid);
    // Created but its pid not yet written (or garbage): only stale once old.
    return Date.now() - (await stat(lockPath)).mtimeMs > 60_000;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false; // released meanwhile: retry acquiring
    throw error;
  }
}

async function removeAbandonedTempDirs(): Promise<void> {
  for (const name of await readdir(cacheRoot)) {
    if (!name.startsWith(TEMP_PREFIX)) continue;
    const pid = Number.parseInt(name.slice(TEMP_PREFIX.length), 10);
    if (Number.isInteger(pid) && pid !== process.pid && !isProcessAlive(pid)) {
      await rm(join(cacheRoot, name), { recursive: true, force: true });
    }
  }
}

async function sha512Integrity(file: string): Promise<string> {
  const hash = createHash('sha512');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return `sha512-${hash.digest('base64')}`;
}

async function install(): Promise<void> {
  await removeAbandonedTempDirs();
  // Same filesystem as the destination, so the final rename is atomic.
  const temp = join(cacheRoot, `${TEMP_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(temp, { recursive: true });
  try {
    const spec = `${DYNAMODB_LOCAL_PACKAGE}@${DYNAMODB_LOCAL_PACKAGE_VERSION}`;
    const [viewed] = await Promise.all([
      execFileAsync('npm', ['view', spec, 'dist.integrity'], { cwd: repoRoot }),
      execFileAsync('npm', ['pack', spec, '--pack-destination', temp], {
        cwd: repoRoot,
        maxBuffer: 16 << 20,
      }),
    ]);
    const expected = viewed.stdout.trim();
    if (!expected.startsWith('sha512-')) {
      throw new Error(
        `npm view ${spec} dist.integrity returned no sha512 integrity: ${JSON.stringify(expected)}`,
      );
    }
    const tarball = (await readdir(temp)).find((name) => name.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack ${spec} produced no tarball in ${temp}`);
    const actual = await sha512Integrity(join(temp, tarball));
    if (actual !== expected) {
      throw new Error(`Integrity mismatch for ${spec}: registry says ${expected}, downloaded ${actual}`);
    }
    const extracted = join(temp, 'extracted');
    await mkdir(extracted);
    await execFileAsync('tar', ['-xzf', join(temp, tarball), '-C', extracted, 'package/emulator']);
    const emulator = join(extracted, 'package', 'emulator');
    if (!isInstalled(emulator)) {
      throw new Error(`${spec} has no emulator/DynamoDBLocal.jar + DynamoDBLocal_lib`);
    }
    await moveIntoPlace(emulator);
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

async function moveIntoPlace(emulator: string): Promise<void> {
  try {
    await rename(emulator, dynamoDbLocalDir);
  } catch (error) {
    const code = errorCode(error);
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
    if (isInstalled()) return; // another process won the race with a complete copy
    // A folder without the jar (manual tampering): move it aside, then retry once.
    const broken = `${dynamoDbLocalDir}.broken-${process.pid}-${randomBytes(4).toString('hex')}`;
    await rename(dynamoDbLocalDir, broken);
    await rm(broken, { recursive: true, force: true });
    await rename(emulator, dynamoDbLocalDir);
  }
}

/** Client configuration for DynamoDB Local. With `-sharedDb` credentials and region don't partition data. */
export function localDynamoDbClientConfig(endpoint: string) {
  return {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  } satisfies DynamoDBClientConfig;
}

export interface DynamoDbLocalOptions {
  /** Persist tables here (`-sharedDb -dbPath`); in memory when omitted. */
  dataDir?: string;
  /** Fixed port; a free loopback port when omitted. */
  port?: number;
  /**
   * Let the JVM compile hot code with its optimizing compiler (C2) too. By default the engine stops at the
   * quick compiler (C1): it starts sooner and spends less CPU compiling, which suits the tests' many short-
   * lived engines on two cores. A long-lived engine (`npm start`, the bench) writes about 1.4× faster once
   * warm with C2 (measured 2026-12-03 on the directory import: 172 → 245 rows/s).
   */
  optimizingCompiler?: boolean;
}

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  /** The JVM's process id. */
  pid: number;
  stop(): Promise<void>;
}

/** Asks the OS for a free loopback port (there is a small window before java binds it; see the retry below). */
export function findFreePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolvePort(port) : reject(new Error('Could not find a free port'))));
    });
  });
}

const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Never leave an orphan JVM behind (only synchronous work is possible in an 'exit' listener).
  process.on('exit', () => {
    for (const child of liveChildren) child.kill('SIGTERM');
  });
}

/**
 * The exit hook above cannot run when this process is SIGKILLed (a killed `npm start`, a test runner torn
 * down): then the JVM would live on, holding its port and data folder. On Linux, `setpriv --pdeathsig KILL`
 * (util-linux) asks the kernel to kill the JVM when its parent dies; it execs java, so the pid is the JVM's.
 * Elsewhere the exit hook is all there is.
 */
const SETPRIV = '/usr/bin/setpriv';
export function diesWithParent(command: string, args: readonly string[]): [string, string[]] {
  if (process.platform === 'linux' && existsSync(SETPRIV))
    return [SETPRIV, ['--pdeathsig', 'KILL', '--', command, ...args]];
  return [command, [...args]];
}

const BIND_FAILURE = /Failed to bind|BindException|Address already in use/i;

/**
 * Fails fast when the port is taken. DynamoDB Local binds 0.0.0.0 (it has no host option), so check there:
 * otherwise another server on the port (say, a second emulator) could answer our readiness probe.
 */
function assertPortFree(port: number): Promise<void> {
  return new Promise((done, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (error) =>
      reject(
        new EngineStartError(
          `Port ${port} is not free for DynamoDB Local: ${error.message}`,
          errorCode(error) === 'EADDRINUSE',
        ),
      ),
    );
    server.listen(port, '0.0.0.0', () => server.close(() => done()));
  });
}

class EngineStartError extends Error {
  constructor(
    message: string,
    readonly portInUse: boolean,
  ) {
    super(message);
    this.name = 'EngineStartError';
  }
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const emulatorDir = await ensureDynamoDbLocal();
  const dataDir = options.dataDir === undefined ? undefined : resolve(options.dataDir);
  if (dataDir) await mkdir(dataDir, { recursive: true });
  // A port chosen by us may be taken in the window before java binds it: then try another one.
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await findFreePort());
    try {
      return await launch(emulatorDir, port, dataDir, options.optimizingCompiler ?? false);
    } catch (error) {
      if (
        !(error instanceof EngineStartError && error.portInUse && options.port === undefined && attempt < 3)
      ) {
        throw error;
      }
    }
  }
}

async function launch(
  emulatorDir: string,
  port: number,
  dataDir: string | undefined,
  optimizingCompiler: boolean,
): Promise<DynamoDbLocal> {
  await assertPortFree(port);
  const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  const args = [
    ...(optimizingCompiler ? [] : ['-XX:TieredStopAtLevel=1']),
    `-Djava.library.path=${join(emulatorDir, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(emulatorDir, 'DynamoDBLocal.jar'),
    '-disableTelemetry',
    '-port',
    String(port),
    ...(dataDir ? ['-sharedDb', '-dbPath', dataDir] : ['-inMemory']),
  ];
  const [command, commandArgs] = diesWithParent(java, args);
  const child = spawn(command, commandArgs, { cwd: emulatorDir, stdio: ['ignore', 'pipe', 'pipe'] });
  liveChildren.add(child);
  installExitHook();

  let output = '';
  const keepTail = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4_000);
  };
  child.stdout?.on('data', keepTail);
  child.stderr?.on('data', keepTail);
  const tail = () => (output.trim() ? `\n--- java output (tail) ---\n${output.trim()}` : '');

  const exited = new Promise<void>((done) => {
    if (child.exitCode !== null || child.signalCode !== null) done();
    child.once('exit', () => done());
    child.once('error', () => done()); // spawn failure: no 'exit' may follow
  });
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });
  exited.then(() => liveChildren.delete(child));

  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && !spawnError) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    await exited;
  };

  const client = new DynamoDBClient({
    ...localDynamoDbClientConfig(endpoint),
    maxAttempts: 1,
    // Without throwOnRequestTimeout a request timeout only logs a warning and the request hangs on.
    requestHandler: { connectionTimeout: 500, requestTimeout: 2_000, throwOnRequestTimeout: true },
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  try {
    let lastError: unknown;
    for (;;) {
      if (spawnError) {
        throw new EngineStartError(
          `Could not start ${java} for DynamoDB Local: ${spawnError.message}`,
          false,
        );
      }
      // The JVM does not exit when the port is taken (the main thread dies, other threads live on).
      if (BIND_FAILURE.test(output)) {
        throw new EngineStartError(`DynamoDB Local could not bind port ${port}${tail()}`, true);
      }
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new EngineStartError(
          `DynamoDB Local exited during start-up (code ${child.exitCode}, signal ${child.signalCode}) on port ${port}${tail()}`,
          BIND_FAILURE.test(output),
        );
      }
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        if (!BIND_FAILURE.test(output)) return { endpoint, port, pid: child.pid ?? 0, stop };
        continue; // answered by whoever holds the port: reported at the top of the loop
      } catch (error) {
        lastError = error;
      }
      if (Date.now() > deadline) {
        const reason =
          lastError instanceof Error ? `${lastError.name}: ${lastError.message}` : String(lastError);
        throw new EngineStartError(
          `DynamoDB Local not ready on ${endpoint} after ${READY_TIMEOUT_MS / 1000} s (last error: ${reason})${tail()}`,
          false,
        );
      }
      await sleep(100);
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.destroy();
  }
}
