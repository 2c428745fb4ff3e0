/**
 * Records which DynamoDB actions, on which tables and indexes, each workflow task's code sends, while the
 * whole local system runs (local/system.ts, hooked through its `faults`): the evidence a function's
 * declared table access (functions/config/table-access.ts) is checked against. Each task handler runs in an
 * async context naming its task, and a middleware on the product's DynamoDB client attributes every request
 * (each item of a transaction or a batch on its own) to the task in whose context it was sent; requests sent
 * outside any task (the HTTP API, the start-up sweep, the event publisher) are attributed to OUTSIDE_TASKS.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { NoticeLifecycleTask, PolicyChangeTask } from '../../functions/config/workflows.ts';
import type { LocalTaskHandler } from '../../local/system.ts';

export const OUTSIDE_TASKS = '(outside any task)';

/** What one unit of code sent to one table: the IAM actions (dynamodb:GetItem …) and the indexes queried. */
export interface ObservedTableAccess {
  actions: Set<string>;
  indexes: Set<string>;
}

interface TableNamed {
  TableName?: string | undefined;
}
interface TransactWriteItem {
  Put?: TableNamed;
  Update?: TableNamed;
  Delete?: TableNamed;
  ConditionCheck?: TableNamed;
}

export class TableAccessRecorder {
  private readonly task = new AsyncLocalStorage<string>();
  /** unit (a task placeholder, or OUTSIDE_TASKS) → table name → what it sent. */
  readonly observed = new Map<string, Map<string, ObservedTableAccess>>();

  private record(table: string | undefined, action: string, index?: string): void {
    if (table === undefined) return;
    const unit = this.task.getStore() ?? OUTSIDE_TASKS;
    const tables = this.observed.get(unit) ?? new Map<string, ObservedTableAccess>();
    this.observed.set(unit, tables);
    const access = tables.get(table) ?? { actions: new Set<string>(), indexes: new Set<string>() };
    tables.set(table, access);
    access.actions.add(`dynamodb:${action}`);
    if (index !== undefined) access.indexes.add(index);
  }

  /** For `faults.dynamodb`: sees every request the product sends (never the emulators' own bookkeeping). */
  readonly dynamodb = (client: DynamoDBClient): void => {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const action = (context.commandName ?? '').replace(/Command$/, '');
        const input = args.input as Record<string, unknown>;
        if (action === 'TransactWriteItems') {
          // IAM authorizes each contained item by its own action (PutItem, UpdateItem, …).
          for (const item of (input.TransactItems ?? []) as TransactWriteItem[]) {
            if (item.Put) this.record(item.Put.TableName, 'PutItem');
            if (item.Update) this.record(item.Update.TableName, 'UpdateItem');
            if (item.Delete) this.record(item.Delete.TableName, 'DeleteItem');
            if (item.ConditionCheck) this.record(item.ConditionCheck.TableName, 'ConditionCheckItem');
          }
        } else if (action === 'TransactGetItems') {
          for (const item of (input.TransactItems ?? []) as { Get?: TableNamed }[]) {
            this.record(item.Get?.TableName, 'GetItem');
          }
        } else if (action === 'BatchGetItem' || action === 'BatchWriteItem') {
          for (const table of Object.keys((input.RequestItems ?? {}) as object)) this.record(table, action);
        } else {
          this.record(input.TableName as string | undefined, action, input.IndexName as string | undefined);
        }
        return next(args);
      },
      { step: 'initialize', name: 'tableAccessRecorder' },
    );
  };

  /** For `faults.task`: runs each task's handler in a context naming it (after `inner`, e.g. TaskFaults.wrap). */
  wrapTask(
    inner?: (task: NoticeLifecycleTask | PolicyChangeTask, handler: LocalTaskHandler) => LocalTaskHandler,
  ) {
    return (task: NoticeLifecycleTask | PolicyChangeTask, handler: LocalTaskHandler): LocalTaskHandler => {
      const wrapped = inner ? inner(task, handler) : handler;
      return (input) => this.task.run(task, () => wrapped(input));
    };
  }

  /** Runs `work` as `unit` (e.g. a scheduled handler the test calls itself): what it sends is recorded as that. */
  as<T>(unit: string, work: () => Promise<T>): Promise<T> {
    return this.task.run(unit, work);
  }

  /** What `unit` sent, table by table, as sorted lists (for readable test failures). */
  of(unit: string): Record<string, { actions: string[]; indexes: string[] }> {
    return Object.fromEntries(
      [...(this.observed.get(unit) ?? new Map<string, ObservedTableAccess>())]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([table, access]) => [
          table,
          { actions: [...access.actions].sort(), indexes: [...access.indexes].sort() },
        ]),
    );
  }
}
