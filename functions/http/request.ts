import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Caller } from './caller.ts';

/** What a route sees of an HTTP API request. */
export interface ApiRequest {
  event: APIGatewayProxyEventV2;
  pathParameters: Record<string, string>;
  query: Record<string, string>;
  caller?: Caller;
}

export function bodyText(event: APIGatewayProxyEventV2): string {
  if (!event.body) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

export function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}
