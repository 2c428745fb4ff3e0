/**
 * Synthesizes the CDK app for the template tests (test/infra). The console's real build (console/dist) is
 * not needed: the stack is pointed at a tiny fixture build, so template tests never wait for Vite.
 */
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  PartnerChangeNoticeStack,
  type PartnerChangeNoticeStackProps,
} from '../../infra/partner-change-notice-stack.ts';

export const STACK = 'PartnerChangeNotice';
/** Skips esbuild (the functions get a placeholder asset): for stacks that only check the template. */
export const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] };
/** A console "build": index.html and one hashed asset. */
export const consoleDistFixture = fileURLToPath(new URL('../infra/fixtures/console-dist', import.meta.url));

export function synthesize(
  context: Record<string, unknown> = {},
  props: PartnerChangeNoticeStackProps = {},
): { app: App; stack: PartnerChangeNoticeStack; template: Template } {
  // Path metadata (which `cdk synth` adds) lets the assertions find resources by construct path.
  const app = new App({ context: { 'aws:cdk:enable-path-metadata': true, ...context } });
  const stack = new PartnerChangeNoticeStack(app, STACK, { consoleDistDir: consoleDistFixture, ...props });
  return { app, stack, template: Template.fromStack(stack) };
}

/** A resource of a synthesized template, as the template tests read it. */
export interface TemplateResource {
  Type: string;
  // biome-ignore lint/suspicious/noExplicitAny: CloudFormation properties are free-form JSON.
  Properties: Record<string, any>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  DependsOn?: string[];
  Metadata?: { 'aws:cdk:path'?: string };
}

/** An IAM policy statement of a synthesized template (identity or resource policy). */
export interface TemplateStatement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
}

/** The logical id of the one resource at the construct path `<STACK>/<path>` (path metadata is on). */
export function logicalIdAt(resources: Record<string, TemplateResource>, path: string): string {
  const found = Object.entries(resources).filter(
    ([, resource]) => resource.Metadata?.['aws:cdk:path'] === `${STACK}/${path}`,
  );
  if (found.length !== 1) throw new Error(`${found.length} resources at ${STACK}/${path}, expected one`);
  return found[0]![0];
}
