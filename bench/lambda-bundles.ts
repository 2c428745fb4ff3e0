/**
 * The Lambda functions' cold start: each handler entry bundled exactly as CDK bundles it (lambdaBundling and
 * esbuildOptionsOf in infra/functions.ts), beside a minimal handler built the same way in the same run
 * (bench/fixtures/floor-handler.ts: one DynamoDB GetCommand through the bundled SDK), the floor; and beside a
 * second one, the same handler with the libraries the house asks every function to carry (zod, Powertools
 * Logger, Metrics and Tracer: bench/fixtures/house-floor-handler.ts), to tell a handler's own weight from theirs.
 *
 * - Size: the minified bundle (index.mjs), without its source map (a separate file Lambda never loads unless
 *   --enable-source-maps asks for it).
 * - Cold import: the median, over fresh `node` processes, of the time the `import()` of the bundle takes,
 *   measured inside the child (performance.now() before and after), so Node's own start-up, the same for
 *   every bundle, is left out. Measured with NODE_OPTIONS=--enable-source-maps as the functions run
 *   (infra/functions.ts), and without, for what the source map costs at import. The runs go round the
 *   bundles in turn, so the machine's load falls on all of them alike.
 * - What dominates each bundle: esbuild's metafile, bytes in the output by package (or app folder).
 *
 * `node --import tsx bench/lambda-bundles.ts [--runs N] [--root DIR] [--json]` prints the table alone (DIR: a
 * directory holding another commit's functions/, e.g. from `git archive`, for a before/after in the same
 * node_modules); `npm run bench` includes it.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { esbuildOptionsOf, repoRoot } from '../infra/functions.ts';

/** The target of the production issue: every handler within this factor of the floor, in size and import time. */
export const TARGET_FLOOR_FACTOR = 1.3;

export interface BundleFigure {
  name: string;
  entry: string;
  sizeKb: number;
  mapKb: number;
  /** Median import() time, ms, with --enable-source-maps (as deployed) and without. */
  importMs: number;
  importMsWithoutSourceMaps: number;
  /** The largest contributors to the bundle, kB in the output. */
  largest: { source: string; kb: number }[];
}

export interface LambdaBundleFigures {
  runs: number;
  floor: BundleFigure;
  /** The floor with zod and Powertools Logger, Metrics and Tracer. */
  houseFloor: BundleFigure;
  functions: BundleFigure[];
}

const kb = (bytes: number) => Math.round((bytes / 1024) * 10) / 10;

/** Every Lambda entry: the handler files that export `handler` (each is one function in infra/). */
export function lambdaEntries(root = repoRoot): string[] {
  const dir = join(root, 'functions/handlers');
  return readdirSync(dir)
    .filter((file) => file.endsWith('.ts'))
    .filter((file) =>
      /^export (const|async function|function) handler\b/m.test(readFileSync(join(dir, file), 'utf8')),
    )
    .map((file) => relative(repoRoot, join(dir, file)))
    .sort();
}

/** A package (node_modules/@scope/name) or the app's folder (functions/adapters) an input belongs to. */
function sourceOf(input: string): string {
  const modules = input.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const parts = input.slice(modules + 'node_modules/'.length).split('/');
    return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? input);
  }
  return input.split('/').slice(0, 2).join('/');
}

function largestSources(metafile: Metafile, count = 5): { source: string; kb: number }[] {
  const bytes = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const source = sourceOf(input);
      bytes.set(source, (bytes.get(source) ?? 0) + bytesInOutput);
    }
  }
  return [...bytes]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([source, size]) => ({ source, kb: kb(size) }));
}

interface Built {
  name: string;
  entry: string;
  file: string;
  sizeKb: number;
  mapKb: number;
  largest: { source: string; kb: number }[];
}

async function bundle(entry: string, outDir: string): Promise<Built> {
  const name = basename(entry, '.ts');
  // index.mjs, as NodejsFunction names an ESM bundle.
  const file = join(outDir, name, 'index.mjs');
  const result = await build({
    ...esbuildOptionsOf(),
    entryPoints: [join(repoRoot, entry)],
    outfile: file,
    absWorkingDir: repoRoot,
    metafile: true,
    logLevel: 'error',
  });
  return {
    name,
    entry,
    file,
    sizeKb: kb((await stat(file)).size),
    mapKb: kb((await stat(`${file}.map`)).size),
    largest: largestSources(result.metafile ?? { inputs: {}, outputs: {} }),
  };
}

/** One fresh `node` importing the bundle: the import() call's own time, ms, measured inside the child. */
function importOnce(file: string, sourceMaps: boolean): Promise<number> {
  const script =
    'const began = performance.now(); await import(process.argv[1]); process.stdout.write(String(performance.now() - began));';
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, pathToFileURL(file).href], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, NODE_OPTIONS: sourceMaps ? '--enable-source-maps' : '' },
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      const ms = Number(out.trim());
      if (code !== 0 || !Number.isFinite(ms)) reject(new Error(`importing ${file} exited ${code}`));
      else resolveRun(ms);
    });
  });
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

export async function measureLambdaBundles(options: {
  runs: number;
  /** Where the handler entries are (a checkout of another commit's functions/, for a before/after); the repository by default. */
  root?: string;
  onProgress?: (label: string, done: number, total: number) => void;
}): Promise<LambdaBundleFigures> {
  const { runs, onProgress = () => undefined } = options;
  const outDir = await mkdtemp(join(tmpdir(), 'pcn-lambda-bundles-'));
  try {
    const entries = [
      'bench/fixtures/floor-handler.ts',
      'bench/fixtures/house-floor-handler.ts',
      ...lambdaEntries(options.root),
    ];
    const built: Built[] = [];
    for (const entry of entries) {
      built.push(await bundle(entry, outDir));
      onProgress('bundled', built.length, entries.length);
    }
    const times = new Map<string, { withMaps: number[]; without: number[] }>(
      built.map((bundle) => [bundle.file, { withMaps: [], without: [] }]),
    );
    const total = runs * built.length * 2;
    let done = 0;
    for (let run = 0; run < runs; run++) {
      for (const { file } of built) {
        const figure = times.get(file)!;
        figure.withMaps.push(await importOnce(file, true));
        figure.without.push(await importOnce(file, false));
        done += 2;
        onProgress('cold imports', done, total);
      }
    }
    const figures = built.map(({ file, ...rest }): BundleFigure => {
      const figure = times.get(file)!;
      return {
        ...rest,
        importMs: median(figure.withMaps),
        importMsWithoutSourceMaps: median(figure.without),
      };
    });
    return { runs, floor: figures[0]!, houseFloor: figures[1]!, functions: figures.slice(2) };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

type Row = [string, string, string, string, string];

/** The rows of the bench's table: each function's size and import time beside the floor's, and the verdicts. */
export function lambdaBundleRows(
  figures: LambdaBundleFigures,
  fixed: (value: number) => string,
  before: (path: string) => string,
): Row[] {
  const { floor, houseFloor } = figures;
  const verdict = (ratio: number) => `× ${ratio.toFixed(2)}${ratio <= TARGET_FLOOR_FACTOR ? '' : ' NOT met'}`;
  const worst = (pick: (figure: BundleFigure) => number) =>
    Math.max(...figures.functions.map((figure) => pick(figure) / pick(floor)));
  const worstSize = worst((figure) => figure.sizeKb);
  const worstImport = worst((figure) => figure.importMs);
  return [
    [
      'Lambda bundles, kB (without map) / cold import, ms',
      `${fixed(floor.sizeKb)} / ${fixed(floor.importMs)}`,
      `floor: a bundled-SDK GetCommand handler; median of ${figures.runs} fresh node, --enable-source-maps`,
      `target ≤ × ${TARGET_FLOOR_FACTOR} both: ${worstSize <= TARGET_FLOOR_FACTOR && worstImport <= TARGET_FLOOR_FACTOR ? 'met' : 'NOT met'} (worst × ${worstSize.toFixed(2)} size, × ${worstImport.toFixed(2)} import)`,
      previousPair(before, 'lambdaBundles.floor'),
    ],
    [
      '  floor with zod and Powertools Logger, Metrics, Tracer',
      `${fixed(houseFloor.sizeKb)} / ${fixed(houseFloor.importMs)}`,
      `× ${(houseFloor.sizeKb / floor.sizeKb).toFixed(2)} size, × ${(houseFloor.importMs / floor.importMs).toFixed(2)} import of the floor`,
      '',
      previousPair(before, 'lambdaBundles.houseFloor'),
    ],
    [
      '  floor without --enable-source-maps, ms',
      fixed(floor.importMsWithoutSourceMaps),
      `map ${fixed(floor.mapKb)} kB`,
      '',
      before('lambdaBundles.floor.importMsWithoutSourceMaps'),
    ],
    ...figures.functions.map((figure, index): Row => {
      const sizeRatio = figure.sizeKb / floor.sizeKb;
      const importRatio = figure.importMs / floor.importMs;
      return [
        `  ${figure.name}`,
        `${fixed(figure.sizeKb)} / ${fixed(figure.importMs)}`,
        `× ${(figure.sizeKb / houseFloor.sizeKb).toFixed(2)} / × ${(figure.importMs / houseFloor.importMs).toFixed(2)} of the second floor; ${fixed(figure.importMsWithoutSourceMaps)} ms without maps`,
        `size ${verdict(sizeRatio)}, import ${verdict(importRatio)}`,
        previousPair(before, `lambdaBundles.functions.${index}`),
      ];
    }),
  ];
}

function previousPair(before: (path: string) => string, path: string): string {
  const size = before(`${path}.sizeKb`);
  return size ? `${size} / ${before(`${path}.importMs`)}` : '';
}

/** The largest contributors of each bundle, one line each: what a smaller bundle would have to cut. */
export function largestLines(figures: LambdaBundleFigures): string[] {
  return [figures.floor, figures.houseFloor, ...figures.functions].map(
    (figure) =>
      `  ${figure.name}: ${figure.largest.map((largest) => `${largest.source} ${largest.kb}`).join(', ')}`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const runsIndex = process.argv.indexOf('--runs');
  const runs = runsIndex >= 0 ? Number(process.argv[runsIndex + 1]) : 11;
  const rootIndex = process.argv.indexOf('--root');
  const figures = await measureLambdaBundles({
    runs,
    ...(rootIndex >= 0 ? { root: resolve(process.argv[rootIndex + 1] ?? '.') } : {}),
    onProgress: (label, done, total) => {
      if (!process.stderr.isTTY) return;
      process.stderr.write(`\r  ${label} ${done}/${total}   `);
      if (done === total) process.stderr.write('\r\x1b[2K');
    },
  });
  const fixed = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(1));
  for (const row of lambdaBundleRows(figures, fixed, () => '')) console.log(row.slice(0, 4).join(' | '));
  console.log('\nLargest contributors, kB in the bundle:');
  for (const line of largestLines(figures)) console.log(line);
  if (process.argv.includes('--json')) console.log(JSON.stringify(figures));
}
