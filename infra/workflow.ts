import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { type NoticeLifecycleTask, noticeLifecycleWorkflow } from '../functions/config/workflows.ts';
import { repoRoot } from './functions.ts';

/** The notice-lifecycle workflow's file, shared with the local ASL runtime (functions/config/workflows.ts). */
export const noticeLifecycleDefinitionPath = join(repoRoot, noticeLifecycleWorkflow.definitionFile);

/** The Lambda functions the workflow's Task states call, by their `${...FunctionArn}` placeholder. */
export type NoticeLifecycleTasks = Record<NoticeLifecycleTask, IFunction>;

export interface NoticeLifecycleStateMachineProps {
  tasks: NoticeLifecycleTasks;
}

/** The notice-lifecycle state machine (STANDARD: executions last the whole notice period) and its alarm. */
export class NoticeLifecycleStateMachine extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly failedAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: NoticeLifecycleStateMachineProps) {
    super(scope, id);
    const tasks = Object.entries(props.tasks) as [NoticeLifecycleTask, IFunction][];
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      // Inline (not an S3 asset), filled in by CloudFormation at deploy time.
      definitionBody: sfn.DefinitionBody.fromString(readFileSync(noticeLifecycleDefinitionPath, 'utf8')),
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
        alarmDescription:
          'A notice-lifecycle execution failed: a change is marked workflow-failed and waits for an operator.',
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
  }
}
