import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  auditTrailTable,
  deployedTables,
  type KeyAttribute,
  type TableDefinition,
  trustLedgerTable,
} from '../functions/adapters/dynamodb/table-definitions.ts';
import { stageOf } from './operations.ts';

/**
 * Tables whose items are never deleted: nobody gets DeleteItem/BatchWriteItem on them. The trust ledger is
 * one of them: its entries are immutable and the materialized scores are their sums.
 */
export const appendOnlyTables: ReadonlySet<string> = new Set([
  auditTrailTable.logicalName,
  trustLedgerTable.logicalName,
]);

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

  constructor(scope: Construct, id: string) {
    super(scope, id);
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
   * nothing else, for a function that only lists (the audit sealer: the `heads` index).
   */
  grantQuery(grantee: iam.IGrantable, definition: TableDefinition, indexNames: readonly string[]): void {
    const table = this.tableOf(definition);
    const known = (definition.globalSecondaryIndexes ?? []).map((index) => index.indexName);
    for (const name of indexNames) {
      if (!known.includes(name)) throw new Error(`Table ${definition.logicalName} has no index ${name}`);
    }
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:Query'],
      resourceArns: [table.tableArn, ...indexNames.map((name) => `${table.tableArn}/index/${name}`)],
    });
  }

  /**
   * Skeleton policy: every function gets read/write on every table (the handlers are still being written,
   * and DynamoDB Local does not enforce IAM, so a too-narrow guess would only fail in AWS). Narrow it per
   * function once the handlers settle. One exception already: the audit trail is append-only (PRODUCT.md,
   * principle 8), so nobody may delete from it (no DeleteItem, no BatchWriteItem, which can delete):
   * entries and the stream head are written with conditional PutItem/UpdateItem, possibly in a
   * TransactWriteItems (which IAM checks per contained action).
   * Three statements for all tables rather than CDK's two per table: keeps the role's inline policy small.
   */
  grantReadWriteAll(grantee: iam.IGrantable): void {
    const arns = (tables: readonly DeployedTable[]) => tables.map(({ table }) => table.tableArn);
    const mutable = this.all.filter(({ definition }) => !appendOnlyTables.has(definition.logicalName));
    const withIndexes = this.all.filter(
      ({ definition }) => (definition.globalSecondaryIndexes ?? []).length > 0,
    );
    iam.Grant.addToPrincipal({
      grantee,
      actions: [
        'dynamodb:GetItem',
        'dynamodb:BatchGetItem',
        'dynamodb:Query',
        'dynamodb:Scan',
        'dynamodb:ConditionCheckItem',
        'dynamodb:DescribeTable',
      ],
      resourceArns: [...arns(this.all), ...arns(withIndexes).map((arn) => `${arn}/index/*`)],
    });
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
      resourceArns: arns(this.all),
    });
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'],
      resourceArns: arns(mutable),
    });
  }
}
