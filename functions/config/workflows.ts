/**
 * The one description of each workflow: its ASL file and the task functions behind its `${...}` placeholders.
 * CDK builds one Lambda function per task from it and fills the placeholders with their ARNs
 * (infra/workflow.ts); the local runtime fills them with the same handlers in process
 * (functions/handlers/workflow-task-handlers.ts); the workflow tests load the same file.
 */
export interface WorkflowTask {
  /** CDK construct id of the task's function. */
  id: string;
  /** The handler file (exports `handler`), relative to the repository root. */
  entry: string;
  description: string;
  /** Sends email: needs the SES identity and the link-signing secret. */
  sendsEmail: boolean;
  /** Answers task tokens itself (SendTaskSuccess), e.g. when the event it would wait for already happened. */
  answersTaskTokens: boolean;
}

export const noticeLifecycleWorkflow = {
  name: 'NoticeLifecycle',
  /** Relative to the repository root. */
  definitionFile: 'workflows/notice-lifecycle.asl.json',
  tasks: {
    AdvanceFunctionArn: {
      id: 'Advance',
      entry: 'functions/handlers/advance.ts',
      description: 'Workflow: handles every deadline that has passed (expiry, reminders, escalation, hold)',
      sendsEmail: true,
      answersTaskTokens: false,
    },
    SendNoticeFunctionArn: {
      id: 'SendNotice',
      entry: 'functions/handlers/send-notice.ts',
      description: 'Workflow: records the notice, then emails it with signed links to every recipient',
      sendsEmail: true,
      answersTaskTokens: false,
    },
    AwaitEventFunctionArn: {
      id: 'AwaitEvent',
      entry: 'functions/handlers/await-event.ts',
      description: 'Workflow: parks the task token until a person acts or the next deadline passes',
      sendsEmail: false,
      answersTaskTokens: true,
    },
    ApplyChangeFunctionArn: {
      id: 'ApplyChange',
      entry: 'functions/handlers/apply-change.ts',
      description: "Workflow: applies the change's effect after its notice period (e.g. a dated rate entry)",
      sendsEmail: false,
      answersTaskTokens: false,
    },
    RecordFailureFunctionArn: {
      id: 'RecordFailure',
      entry: 'functions/handlers/record-failure.ts',
      description: 'Workflow: marks the change workflow-failed, visibly, when a step failed for good',
      sendsEmail: false,
      answersTaskTokens: false,
    },
  },
} as const satisfies { name: string; definitionFile: string; tasks: Record<string, WorkflowTask> };

export type NoticeLifecycleTask = keyof typeof noticeLifecycleWorkflow.tasks;
export const noticeLifecycleTasks = Object.keys(noticeLifecycleWorkflow.tasks) as NoticeLifecycleTask[];

/**
 * A program policy change to a whole segment (workflows/policy-change.asl.json): rounds of a Distributed Map
 * over a manifest in S3 (workflows/README.md). Its tasks' handlers are in functions/handlers/policy-*.ts.
 */
export const policyChangeWorkflow = {
  name: 'PolicyChange',
  definitionFile: 'workflows/policy-change.asl.json',
  /** The bucket the manifests and the round results live in (its name reaches the tasks by environment). */
  manifestBucket: { id: 'PolicyManifests' },
  tasks: {
    PlanPolicyRoundFunctionArn: {
      id: 'PlanPolicyRound',
      entry: 'functions/handlers/policy-plan-round.ts',
      description: "Policy workflow: decides what is due now and writes the next round's manifest to S3",
      sendsEmail: false,
      answersTaskTokens: false,
    },
    SendPolicyBatchFunctionArn: {
      id: 'SendPolicyBatch',
      entry: 'functions/handlers/policy-send-batch.ts',
      description:
        'Policy workflow (Distributed Map child): emails one batch of partners and records their state',
      sendsEmail: true,
      answersTaskTokens: false,
    },
    CompletePolicyRoundFunctionArn: {
      id: 'CompletePolicyRound',
      entry: 'functions/handlers/policy-complete-round.ts',
      description: 'Policy workflow: records a round as done and surfaces the partners of its failed batches',
      sendsEmail: false,
      answersTaskTokens: false,
    },
    AwaitPolicyEventFunctionArn: {
      id: 'AwaitPolicyEvent',
      entry: 'functions/handlers/policy-await-event.ts',
      description: 'Policy workflow: parks the task token until a revision, a withdrawal or the next due day',
      sendsEmail: false,
      answersTaskTokens: true,
    },
    RecordPolicyFailureFunctionArn: {
      id: 'RecordPolicyFailure',
      entry: 'functions/handlers/policy-record-failure.ts',
      description:
        'Policy workflow: marks the policy change workflow-failed, visibly, when a step failed for good',
      sendsEmail: false,
      answersTaskTokens: false,
    },
  },
} as const satisfies {
  name: string;
  definitionFile: string;
  manifestBucket: { id: string };
  tasks: Record<string, WorkflowTask>;
};

export type PolicyChangeTask = keyof typeof policyChangeWorkflow.tasks;
export const policyChangeTasks = Object.keys(policyChangeWorkflow.tasks) as PolicyChangeTask[];

/**
 * Batches of a policy-change round the Distributed Map runs at once (its MaxConcurrency in
 * workflows/policy-change.asl.json, checked by a test): each batch sends at this share of the account's rate.
 */
export const policyRoundConcurrency = 10;
