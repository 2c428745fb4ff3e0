/** The fixed account and region of local ARNs (AWS's own emulators use the same account id). */
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '000000000000';

/** AWS's rule for execution names: 1–80 characters, no whitespace, brackets, wildcards or punctuation below. */
const NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/]{1,80}$/u;
const CONTROL = /\p{Cc}/u;

export function isValidName(name: string): boolean {
  return NAME.test(name) && !CONTROL.test(name);
}

export function stateMachineArn(stateMachineName: string): string {
  return `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${stateMachineName}`;
}

export function executionArn(stateMachineName: string, executionName: string): string {
  return `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:execution:${stateMachineName}:${executionName}`;
}

const EXECUTION_ARN = /^arn:aws:states:[a-z0-9-]+:\d{12}:execution:([^:]+):([^:]+)$/;
const STATE_MACHINE_ARN = /^arn:aws:states:[a-z0-9-]+:\d{12}:stateMachine:([^:]+)$/;

export function parseExecutionArn(arn: string): { stateMachineName: string; name: string } | undefined {
  const match = EXECUTION_ARN.exec(arn);
  return match ? { stateMachineName: match[1]!, name: match[2]! } : undefined;
}

export function parseStateMachineArn(arn: string): { name: string } | undefined {
  const match = STATE_MACHINE_ARN.exec(arn);
  return match ? { name: match[1]! } : undefined;
}
