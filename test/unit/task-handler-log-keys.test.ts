/**
 * The workflow task wrapper (functions/handlers/task-input.ts) sets each call's log keys, its change and the
 * workflow's correlation id, and resets them first: a warm Lambda never logs one execution's id on the next.
 * Checked on a real Powertools Logger, through a formatter that keeps what each line would have carried.
 */
import { LogFormatter, Logger, LogItem } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Dependencies } from '../../functions/dependencies.ts';
import { taskHandler } from '../../functions/handlers/task-input.ts';

class KeptLines extends LogFormatter {
  readonly lines: LogAttributes[] = [];

  formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const item = new LogItem({ attributes: { message: attributes.message } }).addAttributes(additional);
    this.lines.push(item.getAttributes());
    return item;
  }
}

function wrappedTask() {
  const kept = new KeptLines();
  const logger = new Logger({ serviceName: 'test', logFormatter: kept, logLevel: 'INFO' });
  const deps = { logger } as unknown as Dependencies;
  const task = taskHandler(deps, z.object({ changeId: z.string() }), async (deps, { changeId }) => {
    deps.logger.info('step', { step: changeId });
    return changeId;
  });
  return { kept, task };
}

describe('the workflow task wrapper', () => {
  it('logs the correlation id the execution passes, with the change', async () => {
    const { kept, task } = wrappedTask();
    await task({ changeId: 'chg_1', correlationId: 'chg_1-retry-1' });
    expect(kept.lines[0]).toMatchObject({ changeId: 'chg_1', correlation_id: 'chg_1-retry-1' });
  });

  it('resets the keys per invocation: a call without a correlation id never logs the previous one', async () => {
    const { kept, task } = wrappedTask();
    await task({ changeId: 'chg_1', correlationId: 'chg_1' });
    await task({ changeId: 'chg_2' });
    expect(kept.lines[1]).toMatchObject({ changeId: 'chg_2' });
    expect(kept.lines[1]).not.toHaveProperty('correlation_id');
    await task({ changeId: 'chg_3', correlationId: 'chg_3' });
    expect(kept.lines[2]).toMatchObject({ changeId: 'chg_3', correlation_id: 'chg_3' });
  });
});
