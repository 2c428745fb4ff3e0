import { createHash } from 'node:crypto';
import { parseIsoDate } from './calendar.ts';
import { canonicalJson } from './canonical-json.ts';
import { type RelationshipStage, stageLabel } from './relationship-stage.ts';

/** A line of what the partner is shown ("New commission rate: 11%"). */
export interface NoticeLine {
  label: string;
  value: string;
}

/**
 * What the partner is shown, for any kind of change. The content hash covers exactly these fields, so an
 * acknowledgement proves which words were on the page (principle 4). Internal fields are never part of it.
 */
export interface NoticeContent {
  noticeId: string;
  noticeVersion: number;
  changeId: string;
  /** The change kind (e.g. 'commission-change'). */
  kind: string;
  partnerName: string;
  partnerStage: RelationshipStage;
  /** The kind's one-line description, e.g. "commission reduction: 12% → 11%". */
  title: string;
  /** The kind's terms, in the partner's words. */
  terms: NoticeLine[];
  /** The day the submitter asked for. */
  effectiveDate: string;
  /** The day the change really takes effect: never before the notice period has run from delivery. */
  appliesFrom: string;
  noticePeriodDays: number;
  adverse: boolean;
  acknowledgementRequired: boolean;
  emergency?: { justification: string; standardNoticeDays: number };
  /** Verbatim, as the submitter wrote it (principle 2). */
  rationale: string;
  allianceManager: { name: string; email: string };
  /** A revision after a concern: which version it replaces and how it compares for the partner. */
  replaces?: { version: number; comparedToPrevious: 'worse' | 'better' | 'same' };
}

export function noticeContentHash(content: NoticeContent): string {
  return `sha256:${createHash('sha256').update(canonicalJson(content)).digest('hex')}`;
}

/** "Monday 1 March 2027": partners read this, not machines. */
export function humanDate(isoDate: string): string {
  const date = parseIsoDate(isoDate);
  if (!date) return isoDate;
  const weekday = date.toLocaleDateString('en-GB', { weekday: 'long', timeZone: 'UTC' });
  const day = date.toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  });
  return `${weekday} ${day}`;
}

function dated(isoDate: string): string {
  return `${humanDate(isoDate)} (${isoDate})`;
}

export function noticeSubject(content: NoticeContent): string {
  const prefix = content.emergency ? 'Emergency notice' : content.replaces ? 'Revised notice' : 'Notice';
  return `${prefix} of ${content.title} from ${content.appliesFrom}`;
}

/** The notice's lines, shared by the email's text part, its HTML part and the partner's page. */
export function noticeLines(content: NoticeContent): NoticeLine[] {
  const lines: NoticeLine[] = [
    { label: 'Partner', value: `${content.partnerName} (${stageLabel(content.partnerStage)})` },
    ...content.terms,
    { label: 'Takes effect from', value: dated(content.appliesFrom) },
  ];
  if (content.appliesFrom !== content.effectiveDate) {
    lines.push({
      label: 'Originally planned from',
      value: `${dated(content.effectiveDate)}; moved so you get the full notice period from the day this notice reached you.`,
    });
  }
  lines.push({
    label: 'Notice period',
    value:
      content.noticePeriodDays > 0
        ? `${content.noticePeriodDays} days from delivery of this notice. It never applies to sales booked before it takes effect.`
        : 'None required (this change benefits you). Sales booked before it takes effect keep their terms.',
  });
  if (content.emergency) {
    lines.push({
      label: 'Emergency notice',
      value: `Shorter than the usual ${content.emergency.standardNoticeDays} days, because: ${content.emergency.justification}`,
    });
  }
  if (content.replaces) {
    const how = {
      worse: 'The new terms are less favourable to you, so the notice period starts again from this notice.',
      better: 'The new terms are more favourable to you; the date stays as announced.',
      same: 'The terms are unchanged in effect; the date stays as announced.',
    }[content.replaces.comparedToPrevious];
    lines.push({ label: 'Revision', value: `Replaces notice version ${content.replaces.version}. ${how}` });
  }
  lines.push({
    label: 'Your alliance manager',
    value: `${content.allianceManager.name} <${content.allianceManager.email}>`,
  });
  return lines;
}

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** The notice as an HTML fragment (email body and the partner's page share it). */
export function noticeHtmlFragment(content: NoticeContent): string {
  const rows = noticeLines(content)
    .map(
      (line) => `<tr><th scope="row">${escapeHtml(line.label)}</th><td>${escapeHtml(line.value)}</td></tr>`,
    )
    .join('');
  const emergency = content.emergency
    ? '<p class="emergency"><strong>This is an emergency notice: shorter than the usual notice period.</strong></p>'
    : '';
  return `${emergency}<table class="notice">${rows}</table><h2>Why we are making this change</h2><blockquote class="rationale">${escapeHtml(content.rationale).replaceAll('\n', '<br>')}</blockquote>`;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

/** Plain lines → an email with a text part and an escaped HTML part (no markup from data ever survives). */
export function plainEmail(
  subject: string,
  paragraphs: readonly string[],
  link?: { href: string; label: string },
): RenderedEmail {
  const text = [...paragraphs, ...(link ? ['', link.href] : [])].join('\n');
  const html = `<!doctype html><html><body>${paragraphs
    .map((line) => (line === '' ? '' : `<p>${escapeHtml(line)}</p>`))
    .join(
      '',
    )}${link ? `<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.label)}</a></p>` : ''}</body></html>`;
  return { subject, text, html };
}

/**
 * The notice email to one partner contact, with that contact's own link. `preface` is a sentence put before
 * the notice (a reminder, or why a fallback contact receives it).
 */
export function renderNoticeEmail(
  content: NoticeContent,
  recipientName: string,
  link: string,
  preface?: string,
): RenderedEmail {
  const action = content.acknowledgementRequired
    ? 'Please open the link below to read the notice and acknowledge it, or to raise a concern about it.'
    : 'You can open the link below to read the notice, acknowledge it, or raise a concern about it.';
  const subject = noticeSubject(content);
  const text = [
    `Dear ${recipientName},`,
    '',
    ...(preface ? [preface, ''] : []),
    subject,
    '',
    ...noticeLines(content).map((line) => `${line.label}: ${line.value}`),
    '',
    'Why we are making this change:',
    content.rationale,
    '',
    action,
    link,
    '',
    `Notice version ${content.noticeVersion} · change ${content.changeId}`,
  ].join('\n');
  const html = `<!doctype html><html><body><p>Dear ${escapeHtml(recipientName)},</p>${preface ? `<p><strong>${escapeHtml(preface)}</strong></p>` : ''}<h1>${escapeHtml(subject)}</h1>${noticeHtmlFragment(content)}<p>${escapeHtml(action)}</p><p><a href="${escapeHtml(link)}">Read the notice, acknowledge it or raise a concern</a></p><p><small>Notice version ${content.noticeVersion} · change ${escapeHtml(content.changeId)}</small></p></body></html>`;
  return { subject, text, html };
}
