import { z } from 'zod';
import { routes } from './route-table.ts';

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' });
  return rest;
}

/** The OpenAPI 3.1 document, generated from the route table and its zod schemas (never written by hand). */
export function openApiDocument(serverUrl?: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const parameters: Record<string, unknown>[] = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => ({
      name: match[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    for (const [name, schema] of Object.entries(route.query?.shape ?? {})) {
      parameters.push({
        name,
        in: 'query',
        required: !schema.safeParse(undefined).success,
        schema: jsonSchema(schema, 'input'),
      });
    }
    for (const header of route.headers ?? []) {
      parameters.push({
        name: header.name,
        in: 'header',
        required: header.required,
        description: header.description,
        schema: { type: 'string' },
      });
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
                    schema: jsonSchema(response.schema, 'output'),
                  },
                },
              }
            : response.html
              ? { content: { 'text/html': { schema: { type: 'string' } } } }
              : {}),
        },
      ]),
    );
    const requestBody = route.requestBody && {
      required: true,
      content: { [route.requestBody.mediaType]: { schema: jsonSchema(route.requestBody.schema, 'input') } },
    };
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
