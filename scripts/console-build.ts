import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { consoleDistDir } from '../local/console-files.ts';

const repositoryRoot = fileURLToPath(new URL('..', import.meta.url));
const consoleDir = join(repositoryRoot, 'console');

/** What the console's build is made from: its own sources and the shared code it bundles. */
const buildInputs = [
  join(consoleDir, 'src'),
  join(consoleDir, 'index.html'),
  join(consoleDir, 'vite.config.ts'),
  join(consoleDir, 'package.json'),
  fileURLToPath(new URL('../functions/config/', import.meta.url)),
  fileURLToPath(new URL('../functions/domain/', import.meta.url)),
];

function filesUnder(path: string): string[] {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return [];
  if (stat.isFile()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => filesUnder(join(path, name)));
}

/**
 * A hash of every input's path and content: the build is stale when it differs from the one stamped in the
 * build output. Contents, not times, because a checkout or a copy resets modification times.
 */
function consoleSourceHash(): string {
  const hash = createHash('sha256');
  for (const path of buildInputs.flatMap(filesUnder)) {
    hash.update(relative(repositoryRoot, path));
    hash.update('\0');
    hash.update(readFileSync(path));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** The hash of the sources a build was made from, written into the build output. */
const BUILD_STAMP = '.source-hash';

/**
 * Builds the console with Vite when its build is missing or older than its sources (`npm start`, `npm test`
 * and `npm run build:console` call this), so a fresh clone needs no extra step. Prints what it does.
 */
export async function ensureConsoleBuilt(
  log: (line: string) => void = console.log,
): Promise<'fresh' | 'built'> {
  const wanted = consoleSourceHash();
  const stamped = await readFile(join(consoleDistDir, BUILD_STAMP), 'utf8').catch(() => undefined);
  if (stamped === wanted) return 'fresh';
  const began = performance.now();
  log(
    stamped
      ? 'Console: sources changed, rebuilding with Vite…'
      : 'Console: building with Vite (first start)…',
  );
  // Vite's own command, found through its package.json (its exports do not expose the bin file itself).
  const vitePackage = createRequire(join(consoleDir, 'package.json')).resolve('vite/package.json');
  const vite = join(dirname(vitePackage), 'bin', 'vite.js');
  await new Promise<void>((done, fail) => {
    const child = spawn(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
      cwd: consoleDir,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.once('error', fail);
    child.once('exit', (code, signal) =>
      code === 0 ? done() : fail(new Error(`vite build failed (code ${code}, signal ${signal})`)),
    );
  });
  await writeFile(join(consoleDistDir, BUILD_STAMP), wanted);
  log(`Console: built in ${((performance.now() - began) / 1000).toFixed(1)} s`);
  return 'built';
}

// `npm run build:console`: the production build, skipped when it is already up to date.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if ((await ensureConsoleBuilt()) === 'fresh') console.log('Console: the build is up to date.');
}
