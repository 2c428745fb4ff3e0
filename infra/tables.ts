import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import {
  auditTrailTable,
  deployedTables,
  type KeyAttribute,
  type TableDefinition,
} from '../functions/adapters/dynamodb/table-definitions.ts';
import {
  appendOnlyTables,
  type FunctionTableAccess,
  type TableGrant,
  tableActionsFor,
} from '../functions/config/table-access.ts';
import { dataKey, grantKeyUse } from './data-key.ts';
import { stageOf } from './operations.ts';

export { appendOnlyTables };

/** One deployed table together with the definition it was built from. */
export interface DeployedTable {
  definition: TableDefinition;
  table: dynamodb.TableV2;
}

function attribute(key: KeyAttribute): dynamodb.Attribute {
  return {
    name: key.name,
    type: key.type === 'N' ? dynamodb.AttributeType.NUMBER : dynamodb.AttributeType.STRING,
  };
}

/**
 * Builds every table of `deployedTables` (local-only tables are skipped by that list) from the one shared
 * definition, so the deployed tables and DynamoDB Local's can never drift apart. No physical names: the
 * generated name reaches the functions through each definition's `environmentVariable`.
 */
export class Tables extends Construct {
  readonly all: readonly DeployedTable[];
  /** The stack's data key (infra/data-key.ts): every table is encrypted with it. */
  readonly encryptionKey: kms.Key;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.encryptionKey = dataKey(this);
    const stage = stageOf(this);
    const retained = (definition: TableDefinition) =>
      stage === 'prod' || definition.logicalName === auditTrailTable.logicalName;
    this.all = deployedTables.map((definition) => ({
      definition,
      table: new dynamodb.TableV2(this, definition.logicalName, {
        partitionKey: attribute(definition.partitionKey),
        ...(definition.sortKey ? { sortKey: attribute(definition.sortKey) } : {}),
        globalSecondaryIndexes: (definition.globalSecondaryIndexes ?? []).map((index) => ({
          indexName: index.indexName,
          partitionKey: attribute(index.partitionKey),
          ...(index.sortKey ? { sortKey: attribute(index.sortKey) } : {}),
        })),
        ...(definition.timeToLiveAttribute ? { timeToLiveAttribute: definition.timeToLiveAttribute } : {}),
        ...(definition.stream === 'NEW_IMAGE' ? { dynamoStream: dynamodb.StreamViewType.NEW_IMAGE } : {}),
        billing: dynamodb.Billing.onDemand(),
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        // The data key, set on the table's one replica below: TableEncryptionV2.customerManagedKey refuses a
        // region-agnostic stack (it must name each replica's region). The top-level SSESpecification is the same
        // (SSE with KMS) either way.
        encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
        // RETAIN keeps a table when the stack is deleted; deletion protection also refuses a DeleteTable
        // from anyone (console, CLI, a script), until it is deliberately turned off. Above all for the audit
        // trail, the evidence the signed digests (infra/audit-anchoring.ts) vouch for, kept whatever the stage;
        // in prod (the default stage, infra/operations.ts) as much for the rest of the stack's data. Only a
        // stack asked for as dev may delete its other tables with it.
        ...(retained(definition)
          ? { removalPolicy: RemovalPolicy.RETAIN, deletionProtection: true }
          : { removalPolicy: RemovalPolicy.DESTROY, deletionProtection: false }),
      }),
    }));
    for (const { table } of this.all) {
      (table.node.defaultChild as dynamodb.CfnGlobalTable).addPropertyOverride(
        'Replicas.0.SSESpecification.KMSMasterKeyId',
        this.encryptionKey.keyArn,
      );
    }
  }

  /** The deployed table built from `definition`. */
  tableOf(definition: TableDefinition): dynamodb.TableV2 {
    const found = this.all.find((deployed) => deployed.definition === definition);
    if (!found) throw new Error(`Table ${definition.logicalName} is not deployed`);
    return found.table;
  }

  /** `{ [environmentVariable]: tableName }` for every deployed table. */
  environment(): Record<string, string> {
    return Object.fromEntries(
      this.all.map(({ definition, table }) => [definition.environmentVariable, table.tableName]),
    );
  }

  /**
   * Read-only: dynamodb:Query on one table and the named indexes of it (each must be one of its definition's),
   * nothing else, for a function that only lists (the audit sealer: the `heads` index); and decryption with
   * the tables' key.
   */
  grantQuery(grantee: iam.IGrantable, definition: TableDefinition, indexNames: readonly string[]): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:Query'],
      resourceArns: this.arnsOf(definition, indexNames),
    });
    grantKeyUse(this.encryptionKey, grantee, 'read');
  }

  /**
   * What one function's declaration (functions/config/table-access.ts) says it needs: per table its actions
   * (tableActionsFor: reads, writes, deletes except on the append-only tables, a scan only where declared) on
   * the table and on each index it names, never `index/*`; nothing on a table it does not list. Tables with
   * the same actions share one statement, to keep the role's policy small. With them the key: decrypt for
   * reads, encrypt too where it writes.
   */
  grantDeclared(grantee: iam.IGrantable, access: FunctionTableAccess): void {
    const byActions = new Map<string, { actions: string[]; resources: string[] }>();
    for (const [name, grant] of Object.entries(access) as [string, TableGrant][]) {
      const definition = this.definitionNamed(name);
      const actions = tableActionsFor(name, grant);
      const key = actions.join(' ');
      const statement = byActions.get(key) ?? { actions, resources: [] };
      byActions.set(key, statement);
      statement.resources.push(...this.arnsOf(definition, grant.indexes ?? []));
    }
    for (const { actions, resources } of byActions.values()) {
      iam.Grant.addToPrincipal({ grantee, actions, resourceArns: resources });
    }
    const grants = Object.values(access) as TableGrant[];
    if (grants.length > 0) {
      const writes = grants.some((grant) => grant.access === 'readWrite');
      grantKeyUse(this.encryptionKey, grantee, writes ? 'readWrite' : 'read');
    }
  }

  private definitionNamed(logicalName: string): TableDefinition {
    const found = this.all.find(({ definition }) => definition.logicalName === logicalName);
    if (!found) throw new Error(`Table ${logicalName} is not deployed`);
    return found.definition;
  }

  /** The table's ARN and its named indexes' (each must be one of its definition's). */
  private arnsOf(definition: TableDefinition, indexNames: readonly string[]): string[] {
    const table = this.tableOf(definition);
    const known = (definition.globalSecondaryIndexes ?? []).map((index) => index.indexName);
    for (const name of indexNames) {
      if (!known.includes(name)) throw new Error(`Table ${definition.logicalName} has no index ${name}`);
    }
    return [table.tableArn, ...indexNames.map((name) => `${table.tableArn}/index/${name}`)];
  }
}
