import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Dependencies } from '../dependencies.ts';
import { callerOf } from './caller.ts';
import { openApiDocument } from './openapi.ts';
import { type HttpResponse, json, problem } from './responses.ts';
import { matchRoute } from './route-table.ts';

/** The HTTP API: match the route, authorize the caller's role, run the route; every error is a clear answer. */
export function createHttpApi(deps: Dependencies) {
  return async (event: APIGatewayProxyEventV2): Promise<HttpResponse> => {
    const method = event.requestContext.http.method.toUpperCase();
    const path = event.rawPath;
    if (method === 'GET' && path === '/openapi.json')
      return json(200, openApiDocument(deps.publicBaseUrl || undefined));
    const matched = matchRoute(method, path);
    if (!matched) return problem(404, 'not-found', `No route ${method} ${path}.`);
    if ('allowed' in matched) {
      return {
        ...problem(405, 'method-not-allowed', `Use ${matched.allowed.join(' or ')} on ${path}.`),
        headers: { allow: matched.allowed.join(', ') },
      };
    }
    const { route, pathParameters } = matched;
    const caller = callerOf(event);
    if (route.roles) {
      if (!caller)
        return problem(401, 'unauthenticated', 'Send a valid bearer token (Authorization: Bearer <token>).');
      if (!caller.roles.some((role) => route.roles!.includes(role))) {
        return problem(
          403,
          'forbidden',
          `${method} ${route.path} needs one of the roles: ${route.roles.join(', ')}.`,
        );
      }
    }
    const query = Object.fromEntries(
      Object.entries(event.queryStringParameters ?? {}).flatMap(([key, value]) =>
        value === undefined ? [] : [[key, value]],
      ),
    );
    try {
      return await route.handle(deps, { event, pathParameters, query, ...(caller ? { caller } : {}) });
    } catch (error) {
      deps.logger.error('Unhandled error', { error: error as Error, method, path });
      return problem(
        500,
        'internal-error',
        'Something went wrong on our side; nothing was half-written. Please retry.',
      );
    }
  };
}
