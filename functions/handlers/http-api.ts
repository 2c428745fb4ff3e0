import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { dependenciesFromEnvironment } from '../composition/all.ts';
import { lazyHandler } from '../dependencies.ts';
import { createHttpApi } from '../http/api.ts';
import type { HttpResponse } from '../http/responses.ts';

/** Lambda entry for the HTTP API (API Gateway HTTP API, payload format 2.0). */
export const handler = lazyHandler<APIGatewayProxyEventV2, HttpResponse>(() =>
  createHttpApi(dependenciesFromEnvironment()),
);
