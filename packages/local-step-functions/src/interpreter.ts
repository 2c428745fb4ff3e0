/**
 * The one entry point to aws-local-stepfunctions: installs the Node 20 polyfill first, and recovers the
 * interpreter's own `States.Timeout` error class (not exported) so a timeout raised on the virtual clock is
 * exactly what the interpreter raises itself — `States.TaskFailed` in a Retry/Catch must NOT match it.
 */
import './promise-with-resolvers.ts';
import { ExecutionAbortedError, ExecutionError, StateMachine } from 'aws-local-stepfunctions';

export type { RunOptions, StateMachineDefinition } from 'aws-local-stepfunctions';
export { ExecutionAbortedError, ExecutionError, StateMachine };

type ErrorClass = new () => Error;

let timeoutErrorClass: Promise<ErrorClass | undefined> | undefined;

/**
 * Runs a one-state machine whose task times out after 1 real millisecond and keeps the class of the error
 * it fails with. Resolves undefined (callers fall back to a plain Error named `States.Timeout`) if the
 * interpreter ever changes.
 */
function probeTimeoutErrorClass(): Promise<ErrorClass | undefined> {
  timeoutErrorClass ??= (async () => {
    const machine = new StateMachine(
      {
        StartAt: 'Probe',
        States: { Probe: { Type: 'Task', Resource: 'probe', TimeoutSeconds: 0.001, End: true } },
      },
      { validationOptions: { noValidate: true } },
    );
    let release: (() => void) | undefined;
    const pending = new Promise<null>((resolve) => {
      release = () => resolve(null);
    });
    try {
      await machine.run({}, { overrides: { taskResourceLocalHandlers: { Probe: () => pending } } }).result;
      return undefined;
    } catch (error) {
      const cause = (error as Error).cause;
      if (cause instanceof Error && cause.name === 'States.Timeout') {
        const errorClass = Object.getPrototypeOf(cause).constructor as ErrorClass;
        const sample = new errorClass();
        return sample.name === 'States.Timeout' ? errorClass : undefined;
      }
      return undefined;
    } finally {
      release?.();
    }
  })();
  return timeoutErrorClass;
}

/** A factory for `States.Timeout` errors the interpreter treats as its own. */
export async function statesTimeoutErrorFactory(): Promise<(message?: string) => Error> {
  const errorClass = await probeTimeoutErrorClass();
  return (message) => {
    const error = errorClass ? new errorClass() : Object.assign(new Error(), { name: 'States.Timeout' });
    error.message = message ?? 'States.Timeout';
    return error;
  };
}
