import { readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { consoleBuildCommand, consoleDistDir as consoleDistPath } from '../functions/config/console-build.ts';
import type { ConsoleConfig } from '../functions/config/console-config.ts';
import { consoleConfigPath } from '../functions/config/console-config.ts';
import type { HttpResponse } from '../functions/http/responses.ts';

const repositoryRoot = fileURLToPath(new URL('..', import.meta.url));
/** The console's build output, served here and uploaded by the CDK app. */
export const consoleDistDir = join(repositoryRoot, consoleDistPath);

/** Paths the console never answers: the API, the partner's pages, the dev routes and the API description. */
const notConsole = [
  /^\/api(\/|$)/,
  /^\/notices(\/|$)/,
  /^\/policy-notices(\/|$)/,
  /^\/dev(\/|$)/,
  /^\/openapi\.json$/,
];

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ico': 'image/x-icon',
};

/**
 * The same security headers CloudFront adds in AWS. Styles may be inline because Cloudscape sets style
 * attributes at run time; no inline script is ever allowed. The console shows the partner's notice page in a
 * sandboxed srcdoc frame, which inherits this policy.
 */
export const consoleSecurityHeaders = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-src 'self'; frame-ancestors 'none'; object-src 'none'; base-uri 'self'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'strict-origin-when-cross-origin',
} as const;

/** Whether the console answers this request (a read of a path that is not the API's, the pages' or dev's). */
export function isConsoleRequest(method: string, path: string): boolean {
  return (method === 'GET' || method === 'HEAD') && !notConsole.some((pattern) => pattern.test(path));
}

/** Local mode's config.json: the API on the same origin, the dev sign-in. */
export const localConsoleConfig: ConsoleConfig = {
  environment: 'local',
  apiBaseUrl: '',
  auth: { mode: 'dev' },
};

function file(path: string): Buffer | undefined {
  try {
    return statSync(path).isFile() ? readFileSync(path) : undefined;
  } catch {
    return undefined;
  }
}

function respond(status: number, type: string, body: Buffer | string, cache: string): HttpResponse {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  return {
    statusCode: status,
    headers: { 'content-type': type, 'cache-control': cache, ...consoleSecurityHeaders },
    body: bytes.toString('base64'),
    isBase64Encoded: true,
  };
}

const notBuilt = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Console not built</title></head><body style="font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem"><h1>The console is not built</h1><p>Run <code>${consoleBuildCommand}</code> (or restart with <code>npm start</code>, which builds it when needed), then reload. The API, the outbox (<a href="/dev/outbox">/dev/outbox</a>) and the partners' pages work without it.</p></body></html>`;

/**
 * Serves the built console like the S3 bucket and CloudFront do in AWS: hashed assets cached for a year,
 * index.html and config.json never cached, any other page path answered with index.html (the app routes it),
 * a missing asset a real 404. Undefined for paths that are not the console's.
 */
export function serveConsole(
  method: string,
  path: string,
  distDir = consoleDistDir,
): HttpResponse | undefined {
  if (method !== 'GET' && method !== 'HEAD') return undefined;
  if (notConsole.some((pattern) => pattern.test(path))) return undefined;
  if (path === consoleConfigPath) {
    return respond(200, contentTypes['.json']!, JSON.stringify(localConsoleConfig), 'no-store');
  }
  const index = file(join(distDir, 'index.html'));
  if (!index) return respond(503, contentTypes['.html']!, notBuilt, 'no-store');
  const extension = extname(path);
  if (!extension) return respond(200, contentTypes['.html']!, index, 'no-cache');
  const resolved = normalize(join(distDir, decodeURIComponentSafe(path)));
  const inside = resolved.startsWith(distDir.endsWith(sep) ? distDir : `${distDir}${sep}`);
  const body = inside ? file(resolved) : undefined;
  if (!body) {
    // Worded like the API's refusals, so a client (or the fuzzer) reads the same kind of reason everywhere.
    const reason = { error: 'not-found', message: `The console has no file ${path}.` };
    return respond(404, contentTypes['.json']!, JSON.stringify(reason), 'no-store');
  }
  const immutable = path.startsWith('/assets/');
  return respond(
    200,
    contentTypes[extension] ?? 'application/octet-stream',
    body,
    immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  );
}

function decodeURIComponentSafe(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
