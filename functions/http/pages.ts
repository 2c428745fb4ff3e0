import type { StoredNotice } from '../adapters/dynamodb/change-store.ts';
import type { AcknowledgementRecord, DisputeState } from '../domain/change.ts';
import { escapeHtml, humanDate, noticeHtmlFragment, noticeSubject } from '../domain/notice.ts';
import { type HttpResponse, html } from './responses.ts';

/** Pages the partner sees from a notice email: plain HTML, readable on a phone, no account, no script. */
function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><style>
body{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1b1b1b}
main{display:block}
table.notice{border-collapse:collapse;margin:1rem 0}table.notice th{text-align:left;padding:.3rem 1rem .3rem 0;vertical-align:top}
blockquote.rationale{border-left:4px solid #1d5a9a;margin:1rem 0;padding:.5rem 1rem;background:#f4f8fc}
button{font-size:1rem;padding:.6rem 1.2rem;background:#1d5a9a;color:#fff;border:0;border-radius:4px;cursor:pointer}
button.secondary{background:#fff;color:#1d5a9a;border:2px solid #1d5a9a}
textarea{width:100%;box-sizing:border-box;font:inherit;padding:.5rem;border:1px solid #666;border-radius:4px}
label{font-weight:600;display:block;margin:.5rem 0 .25rem}
.actions{display:grid;gap:1.5rem;margin:1.5rem 0}
.receipt{background:#eef8ee;border:1px solid #9c9;padding:1rem;overflow-wrap:anywhere}
.problem{background:#fff4f4;border:1px solid #d99;padding:1rem}.notice-state{background:#fff8e6;border:1px solid #e0b84d;padding:1rem}
.emergency{background:#fff4f4;border:1px solid #d99;padding:.5rem 1rem}
@media (max-width:30rem){table.notice th,table.notice td{display:block;padding:.1rem 0}table.notice td{margin-bottom:.6rem}}
</style></head><body><main>${body}</main></body></html>`;
}

/** "23 November 2026, 09:00 UTC": partners read this, not machines. */
export function readableInstant(iso: string): string {
  return `${humanDate(iso.slice(0, 10))}, ${iso.slice(11, 16)} UTC`;
}

function receipt(acknowledgement: AcknowledgementRecord, heading: string): string {
  return `<div class="receipt" role="status"><h2>${escapeHtml(heading)}</h2><p>Acknowledged on <time datetime="${escapeHtml(acknowledgement.acknowledgedAt)}">${escapeHtml(readableInstant(acknowledgement.acknowledgedAt))}</time> for notice version ${acknowledgement.noticeVersion} (content ${escapeHtml(acknowledgement.contentHash)}).</p></div>`;
}

function concernStatus(dispute: DisputeState): string {
  return `<div class="notice-state" role="status"><h2>Your concern is being handled</h2><p>Raised on ${escapeHtml(readableInstant(dispute.raisedAt))}. ${escapeHtml(dispute.owner.name)} (${escapeHtml(dispute.owner.email)}) owns it and will answer by ${escapeHtml(humanDate(dispute.dueAt.slice(0, 10)))}.</p><blockquote>${escapeHtml(dispute.comment)}</blockquote></div>`;
}

export interface NoticePageState {
  state: 'open' | 'superseded' | 'withdrawn';
  acknowledgement?: AcknowledgementRecord;
  dispute?: DisputeState;
}

export function noticePage(notice: StoredNotice, token: string, view: NoticePageState): HttpResponse {
  const id = encodeURIComponent(notice.noticeId);
  const hidden = `<input type="hidden" name="token" value="${escapeHtml(token)}">`;
  const acknowledgeForm = `<form method="post" action="/notices/${id}/acknowledgement">${hidden}<p>By acknowledging, you confirm you have received and read this notice. It does not mean you agree with it.</p><button type="submit">Acknowledge this notice</button></form>`;
  const concernForm = `<form method="post" action="/notices/${id}/concern">${hidden}<label for="comment">Raise a concern</label><p id="comment-help">Tell us what worries you about this change. ${escapeHtml(notice.content.allianceManager.name)} will answer you in writing.</p><textarea id="comment" name="comment" rows="4" minlength="10" maxlength="4000" required aria-describedby="comment-help"></textarea><p><button type="submit" class="secondary">Send my concern</button></p></form>`;
  let actions: string;
  if (view.state === 'superseded') {
    actions = `<div class="notice-state" role="status"><h2>This notice has been replaced</h2><p>A revised version of this notice was sent to you. Please read and act on the newer email.</p></div>`;
  } else if (view.state === 'withdrawn') {
    actions = `<div class="notice-state" role="status"><h2>This change was withdrawn</h2><p>It will not take effect. Nothing changes for you.</p></div>`;
  } else {
    const acknowledged = view.acknowledgement
      ? receipt(view.acknowledgement, 'This notice has already been acknowledged')
      : acknowledgeForm;
    actions = `<div class="actions">${acknowledged}${view.dispute ? concernStatus(view.dispute) : concernForm}</div>`;
  }
  return html(
    200,
    page(
      noticeSubject(notice.content),
      `<h1>${escapeHtml(noticeSubject(notice.content))}</h1>${noticeHtmlFragment(notice.content)}${actions}<p><small>Notice version ${notice.version} · change ${escapeHtml(notice.changeId)}</small></p>`,
    ),
  );
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
      `<h1>${escapeHtml(heading)}</h1>${receipt(acknowledgement, noticeSubject(notice.content))}`,
    ),
  );
}

export function concernPage(notice: StoredNotice, dispute: DisputeState, alreadyOpen: boolean): HttpResponse {
  const heading = alreadyOpen ? 'Your concern was already received' : 'Thank you: your concern is recorded';
  return html(
    200,
    page(
      heading,
      `<h1>${escapeHtml(heading)}</h1><p>About: ${escapeHtml(noticeSubject(notice.content))}</p>${concernStatus(dispute)}`,
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
    text: 'We have no record of this notice for this link. Please contact your alliance manager.',
  },
  expired: {
    status: 410,
    title: 'This link has expired',
    text: 'Links expire some time after the change takes effect. Please contact your alliance manager if you need a copy of the notice.',
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
    text: 'It has ended. Please contact your alliance manager.',
  },
} as const;

export type PageProblem = keyof typeof problems;

export function problemPage(kind: PageProblem): HttpResponse {
  const { status, title, text } = problems[kind];
  return html(
    status,
    page(
      title,
      `<div class="problem" role="alert"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></div>`,
    ),
  );
}

/**
 * The page for input the router refused on a partner's page (the link or the form): the link is judged
 * before the form, so the reason shown is the one that applies — a changed notice id in the address is an
 * invalid link, a missing or cut-off token an incomplete one, and only then is the message itself at fault.
 */
export function invalidPageInput(fields: readonly { field: string }[], status: 400 | 413): HttpResponse {
  if (status === 413) return problemPage('too-large');
  if (fields.some((item) => item.field === 'noticeId')) return problemPage('tampered');
  if (fields.some((item) => item.field === 'token')) return problemPage('missing-token');
  return problemPage('invalid-form');
}
