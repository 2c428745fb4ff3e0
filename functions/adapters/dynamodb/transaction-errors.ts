import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';

/** Indexes of the transaction items whose condition failed, or undefined if it was not a cancellation. */
export function failedConditionIndexes(error: unknown): number[] | undefined {
  if (!(error instanceof TransactionCanceledException)) return undefined;
  return (error.CancellationReasons ?? []).flatMap((reason, index) =>
    reason.Code === 'ConditionalCheckFailed' ? [index] : [],
  );
}

/** A guarded write lost to another writer: the caller reloads and decides again (that is how retries stay idempotent). */
export class ConditionNotMet extends Error {
  override readonly name = 'ConditionNotMet';
  constructor(
    message: string,
    readonly itemIndexes: number[],
  ) {
    super(message);
  }
}

/**
 * The one test for "a guarded write found the item not as it decided on": a single conditional write's
 * ConditionalCheckFailedException, or a transaction's ConditionNotMet on one of its own items.
 */
export function isConditionFailed(error: unknown): boolean {
  return (
    error instanceof ConditionNotMet ||
    (error instanceof Error && error.name === 'ConditionalCheckFailedException')
  );
}
