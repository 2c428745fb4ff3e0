/**
 * SES on AWS (infra/email.ts), checked on the synthesized template: the configuration set every sender sends
 * with, its bounce and complaint events to EventBridge's default bus, the rule to the feedback function with
 * its retries and dead-letter queue, and what each sender may do. One synthesis for the file, bundling
 * skipped (the bundles are checked in test/infra/stack.test.ts).
 */
import type { App } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { environmentVariables as env } from '../../functions/config/environment.ts';
import { feedbackDetailTypes } from '../../functions/email-feedback/ses-event.ts';
import {
  FEEDBACK_DELIVERY_ATTEMPTS,
  FEEDBACK_FUNCTION_RETRIES,
  FEEDBACK_MAX_EVENT_AGE,
} from '../../infra/email.ts';
import {
  type TemplateResource as Resource,
  SKIP_BUNDLING,
  STACK,
  type TemplateStatement as Statement,
  synthesize,
} from '../support/cdk-app.ts';

let app: App;
let template: Template;
let resources: Record<string, Resource>;

beforeAll(() => {
  ({ app, template } = synthesize(SKIP_BUNDLING));
  resources = template.toJSON().Resources as Record<string, Resource>;
});

function only(type: string): [string, Resource] {
  const found = Object.entries(resources).filter(([, resource]) => resource.Type === type);
  expect(found, type).toHaveLength(1);
  return found[0]!;
}

const pathOf = (resource: Resource) => resource.Metadata?.['aws:cdk:path'] ?? '';

/** The Allow statements of the identity policies attached to a function's role. */
function statementsOf(fn: Resource): Statement[] {
  const role = fn.Properties.Role['Fn::GetAtt'][0] as string;
  return Object.values(resources)
    .filter(
      (resource) =>
        resource.Type === 'AWS::IAM::Policy' &&
        (resource.Properties.Roles as unknown[]).some(
          (ref) => JSON.stringify(ref) === JSON.stringify({ Ref: role }),
        ),
    )
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[])
    .filter((statement) => statement.Effect === 'Allow');
}

const actionsOf = (statement: Statement) =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

describe('the configuration set', () => {
  it('keeps reputation metrics and suppresses addresses that bounced or complained', () => {
    const [, set] = only('AWS::SES::ConfigurationSet');
    expect(set.Properties).toMatchObject({
      ReputationOptions: { ReputationMetricsEnabled: true },
      SendingOptions: { SendingEnabled: true },
      SuppressionOptions: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
    });
  });

  it('publishes bounces and complaints, and nothing else, to the default event bus', () => {
    const [setId] = only('AWS::SES::ConfigurationSet');
    const [, destination] = only('AWS::SES::ConfigurationSetEventDestination');
    expect(destination.Properties.ConfigurationSetName).toEqual({ Ref: setId });
    expect(destination.Properties.EventDestination.Enabled).toBe(true);
    expect([...destination.Properties.EventDestination.MatchingEventTypes].sort()).toEqual([
      'bounce',
      'complaint',
    ]);
    expect(
      JSON.stringify(destination.Properties.EventDestination.EventBridgeDestination.EventBusArn),
    ).toMatch(/:event-bus\/default"/);
  });
});

describe('the feedback rule and function', () => {
  function feedbackRule(): Resource {
    const rules = Object.values(resources).filter(
      (resource) =>
        resource.Type === 'AWS::Events::Rule' && resource.Properties.EventPattern?.source?.[0] === 'aws.ses',
    );
    expect(rules).toHaveLength(1);
    return rules[0]!;
  }

  it('matches SES bounces and complaints of this configuration set only', () => {
    const [setId] = only('AWS::SES::ConfigurationSet');
    const rule = feedbackRule();
    expect(rule.Properties.EventBusName).toBeUndefined();
    expect(rule.Properties.EventPattern).toEqual({
      source: ['aws.ses'],
      'detail-type': [...feedbackDetailTypes],
      detail: { mail: { tags: { 'ses:configuration-set': [{ Ref: setId }] } } },
    });
    expect([...feedbackDetailTypes].sort()).toEqual(['Email Bounced', 'Email Complaint Received']);
  });

  it('invokes the feedback function with bounded retries, then the dead-letter queue, on both retry layers', () => {
    const rule = feedbackRule();
    const targets = rule.Properties.Targets as Resource['Properties'][];
    expect(targets).toHaveLength(1);
    const fnId = targets[0]!.Arn['Fn::GetAtt'][0] as string;
    const fn = resources[fnId]!;
    expect(pathOf(fn)).toBe(`${STACK}/EmailFeedback/Handler/Resource`);
    const queueId = targets[0]!.DeadLetterConfig.Arn['Fn::GetAtt'][0] as string;
    expect(resources[queueId]!.Type).toBe('AWS::SQS::Queue');
    expect(resources[queueId]!.Properties.SqsManagedSseEnabled).toBe(true);
    expect(targets[0]!.RetryPolicy).toEqual({
      MaximumRetryAttempts: FEEDBACK_DELIVERY_ATTEMPTS,
      MaximumEventAgeInSeconds: FEEDBACK_MAX_EVENT_AGE.toSeconds(),
    });
    // The function throwing is Lambda's asynchronous retry: bounded, and to the same queue.
    const asyncConfigs = Object.values(resources).filter(
      (resource) =>
        resource.Type === 'AWS::Lambda::EventInvokeConfig' &&
        JSON.stringify(resource.Properties.FunctionName) === JSON.stringify({ Ref: fnId }),
    );
    expect(asyncConfigs).toHaveLength(1);
    expect(asyncConfigs[0]!.Properties).toMatchObject({
      MaximumRetryAttempts: FEEDBACK_FUNCTION_RETRIES,
      MaximumEventAgeInSeconds: FEEDBACK_MAX_EVENT_AGE.toSeconds(),
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
    });
    expect(statementsOf(fn).some((s) => actionsOf(s).includes('sqs:SendMessage'))).toBe(true);
  });

  it('runs the thin handler with a sender’s environment and grants (it sends the fallback notices)', () => {
    const fn = Object.values(resources).find((r) => pathOf(r) === `${STACK}/EmailFeedback/Handler/Resource`)!;
    const variables = fn.Properties.Environment.Variables as Record<string, unknown>;
    for (const name of [
      env.sesConfigurationSet,
      env.noticeSenderEmail,
      env.ackLinkSecretArn,
      env.publicBaseUrl,
    ])
      expect(variables[name], name).toBeDefined();
    const actions = statementsOf(fn).flatMap(actionsOf);
    for (const action of [
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'secretsmanager:GetSecretValue',
      'ses:SendEmail',
    ])
      expect(actions, action).toContain(action);
  });
});

describe('every sender', () => {
  it('sends with the configuration set and may send with it (SES authorizes the set as well as the identity)', () => {
    const [setId] = only('AWS::SES::ConfigurationSet');
    const senders = Object.values(resources).filter(
      (resource) =>
        resource.Type === 'AWS::Lambda::Function' &&
        resource.Properties.Environment?.Variables?.[env.noticeSenderEmail],
    );
    // The API, the sweep, the feedback function and the workflows' email-sending tasks.
    expect(senders.length).toBeGreaterThanOrEqual(4);
    for (const sender of senders) {
      expect(sender.Properties.Environment.Variables[env.sesConfigurationSet], pathOf(sender)).toEqual({
        Ref: setId,
      });
      const onSet = statementsOf(sender).filter(
        (statement) =>
          actionsOf(statement).includes('ses:SendEmail') &&
          JSON.stringify(statement.Resource).includes(':configuration-set/') &&
          JSON.stringify(statement.Resource).includes(JSON.stringify({ Ref: setId })),
      );
      expect(onSet, pathOf(sender)).toHaveLength(1);
    }
  });

  it('leaves no cdk-nag (AWS Solutions) finding on the email construct unacknowledged', () => {
    const findings = new AwsSolutionsChecks()
      .validateScope(app)
      .violations.flatMap((violation) =>
        violation.violatingResources.map(
          (resource) =>
            `${violation.ruleName} ${(resource as { constructPath?: string }).constructPath ?? resource.resourceLogicalId}`,
        ),
      )
      .filter((finding) => finding.includes(`${STACK}/EmailFeedback/`))
      // The tables' index grants are the stack's one grant to every step's function (tables.grantReadWriteAll),
      // checked with the stack (test/infra/stack.test.ts), not this construct's.
      .filter((finding) => !/^AwsSolutions-IAM5\[Resource::<Tables\w+\.Arn>\/index\/\*\]/.test(finding));
    expect(findings).toEqual([]);
  });
});
