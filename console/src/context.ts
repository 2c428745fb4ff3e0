import { createContext, useContext } from 'react';
import type { ConsoleConfig } from '../../functions/config/console-config.ts';
import type { Role } from '../../functions/config/roles.ts';
import type { ApiClient } from './api.ts';
import type { Session } from './session.ts';

export interface ConsoleContext {
  config: ConsoleConfig;
  session: Session;
  api: ApiClient;
  signOut(): void;
  /** The virtual clock's time in local mode (undefined in AWS, or before it is read). */
  clock: Date | undefined;
  /** Read the clock again (after an action that advanced it). */
  refreshClock(): void;
  /** Bumped whenever the clock moves: pages that show deadlines reload on it. */
  clockVersion: number;
}

export const Console = createContext<ConsoleContext | undefined>(undefined);

export function useConsole(): ConsoleContext {
  const value = useContext(Console);
  if (!value) throw new Error('useConsole outside the signed-in console');
  return value;
}

/** Whether the signed-in person holds one of these roles: what the console shows (the API still enforces). */
export function useCan(...roles: Role[]): boolean {
  return useConsole().session.roles.some((role) => roles.includes(role));
}
