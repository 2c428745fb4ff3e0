import { fileURLToPath } from 'node:url';
import { Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { BuildOptions } from 'esbuild';
import { environmentVariables, serviceName } from '../functions/config/environment.ts';
import { dataKey } from './data-key.ts';

/** The repository root: bundling resolves entries, package-lock.json and node_modules from here. */
export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/**
 * ESM bundles may still contain CommonJS `require()` calls (from dependencies bundled as CJS, e.g. parts
 * of the AWS SDK); ESM has no `require`, so give the bundle one. Aliased import to avoid name clashes.
 */
const createRequireBanner =
  "import { createRequire as __pcnCreateRequire } from 'node:module'; const require = __pcnCreateRequire(import.meta.url);";

/** The runtime every function of the app runs on. */
export const lambdaRuntime = lambda.Runtime.NODEJS_22_X;

/**
 * How every function is bundled (NodejsFunction's local esbuild). The one definition: the functions use it,
 * and bench/lambda-bundles.ts builds each handler with it (through esbuildOptionsOf) to measure its size and
 * cold import time.
 */
export const lambdaBundling = {
  format: nodejs.OutputFormat.ESM,
  minify: true,
  sourceMap: true,
  // The map without the sources' text: stack traces still resolve to file, line and column, and the map is a
  // third of the size, which is what --enable-source-maps parses at every cold start (bench/lambda-bundles.ts:
  // record-failure's import 312 → 238 ms with it, about the time without source maps at all).
  sourcesContent: false,
  mainFields: ['module', 'main'],
  banner: createRequireBanner,
  // Bundle everything, the AWS SDK included (the default for Node 18+ would leave `@aws-sdk/*` to the
  // runtime's copy): the functions then run exactly the SDK versions pinned in package-lock.json, that
  // the tests and local mode exercise, instead of whatever version the Lambda runtime ships that day.
  // Each handler entry builds only the clients it uses (functions/dependencies.ts), so a function bundles
  // only those; bench/lambda-bundles.ts measures each bundle beside a minimal DynamoDB handler.
  externalModules: [],
} satisfies nodejs.BundlingOptions;

/**
 * The esbuild build options NodejsFunction derives from `lambdaBundling` and the runtime: the flags
 * aws-cdk-lib's Bundling.buildEsbuildArgs passes (`--bundle --target=node22 --platform=node --format=esm
 * --minify --sourcemap --sources-content=false --banner:js=… --main-fields=module,main`, no externals).
 */
export function esbuildOptionsOf(
  bundling: typeof lambdaBundling = lambdaBundling,
  runtime: lambda.Runtime = lambdaRuntime,
): BuildOptions {
  return {
    bundle: true,
    platform: 'node',
    target: runtime.name.replace(/^nodejs(\d+)\.x$/, 'node$1'),
    format: bundling.format === nodejs.OutputFormat.ESM ? 'esm' : 'cjs',
    minify: bundling.minify,
    sourcemap: bundling.sourceMap,
    sourcesContent: bundling.sourcesContent,
    mainFields: [...bundling.mainFields],
    banner: { js: bundling.banner },
    external: [...bundling.externalModules],
  };
}

export interface HandlerFunctionProps {
  /** Path of the entry file relative to the repository root; it must export `handler`. */
  entry: string;
  description: string;
  environment?: Record<string, string>;
  /** Defaults to 30 s; a workflow task whose state allows longer (its TimeoutSeconds) may say so. */
  timeout?: Duration;
  /** Caps (and reserves) the function's concurrent runs: 1 for a job that must never run twice at once. */
  reservedConcurrentExecutions?: number;
}

/**
 * One Lambda function built from a handler entry file, with the settings every function of the app shares.
 * Bundled locally with the esbuild devDependency (no Docker).
 */
export function handlerFunction(
  scope: Construct,
  id: string,
  props: HandlerFunctionProps,
): nodejs.NodejsFunction {
  // Created explicitly (rather than `logRetention`, which adds a custom-resource Lambda): notice periods
  // run 30–90 days, so keep logs long enough to investigate a change across its whole lifecycle.
  // Encrypted with the stack's data key (infra/data-key.ts): logs carry partners' names and addresses.
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
    retention: logs.RetentionDays.THREE_MONTHS,
    encryptionKey: dataKey(scope),
  });
  // Its own role, not the AWSLambdaBasicExecutionRole managed policy (logs:* on every log group of the
  // account): it may write its own log group's streams, nothing else; the stack grants the rest.
  const role = new iam.Role(scope, `${id}ServiceRole`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `Runs the ${id} function`,
  });
  logGroup.grantWrite(role);
  // Acknowledged here, for every function of the app, where they arise. The template test
  // test/infra/nag.test.ts checks that the only `*` resource in a function's policies is X-Ray's.
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'X-Ray tracing (Tracing.ACTIVE): PutTraceSegments and PutTelemetryRecords take no resource-level permissions.',
  });
  const fn = new nodejs.NodejsFunction(scope, id, {
    role,
    entry: fileURLToPath(new URL(`../${props.entry}`, import.meta.url)),
    handler: 'handler',
    description: props.description,
    projectRoot: repoRoot,
    depsLockFilePath: fileURLToPath(new URL('../package-lock.json', import.meta.url)),
    runtime: lambdaRuntime,
    architecture: lambda.Architecture.ARM_64,
    memorySize: 512,
    timeout: props.timeout ?? Duration.seconds(30),
    ...(props.reservedConcurrentExecutions !== undefined
      ? { reservedConcurrentExecutions: props.reservedConcurrentExecutions }
      : {}),
    tracing: lambda.Tracing.ACTIVE,
    logGroup,
    environment: {
      [environmentVariables.serviceName]: serviceName,
      // sourceMap below is only useful if Node applies it to stack traces.
      NODE_OPTIONS: '--enable-source-maps',
      ...props.environment,
    },
    bundling: lambdaBundling,
  });
  Validations.of(fn).acknowledge({
    id: 'AwsSolutions-L1',
    reason:
      'Node.js 22 on purpose: the runtime the tests and the local mode run on, moved up together with them.',
  });
  return fn;
}
