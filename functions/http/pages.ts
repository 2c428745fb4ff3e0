import type { StoredNotice } from '../adapters/dynamodb/change-store.ts';
import type { AcknowledgementRecord, DisputeState } from '../domain/change.ts';
import {
  type AllianceManagerContact,
  contactHtml,
  escapeHtml,
  humanDate,
  noticeDetailsHtml,
  noticeRationaleHtml,
  noticeSubject,
  noticeSummaryHtml,
} from '../domain/notice.ts';
import { type HttpResponse, html } from './responses.ts';

/**
 * The look of the partner's pages, close to the staff console's (Cloudscape-like: system font, #0972d3 blue,
 * white containers on a light grey page, pill buttons). Inline, because the CSP allows no other source; one
 * column that fits a 320 px phone, with long words (hashes, email addresses) wrapping instead of scrolling.
 */
const style = `
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:#f4f4f4;color:#000716;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;font-size:1rem;line-height:1.5;overflow-wrap:anywhere}
.top{background:#0f141a;color:#fff;padding:.75rem 1rem;font-weight:700;font-size:.95rem}
.top span{display:block;max-width:44rem;margin:0 auto}
main{display:block;max-width:44rem;margin:0 auto;padding:1rem 1rem 2rem}
h1{font-size:1.5rem;line-height:1.3;margin:0 0 1rem}
h2{font-size:1.125rem;line-height:1.4;margin:0 0 .75rem}
p{margin:0 0 .75rem}p:last-child{margin-bottom:0}
a{color:#0062c4;text-decoration:underline}
a:focus-visible,button:focus-visible,summary:focus-visible,textarea:focus-visible{outline:2px solid #0972d3;outline-offset:2px}
.card{background:#fff;border-radius:16px;box-shadow:0 1px 4px rgba(0,7,22,.12);padding:1.25rem;margin:0 0 1rem}
.facts{display:grid;grid-template-columns:repeat(auto-fit,minmax(13rem,1fr));gap:1rem;margin:0}
.fact dt{color:#5f6b7a;font-size:.875rem}
.fact dd{margin:0;font-size:1.125rem}
.fact dd.money{font-size:1.25rem}
blockquote.rationale{margin:0;padding:.75rem 1rem;border-left:4px solid #0972d3;background:#f2f8fd;border-radius:0 8px 8px 0}
table.notice{border-collapse:collapse;width:100%}
table.notice th,table.notice td{text-align:left;vertical-align:top;padding:.5rem 0;border-top:1px solid #e9ebed}
table.notice tr:first-child th,table.notice tr:first-child td{border-top:0}
table.notice th{width:35%;padding-right:1rem;color:#5f6b7a;font-weight:400}
.actions{display:flex;flex-wrap:wrap;gap:.75rem;align-items:flex-start}
.actions form.acknowledge{margin:0}
.button,button,summary{display:inline-flex;align-items:center;justify-content:center;min-height:2.75rem;padding:.5rem 1.25rem;border-radius:1.5rem;font:inherit;font-weight:700;cursor:pointer;text-align:center}
button.primary{background:#0972d3;color:#fff;border:2px solid #0972d3}
button.primary:hover{background:#033160;border-color:#033160}
button.secondary,summary{background:#fff;color:#0972d3;border:2px solid #0972d3}
button.secondary:hover,summary:hover{background:#f2f8fd;color:#033160;border-color:#033160}
details.concern[open]{flex-basis:100%}
summary{list-style:none}
summary::-webkit-details-marker{display:none}
details.concern form{margin-top:1rem}
label{display:block;font-weight:700;margin:0 0 .25rem}
.hint{color:#5f6b7a;font-size:.875rem}
textarea{display:block;width:100%;font:inherit;padding:.5rem .75rem;border:1px solid #7d8998;border-radius:8px;margin:0 0 .75rem;background:#fff;color:#000716}
.alert,.problem{border:2px solid;border-radius:12px;padding:1rem 1.25rem;margin:0 0 1rem}
.alert h1,.alert h2,.problem h1{margin-bottom:.5rem}
.receipt{background:#f2fcf3;border-color:#037f0c}
.problem{background:#fff7f7;border-color:#d91515}
.notice-state{background:#fffce9;border-color:#8d6605}
.notice-state blockquote{margin:.5rem 0 0;padding-left:.75rem;border-left:3px solid #8d6605}
.emergency{background:#fff7f7;border:2px solid #d91515;border-radius:12px;padding:.75rem 1rem}
.reference{color:#5f6b7a;font-size:.8125rem;margin-top:.75rem}
ul.next{margin:0;padding-left:1.25rem}ul.next li{margin:0 0 .5rem}
.meta{color:#5f6b7a;font-size:.8125rem;margin-top:1.5rem}
@media (max-width:30rem){
main{padding:.75rem .75rem 1.5rem}
.card{padding:1rem;border-radius:12px}
h1{font-size:1.3rem}
table.notice th,table.notice td{display:block;width:auto;padding:0}
table.notice th{padding-top:.6rem}
table.notice td{border-top:0;padding-bottom:.6rem}
.actions form.acknowledge,.actions details.concern,.actions button,.actions summary{width:100%}
}
`;

/** Pages the partner sees from a notice email: plain HTML, readable on a phone, no account, no script. */
export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><style>${style}</style></head><body><header class="top"><span>Partner change notice</span></header><main>${body}</main></body></html>`;
}

/** "23 November 2026, 09:00 UTC": partners read this, not machines. */
export function readableInstant(iso: string): string {
  return `${humanDate(iso.slice(0, 10))}, ${iso.slice(11, 16)} UTC`;
}

/** The receipt: when, and which words were acknowledged — the hash is a small reference, not the message. */
function receipt(acknowledgement: AcknowledgementRecord, heading: string): string {
  return `<div class="alert receipt" role="status"><h2>${escapeHtml(heading)}</h2><p>Acknowledged on <time datetime="${escapeHtml(acknowledgement.acknowledgedAt)}">${escapeHtml(readableInstant(acknowledgement.acknowledgedAt))}</time>.</p><p class="reference">Reference: ${escapeHtml(acknowledgement.contentHash)} (notice version ${acknowledgement.noticeVersion})</p></div>`;
}

function concernStatus(dispute: DisputeState): string {
  return `<div class="alert notice-state" role="status"><h2>Your concern is being handled</h2><p>Raised on ${escapeHtml(readableInstant(dispute.raisedAt))}. ${contactHtml(dispute.owner)} owns it and will answer by ${escapeHtml(humanDate(dispute.dueAt.slice(0, 10)))}.</p><blockquote>${escapeHtml(dispute.comment)}</blockquote></div>`;
}

/** The notice's heading with the change at a glance beneath it: what, from when, how much, whom to ask. */
function noticeHeader(notice: StoredNotice): string {
  return `<section class="card" aria-labelledby="notice-title"><h1 id="notice-title">${escapeHtml(noticeSubject(notice.content))}</h1>${noticeSummaryHtml(notice.content)}</section>`;
}

export function card(html: string): string {
  return `<div class="card">${html}</div>`;
}

export interface NoticePageState {
  state: 'open' | 'superseded' | 'withdrawn';
  acknowledgement?: AcknowledgementRecord;
  dispute?: DisputeState;
}

/**
 * The notice as the partner reads it: the change and its reason first, then one primary action
 * (Acknowledge) with the concern beside it, then the fine print. `token` is the link's; without one (staff
 * previewing the partner's page) the forms carry none, so they could not act even if submitted.
 */
export function noticePage(
  notice: StoredNotice,
  token: string | undefined,
  view: NoticePageState,
): HttpResponse {
  const id = encodeURIComponent(notice.noticeId);
  const hidden = token === undefined ? '' : `<input type="hidden" name="token" value="${escapeHtml(token)}">`;
  const manager = escapeHtml(notice.content.allianceManager.name);
  const acknowledgeForm = `<form class="acknowledge" method="post" action="/notices/${id}/acknowledgement">${hidden}<button type="submit" class="primary">Acknowledge this notice</button></form>`;
  // A disclosure, not a script: the concern's form opens beside the one primary action only when wanted.
  const concernForm = `<details class="concern"><summary>Raise a concern</summary><form method="post" action="/notices/${id}/concern">${hidden}<label for="comment">Your concern</label><p id="comment-help" class="hint">Tell us what worries you about this change. ${manager} will answer you in writing.</p><textarea id="comment" name="comment" rows="5" minlength="10" maxlength="4000" required aria-describedby="comment-help"></textarea><button type="submit" class="secondary">Send my concern</button></form></details>`;
  let actions: string;
  if (view.state === 'superseded') {
    actions = `<div class="alert notice-state" role="status"><h2>This notice has been replaced</h2><p>A revised version of this notice was sent to you. Please read and act on the newer email.</p></div>`;
  } else if (view.state === 'withdrawn') {
    actions = `<div class="alert notice-state" role="status"><h2>This change was withdrawn</h2><p>It will not take effect. Nothing changes for you.</p></div>`;
  } else if (view.acknowledgement) {
    actions = `${receipt(view.acknowledgement, 'This notice has already been acknowledged')}${view.dispute ? concernStatus(view.dispute) : card(`<h2>Something still worries you?</h2><div class="actions">${concernForm}</div>`)}`;
  } else {
    const ask = notice.content.acknowledgementRequired
      ? 'Please acknowledge this notice.'
      : 'You can acknowledge this notice.';
    actions = `${view.dispute ? concernStatus(view.dispute) : ''}<section class="card" aria-labelledby="respond-title"><h2 id="respond-title">Your response</h2><p>${ask} By acknowledging, you confirm you have received and read this notice. It does not mean you agree with it.</p><div class="actions">${acknowledgeForm}${view.dispute ? '' : concernForm}</div></section>`;
  }
  return html(
    200,
    page(
      noticeSubject(notice.content),
      `${noticeHeader(notice)}${card(noticeRationaleHtml(notice.content))}${actions}${card(noticeDetailsHtml(notice.content))}<p class="meta">Notice version ${notice.version} · change ${escapeHtml(notice.changeId)}</p>`,
    ),
  );
}

/** What happens after an acknowledgement, in plain words: the date, and whom to ask. */
function whatHappensNext(notice: StoredNotice, acknowledgement: AcknowledgementRecord): string {
  const appliesFrom = notice.content.appliesFrom;
  const date = `<strong>${escapeHtml(humanDate(appliesFrom))}</strong>`;
  // The sales sentence is for changes with money terms (see noticeLines in functions/domain/notice.ts).
  const money = notice.content.example !== undefined;
  const when =
    appliesFrom > acknowledgement.acknowledgedAt.slice(0, 10)
      ? `The change takes effect on ${date}.${money ? ' Sales booked before that day keep their current terms.' : ''}`
      : `The change was due to take effect on ${date}; now that you have acknowledged it, it goes ahead.${money ? ' Sales booked before it takes effect keep their terms.' : ''}`;
  return `<section class="card" aria-labelledby="next-title"><h2 id="next-title">What happens next</h2><ul class="next"><li>${when}</li><li>There is nothing more you need to do. Keep this page or the notice email for your records.</li><li>Questions? Contact your alliance manager, ${contactHtml(notice.content.allianceManager)}.</li></ul></section>`;
}

export function acknowledgedPage(
  notice: StoredNotice,
  acknowledgement: AcknowledgementRecord,
  alreadyRecorded: boolean,
): HttpResponse {
  const heading = alreadyRecorded
    ? 'Already recorded: your acknowledgement was received earlier'
    : 'Thank you: your acknowledgement is recorded';
  return html(
    200,
    page(
      heading,
      `<h1>${escapeHtml(heading)}</h1>${receipt(acknowledgement, noticeSubject(notice.content))}${whatHappensNext(notice, acknowledgement)}`,
    ),
  );
}

export function concernPage(notice: StoredNotice, dispute: DisputeState, alreadyOpen: boolean): HttpResponse {
  const heading = alreadyOpen ? 'Your concern was already received' : 'Thank you: your concern is recorded';
  const paused = dispute.pausedFrom
    ? 'While your concern is open the change is paused: it will not take effect before you have an answer.'
    : 'The change is in your favour, so it is not paused while your concern is answered.';
  return html(
    200,
    page(
      heading,
      `<h1>${escapeHtml(heading)}</h1><p>About: ${escapeHtml(noticeSubject(notice.content))}</p>${concernStatus(dispute)}<section class="card" aria-labelledby="next-title"><h2 id="next-title">What happens next</h2><ul class="next"><li>${escapeHtml(paused)}</li><li>The answer comes to you in writing: the concern ends upheld with an explanation, with revised terms in a new notice, or with the change withdrawn.</li><li>To add anything, write to ${contactHtml(dispute.owner)}.</li></ul></section>`,
    ),
  );
}

const problems = {
  tampered: {
    status: 403,
    title: 'This link is not valid',
    text: 'The link has been changed or was not issued by us. Please use the link exactly as it appears in your notice email.',
  },
  foreign: {
    status: 403,
    title: 'This link belongs to another notice',
    text: 'The link you used was issued for a different notice or recipient. Please open the link from the notice email you received.',
  },
  'unknown-notice': {
    status: 403,
    title: 'This notice cannot be found',
    text: 'We have no record of this notice for this link.',
  },
  expired: {
    status: 410,
    title: 'This link has expired',
    text: 'Links expire some time after the change takes effect. You can still get a copy of the notice.',
  },
  'missing-token': {
    status: 403,
    title: 'This link is incomplete',
    text: 'The link is missing its security token. Please open the full link from your notice email.',
  },
  'invalid-form': {
    status: 400,
    title: 'Please check what you sent',
    text: 'Your message could not be read. Go back, write at least 10 characters (at most 4000), and send it again.',
  },
  'too-large': {
    status: 413,
    title: 'Your message is too long',
    text: 'Please go back and shorten your message, then send it again.',
  },
  superseded: {
    status: 409,
    title: 'This notice has been replaced',
    text: 'A revised version of this notice was sent to you: please act on the newer email.',
  },
  withdrawn: {
    status: 409,
    title: 'This change was withdrawn',
    text: 'It will not take effect, so there is nothing to acknowledge or dispute.',
  },
  ended: {
    status: 409,
    title: 'This change can no longer take a concern',
    text: 'It has ended, so there is nothing left to dispute.',
  },
} as const;

export type PageProblem = keyof typeof problems;

/**
 * What a person does after each refusal: a link problem needs a fresh link, a closed notice a person to ask,
 * a form problem only a second try.
 */
const nextStep: Record<PageProblem, 'fresh-link' | 'ask' | 'retry'> = {
  tampered: 'fresh-link',
  foreign: 'fresh-link',
  'unknown-notice': 'fresh-link',
  expired: 'fresh-link',
  'missing-token': 'fresh-link',
  'invalid-form': 'retry',
  'too-large': 'retry',
  superseded: 'ask',
  withdrawn: 'ask',
  ended: 'ask',
};

function nextStepHtml(kind: PageProblem, contact: AllianceManagerContact | undefined): string {
  const step = nextStep[kind];
  if (step === 'retry') return '';
  const manager = contact
    ? `your alliance manager, ${contactHtml(contact)}`
    : 'your alliance manager at our company';
  return step === 'fresh-link'
    ? card(
        `<h2>How to get a fresh link</h2><p>Reply to the notice email you received and ask for a new link, or write to ${manager}.</p>`,
      )
    : card(`<h2>Questions?</h2><p>Reply to the notice email you received, or write to ${manager}.</p>`);
}

/**
 * A refusal, with what to do next. `contact` names the alliance manager only where the caller knows the link
 * is ours (a valid signature); a tampered or foreign link gets the generic way, revealing nothing.
 */
export function problemPage(kind: PageProblem, contact?: AllianceManagerContact): HttpResponse {
  const { status, title, text } = problems[kind];
  return html(
    status,
    page(
      title,
      `<div class="problem" role="alert"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></div>${nextStepHtml(kind, contact)}`,
    ),
  );
}

/**
 * The page for input the router refused on a partner's page (the link or the form): the link is judged
 * before the form, so the reason shown is the one that applies — a changed id in the address (`linkFields`:
 * the page's path parameters) is an invalid link, a missing or cut-off token an incomplete one, and only then
 * is the message itself at fault.
 */
export function invalidPageInputFor(linkFields: readonly string[]) {
  return (fields: readonly { field: string }[], status: 400 | 413): HttpResponse => {
    if (status === 413) return problemPage('too-large');
    if (fields.some((item) => linkFields.includes(item.field))) return problemPage('tampered');
    if (fields.some((item) => item.field === 'token')) return problemPage('missing-token');
    return problemPage('invalid-form');
  };
}

/** A commission notice's pages: the link is the notice id and its token. */
export const invalidPageInput = invalidPageInputFor(['noticeId']);
