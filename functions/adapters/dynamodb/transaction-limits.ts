/** DynamoDB's limits on one TransactWriteItems request (the same on AWS and in DynamoDB Local). */

/** Items of one TransactWriteItems request. */
export const MAX_TRANSACTION_ITEMS = 100;
/** The request's total item size is at most 4 MB: packing stays under 3 MB by a JSON-length estimate. */
export const MAX_TRANSACTION_BYTES = 3 * 1024 * 1024;
