import * as z from 'zod';
import { escapeHtml, humanDate } from '../domain/notice.ts';
import { card, invalidPageInputFor, page, problemPage, readableInstant } from '../http/pages.ts';
import { html, json, problem } from '../http/responses.ts';
import { type Route, route } from '../http/router.ts';
import { errorResponseSchema, idText, prose } from '../http/schemas.ts';
import { clientErrors } from '../notices/routes.ts';
import {
  acknowledgePolicyNotice,
  answerPolicyConcern,
  checkPolicyLink,
  type OpenedPolicyNotice,
  raisePolicyConcern,
  recordPolicyOpen,
} from './respond.ts';

/**
 * The partner's pages of a policy notice, behind the link in its email: read it, acknowledge it, or raise a
 * concern. Plain HTML (no script, readable on a phone), the same look as the commission notice pages.
 */
const TAG = 'partner pages';
const params = z.object({
  policyChangeId: idText.describe('The policy change.'),
  partnerId: idText.describe('The partner the notice was sent to.'),
});
const tokenField = z
  .string()
  .min(1, 'is required')
  .max(2000)
  .describe('The signed token from the email link.');
const querySchema = z.object({ token: tokenField });
const concernSchema = z.object({
  token: tokenField,
  comment: prose(10, 4000).describe('The concern, in their words.'),
});
const userAgentHeaders = z.looseObject({
  // Evidence of the click, never a reason to refuse it: an over-long one is cut.
  'user-agent': z
    .string()
    .transform((text) => text.slice(0, 2000))
    .optional(),
});

/** The link of a policy notice is its two path parameters and its token. */
const invalidInput = invalidPageInputFor(['policyChangeId', 'partnerId']);

const refusals = {
  403: { description: 'Tampered, foreign or incomplete link', html: true },
  409: { description: 'Replaced by a newer version, or the policy change withdrawn', html: true },
  410: { description: 'Expired link', html: true },
} as const;

function noticeBody(opened: OpenedPolicyNotice): string {
  const { change, recipient } = opened;
  const date = humanDate((change.takesEffectAt ?? change.effectiveDate).slice(0, 10));
  const policy = change.policyText
    ? `<p>${escapeHtml(change.policyText)}</p>`
    : `<p><a href="${escapeHtml(change.document?.uri ?? '')}">The policy document</a> (SHA-256 <code>${escapeHtml(change.document?.sha256 ?? '')}</code>)</p>`;
  const manager = recipient.allianceManager
    ? `<p>Questions? Your alliance manager, ${escapeHtml(recipient.allianceManager.name)} (<a href="mailto:${escapeHtml(recipient.allianceManager.email)}">${escapeHtml(recipient.allianceManager.email)}</a>).</p>`
    : '';
  return `<section class="card" aria-labelledby="notice-title"><h1 id="notice-title">${escapeHtml(change.title)}</h1><p>${escapeHtml(change.summary)}</p><p>Takes effect on <strong>${escapeHtml(date)}</strong>.</p></section>${card(`<h2>Why we are making this change</h2><p>${escapeHtml(change.rationale)}</p>`)}${card(`<h2>The policy</h2>${policy}${manager}`)}`;
}

function actions(opened: OpenedPolicyNotice, token: string): string {
  const { recipient } = opened;
  const base = `/policy-notices/${encodeURIComponent(recipient.policyChangeId)}/${encodeURIComponent(recipient.partnerId)}`;
  const hidden = `<input type="hidden" name="token" value="${escapeHtml(token)}">`;
  const acknowledged = recipient.acknowledgement
    ? `<div class="alert receipt" role="status"><h2>Already acknowledged</h2><p>On <time datetime="${escapeHtml(recipient.acknowledgement.at)}">${escapeHtml(readableInstant(recipient.acknowledgement.at))}</time>.</p></div>`
    : '';
  const concern = recipient.concern
    ? `<div class="alert notice-state" role="status"><h2>Your concern</h2><blockquote>${escapeHtml(recipient.concern.text)}</blockquote>${recipient.concern.answer ? `<p>Answer: ${escapeHtml(recipient.concern.answer.text)}</p>` : '<p>Your alliance manager will answer you in writing.</p>'}</div>`
    : `<details class="concern"><summary>Raise a concern</summary><form method="post" action="${base}/concern">${hidden}<label for="comment">Your concern</label><p id="comment-help" class="hint">Tell us what worries you. Your alliance manager will answer you in writing.</p><textarea id="comment" name="comment" rows="5" minlength="10" maxlength="4000" required aria-describedby="comment-help"></textarea><button type="submit" class="secondary">Send my concern</button></form></details>`;
  const acknowledge = recipient.acknowledgement
    ? ''
    : `<form class="acknowledge" method="post" action="${base}/acknowledgement">${hidden}<button type="submit" class="primary">Acknowledge this policy change</button></form>`;
  return `${acknowledged}<section class="card" aria-labelledby="respond-title"><h2 id="respond-title">Your response</h2><p>By acknowledging, you confirm you have received and read this policy change. It does not mean you agree with it.</p><div class="actions">${acknowledge}${concern}</div></section>`;
}

function footer(opened: OpenedPolicyNotice): string {
  return `<p class="meta">Notice version ${opened.recipient.version} · policy change ${escapeHtml(opened.change.policyChangeId)} · reference ${escapeHtml(opened.contentHash)}</p>`;
}

const answerSchema = z.strictObject({
  answer: prose(10, 4000).describe('The written answer, emailed to the partner’s primary contacts.'),
});
const answeredSchema = z.object({
  partnerId: z.string(),
  concern: z.object({
    at: z.string(),
    text: z.string(),
    answer: z.object({ at: z.string(), by: z.string(), text: z.string() }),
  }),
});

export const policyNoticeRoutes: readonly Route[] = [
  route({
    method: 'POST',
    path: '/api/policy-changes/{policyChangeId}/recipients/{partnerId}/concern-answer',
    roles: ['partner-manager'],
    tag: 'policy-changes',
    summary:
      'Answer a partner’s concern about a policy change, in writing: recorded once, audited, emailed to the partner.',
    params,
    body: { mediaType: 'application/json', schema: answerSchema },
    responses: {
      200: { description: 'Answered', schema: answeredSchema },
      ...clientErrors,
      404: { description: 'No such policy change or partner of it', schema: errorResponseSchema },
      409: { description: 'No concern raised, or already answered', schema: errorResponseSchema },
    },
    handle: async (deps, { params, body, caller }) => {
      const outcome = await answerPolicyConcern(deps, params.policyChangeId, params.partnerId, {
        by: caller!.userId,
        text: body.answer,
      });
      switch (outcome.outcome) {
        case 'answered':
          return json(200, { partnerId: outcome.recipient.partnerId, concern: outcome.recipient.concern });
        case 'unknown-recipient':
          return problem(
            404,
            'not-found',
            `Policy change ${params.policyChangeId} has no partner ${params.partnerId}.`,
          );
        case 'no-concern':
          return problem(409, 'no-concern', 'The partner has raised no concern about this policy change.');
        case 'already-answered':
          return problem(
            409,
            'already-answered',
            'The concern was answered already: an answer is given once.',
          );
      }
    },
  }),
  route({
    method: 'GET',
    path: '/policy-notices/{policyChangeId}/{partnerId}',
    tag: TAG,
    summary:
      'A policy notice behind its email link (query token): acknowledge it or raise a concern. Never acknowledges by itself; the first open is recorded as opened (maybe by a mail scanner).',
    params,
    query: querySchema,
    headers: userAgentHeaders,
    responses: { 200: { description: 'The policy notice with its forms', html: true }, ...refusals },
    invalid: invalidInput,
    handle: async (deps, { params, query }) => {
      const opened = await checkPolicyLink(deps, params.policyChangeId, params.partnerId, query.token);
      if (!opened.ok) return problemPage(opened.problem, opened.contact);
      await recordPolicyOpen(deps, opened);
      return html(
        200,
        page(opened.change.title, `${noticeBody(opened)}${actions(opened, query.token)}${footer(opened)}`),
      );
    },
  }),
  route({
    method: 'POST',
    path: '/policy-notices/{policyChangeId}/{partnerId}/acknowledgement',
    tag: TAG,
    summary:
      'The Acknowledge button (form field token). A repeat says "already recorded" and writes nothing.',
    params,
    headers: userAgentHeaders,
    body: { mediaType: 'application/x-www-form-urlencoded', schema: querySchema },
    responses: {
      200: { description: 'Recorded, or already recorded', html: true },
      ...refusals,
      413: { description: 'Body too large', html: true },
    },
    invalid: invalidInput,
    handle: async (deps, { params, body, headers, event }) => {
      const opened = await checkPolicyLink(deps, params.policyChangeId, params.partnerId, body.token);
      if (!opened.ok) return problemPage(opened.problem, opened.contact);
      const outcome = await acknowledgePolicyNotice(deps, opened, {
        sourceIp: event.requestContext.http.sourceIp,
        userAgent: headers['user-agent'] ?? event.requestContext.http.userAgent ?? '',
      });
      if (outcome.outcome === 'not-open') return problemPage('ended', opened.recipient.allianceManager);
      const heading =
        outcome.outcome === 'recorded'
          ? 'Thank you: your acknowledgement is recorded'
          : 'Already recorded: your acknowledgement was received earlier';
      return html(
        200,
        page(
          heading,
          `<h1>${escapeHtml(heading)}</h1><div class="alert receipt" role="status"><h2>${escapeHtml(opened.change.title)}</h2><p>Acknowledged on <time datetime="${escapeHtml(outcome.acknowledgement.at)}">${escapeHtml(readableInstant(outcome.acknowledgement.at))}</time>.</p><p class="reference">Reference: ${escapeHtml(outcome.acknowledgement.contentHash ?? opened.contentHash)} (notice version ${opened.recipient.version})</p></div>${card('<h2>What happens next</h2><p>There is nothing more you need to do. Keep this page or the notice email for your records.</p>')}`,
        ),
      );
    },
  }),
  route({
    method: 'POST',
    path: '/policy-notices/{policyChangeId}/{partnerId}/concern',
    tag: TAG,
    summary:
      'Raise a concern (form fields token, comment): the alliance manager is told and answers in writing.',
    params,
    body: { mediaType: 'application/x-www-form-urlencoded', schema: concernSchema },
    responses: {
      200: { description: 'Recorded, or already raised', html: true },
      400: { description: 'No comment, or too short or too long', html: true },
      ...refusals,
      413: { description: 'Body too large', html: true },
    },
    invalid: invalidInput,
    handle: async (deps, { params, body }) => {
      const opened = await checkPolicyLink(deps, params.policyChangeId, params.partnerId, body.token);
      if (!opened.ok) return problemPage(opened.problem, opened.contact);
      const outcome = await raisePolicyConcern(deps, opened, body.comment);
      if (outcome.outcome === 'not-open') return problemPage('ended', opened.recipient.allianceManager);
      const heading =
        outcome.outcome === 'recorded'
          ? 'Thank you: your concern is recorded'
          : 'Your concern was already received';
      return html(
        200,
        page(
          heading,
          `<h1>${escapeHtml(heading)}</h1><p>About: ${escapeHtml(opened.change.title)}</p><div class="alert notice-state" role="status"><blockquote>${escapeHtml(outcome.concern.text)}</blockquote></div>${card('<h2>What happens next</h2><p>Your alliance manager answers you in writing, by email.</p>')}`,
        ),
      );
    },
  }),
];
