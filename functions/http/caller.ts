import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type Role, roles } from '../config/roles.ts';

export interface Caller {
  userId: string;
  roles: Role[];
}

type ClaimValue = string | number | boolean | string[] | undefined;

/**
 * API Gateway's JWT authorizer (or, locally, the dev-token check in front of the same handler) has already
 * verified the token; this reads who it is. Cognito puts roles in `cognito:groups`, which API Gateway passes
 * as an array or as the string "[finance approver]".
 */
export function callerOf(event: APIGatewayProxyEventV2): Caller | undefined {
  const context = event.requestContext as APIGatewayProxyEventV2['requestContext'] & {
    authorizer?: { jwt?: { claims?: Record<string, ClaimValue> } };
  };
  const claims = context.authorizer?.jwt?.claims;
  if (!claims) return undefined;
  const userId = claims['cognito:username'] ?? claims.username ?? claims.sub;
  if (typeof userId !== 'string' || userId.length === 0) return undefined;
  const groups = claims['cognito:groups'];
  const names = Array.isArray(groups)
    ? groups
    : typeof groups === 'string'
      ? groups.replace(/^\[|\]$/g, '').split(/[\s,]+/)
      : [];
  return { userId, roles: roles.filter((role) => names.includes(role)) };
}
