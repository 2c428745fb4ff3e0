import * as z from 'zod';
import type { Route } from './router.ts';

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' });
  return rest;
}

function parametersOf(schema: z.ZodObject | undefined, where: 'path' | 'query' | 'header') {
  return Object.entries(schema?.shape ?? {}).map(([name, field]) => {
    const fieldSchema = field as z.ZodType;
    const description = fieldSchema.description;
    return {
      name,
      in: where,
      required: where === 'path' || !fieldSchema.safeParse(undefined).success,
      ...(description ? { description } : {}),
      schema: jsonSchema(fieldSchema, 'input'),
    };
  });
}

/** The OpenAPI 3.1 document, generated from the routes and their zod schemas (never written by hand). */
export function openApiDocument(routes: readonly Route[], serverUrl?: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const templateNames = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);
    const declared = parametersOf(route.params, 'path');
    const parameters = [
      ...declared,
      ...templateNames
        .filter((name) => !declared.some((parameter) => parameter.name === name))
        .map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
      ...parametersOf(route.query, 'query'),
      // Only the headers a route reads for itself (e.g. Idempotency-Key), not the catch-all ones like User-Agent.
      ...parametersOf(route.headers, 'header').filter((parameter) => parameter.name !== 'user-agent'),
    ];
    const responses = Object.fromEntries(
      Object.entries(route.responses).map(([status, response]) => [
        status,
        {
          description: response.description,
          ...(response.schema
            ? { content: { 'application/json': { schema: jsonSchema(response.schema, 'output') } } }
            : response.html
              ? { content: { 'text/html': { schema: { type: 'string' } } } }
              : response.binary
                ? { content: { [response.binary]: { schema: { type: 'string', format: 'binary' } } } }
                : {}),
        },
      ]),
    );
    paths[route.path] ??= {};
    paths[route.path]![route.method.toLowerCase()] = {
      summary: route.summary,
      tags: [route.tag],
      ...(route.roles ? { security: [{ bearer: [] }], 'x-roles': route.roles } : { security: [] }),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(route.body
        ? {
            requestBody: {
              required: true,
              content: Array.isArray(route.body.mediaType)
                ? Object.fromEntries(
                    route.body.mediaType.map((mediaType) => [mediaType, { schema: { type: 'string' } }]),
                  )
                : { [route.body.mediaType as string]: { schema: jsonSchema(route.body.schema, 'input') } },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Partner Change Notice',
      version: '0.2.0',
      description:
        'Changes reaching channel partners (commission changes first) approved by a second person, announced in advance with a rationale, acknowledged or disputed through signed email links, applied only after the notice period, audited in a hash chain.',
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    paths,
  };
}
