import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArnFormat, type CfnResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import {
  noticeLifecycleWorkflow,
  policyChangeWorkflow,
  type WorkflowTask,
} from '../functions/config/workflows.ts';
import { dataKey, grantKeyUse } from './data-key.ts';
import { repoRoot } from './functions.ts';

/** What infra needs of a workflow's one description (functions/config/workflows.ts). */
export interface WorkflowDescription {
  name: string;
  /** The ASL file, relative to the repository root. */
  definitionFile: string;
  tasks: Readonly<Record<string, WorkflowTask>>;
}

/** The absolute path of a workflow's ASL file, the same file the local runtime and the workflow tests load. */
export function definitionPathOf(workflow: WorkflowDescription): string {
  return join(repoRoot, workflow.definitionFile);
}

/** The notice-lifecycle workflow's file, shared with the local ASL runtime (functions/config/workflows.ts). */
export const noticeLifecycleDefinitionPath = definitionPathOf(noticeLifecycleWorkflow);
/** The policy-change workflow's file (workflows/policy-change.asl.json). */
export const policyChangeDefinitionPath = definitionPathOf(policyChangeWorkflow);

interface AslState {
  Type?: string;
  Label?: string;
  Resource?: string;
  TimeoutSeconds?: number;
  MaxConcurrency?: number;
  ItemBatcher?: { MaxItemsPerBatch?: number };
  ItemReader?: unknown;
  ResultWriter?: unknown;
  ItemProcessor?: { ProcessorConfig?: { Mode?: string }; States?: Record<string, AslState> };
  Iterator?: { States?: Record<string, AslState> };
  Branches?: { States?: Record<string, AslState> }[];
}

/** Every Map state in Distributed mode of a definition, nested ones included. */
export function distributedMapStates(definition: string): AslState[] {
  const found: AslState[] = [];
  const visit = (states: Record<string, AslState> | undefined) => {
    for (const state of Object.values(states ?? {})) {
      if (state.Type === 'Map' && state.ItemProcessor?.ProcessorConfig?.Mode === 'DISTRIBUTED') {
        found.push(state);
      }
      visit(state.ItemProcessor?.States);
      visit(state.Iterator?.States);
      for (const branch of state.Branches ?? []) visit(branch.States);
    }
  };
  visit((JSON.parse(definition) as { States?: Record<string, AslState> }).States);
  return found;
}

/** How a Distributed Map hands work to the task behind `placeholder` in its children. */
export interface MapBatching {
  maxItemsPerBatch: number;
  maxConcurrency: number;
  /** The child task state's TimeoutSeconds. */
  taskTimeoutSeconds: number;
}

/**
 * The batching of the Distributed Map whose child calls the function behind `placeholder` (`${...}` in the
 * definition), read from the ASL so that infra sizes that function from the one place that says how it is
 * called. Throws when no such map, or one without a batch size, a concurrency or a task timeout.
 */
export function mapBatchingOf(definition: string, placeholder: string): MapBatching {
  const reference = `\${${placeholder}}`;
  for (const map of distributedMapStates(definition)) {
    const task = Object.values(map.ItemProcessor?.States ?? {}).find(
      (state) => state.Type === 'Task' && state.Resource === reference,
    );
    if (!task) continue;
    const { MaxItemsPerBatch } = map.ItemBatcher ?? {};
    if (
      MaxItemsPerBatch === undefined ||
      map.MaxConcurrency === undefined ||
      task.TimeoutSeconds === undefined
    ) {
      throw new Error(
        `The Distributed Map calling ${reference} needs MaxItemsPerBatch, MaxConcurrency and TimeoutSeconds`,
      );
    }
    return {
      maxItemsPerBatch: MaxItemsPerBatch,
      maxConcurrency: map.MaxConcurrency,
      taskTimeoutSeconds: task.TimeoutSeconds,
    };
  }
  throw new Error(`No Distributed Map calls ${reference}`);
}

export interface WorkflowStateMachineProps<Task extends string> {
  workflow: WorkflowDescription & { tasks: Readonly<Record<Task, WorkflowTask>> };
  /** The Lambda functions the workflow's Task states call, by their `${...FunctionArn}` placeholder. */
  tasks: Record<Task, IFunction>;
  /** What a failed execution means for a person, for the alarm's description. */
  failedAlarmDescription: string;
  /**
   * The bucket a Distributed Map's ItemReader reads its items from and its ResultWriter writes the results
   * to. The definition names them by path (`Bucket.$`), so CDK cannot infer it: required when the definition
   * has a Distributed Map that reads or writes S3.
   */
  itemBucket?: s3.IBucket;
}

/**
 * A workflow's state machine, built from its one description (functions/config/workflows.ts): the ASL file
 * verbatim, each `${...FunctionArn}` placeholder filled with its task function's ARN. STANDARD: executions
 * last a whole notice period. Traced, fully logged, with an alarm on any failed execution.
 */
export class WorkflowStateMachine<Task extends string> extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly failedAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: WorkflowStateMachineProps<Task>) {
    super(scope, id);
    const definition = readFileSync(definitionPathOf(props.workflow), 'utf8');
    const tasks = Object.entries(props.tasks) as [Task, IFunction][];
    const missing = Object.keys(props.workflow.tasks).filter((placeholder) => !(placeholder in props.tasks));
    if (missing.length > 0) {
      throw new Error(`${props.workflow.name}: no function for ${missing.join(', ')}`);
    }
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      // Inline (not an S3 asset), filled in by CloudFormation at deploy time.
      definitionBody: sfn.DefinitionBody.fromString(definition),
      definitionSubstitutions: Object.fromEntries(
        tasks.map(([placeholder, fn]) => [placeholder, fn.functionArn]),
      ),
      tracingEnabled: true,
      logs: {
        // Execution data (ALL, with inputs and outputs) names partners: encrypted with the data key.
        destination: new logs.LogGroup(this, 'Logs', {
          retention: logs.RetentionDays.THREE_MONTHS,
          encryptionKey: dataKey(this),
        }),
        level: sfn.LogLevel.ALL,
        includeExecutionData: true,
      },
    });
    // A string definition tells CDK nothing about the resources it calls: grant them explicitly.
    for (const [, fn] of tasks) {
      fn.grantInvoke(this.stateMachine);
    }
    this.acknowledgeRoleFindings(tasks.map(([, fn]) => fn));
    const maps = distributedMapStates(definition);
    if (maps.length > 0) this.grantDistributedMap(maps, props.itemBucket);

    this.failedAlarm = this.stateMachine
      .metricFailed({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM })
      .createAlarm(this, 'ExecutionsFailedAlarm', {
        alarmDescription: props.failedAlarmDescription,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
  }

  /**
   * What AWS documents a Distributed Map needs of the state machine's role ("IAM policies for using
   * Distributed Map states", Step Functions developer guide): StartExecution on the state machine itself (each
   * child is an execution of it), DescribeExecution and StopExecution on its child executions
   * (`execution:<name>/<map run label>:<id>`, hence `<name>/*`), RedriveExecution on those of each labelled
   * map (redriving a failed round), GetObject on the items it reads, and for the ResultWriter PutObject plus
   * the multipart-upload actions on the objects it writes. The bucket's objects rather than one key: the
   * manifest's key and the results' prefix come from the state input at run time.
   *
   * A separate policy, not the role's default one: the state machine depends on its default policy, so a
   * statement naming the state machine's own ARN there would be a dependency cycle.
   */
  private grantDistributedMap(maps: AslState[], bucket: s3.IBucket | undefined): void {
    const stateMachine = this.stateMachine;
    const policy = new iam.Policy(this, 'DistributedMapPolicy', { roles: [stateMachine.role] });
    const executions = (label: string) =>
      Stack.of(this).formatArn({
        service: 'states',
        resource: 'execution',
        resourceName: `${stateMachine.stateMachineName}/${label}`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
    policy.addStatements(
      new iam.PolicyStatement({
        actions: ['states:StartExecution'],
        resources: [stateMachine.stateMachineArn],
      }),
      new iam.PolicyStatement({
        actions: ['states:DescribeExecution', 'states:StopExecution'],
        resources: [executions('*')],
      }),
      new iam.PolicyStatement({
        actions: ['states:RedriveExecution'],
        resources: maps.map((map) => executions(`${map.Label ?? '*'}:*`)),
      }),
    );
    const acknowledge = (id: string, reason: string) => Validations.of(policy).acknowledge({ id, reason });
    const executionsFinding = (label: string) =>
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<${this.logicalIdOf(stateMachine)}.Name>/${label}]`;
    acknowledge(
      executionsFinding('*'),
      'A Distributed Map describes and stops its child executions, named by the service at run time: ' +
        'the executions of this state machine only (documented by AWS as the least privilege).',
    );
    for (const map of maps) {
      acknowledge(
        executionsFinding(`${map.Label ?? '*'}:*`),
        "Redriving a failed round redrives its map run's child executions: those of this map only.",
      );
    }

    const readsS3 = maps.some((map) => map.ItemReader !== undefined);
    const writesS3 = maps.some((map) => map.ResultWriter !== undefined);
    if (!readsS3 && !writesS3) return;
    if (!bucket) {
      throw new Error('A Distributed Map reads or writes S3: pass the bucket as itemBucket');
    }
    policy.addStatements(
      new iam.PolicyStatement({
        actions: [
          's3:GetObject',
          ...(writesS3 ? ['s3:PutObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'] : []),
        ],
        resources: [bucket.arnForObjects('*')],
      }),
    );
    // A bucket encrypted with a customer-managed key: the map reads (and writes) through it.
    if (bucket.encryptionKey) {
      grantKeyUse(bucket.encryptionKey, stateMachine.role, writesS3 ? 'readWrite' : 'read');
    }
    acknowledge(
      `AwsSolutions-IAM5[Resource::<${this.logicalIdOf(bucket)}.Arn>/*]`,
      "The manifest's key and the results' prefix come from the state input at run time: the objects of " +
        'this one bucket.',
    );
  }

  /**
   * The wildcards aws-cdk-lib puts in every state machine's role, acknowledged one by one (cdk-nag matches a
   * finding by its exact text, so a new wildcard shows up as a finding).
   */
  private acknowledgeRoleFindings(functions: IFunction[]): void {
    const acknowledge = (id: string, reason: string) =>
      Validations.of(this.stateMachine).acknowledge({ id, reason });
    acknowledge(
      'AwsSolutions-IAM5[Resource::*]',
      'Vended log delivery to CloudWatch Logs and X-Ray trace segments take no resource-level permissions.',
    );
    for (const fn of functions) {
      acknowledge(
        `AwsSolutions-IAM5[Resource::<${this.logicalIdOf(fn)}.Arn>:*]`,
        "grantInvoke covers the task function's versions and aliases too: still that one function.",
      );
    }
  }

  private logicalIdOf(construct: Construct): string {
    return Stack.of(this).resolve((construct.node.defaultChild as CfnResource).logicalId) as string;
  }
}
