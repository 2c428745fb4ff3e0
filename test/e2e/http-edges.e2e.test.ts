import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleConfigSchema } from '../../functions/config/console-config.ts';
import { localConsoleConfig } from '../../local/console-files.ts';
import { createLocalHttpServer } from '../../local/http-server.ts';
import type { LocalSystem } from '../../local/system.ts';
import type { ApiClient } from '../support/api-client.ts';
import { startTestSystem } from '../support/test-system.ts';

/** How the local server and the router answer at the edges: not ready yet, malformed paths, wrong methods. */
describe('before the system is ready', () => {
  it('answers 503 with Retry-After (never a confusing 404 for a partner not seeded yet), then serves', async () => {
    let ready = false;
    const server = createLocalHttpServer({
      api: () =>
        ready
          ? async () => ({
              statusCode: 200,
              headers: { 'content-type': 'application/json' },
              body: '{"ok":true}',
            })
          : undefined,
      devRoutes: async () => undefined,
      tokenSecret: 'secret',
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/partners`;
    try {
      const starting = await fetch(url);
      expect(starting.status).toBe(503);
      expect(starting.headers.get('retry-after')).toBe('1');
      expect(await starting.json()).toMatchObject({ error: 'starting' });
      ready = true;
      expect((await fetch(url)).status).toBe(200);
    } finally {
      server.close();
    }
  });
});

describe('the router at its edges', () => {
  let system: LocalSystem;
  let api: ApiClient;
  let finance: string;

  beforeAll(async () => {
    ({ system, api, finance } = await startTestSystem());
  }, 90_000);

  afterAll(async () => {
    await system?.stop();
  });

  it('serves the console at / and at any page path, its config unchanged by deploys, the developer index at /dev', async () => {
    for (const path of ['/', '/changes/chg_x', '/partners']) {
      const page = await fetch(`${system.baseUrl}${path}`);
      expect(page.status, path).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(page.headers.get('cache-control'), path).toBe('no-cache');
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(await page.text()).toContain('<div id="root">');
    }
    const missingAsset = await fetch(`${system.baseUrl}/assets/no-such-chunk.js`);
    expect(missingAsset.status).toBe(404);
    const outside = await fetch(`${system.baseUrl}/..%2f..%2fpackage.json`);
    expect(outside.status).toBe(404);
    const config = await fetch(`${system.baseUrl}/config.json`);
    expect(consoleConfigSchema.parse(await config.json())).toEqual(localConsoleConfig);
    for (const path of ['/dev', '/dev/']) {
      const index = await api.request('GET', path);
      expect(index.status, path).toBe(200);
      expect(index.text).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
      expect(index.text).toContain('href="/dev/outbox"');
    }
  });

  it('refuses a malformed percent-encoding in a path with 400 naming the parameter, on the API and on the pages', async () => {
    const partner = await api.request<{ fields: { field: string; reason: string }[] }>(
      'GET',
      '/api/partners/%ZZ',
      {
        token: finance,
      },
    );
    expect(partner.status).toBe(400);
    expect(partner.body.fields).toEqual([{ field: 'partnerId', reason: 'has a malformed percent-encoding' }]);
    const page = await api.request('GET', '/notices/%ZZ?token=x');
    expect(page.status).toBe(403);
    expect(page.headers.get('content-type')).toContain('text/html');
  });

  it('answers a wrong method 405 with Allow, a JSON type and the security headers; HEAD on a page like GET without a body', async () => {
    const wrong = await api.request('DELETE', '/api/commission-changes', { token: finance });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST, GET, HEAD');
    expect(wrong.headers.get('content-type')).toContain('application/json');
    expect(wrong.headers.get('x-content-type-options')).toBe('nosniff');
    const head = await api.request('HEAD', '/openapi.json');
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
  });

  it('refuses a body over the limit with 413, on the API and on the partner’s form', async () => {
    const big = { rationale: 'x'.repeat(70_000) };
    const api413 = await api.request<{ error: string }>('POST', '/api/commission-changes', {
      token: finance,
      json: big,
    });
    expect(api413.status).toBe(413);
    expect(api413.body.error).toBe('body-too-large');
    const form = await api.request('POST', '/notices/chg_x-v1/concern', {
      form: { token: 't', comment: 'y'.repeat(70_000) },
    });
    expect(form.status).toBe(413);
    expect(form.text).toContain('Your message is too long');
  });
});
