import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Poppler's tools (Debian's poppler-utils), installed by `scripts/prepare-test-engines.ts`. */
export const PDFTOPPM_PATH = '/usr/bin/pdftoppm';
export const PDFTOTEXT_PATH = '/usr/bin/pdftotext';

/**
 * A missing poppler is a failure with the fix in its message, never a silent skip: a green run must mean the
 * PDF was really rendered by a PDF reader.
 */
function requirePoppler(): void {
  for (const path of [PDFTOPPM_PATH, PDFTOTEXT_PATH]) {
    if (!existsSync(path))
      throw new Error(
        `${path} is missing, so the PDF cannot be rendered to check it. ` +
          'Run `npm test` once (its scripts/prepare-test-engines.ts installs poppler-utils with apt-get when run as root), ' +
          'or install it yourself with `sudo apt-get install -y --no-install-recommends poppler-utils`.',
      );
  }
}

export interface RenderedPdf {
  /** One PNG per page, in page order, with its size in bytes. */
  pages: { path: string; bytes: number }[];
  /** The text a reader extracts (pdftotext, in reading order). */
  text: string;
}

/**
 * Renders a PDF as a reader would: every page to PNG with pdftoppm (which fails on a malformed file) and its
 * text with pdftotext. The PNGs go to `outDir` (a fresh temporary folder when not given).
 */
export async function renderPdf(pdf: Uint8Array | string, outDir?: string): Promise<RenderedPdf> {
  requirePoppler();
  const dir = outDir ?? (await mkdtemp(join(tmpdir(), 'pcn-pdf-')));
  await mkdir(dir, { recursive: true });
  let path: string;
  if (typeof pdf === 'string') path = pdf;
  else {
    path = join(dir, 'document.pdf');
    await writeFile(path, pdf);
  }
  await run(PDFTOPPM_PATH, ['-png', '-r', '60', path, join(dir, 'page')]);
  const names = (await readdir(dir)).filter((name) => /^page-\d+\.png$/.test(name));
  names.sort((a, b) => Number(/\d+/.exec(a)![0]) - Number(/\d+/.exec(b)![0]));
  const pages = await Promise.all(
    names.map(async (name) => ({ path: join(dir, name), bytes: (await stat(join(dir, name))).size })),
  );
  const { stdout } = await run(PDFTOTEXT_PATH, ['-layout', path, '-'], { maxBuffer: 16 * 1024 * 1024 });
  return { pages, text: stdout };
}

/** Removes a folder renderPdf made. */
export const removeRendered = (dir: string) => rm(dir, { recursive: true, force: true });
