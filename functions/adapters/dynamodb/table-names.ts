import {
  auditTrailTable,
  changesTable,
  eventsTable,
  localOutboxTable,
  partnersTable,
  rateScheduleTable,
  staffTable,
  type TableDefinition,
  trustLedgerTable,
  trustScoresTable,
} from './table-definitions.ts';

/** The deployed tables' names, as handlers find them in their environment. */
export interface TableNames {
  partners: string;
  staff: string;
  changes: string;
  rateSchedule: string;
  trustLedger: string;
  /** One materialized trust summary per partner. */
  trustScores: string;
  auditTrail: string;
  /** The public events' outbox and log. */
  events: string;
  /** Only in local mode: the email outbox standing in for SES. */
  localOutbox?: string;
}

function required(environment: Record<string, string | undefined>, table: TableDefinition): string {
  const name = environment[table.environmentVariable];
  if (!name)
    throw new Error(
      `Environment variable ${table.environmentVariable} (table ${table.logicalName}) is not set`,
    );
  return name;
}

export function tableNamesFromEnvironment(environment: Record<string, string | undefined>): TableNames {
  const localOutbox = environment[localOutboxTable.environmentVariable];
  return {
    partners: required(environment, partnersTable),
    staff: required(environment, staffTable),
    changes: required(environment, changesTable),
    rateSchedule: required(environment, rateScheduleTable),
    trustLedger: required(environment, trustLedgerTable),
    trustScores: required(environment, trustScoresTable),
    auditTrail: required(environment, auditTrailTable),
    events: required(environment, eventsTable),
    ...(localOutbox ? { localOutbox } : {}),
  };
}
