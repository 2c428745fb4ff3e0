import { execFileSync } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import { lazyHandler, observabilityFor } from '../../functions/dependencies.ts';

/**
 * Lambda's metrics and tracer are loaded by lazyHandler on a function's first invocation (functions/dependencies.ts):
 * the X-Ray SDK under Powertools Tracer enables an async hook as it loads, which slows every await of the process,
 * so nothing that the tests and the local system import may load it.
 */
describe('the Lambda observability, loaded on first invocation', () => {
  it('is not loaded by importing the local system, the handler modules or the Lambda composition', () => {
    const script = `
      import { createRequire } from 'node:module';
      await import('./local/system.ts');
      await import('./functions/handlers/workflow-task-handlers.ts');
      await import('./functions/handlers/publish-events.ts');
      await import('./functions/handlers/http-api.ts');
      await import('./functions/composition/all.ts');
      const loaded = Object.keys(createRequire(import.meta.url).cache);
      console.log(JSON.stringify(loaded.filter((path) => path.includes('aws-xray-sdk-core')).length));`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
    });
    expect(JSON.parse(out.trim().split('\n').at(-1)!)).toBe(0);
  }, 60_000);

  it('composes untraced and uncounted outside an invocation, with Powertools once a handler has run, and flushes its counts', async () => {
    const client = { send: () => undefined };
    expect(observabilityFor('test').traced(client)).toBe(client);
    const written: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const handler = lazyHandler(() => async (count: number) => {
        observabilityFor('test').metrics.count('NoticesSent', count);
        return count;
      });
      expect(await handler(2)).toBe(2);
    } finally {
      spy.mockRestore();
    }
    const emf = written.map((line) => line.trim()).filter((line) => line.includes('"NoticesSent"'));
    expect(emf).toHaveLength(1);
    expect(JSON.parse(emf[0]!).NoticesSent).toBe(2);
  });
});
