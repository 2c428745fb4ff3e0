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
