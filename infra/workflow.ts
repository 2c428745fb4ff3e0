import { readFileSync } from 'node:fs';
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import {
  type CommissionChangeTaskPlaceholder,
  commissionChangeWorkflow,
} from '../functions/adapters/step-functions/workflow-definitions.ts';

/** The one definition of the commission-change workflow, shared with the local ASL runtime. */
export const commissionChangeDefinitionPath = commissionChangeWorkflow.definitionFile;

/** The Lambda functions the workflow's Task states call, by their `${...FunctionArn}` placeholder. */
export type CommissionChangeTasks = Record<CommissionChangeTaskPlaceholder, IFunction>;

export interface CommissionChangeWorkflowProps {
  tasks: CommissionChangeTasks;
}

/** The commission-change state machine (STANDARD: executions last the whole notice period) and its alarm. */
export class CommissionChangeWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly failedAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: CommissionChangeWorkflowProps) {
    super(scope, id);
    const tasks = Object.entries(props.tasks) as [keyof CommissionChangeTasks, IFunction][];
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      // Inline (not an S3 asset), filled in by CloudFormation at deploy time.
      definitionBody: sfn.DefinitionBody.fromString(readFileSync(commissionChangeDefinitionPath, 'utf8')),
      definitionSubstitutions: Object.fromEntries(
        tasks.map(([placeholder, fn]) => [placeholder, fn.functionArn]),
      ),
      tracingEnabled: true,
      logs: {
        destination: new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.THREE_MONTHS }),
        level: sfn.LogLevel.ALL,
        includeExecutionData: true,
      },
    });
    // A string definition tells CDK nothing about the resources it calls: grant them explicitly.
    for (const [, fn] of tasks) {
      fn.grantInvoke(this.stateMachine);
    }
    this.failedAlarm = this.stateMachine
      .metricFailed({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM })
      .createAlarm(this, 'ExecutionsFailedAlarm', {
        alarmDescription: 'A commission-change execution failed: a partner notice or rate change is stuck.',
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
  }
}
