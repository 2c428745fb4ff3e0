import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { consoleDistDir } from '../local/console-files.ts';
import { ensureConsoleBuilt } from '../scripts/console-build.ts';

export interface BundleFigures {
  /** What the browser must fetch before the first screen: the entry script and its preloaded imports. */
  initialJsGzipKb: number;
  initialCssGzipKb: number;
  /** The same measure for a page that only renders an empty React root: what React itself costs. */
  reactFloorJsGzipKb: number;
  /** Each page's own chunk, loaded when the page is first opened. */
  pageChunksGzipKb: Record<string, number>;
}

const kb = (bytes: number) => Math.round((bytes / 1024) * 10) / 10;

async function gzipSizeOf(dir: string, path: string): Promise<number> {
  return gzipSync(await readFile(join(dir, path.replace(/^\//, '')))).length;
}

/** The scripts and styles an index.html makes the browser load at once. */
async function initialAssets(dir: string): Promise<{ js: string[]; css: string[] }> {
  const html = await readFile(join(dir, 'index.html'), 'utf8');
  const attribute = (pattern: RegExp) => [...html.matchAll(pattern)].map((match) => match[1] ?? '');
  return {
    js: [
      ...attribute(/<script[^>]*type="module"[^>]*src="([^"]+)"/g),
      ...attribute(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g),
    ],
    css: attribute(/<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"/g),
  };
}

/** Where a package of the console's resolves (the temporary folder has no node_modules of its own). */
function packageDir(name: string): string {
  return dirname(createRequire(join(consoleDistDir, '..', 'package.json')).resolve(`${name}/package.json`));
}

/** An empty React root built by the same Vite, the same way: the floor under the console's first load. */
async function reactFloor(): Promise<number> {
  const { build } = await import('vite');
  const dir = await mkdtemp(join(tmpdir(), 'pcn-react-floor-'));
  try {
    await writeFile(
      join(dir, 'index.html'),
      '<!doctype html><div id="root"></div><script type="module" src="/main.js"></script>',
    );
    await writeFile(
      join(dir, 'main.js'),
      "import { createElement } from 'react';\nimport { createRoot } from 'react-dom/client';\ncreateRoot(document.getElementById('root')).render(createElement('p', null, 'floor'));\n",
    );
    await build({
      root: dir,
      logLevel: 'silent',
      configFile: false,
      // React is resolved from the console's own dependencies.
      resolve: { alias: { react: packageDir('react'), 'react-dom': packageDir('react-dom') } },
      build: { outDir: join(dir, 'dist') },
    });
    const { js } = await initialAssets(join(dir, 'dist'));
    let total = 0;
    for (const path of js) total += await gzipSizeOf(join(dir, 'dist'), path);
    return total;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const pages = ['sign-in', 'inbox', 'changes', 'change-detail', 'submit-change', 'partners', 'partner-detail'];

export async function measureConsoleBundle(): Promise<BundleFigures> {
  await ensureConsoleBuilt(() => undefined);
  const { js, css } = await initialAssets(consoleDistDir);
  let initialJs = 0;
  for (const path of js) initialJs += await gzipSizeOf(consoleDistDir, path);
  let initialCss = 0;
  for (const path of css) initialCss += await gzipSizeOf(consoleDistDir, path);
  const assets = await readdir(join(consoleDistDir, 'assets'));
  const pageChunksGzipKb: Record<string, number> = {};
  for (const page of pages) {
    const chunk = assets.find(
      (name) => name.endsWith('.js') && basename(name).replace(/-[\w-]{8}\.js$/, '') === page,
    );
    if (chunk) pageChunksGzipKb[page] = kb(await gzipSizeOf(consoleDistDir, `assets/${chunk}`));
  }
  return {
    initialJsGzipKb: kb(initialJs),
    initialCssGzipKb: kb(initialCss),
    reactFloorJsGzipKb: kb(await reactFloor()),
    pageChunksGzipKb,
  };
}
