import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditStreamOf } from '../../functions/adapters/dynamodb/change-store.ts';
import type { EvidencePack } from '../../functions/audit/evidence.ts';
import { verifyMerkleInclusion } from '../../functions/domain/audit-digest.ts';
import { AuditTamperer } from '../support/audit-tampering.ts';
import { cliTestSystem } from '../support/cli.ts';
import { isoDateAfter, realRationale } from '../support/fixtures.ts';
import { renderPdf } from '../support/pdf.ts';

/**
 * The evidence pack as compliance gets it: `pcn audit evidence CHANGE --out DIR` in a process of its own
 * against the real local system (DynamoDB Local, the local S3 mirror, the digest file), writing the JSON and
 * the PDF; the PDF rendered to PNG by poppler's pdftoppm and read back with pdftotext, as a reader would.
 */
const cli = cliTestSystem('pcn-evidence-');
const { pcn } = cli;
const partnerId = 'northwind-resellers';

/** A rationale of several pages, with characters the PDF's standard font has no glyph for (→, ’, emoji, CJK). */
const longRationale = `${realRationale}\n${Array.from(
  { length: 60 },
  (_, i) =>
    `SKU-${4100 + i} list +${(i % 9) + 1}.${i % 10}% → margin ${(i * 0.13).toFixed(2)}% (supplier’s sheet-${i} 📈 価格表${i})`,
).join('\n')}`;

async function pdfOf(path: string, token: string) {
  const response = await fetch(`${cli.system.baseUrl}${path}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return { response, bytes: new Uint8Array(await response.arrayBuffer()) };
}

describe('pcn audit evidence', () => {
  it('writes the JSON and a multi-page PDF showing the notice, the acknowledgement’s proof, the digest and the verdict', {
    timeout: 120_000,
  }, async () => {
    const finance = await cli.api.token('finance', 'fiona');
    const submitted = await cli.api.request<{ changeId: string }>('POST', '/api/commission-changes', {
      token: finance,
      json: {
        partnerId,
        currentRatePct: 12,
        newRatePct: 11,
        effectiveDate: isoDateAfter(await cli.api.now(), 61),
        rationale: longRationale,
      },
    });
    expect(submitted.status, submitted.text).toBe(201);
    const { changeId } = submitted.body;
    await cli.api.approve(changeId, 'amara');
    const [notice] = await cli.api.messagesOf(changeId, ['notice']);
    const link = new URL(notice!.links[0]!);
    // The link opened (a person or a scanner), then the partner's button.
    const page = await cli.api.request('GET', `${link.pathname}${link.search}`, {
      headers: { 'user-agent': 'MailScanner/2.1' },
    });
    expect(page.status).toBe(200);
    expect((await cli.api.acknowledgeLink(link)).status).toBe(200);
    await cli.api.settle();

    const notSealed = await pcn('audit', 'evidence', changeId, '--out', join(cli.dir, 'before'));
    expect(notSealed.code, notSealed.stderr).toBe(0);
    expect(notSealed.stdout).toContain('Not sealed yet');

    const seal = await pcn('audit', 'seal');
    expect(seal.code, seal.stderr).toBe(0);
    const number = Number(/^Sealed digest (\d+)/.exec(seal.stdout)?.[1]);
    const out = join(cli.dir, 'evidence');
    const run = await pcn('audit', 'evidence', changeId, '--out', out);
    expect(run.code, run.stderr).toBe(0);
    const jsonPath = join(out, `${changeId}.evidence.json`);
    const pdfPath = join(out, `${changeId}.evidence.pdf`);
    expect(run.stdout).toContain(`Wrote ${jsonPath}`);
    expect(run.stdout).toContain(`Wrote ${pdfPath}`);
    expect(run.stdout).toMatch(/\nINTACT: intact: /);
    expect(run.stdout).toContain(`Digest ${number} seals this change's audit trail`);

    const pack = JSON.parse(await readFile(jsonPath, 'utf8')) as EvidencePack;
    expect(pack).toMatchObject({ changeId, partner: { partnerId }, rationale: longRationale });
    expect(pack.acknowledgements).toHaveLength(1);
    const [ack] = pack.acknowledgements;
    expect(ack).toMatchObject({
      noticeVersion: 1,
      matchesNoticeShown: true,
      contentHash: pack.notices[0]!.storedContentHash,
    });
    expect(ack!.sourceIp).not.toBe('');
    expect(pack.opens).toEqual([
      expect.objectContaining({
        userAgent: 'MailScanner/2.1',
        label: expect.stringContaining('not an acknowledgement'),
      }),
    ]);
    expect(pack.digest.sealed && pack.digest.number).toBe(number);
    if (!pack.digest.sealed) return;
    expect(
      verifyMerkleInclusion(pack.digest.sealedHead, pack.digest.inclusionProof, pack.digest.merkleRoot),
    ).toBe(true);
    expect(pack.verification.intact).toBe(true);

    const rendered = await renderPdf(pdfPath, join(cli.dir, 'png'));
    expect(rendered.pages.length).toBeGreaterThanOrEqual(3);
    for (const png of rendered.pages) expect(png.bytes).toBeGreaterThan(5_000);
    for (const expected of [
      changeId,
      'Northwind Resellers',
      'Acknowledged by',
      ack!.contentHash,
      `Digest ${number}`,
      'Result: intact',
      'SKU-4159 list +6.9% -> margin 7.67%',
      `page ${rendered.pages.length} of ${rendered.pages.length}`,
      // The PDF is the JSON's pack, drawn from it: the same moment.
      `Generated ${pack.generatedAt}`,
    ])
      expect(rendered.text, expected).toContain(expected);

    // Tampering shows in the pack and its exit code.
    const tamper = new AuditTamperer(cli.system.deps.documentClient, cli.system.deps.tables.auditTrail);
    await tamper.edit(auditStreamOf(changeId), 2, { comment: 'Approved without reading.' });
    const tampered = await pcn('audit', 'evidence', changeId, '--out', join(cli.dir, 'tampered'));
    expect(tampered.code).toBe(3);
    expect(tampered.stdout).toContain('TAMPERED: entry 2: altered');
    const tamperedText = (
      await renderPdf(join(cli.dir, 'tampered', `${changeId}.evidence.pdf`), join(cli.dir, 'png-t'))
    ).text;
    expect(tamperedText).toContain('Result: TAMPERED');
  });

  it('lets compliance read any change’s evidence, finance and approvers only the changes they submitted or approved', {
    timeout: 90_000,
  }, async () => {
    const { changeId } = await cli.api.approvedCut(
      await cli.api.token('finance', 'fiona'),
      'contoso-value-partners',
      15,
      61,
    );
    const path = `/api/audit/evidence/${changeId}`;
    const status = async (role: string, user: string) =>
      (await cli.api.request('GET', path, { token: await cli.api.token(role, user) })).status;
    expect(await status('compliance', 'carla')).toBe(200);
    expect(await status('finance', 'fiona')).toBe(200);
    expect(await status('approver', 'amara')).toBe(200);
    expect(await status('finance', 'frank')).toBe(403);
    expect(await status('approver', 'abel')).toBe(403);
    expect(await status('partner-manager', 'dana')).toBe(403);
    expect(
      (
        await cli.api.request('GET', '/api/audit/evidence/chg_unknown', {
          token: await cli.api.token('compliance'),
        })
      ).status,
    ).toBe(404);

    const { response, bytes } = await pdfOf(`${path}/pdf`, await cli.api.token('finance', 'fiona'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="${changeId}.evidence.pdf"`,
    );
    expect(Buffer.from(bytes.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
    expect((await pdfOf(`${path}/pdf`, await cli.api.token('finance', 'frank'))).response.status).toBe(403);

    // The OpenAPI document says what each answers: the pack's schema, and a PDF.
    const openapi = (
      await cli.api.request<{
        paths: Record<
          string,
          { get: { responses: Record<string, { content?: Record<string, { schema: unknown }> }> } }
        >;
      }>('GET', '/openapi.json')
    ).body;
    const json =
      openapi.paths['/api/audit/evidence/{changeId}']?.get.responses['200']?.content?.['application/json'];
    expect(JSON.stringify(json?.schema)).toContain('"acknowledgements"');
    expect(
      openapi.paths['/api/audit/evidence/{changeId}/pdf']?.get.responses['200']?.content?.['application/pdf'],
    ).toEqual({ schema: { type: 'string', format: 'binary' } });
  });
});
