/**
 * Lambda's observability, in one module so the local runtime and the tests never need it (and it could be left
 * out of a bundle): Powertools Metrics behind the ProductMetrics port, written as EMF and flushed once per
 * invocation by lazyHandler (functions/dependencies.ts), and Powertools Tracer, which captures the AWS SDK
 * clients of the Lambda composition (X-Ray subsegments per call; active tracing is set in infra/functions.ts).
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { PRODUCT_METRICS_NAMESPACE, type ProductMetrics } from './domain/product-metrics.ts';

export interface LambdaObservability {
  metrics: ProductMetrics;
  /** The client, with its calls traced (the same client: the tracer adds a middleware to its stack). */
  traced<Client>(client: Client): Client;
}

let shared: { metrics: Metrics; tracer: Tracer } | undefined;

/** One Metrics and one Tracer per Lambda process, whatever builds the dependencies. */
export function lambdaObservability(serviceName: string): LambdaObservability {
  shared ??= {
    metrics: new Metrics({ namespace: PRODUCT_METRICS_NAMESPACE, serviceName }),
    tracer: new Tracer({ serviceName }),
  };
  const { metrics, tracer } = shared;
  return {
    metrics: { count: (name, value = 1) => void metrics.addMetric(name, MetricUnit.Count, value) },
    traced: (client) => tracer.captureAWSv3Client(client),
  };
}

/** Writes this invocation's counts (one EMF line), if any: called after every invocation. */
export function flushLambdaMetrics(): void {
  if (shared?.metrics.hasStoredMetrics()) shared.metrics.publishStoredMetrics();
}
