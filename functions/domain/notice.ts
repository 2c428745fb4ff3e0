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
 * What a change means in money on an example the partner can picture, produced by the change kind (a
 * commission change: "Per $10,000 of bookings", "$1,200" → "$1,100"). Kinds without money terms have none.
 */
export interface NoticeExample {
  label: string;
  before: string;
  after: string;
}

/** Who the partner writes to about a notice: named on the notice, its receipts and its refusal pages. */
export interface AllianceManagerContact {
  name: string;
  email: string;
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
  /** The change in money on an example, when the kind has one. */
  example?: NoticeExample;
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
  allianceManager: AllianceManagerContact;
  /** A revision after a concern: which version it replaces and how it compares for the partner. */
  replaces?: { version: number; comparedToPrevious: 'worse' | 'better' | 'same' };
}

export function noticeContentHash(content: NoticeContent): string {
  return `sha256:${createHash('sha256').update(canonicalJson(content)).digest('hex')}`;
}

/** "1 March 2027", as people write a date: partners read this, not machines. */
/** One formatter for every date shown (toLocaleDateString builds a new one per call: slow in a 10,000-email round). */
const dateInWords = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  timeZone: 'UTC',
});

export function humanDate(isoDate: string): string {
  const date = parseIsoDate(isoDate);
  if (!date) return isoDate;
  return dateInWords.format(date);
}

export function noticeSubject(content: NoticeContent): string {
  const prefix = content.emergency ? 'Emergency notice' : content.replaces ? 'Revised notice' : 'Notice';
  return `${prefix} of ${content.title} from ${humanDate(content.appliesFrom)}`;
}

/** "Per $10,000 of bookings: $1,200 → $1,100". */
export function exampleText(example: NoticeExample): string {
  return `${example.label}: ${example.before} → ${example.after}`;
}

function takesEffectLine(content: NoticeContent): NoticeLine {
  return { label: 'Takes effect from', value: humanDate(content.appliesFrom) };
}

/** The lines beyond the change itself, its date and its money example: the notice's fine print. */
function detailLines(content: NoticeContent): NoticeLine[] {
  const lines: NoticeLine[] = [
    { label: 'Partner', value: `${content.partnerName} (${stageLabel(content.partnerStage)})` },
    ...content.terms,
  ];
  if (content.appliesFrom !== content.effectiveDate) {
    lines.push({
      label: 'Originally planned from',
      value: `${humanDate(content.effectiveDate)}; moved so you get the full notice period from the day this notice reached you.`,
    });
  }
  // Principle 3 in the partner's words, for a change with money terms (the kinds that have an example):
  // a stage move, say, changes no sale's terms, so it is not promised there.
  const sales = content.example
    ? content.noticePeriodDays > 0
      ? ' It never applies to sales booked before it takes effect.'
      : ' Sales booked before it takes effect keep their terms.'
    : '';
  lines.push({
    label: 'Notice period',
    value:
      content.noticePeriodDays > 0
        ? `${content.noticePeriodDays} days from delivery of this notice.${sales}`
        : `None required (this change benefits you).${sales}`,
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
  return lines;
}

/** The notice's lines, all of them: the email's text part reads them in this order. */
export function noticeLines(content: NoticeContent): NoticeLine[] {
  const [partner, ...rest] = detailLines(content);
  const terms = rest.slice(0, content.terms.length);
  const fine = rest.slice(content.terms.length);
  return [
    ...(partner ? [partner] : []),
    ...terms,
    ...(content.example ? [{ label: 'What it means in money', value: exampleText(content.example) }] : []),
    takesEffectLine(content),
    ...fine,
    {
      label: 'Your alliance manager',
      value: `${content.allianceManager.name} <${content.allianceManager.email}>`,
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

/** "Dana Whitfield, dana@vendor.example" with the address as a mailto link. */
export function contactHtml(contact: AllianceManagerContact): string {
  return `${escapeHtml(contact.name)}, <a href="mailto:${escapeHtml(encodeURI(contact.email))}">${escapeHtml(contact.email)}</a>`;
}

/**
 * The change at a glance, first: from when, what it means in money, and whom to ask — under the notice's
 * heading. A definition list, so a phone shows each fact under its label with nothing to scroll sideways.
 */
export function noticeSummaryHtml(content: NoticeContent): string {
  const example = content.example
    ? `<div class="fact"><dt>${escapeHtml(content.example.label)}</dt><dd class="money">${escapeHtml(content.example.before)} → <strong>${escapeHtml(content.example.after)}</strong></dd></div>`
    : '';
  const emergency = content.emergency
    ? '<p class="emergency"><strong>This is an emergency notice: shorter than the usual notice period.</strong></p>'
    : '';
  return `${emergency}<dl class="facts"><div class="fact"><dt>Takes effect from</dt><dd><strong>${escapeHtml(humanDate(content.appliesFrom))}</strong></dd></div>${example}<div class="fact"><dt>Your alliance manager</dt><dd>${contactHtml(content.allianceManager)}</dd></div></dl>`;
}

export function noticeRationaleHtml(content: NoticeContent): string {
  return `<section aria-labelledby="why-title"><h2 id="why-title">Why we are making this change</h2><blockquote class="rationale">${escapeHtml(content.rationale).replaceAll('\n', '<br>')}</blockquote></section>`;
}

/** The fine print: the partner, the kind's terms, the notice period, a moved date, an emergency, a revision. */
export function noticeDetailsHtml(content: NoticeContent): string {
  const rows = detailLines(content)
    .map(
      (line) => `<tr><th scope="row">${escapeHtml(line.label)}</th><td>${escapeHtml(line.value)}</td></tr>`,
    )
    .join('');
  return `<section aria-labelledby="details-title"><h2 id="details-title">The details</h2><table class="notice">${rows}</table></section>`;
}

/** The notice as an HTML fragment for the email: the change first, then its reason, then the details. */
export function noticeHtmlFragment(content: NoticeContent): string {
  return `${noticeSummaryHtml(content)}${noticeRationaleHtml(content)}${noticeDetailsHtml(content)}`;
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
