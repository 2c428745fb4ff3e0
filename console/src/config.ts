import {
  type ConsoleConfig,
  consoleConfigPath,
  consoleConfigSchema,
} from '../../functions/config/console-config.ts';

/**
 * The runtime configuration, read once at start: the same built files run locally and in AWS, only
 * `/config.json` differs (written by the local server, or at deploy time by the CDK app).
 */
export async function loadConfig(): Promise<ConsoleConfig> {
  const response = await fetch(consoleConfigPath, { cache: 'no-store' });
  if (!response.ok) throw new Error(`${consoleConfigPath} answered ${response.status}`);
  const parsed = consoleConfigSchema.safeParse(await response.json());
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    throw new Error(
      `${consoleConfigPath} is invalid: ${issue?.path.join('.') || '(root)'} ${issue?.message}`,
    );
  }
  return parsed.data;
}
