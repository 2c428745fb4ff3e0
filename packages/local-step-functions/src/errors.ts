/**
 * Errors of two kinds: API errors the endpoint returns as HTTP 400 `{"__type": name, "message"}` (their
 * `name` is AWS's error code, which the SDK surfaces as `error.name`), and errors raised inside an
 * execution, whose `name` is what a state's Retry/Catch `ErrorEquals` matches.
 */

/** An error of the Step Functions API, named exactly as AWS names it (e.g. `TaskDoesNotExist`). */
export class SfnApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
    this.name = code;
  }
}

export const apiErrors = {
  validation: (message: string) => new SfnApiError('ValidationException', message),
  invalidArn: (message: string) => new SfnApiError('InvalidArn', message),
  invalidName: (message: string) => new SfnApiError('InvalidName', message),
  invalidExecutionInput: (message: string) => new SfnApiError('InvalidExecutionInput', message),
  invalidOutput: (message: string) => new SfnApiError('InvalidOutput', message),
  invalidToken: (message: string) => new SfnApiError('InvalidToken', message),
  stateMachineDoesNotExist: (arn: string) =>
    new SfnApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`),
  executionDoesNotExist: (arn: string) =>
    new SfnApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`),
  executionAlreadyExists: (arn: string) =>
    new SfnApiError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`),
  taskDoesNotExist: () => new SfnApiError('TaskDoesNotExist', 'Task Does Not Exist'),
  taskTimedOut: () => new SfnApiError('TaskTimedOut', 'Task Timed Out'),
  unknownOperation: (target: string) =>
    new SfnApiError('UnknownOperationException', `Unknown operation: ${target || '(no X-Amz-Target)'}`),
};

/** A named error raised inside an execution (Retry/Catch match `name`; the message becomes the Cause). */
export function taskError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/**
 * `States.Runtime`-like errors: the interpreter neither retries nor catches an error whose
 * `isRetryable`/`isCatchable` are false, as AWS treats States.Runtime.
 */
export function runtimeError(message: string): Error {
  return Object.assign(taskError('States.Runtime', message), { isRetryable: false, isCatchable: false });
}

/**
 * Raised into a task of an execution that was stopped or abandoned, so the interpreter settles (and
 * clears its own timers) without calling any further handler.
 */
export function abandonedError(): Error {
  return Object.assign(taskError('Local.ExecutionAbandoned', 'The execution was stopped'), {
    isRetryable: false,
    isCatchable: false,
  });
}

/** What a Lambda function's failure looks like to Step Functions: Error = errorType, Cause = JSON. */
export function lambdaStyleError(thrown: unknown): Error {
  if (thrown instanceof Error) {
    const errorType = thrown.name || 'Error';
    const cause = JSON.stringify({
      errorType,
      errorMessage: thrown.message,
      trace: (thrown.stack ?? '').split('\n'),
    });
    return taskError(errorType, cause);
  }
  return taskError('Error', JSON.stringify({ errorType: 'Error', errorMessage: String(thrown), trace: [] }));
}
