import { type LocalSystem, type LocalSystemOptions, startLocalSystem } from '../../local/system.ts';
import { ApiClient } from './api-client.ts';

/** The instant every in-process end-to-end test starts at; time then moves only when a test advances it. */
export const TEST_SYSTEM_START = new Date('2026-11-23T09:00:00.000Z');

/** The whole local system in memory on a frozen virtual clock, a client for its HTTP API and a finance token. */
export async function startTestSystem(
  options: Pick<LocalSystemOptions, 'webhookUrl'> = {},
): Promise<{ system: LocalSystem; api: ApiClient; finance: string }> {
  const system = await startLocalSystem({ frozenAt: TEST_SYSTEM_START, ...options });
  const api = new ApiClient(system.baseUrl);
  return { system, api, finance: await api.token('finance', 'fiona') };
}
