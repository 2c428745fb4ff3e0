import {
  type PDFDocument as Doc,
  PageSizes,
  PDFDocument,
  type PDFFont,
  type PDFPage,
  rgb,
  StandardFonts,
} from 'pdf-lib';
import type { EvidencePack } from './evidence.ts';

/**
 * The evidence pack as a PDF a person reads (and prints, and files): pdf-lib, pure JavaScript, so it renders
 * inside the API's Lambda with no browser. Its standard fonts encode WinAnsi (Windows-1252) only, so every
 * text is first brought into that set (printableText): what has no equivalent is shown as "?" and the page says
 * so — the JSON pack beside it keeps every text verbatim.
 */

/** The characters of WinAnsi beyond Latin-1: Windows-1252's 0x80–0x9F. */
const WIN_ANSI_EXTRA = new Set([...'€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ']);

/** Common characters outside WinAnsi, in the nearest words or signs it has. */
const REPLACEMENTS: Record<string, string> = {
  '→': '->',
  '←': '<-',
  '↔': '<->',
  '⇒': '=>',
  '≥': '>=',
  '≤': '<=',
  '≠': '!=',
  '≈': '~',
  '−': '-',
  '‐': '-',
  '‑': '-',
  '‒': '-',
  '′': "'",
  '″': '"',
  '✓': 'v',
  '✔': 'v',
  '✗': 'x',
  // Letters NFKD does not take apart (no combining mark to strip).
  Ł: 'L',
  ł: 'l',
  Đ: 'D',
  đ: 'd',
  Ħ: 'H',
  ħ: 'h',
  ı: 'i',
  '\u00a0': ' ',
  '\u2009': ' ',
  '\u202f': ' ',
  '\u200b': '',
  '\u200d': '',
  '\ufe0f': '',
};

const encodable = (char: string): boolean => {
  const code = char.codePointAt(0)!;
  return (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || WIN_ANSI_EXTRA.has(char);
};

/**
 * `text` in characters the standard fonts can encode (line breaks kept for the layout to break at): tabs as
 * spaces, other control characters dropped, a
 * known sign replaced (→ as ->), an accented letter outside Latin-1 by its base letter (ő as o), anything else
 * (emoji, CJK) as "?". `replaced` counts the characters shown as "?".
 */
export function printableText(text: string): { text: string; replaced: number } {
  let replaced = 0;
  let out = '';
  for (const char of text) {
    if (encodable(char) || char === '\n') out += char;
    else if (char === '\t') out += '    ';
    else if (char in REPLACEMENTS) out += REPLACEMENTS[char];
    else if ((char.codePointAt(0) ?? 0) < 0x20 || char === '\u007f') continue;
    else {
      const base = char.normalize('NFKD').replace(/\p{M}/gu, '');
      if (base.length > 0 && [...base].every(encodable)) out += base;
      else {
        out += '?';
        replaced += 1;
      }
    }
  }
  return { text: out, replaced };
}

const MARGIN = 50;
const FOOTER = 30;
const INK = rgb(0.1, 0.1, 0.12);
const MUTED = rgb(0.38, 0.38, 0.42);
const RULE = rgb(0.8, 0.8, 0.83);
const GOOD = rgb(0.05, 0.45, 0.2);
const BAD = rgb(0.7, 0.05, 0.05);

interface Fonts {
  regular: PDFFont;
  bold: PDFFont;
  mono: PDFFont;
}

type Style = { font?: keyof Fonts; size?: number; color?: ReturnType<typeof rgb>; indent?: number };

/** Lays text out top-down over as many A4 pages as it needs, wrapping every line to the page's width. */
class Layout {
  page: PDFPage;
  y: number;
  replaced = 0;
  readonly width: number;

  constructor(
    private readonly doc: Doc,
    private readonly fonts: Fonts,
  ) {
    this.page = this.addPage();
    this.y = this.page.getHeight() - MARGIN;
    this.width = this.page.getWidth() - 2 * MARGIN;
  }

  private addPage(): PDFPage {
    const page = this.doc.addPage(PageSizes.A4);
    this.page = page;
    this.y = page.getHeight() - MARGIN;
    return page;
  }

  /** Room for `height` more points on this page, else a new page. */
  ensure(height: number): void {
    if (this.y - height < MARGIN + FOOTER) this.addPage();
  }

  clean(text: string): string {
    const printable = printableText(text);
    this.replaced += printable.replaced;
    return printable.text;
  }

  /** `text` broken into lines no wider than `width` (words kept whole unless one alone is too wide). */
  wrap(text: string, font: PDFFont, size: number, width: number): string[] {
    const lines: string[] = [];
    for (const paragraph of this.clean(text).split(/\r?\n/)) {
      let current = '';
      for (const word of paragraph.split(/ +/)) {
        const candidate = current ? `${current} ${word}` : word;
        if (font.widthOfTextAtSize(candidate, size) <= width) {
          current = candidate;
          continue;
        }
        if (current) lines.push(current);
        current = '';
        // A word wider than the line (a hash, a URL): cut by characters.
        let rest = word;
        while (font.widthOfTextAtSize(rest, size) > width) {
          let cut = rest.length - 1;
          while (cut > 1 && font.widthOfTextAtSize(rest.slice(0, cut), size) > width) cut -= 1;
          lines.push(rest.slice(0, cut));
          rest = rest.slice(cut);
        }
        current = rest;
      }
      lines.push(current);
    }
    return lines;
  }

  text(text: string, style: Style = {}): void {
    const font = this.fonts[style.font ?? 'regular'];
    const size = style.size ?? 10;
    const indent = style.indent ?? 0;
    const leading = size * 1.35;
    for (const line of this.wrap(text, font, size, this.width - indent)) {
      this.ensure(leading);
      this.y -= leading;
      this.page.drawText(line, {
        x: MARGIN + indent,
        y: this.y + size * 0.3,
        size,
        font,
        color: style.color ?? INK,
      });
    }
  }

  gap(points = 6): void {
    this.y -= points;
  }

  heading(text: string): void {
    this.ensure(50);
    this.gap(12);
    this.text(text, { font: 'bold', size: 13 });
    this.page.drawLine({
      start: { x: MARGIN, y: this.y - 2 },
      end: { x: MARGIN + this.width, y: this.y - 2 },
      thickness: 0.7,
      color: RULE,
    });
    this.gap(6);
  }

  /** A label and its value on one line when they fit, the value wrapped under the label's column otherwise. */
  field(label: string, value: string, style: Style = {}): void {
    const size = style.size ?? 10;
    const labelWidth = 130;
    const font = this.fonts[style.font ?? 'regular'];
    const lines = this.wrap(value, font, size, this.width - labelWidth);
    const leading = size * 1.35;
    for (const [index, line] of lines.entries()) {
      this.ensure(leading);
      this.y -= leading;
      if (index === 0)
        this.page.drawText(this.clean(label), {
          x: MARGIN,
          y: this.y + size * 0.3,
          size,
          font: this.fonts.bold,
          color: MUTED,
        });
      this.page.drawText(line, {
        x: MARGIN + labelWidth,
        y: this.y + size * 0.3,
        size,
        font,
        color: style.color ?? INK,
      });
    }
  }

  /** A table: a header row, then rows whose cells wrap in their column; a row never splits across pages. */
  table(columns: { title: string; width: number }[], rows: string[][], after?: (row: number) => void): void {
    const size = 8;
    const leading = size * 1.3;
    const header = () => {
      this.ensure(leading * 3);
      this.y -= leading;
      let x = MARGIN;
      for (const column of columns) {
        this.page.drawText(column.title, { x, y: this.y + 2, size, font: this.fonts.bold, color: MUTED });
        x += column.width;
      }
      this.page.drawLine({
        start: { x: MARGIN, y: this.y - 1 },
        end: { x: MARGIN + this.width, y: this.y - 1 },
        thickness: 0.5,
        color: RULE,
      });
      this.y -= 3;
    };
    header();
    for (const [index, row] of rows.entries()) {
      const cells = row.map((cell, column) =>
        this.wrap(cell, this.fonts.regular, size, (columns[column]?.width ?? 60) - 6),
      );
      const height = Math.max(...cells.map((lines) => lines.length)) * leading + 12;
      if (this.y - height < MARGIN + FOOTER) {
        this.addPage();
        header();
      }
      const top = this.y;
      let x = MARGIN;
      for (const [column, lines] of cells.entries()) {
        for (const [at, line] of lines.entries())
          this.page.drawText(line, {
            x,
            y: top - leading * (at + 1) + 2,
            size,
            font: this.fonts.regular,
            color: INK,
          });
        x += columns[column]?.width ?? 60;
      }
      this.y = top - Math.max(...cells.map((lines) => lines.length)) * leading;
      after?.(index);
      this.y -= 3;
    }
  }
}

const yesNo = (value: boolean) => (value ? 'yes' : 'NO');

/** The evidence pack as PDF bytes: the title, partner and change, the notice as shown, the rationale, the
 * timeline, each acknowledgement with its proof, opens and deliveries, the digest and the verdict, page
 * numbers on every page. */
export async function evidencePdf(pack: EvidencePack): Promise<Uint8Array> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  const generatedAt = new Date(pack.generatedAt);
  doc.setTitle(`Evidence pack: change ${pack.changeId}`);
  doc.setSubject(`${pack.kindLabel} for ${printableText(pack.partner.name).text}`);
  doc.setProducer('Partner Change Notice');
  doc.setCreator('Partner Change Notice');
  doc.setCreationDate(generatedAt);
  doc.setModificationDate(generatedAt);
  const fonts: Fonts = {
    regular: await doc.embedFont(StandardFonts.Helvetica),
    bold: await doc.embedFont(StandardFonts.HelveticaBold),
    mono: await doc.embedFont(StandardFonts.Courier),
  };
  const out = new Layout(doc, fonts);
  const { verification, digest } = pack;

  out.text('Evidence pack', { font: 'bold', size: 20 });
  out.text(`Change ${pack.changeId}: ${pack.kindLabel} for ${pack.partner.name}`, { size: 12 });
  out.text(`Generated ${pack.generatedAt}`, { size: 9, color: MUTED });
  out.gap(8);
  out.text(`Verification: ${verification.verdict}`, {
    font: 'bold',
    size: 11,
    color: verification.intact ? GOOD : BAD,
  });

  out.heading('Partner and change');
  out.field('Partner', `${pack.partner.name} (${pack.partner.partnerId}), ${pack.partner.stage}`);
  out.field('Change', pack.changeId);
  out.field('Kind', pack.kindLabel);
  out.field('What changes', pack.whatChanges);
  out.field('Effective date', pack.effectiveDate);
  out.field('Worse for the partner', pack.adverse ? 'yes' : 'no');
  out.field('Status', pack.status);
  out.field('Submitted', `${pack.submittedBy}, ${pack.submittedAt}`);
  out.field('Approved by', pack.approvedBy.length > 0 ? pack.approvedBy.join(', ') : 'no approval needed');

  out.heading('Rationale');
  out.text(pack.rationale);

  out.heading('The notice as shown');
  if (pack.notices.length === 0) out.text('No notice has been issued for this change.');
  for (const notice of pack.notices) {
    out.gap(4);
    out.text(`Version ${notice.version} (${notice.noticeId}), issued ${notice.issuedAt}`, { font: 'bold' });
    out.text(notice.subject, { size: 11 });
    for (const item of notice.lines) out.field(item.label, item.value, { size: 9 });
    out.text('Why we are making this change:', { font: 'bold', size: 9 });
    out.text(notice.rationale, { size: 9, indent: 10 });
    out.text('Content hash (recorded):', { size: 8, color: MUTED });
    out.text(notice.storedContentHash, { font: 'mono', size: 8 });
    out.text(
      notice.contentHashMatches
        ? 'The content above still hashes to it (recomputed now).'
        : `ALTERED: the content above now hashes to ${notice.recomputedContentHash}.`,
      { size: 8, color: notice.contentHashMatches ? GOOD : BAD },
    );
  }

  out.heading('Timeline (the audit trail, in order)');
  out.table(
    [
      { title: '#', width: 20 },
      { title: 'When (UTC)', width: 106 },
      { title: 'Event', width: 112 },
      { title: 'By', width: 66 },
      { title: 'What happened', width: out.width - 304 },
    ],
    pack.timeline.map((entry) => [String(entry.seq), entry.at, entry.type, entry.actor, entry.summary]),
    (index) => {
      const entry = pack.timeline[index]!;
      out.text(`hash ${entry.hash}`, { font: 'mono', size: 6, color: MUTED, indent: 20 });
    },
  );

  out.heading('Acknowledgements, with their proof');
  if (pack.acknowledgements.length === 0) out.text('Not acknowledged: no acknowledgement is recorded.');
  for (const ack of pack.acknowledgements) {
    const who = [ack.recipient.name, ack.recipient.email ? `<${ack.recipient.email}>` : undefined]
      .filter(Boolean)
      .join(' ');
    out.gap(4);
    out.text(`Acknowledged by ${who || ack.contactId} (contact ${ack.contactId})`, { font: 'bold' });
    out.field('Time', ack.acknowledgedAt, { size: 9 });
    out.field('Source IP', ack.sourceIp, { size: 9 });
    out.field('User agent', ack.userAgent, { size: 9 });
    out.field('Notice version', `${ack.noticeVersion} (${ack.noticeId})`, { size: 9 });
    out.field('Content hash', ack.contentHash, { font: 'mono', size: 8 });
    out.field('Matches the notice shown', yesNo(ack.matchesNoticeShown), {
      size: 9,
      color: ack.matchesNoticeShown ? GOOD : BAD,
    });
    out.field('Audit entry', `${ack.seq}`, { size: 9 });
  }
  out.gap(6);
  out.text('Deliveries (the email provider accepted the notice; not an acknowledgement)', {
    font: 'bold',
    size: 10,
  });
  if (pack.deliveries.length === 0) out.text('None recorded.', { size: 9 });
  for (const delivery of pack.deliveries)
    out.text(
      `Entry ${delivery.seq}: ${delivery.noticeId} delivered ${delivery.deliveredAt} to ${delivery.recipients.map((r) => r.contactId).join(', ') || 'no one listed'}`,
      { size: 9, indent: 10 },
    );
  out.gap(4);
  out.text(
    'Link opens (by the recipient or a mail scanner; never counted as a person, not an acknowledgement)',
    {
      font: 'bold',
      size: 10,
    },
  );
  if (pack.opens.length === 0) out.text('None recorded.', { size: 9 });
  for (const open of pack.opens)
    out.text(
      `Entry ${open.seq}: ${open.noticeId} opened ${open.at} for contact ${open.contactId} (${open.userAgent})`,
      {
        size: 9,
        indent: 10,
      },
    );

  out.heading('The signed digest that covers it');
  if (!digest.sealed) out.text(digest.message);
  else {
    out.text(`Digest ${digest.number}`, { font: 'bold', size: 11 });
    out.text(digest.message, { size: 9 });
    out.field('Sealed at', digest.sealedAt, { size: 9 });
    out.field('Streams sealed', String(digest.streams), { size: 9 });
    out.field('Signing key', `${digest.signingKeyId} (${digest.algorithm})`, { size: 9 });
    out.field('Merkle root', digest.merkleRoot, { font: 'mono', size: 8 });
    out.field('Previous digest', digest.previousDigestHash, { font: 'mono', size: 8 });
    out.field('Sealed head', `${digest.sealedHead.stream}, entry ${digest.sealedHead.seq}`, { size: 9 });
    out.field('Sealed head hash', digest.sealedHead.hash, { font: 'mono', size: 8 });
    out.text('Signature (base64 DER):', { size: 8, color: MUTED });
    out.text(digest.signature, { font: 'mono', size: 7 });
    out.text(
      `Merkle inclusion proof (${digest.inclusionProof.length} step${digest.inclusionProof.length === 1 ? '' : 's'}, leaf to root):`,
      { size: 8, color: MUTED },
    );
    for (const step of digest.inclusionProof)
      out.text(`${step.side.padEnd(5)} ${step.hash}`, { font: 'mono', size: 7 });
  }

  out.heading('Verification');
  out.text(verification.intact ? 'Result: intact' : 'Result: TAMPERED', {
    font: 'bold',
    size: 12,
    color: verification.intact ? GOOD : BAD,
  });
  out.text(verification.verdict, { size: 9 });
  out.field(
    'Audit trail',
    `${verification.stream.entries} entries, every hash and link recomputed${verification.stream.head ? `; head at entry ${verification.stream.head.seq}` : ''}`,
    { size: 9 },
  );
  out.field(
    'Digest series',
    `${verification.digests.count} digest(s), each signature checked with the public key`,
    {
      size: 9,
    },
  );
  if (verification.inclusionProofVerifies !== undefined)
    out.field(
      'Inclusion proof',
      verification.inclusionProofVerifies ? 'leads to the digest’s Merkle root' : 'FAILS',
      {
        size: 9,
      },
    );
  for (const problem of verification.stream.problems)
    out.text(`Entry ${problem.seq}: ${problem.kind} — ${problem.message}`, {
      size: 9,
      color: BAD,
      indent: 10,
    });
  for (const problem of verification.digests.problems)
    out.text(`Digest ${problem.number}: ${problem.kind} — ${problem.message}`, {
      size: 9,
      color: BAD,
      indent: 10,
    });
  for (const problem of verification.noticeContentProblems)
    out.text(problem, { size: 9, color: BAD, indent: 10 });
  if (out.replaced > 0) {
    out.gap(10);
    out.text(
      `${out.replaced} character(s) this PDF's standard font cannot show are printed as "?"; the JSON evidence pack holds every text verbatim.`,
      { size: 8, color: MUTED },
    );
  }

  const pages = doc.getPages();
  for (const [index, page] of pages.entries()) {
    const footer = `Evidence pack, change ${printableText(pack.changeId).text}  ·  page ${index + 1} of ${pages.length}`;
    page.drawText(footer, { x: MARGIN, y: MARGIN - 20, size: 8, font: fonts.regular, color: MUTED });
  }
  return doc.save();
}
