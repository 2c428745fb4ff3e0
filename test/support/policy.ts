import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { localS3ClientConfig } from '@pcn/local-s3';
import { commitWithAudit } from '../../functions/adapters/dynamodb/audited-transaction.ts';
import { policyPartnerStreamOf } from '../../functions/adapters/dynamodb/policy-change-store.ts';
import type { PolicyRecipient } from '../../functions/adapters/dynamodb/policy-recipient-store.ts';
import { stateDeltas } from '../../functions/adapters/dynamodb/policy-recipient-store.ts';
import type { NoticeMailer, OutgoingEmail } from '../../functions/adapters/email/notice-mailer.ts';
import { createPartnersTogether } from '../../functions/directory/write.ts';
import type { RelationshipStage } from '../../functions/domain/relationship-stage.ts';
import { LOCAL_MANIFEST_BUCKET, type LocalSystem } from '../../local/system.ts';
import { realRationale } from './fixtures.ts';

/** Staff who run policy changes in the tests (the dev identities of local/dev-identity.ts). */
export const POLICY_STAFF = { manager: 'dana', approver: 'amara' } as const;

interface RegionPartnersOptions {
  prefix: string;
  region: string;
  count: number;
  stages?: readonly RelationshipStage[];
}

/**
 * `count` new partners of one region (its own, so a segment by region reaches exactly them), ids
 * `<prefix>-0000`…, stages cycling through `stages`, each with one primary contact
 * (`primary-<n>@<prefix>.example`) and one fallback contact: rows as the directory and its import take them.
 */
export function regionPartnerInputs(options: RegionPartnersOptions) {
  const stages = options.stages ?? ['transactional'];
  return Array.from({ length: options.count }, (_, index) => {
    const n = String(index).padStart(4, '0');
    const partnerId = `${options.prefix}-${n}`;
    return {
      partnerId,
      name: `${options.prefix} partner ${n}`,
      stage: stages[index % stages.length]!,
      region: options.region,
      allianceManager: { userId: 'dana', name: 'Dana Whitfield', email: 'dana.whitfield@vendor.example' },
      contacts: [
        {
          contactId: `${partnerId}-primary`,
          name: `Primary ${n}`,
          email: `primary-${n}@${options.prefix}.example`,
          role: 'primary' as const,
        },
        {
          contactId: `${partnerId}-fallback`,
          name: `Fallback ${n}`,
          email: `fallback-${n}@${options.prefix}.example`,
          role: 'fallback' as const,
        },
      ],
      openingRates: [{ ratePct: 12, effectiveFrom: '2025-01-01' }],
    };
  });
}

/** The partners of `regionPartnerInputs`, created in the directory of a local system. */
export async function createRegionPartners(
  system: LocalSystem,
  options: RegionPartnersOptions,
): Promise<string[]> {
  const inputs = regionPartnerInputs(options);
  for (let start = 0; start < inputs.length; start += 100) {
    const outcomes = await createPartnersTogether(system.deps, inputs.slice(start, start + 100), 'seed');
    if (outcomes.some((outcome) => outcome.outcome !== 'created')) throw new Error('partners not created');
  }
  return inputs.map((input) => input.partnerId);
}

/** A policy change's request body (favourable, to one region, taking effect on `effectiveDate`). */
export function policyRequest(
  region: string,
  effectiveDate: string,
  overrides: Record<string, unknown> = {},
) {
  return {
    title: `Deal registration in ${region}`,
    summary: 'Deals must now be registered within 14 days of first customer contact to be protected.',
    policyText:
      'Section 1. A deal is protected only when registered within 14 days of first customer contact.',
    rationale: realRationale,
    adverse: false,
    effectiveDate,
    segment: { by: 'region', regions: [region] },
    ...overrides,
  };
}

/** The lines of a round's manifest, as the Distributed Map's ItemReader reads them from the local S3. */
export async function manifestLinesOf(system: LocalSystem, key: string): Promise<{ partnerId: string }[]> {
  const s3 = new S3Client(localS3ClientConfig(system.s3Endpoint));
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: LOCAL_MANIFEST_BUCKET, Key: key }));
    const text = (await object.Body?.transformToString('utf8')) ?? '';
    return text
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as { partnerId: string });
  } finally {
    s3.destroy();
  }
}

/**
 * A partner's acknowledgement as the notice page records it (the recipient move, its counters and audit entry
 * in one transaction), for workflow tests that need someone to have answered before a round.
 */
export async function acknowledgeAsPartner(system: LocalSystem, recipient: PolicyRecipient): Promise<void> {
  const deps = system.deps;
  const at = deps.clock.now().toISOString();
  const contactId = recipient.deliveredTo?.[0] ?? recipient.contacts[0]!.contactId;
  const counter = deps.policyRecipients.count(
    recipient.policyChangeId,
    recipient.version,
    stateDeltas(recipient.state, 'acknowledged'),
  );
  await commitWithAudit(
    deps.documentClient,
    deps.tables,
    policyPartnerStreamOf(recipient.policyChangeId, recipient.partnerId),
    [{ type: 'policy-acknowledgement-recorded', at, actor: `partner:${contactId}`, details: { contactId } }],
    [
      deps.policyRecipients.move(recipient, 'acknowledge', 'acknowledged', at, {
        acknowledgement: { at, contactId, sourceIp: '127.0.0.1', userAgent: 'test' },
      }),
      ...(counter ? [counter] : []),
    ],
  );
}

/**
 * A mailer whose sends to some addresses always fail, and to others fail a given number of times first (the
 * provider throttling or refusing), in front of the real outbox.
 */
export class AddressFaultMailer implements NoticeMailer {
  readonly failing = new Set<string>();
  readonly failTimes = new Map<string, number>();
  /** Runs after the email to this address was accepted, before the sender hears back (a person clicking at once). */
  readonly onDelivered = new Map<string, () => Promise<void>>();
  attempts = 0;

  constructor(private readonly inner: NoticeMailer) {}

  async send(email: OutgoingEmail): Promise<'sent' | 'already-sent'> {
    const address = email.to[0]?.email ?? '';
    this.attempts += 1;
    if (this.failing.has(address)) throw new Error(`Mailbox ${address} refused (injected)`);
    const left = this.failTimes.get(address) ?? 0;
    if (left > 0) {
      this.failTimes.set(address, left - 1);
      const error = new Error('Maximum sending rate exceeded (injected)');
      error.name = 'TooManyRequestsException';
      throw error;
    }
    const sent = await this.inner.send(email);
    const hook = this.onDelivered.get(address);
    if (hook) {
      this.onDelivered.delete(address);
      await hook();
    }
    return sent;
  }
}
