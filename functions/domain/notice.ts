import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.ts';
import type { CommissionChange } from './commission-change.ts';
import { type RelationshipStage, stageLabel } from './relationship-stage.ts';

/**
 * What the partner is shown. The content hash covers exactly these fields, so an acknowledgement can prove
 * which words were on the page (principle 4). Internal fields are never part of it.
 */
export interface NoticeContent {
  noticeVersion: number;
  changeId: string;
  partnerName: string;
  partnerStage: RelationshipStage;
  kind: 'commission-rate-cut' | 'commission-rate-raise';
  currentRatePct: number;
  newRatePct: number;
  effectiveDate: string;
  scopeDescription: string;
  /** Verbatim, as finance wrote it (principle 2). */
  rationale: string;
  noticePeriodDays: number;
  acknowledgementRequired: boolean;
}

export function noticeContentOf(
  change: CommissionChange,
  partnerName: string,
  noticeVersion: number,
): NoticeContent {
  return {
    noticeVersion,
    changeId: change.changeId,
    partnerName,
    partnerStage: change.partnerStage,
    kind: change.direction === 'cut' ? 'commission-rate-cut' : 'commission-rate-raise',
    currentRatePct: change.currentRatePct,
    newRatePct: change.newRatePct,
    effectiveDate: change.effectiveDate,
    scopeDescription: describeScope(change),
    rationale: change.rationale,
    noticePeriodDays: change.noticePeriodDays,
    acknowledgementRequired: change.direction === 'cut',
  };
}

function describeScope(change: CommissionChange): string {
  const parts: string[] = [];
  if (change.scope?.products?.length) parts.push(`products: ${change.scope.products.join(', ')}`);
  if (change.scope?.accounts?.length) parts.push(`accounts: ${change.scope.accounts.join(', ')}`);
  return parts.length > 0 ? parts.join('; ') : 'all products and accounts';
}

export function noticeContentHash(content: NoticeContent): string {
  return `sha256:${createHash('sha256').update(canonicalJson(content)).digest('hex')}`;
}

export function noticeSubject(content: NoticeContent): string {
  const verb = content.kind === 'commission-rate-cut' ? 'reduction' : 'increase';
  return `Notice of commission ${verb}: ${content.currentRatePct}% → ${content.newRatePct}% from ${content.effectiveDate}`;
}

/** Plain-text lines of the notice, shared by the email's text part and its HTML part. */
export function noticeParagraphs(content: NoticeContent): { label: string; value: string }[] {
  return [
    { label: 'Partner', value: `${content.partnerName} (${stageLabel(content.partnerStage)})` },
    { label: 'Current commission rate', value: `${content.currentRatePct}%` },
    { label: 'New commission rate', value: `${content.newRatePct}%` },
    { label: 'Effective date', value: content.effectiveDate },
    { label: 'Applies to', value: content.scopeDescription },
    {
      label: 'Notice period',
      value:
        content.noticePeriodDays > 0
          ? `${content.noticePeriodDays} days from delivery of this notice; the new rate never applies to sales booked before the effective date.`
          : 'None required (this change benefits you); sales booked before the effective date keep their rate.',
    },
  ];
}

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** The notice as an HTML fragment (email body and acknowledgement page share it). */
export function noticeHtmlFragment(content: NoticeContent): string {
  const rows = noticeParagraphs(content)
    .map(
      (line) => `<tr><th scope="row">${escapeHtml(line.label)}</th><td>${escapeHtml(line.value)}</td></tr>`,
    )
    .join('');
  return `<table class="notice">${rows}</table><h2>Why we are making this change</h2><blockquote class="rationale">${escapeHtml(content.rationale).replaceAll('\n', '<br>')}</blockquote>`;
}

export interface RenderedNoticeEmail {
  subject: string;
  text: string;
  html: string;
}

export function renderNoticeEmail(
  content: NoticeContent,
  recipientName: string,
  link: string,
): RenderedNoticeEmail {
  const action = content.acknowledgementRequired
    ? 'Please open the link below to read the notice and acknowledge it. Questions or concerns: reply to your alliance manager.'
    : 'You can open the link below to read the notice and acknowledge it.';
  const text = [
    `Dear ${recipientName},`,
    '',
    noticeSubject(content),
    '',
    ...noticeParagraphs(content).map((line) => `${line.label}: ${line.value}`),
    '',
    'Why we are making this change:',
    content.rationale,
    '',
    action,
    link,
    '',
    `Notice version ${content.noticeVersion} · change ${content.changeId}`,
  ].join('\n');
  const html = `<!doctype html><html><body><p>Dear ${escapeHtml(recipientName)},</p><h1>${escapeHtml(noticeSubject(content))}</h1>${noticeHtmlFragment(content)}<p>${escapeHtml(action)}</p><p><a href="${escapeHtml(link)}">Read and acknowledge the notice</a></p><p><small>Notice version ${content.noticeVersion} · change ${escapeHtml(content.changeId)}</small></p></body></html>`;
  return { subject: noticeSubject(content), text, html };
}
