import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { BUILD_STAMP, consoleDir, consoleDistDir, consoleSourceHash } from './console-files.ts';

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
