import { z } from 'zod';
import { routes } from './route-table.ts';

/** The OpenAPI 3.1 document, generated from the route table and its zod schemas (never written by hand). */
export function openApiDocument(serverUrl?: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const parameters = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => ({
      name: match[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    if (route.path === '/api/audit')
      parameters.push({ name: 'changeId', in: 'query', required: true, schema: { type: 'string' } });
    if (route.path === '/notices/{noticeId}')
      parameters.push({ name: 'token', in: 'query', required: true, schema: { type: 'string' } });
    if (route.method === 'POST' && route.path === '/api/commission-changes') {
      parameters.push({ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string' } });
    }
    const responses = Object.fromEntries(
      Object.entries(route.responses).map(([status, response]) => [
        status,
        {
          description: response.description,
          ...(response.schema
            ? {
                content: {
                  'application/json': {
                    schema: z.toJSONSchema(response.schema, { io: 'output', unrepresentable: 'any' }),
                  },
                },
              }
            : response.html
              ? { content: { 'text/html': { schema: { type: 'string' } } } }
              : {}),
        },
      ]),
    );
    const requestBody =
      route.requestBody !== undefined
        ? {
            required: true,
            content: {
              'application/json': {
                schema: z.toJSONSchema(route.requestBody, { io: 'input', unrepresentable: 'any' }),
              },
            },
          }
        : route.path.endsWith('/acknowledgement')
          ? {
              required: true,
              content: {
                'application/x-www-form-urlencoded': {
                  schema: { type: 'object', properties: { token: { type: 'string' } }, required: ['token'] },
                },
              },
            }
          : undefined;
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = {
      summary: route.summary,
      ...(route.roles ? { security: [{ bearer: [] }], 'x-roles': route.roles } : { security: [] }),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(requestBody ? { requestBody } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Partner Change Notice',
      version: '0.1.0',
      description:
        'Commission changes announced to channel partners in advance, with a rationale, acknowledged through signed email links, applied only after the notice period, audited in a hash chain.',
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    paths,
  };
}
