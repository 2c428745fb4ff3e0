/**
 * The staff roles: Cognito groups in AWS (infra/api.ts creates one group per role), dev-token roles locally,
 * and what every route's `roles` names. One list for all of them.
 */
export const roles = ['finance', 'approver', 'partner-manager', 'compliance'] as const;
export type Role = (typeof roles)[number];

export function isRole(value: string): value is Role {
  return (roles as readonly string[]).includes(value);
}
