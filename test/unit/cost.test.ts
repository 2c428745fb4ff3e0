import { describe, expect, it } from 'vitest';
import { costOf, LAMBDA_MEMORY_GB, listPrices, type Usage } from '../../bench/cost.ts';

const none: Usage = {
  stateTransitions: 0,
  lambdaInvocations: 0,
  lambdaMilliseconds: 0,
  httpApiRequests: 0,
  dynamoDbReadUnits: 0,
  dynamoDbWriteUnits: 0,
  emails: 0,
  events: 0,
  logBytes: 0,
};

describe('the cost of measured usage at list prices', () => {
  it('prices each unit on its own line at its list price', () => {
    expect(costOf({ ...none, stateTransitions: 1000 }).lines['Step Functions']).toBeCloseTo(0.025, 10);
    expect(costOf({ ...none, dynamoDbWriteUnits: 1e6 }).lines['DynamoDB writes']).toBeCloseTo(0.625, 10);
    expect(costOf({ ...none, dynamoDbReadUnits: 1e6 }).lines['DynamoDB reads']).toBeCloseTo(0.125, 10);
    expect(costOf({ ...none, emails: 1000 }).lines.SES).toBeCloseTo(0.1, 10);
    expect(costOf({ ...none, httpApiRequests: 1e6 }).lines['HTTP API']).toBeCloseTo(1, 10);
    expect(costOf({ ...none, events: 1e6 }).lines.EventBridge).toBeCloseTo(1, 10);
    expect(costOf({ ...none, logBytes: 1024 ** 3 }).lines['CloudWatch Logs']).toBeCloseTo(0.5, 10);
  });

  it('bills Lambda per request and per GB-second of the functions’ memory', () => {
    const lambda = costOf({ ...none, lambdaInvocations: 1e6, lambdaMilliseconds: 1000 }).lines.Lambda;
    expect(lambda).toBeCloseTo(0.2 + LAMBDA_MEMORY_GB * listPrices.lambdaGbSecond, 10);
  });

  it('scales every line by the number of units of work, and totals the lines', () => {
    const usage: Usage = {
      stateTransitions: 17,
      lambdaInvocations: 12,
      lambdaMilliseconds: 300,
      httpApiRequests: 3,
      dynamoDbReadUnits: 20,
      dynamoDbWriteUnits: 40,
      emails: 1,
      events: 5,
      logBytes: 30_000,
    };
    const one = costOf(usage);
    const thousand = costOf(usage, 1000);
    for (const [line, usd] of Object.entries(one.lines)) {
      expect(thousand.lines[line as keyof typeof one.lines]).toBeCloseTo(usd * 1000, 10);
    }
    expect(thousand.totalUsd).toBeCloseTo(
      Object.values(thousand.lines).reduce((sum, usd) => sum + usd, 0),
      10,
    );
    expect(thousand.totalUsd).toBeGreaterThan(0);
  });
});
