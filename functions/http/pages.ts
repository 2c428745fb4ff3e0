import type { StoredNotice } from '../adapters/dynamodb/change-store.ts';
import type { RecordedAcknowledgement } from '../domain/commission-change.ts';
import { escapeHtml, noticeHtmlFragment, noticeSubject } from '../domain/notice.ts';
import { type HttpResponse, html } from './responses.ts';

/** Pages the partner sees from a notice email: plain HTML, no account, no script. */
function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><style>
body{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1b1b1b}
table.notice{border-collapse:collapse;margin:1rem 0}table.notice th{text-align:left;padding:.3rem 1rem .3rem 0;vertical-align:top}
blockquote.rationale{border-left:4px solid #2b6cb0;margin:1rem 0;padding:.5rem 1rem;background:#f4f8fc}
button{font-size:1rem;padding:.6rem 1.2rem;background:#2b6cb0;color:#fff;border:0;border-radius:4px;cursor:pointer}
.receipt{background:#eef8ee;border:1px solid #9c9;padding:1rem;overflow-wrap:anywhere}.problem{background:#fff4f4;border:1px solid #d99;padding:1rem}
</style></head><body>${body}</body></html>`;
}

/** "23 November 2026, 09:00 UTC": partners read this, not machines. */
function readableInstant(iso: string): string {
  const at = new Date(iso);
  const day = at.toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  });
  return `${day}, ${at.toISOString().slice(11, 16)} UTC`;
}

function receipt(acknowledgement: RecordedAcknowledgement, heading: string): string {
  return `<div class="receipt" role="status"><h2>${escapeHtml(heading)}</h2><p>Acknowledged on <time datetime="${escapeHtml(acknowledgement.acknowledgedAt)}">${escapeHtml(readableInstant(acknowledgement.acknowledgedAt))}</time> for notice version ${acknowledgement.noticeVersion} (content ${escapeHtml(acknowledgement.contentHash)}).</p></div>`;
}

export function noticePage(
  notice: StoredNotice,
  token: string,
  acknowledgement?: RecordedAcknowledgement,
): HttpResponse {
  const action = acknowledgement
    ? receipt(acknowledgement, 'This notice has already been acknowledged')
    : `<form method="post" action="/notices/${encodeURIComponent(notice.noticeId)}/acknowledgement"><input type="hidden" name="token" value="${escapeHtml(token)}"><p>By acknowledging, you confirm you have received and read this notice. It does not mean you agree with it.</p><button type="submit">Acknowledge this notice</button></form>`;
  return html(
    200,
    page(
      noticeSubject(notice.content),
      `<h1>${escapeHtml(noticeSubject(notice.content))}</h1>${noticeHtmlFragment(notice.content)}${action}<p><small>Notice version ${notice.version} · change ${escapeHtml(notice.changeId)}</small></p>`,
    ),
  );
}

export function acknowledgedPage(
  notice: StoredNotice,
  acknowledgement: RecordedAcknowledgement,
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
    text: 'Acknowledgement links expire some time after the change takes effect. Please contact your alliance manager if you need a copy of the notice.',
  },
  'missing-token': {
    status: 403,
    title: 'This link is incomplete',
    text: 'The link is missing its security token. Please open the full link from your notice email.',
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
