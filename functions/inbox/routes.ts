import * as z from 'zod';
import { changeStatuses } from '../domain/lifecycle.ts';
import { json } from '../http/responses.ts';
import { type Route, route } from '../http/router.ts';
import { clientErrors, staff } from '../notices/routes.ts';
import { openTaskNames } from '../notices/view.ts';
import { INBOX_QUEUE_LIMIT, inboxOf } from './inbox.ts';

export const inboxItemSchema = z.object({
  changeId: z.string(),
  partnerId: z.string(),
  partnerName: z.string(),
  kind: z.string(),
  summary: z.string(),
  status: z.enum(changeStatuses),
  task: z.enum(openTaskNames),
  who: z.string().describe('Who the task is for, in words or as a user id (a dispute’s owner).'),
  dueAt: z.string().optional(),
  mine: z
    .boolean()
    .describe(
      'The caller’s own task: an approval they may give, their partner’s consultation or escalation (alliance manager), a dispute they own, their own submission’s failure or dispute. Otherwise their team’s.',
    ),
  submittedBy: z.string(),
  submittedAt: z.string(),
});

export const inboxSchema = z.object({
  items: z.array(inboxItemSchema),
  truncated: z
    .array(z.enum(changeStatuses))
    .describe(
      `Statuses with (possibly) more than ${INBOX_QUEUE_LIMIT} waiting items: list the rest with GET /api/changes?status=….`,
    ),
});

export const inboxRoutes: readonly Route[] = [
  route({
    method: 'GET',
    path: '/api/inbox',
    roles: staff,
    tag: 'inbox',
    summary:
      'What waits on the caller: approvals of others’ changes (approver); consultations, escalations, holds and disputes (partner manager; their own partners marked mine); failures and disputes of their own changes (finance); nothing for compliance. Mine first, then by due date, oldest first.',
    responses: { 200: { description: 'The caller’s inbox', schema: inboxSchema }, ...clientErrors },
    handle: async (deps, { caller }) => json(200, await inboxOf(deps, caller!)),
  }),
];
