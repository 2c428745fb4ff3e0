/**
 * The link-signing keyring's rotation function (functions/adapters/secrets/link-key-secret-rotation.ts) against a
 * mocked Secrets Manager: there is no Secrets Manager emulator. The mock keeps versions and staging labels the
 * way Secrets Manager does, so the four steps run as a real rotation would call them, retries included.
 */
import 'aws-sdk-client-mock-vitest/extend';
import { createHmac, randomUUID } from 'node:crypto';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerRotationEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  CURRENT,
  PENDING,
  RotationRefused,
  rotateLinkKeySecret,
} from '../../../functions/adapters/secrets/link-key-secret-rotation.ts';
import {
  type AcknowledgementLinkClaims,
  signAcknowledgementLink,
  verifyAcknowledgementLink,
} from '../../../functions/domain/acknowledgement-link.ts';
import { DAY_MS } from '../../../functions/domain/calendar.ts';
import { defaultLifecyclePolicy } from '../../../functions/domain/lifecycle-policy.ts';
import {
  LEGACY_KID,
  type LinkKeyring,
  maxLinkLifetimeDays,
  parseLinkKeyring,
  serializeLinkKeyring,
  signingKey,
} from '../../../functions/domain/link-keys.ts';

const SECRET_ID = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:AckLinkSecret-abc';
const LEGACY_SECRET = 'GeneratedBySecretsManager0123456789abcdefghijklmnopqrstuvwxyzABCD';
const LIFETIME = maxLinkLifetimeDays(defaultLifecyclePolicy);
const secretsManager = mockClient(SecretsManagerClient);
const client = new SecretsManagerClient({ region: 'eu-west-1' });

/** Secrets Manager's versions of one secret: each version's text and staging labels. */
/** A version Secrets Manager made for a rotation has no value (`text` undefined) until createSecret puts one. */
let versions: Map<string, { text?: string; stages: string[] }>;
let rotationEnabled: boolean;
let now: Date;

function notFound(message: string): ResourceNotFoundException {
  return new ResourceNotFoundException({ message, $metadata: {} });
}

function holderOf(stage: string): string | undefined {
  return [...versions].find(([, version]) => version.stages.includes(stage))?.[0];
}

beforeEach(() => {
  secretsManager.reset();
  now = new Date('2026-12-01T10:00:00.000Z');
  rotationEnabled = true;
  versions = new Map([['v-initial', { text: LEGACY_SECRET, stages: [CURRENT] }]]);
  secretsManager.on(DescribeSecretCommand).callsFake(() => ({
    ARN: SECRET_ID,
    RotationEnabled: rotationEnabled,
    VersionIdsToStages: Object.fromEntries([...versions].map(([id, version]) => [id, [...version.stages]])),
  }));
  secretsManager
    .on(GetSecretValueCommand)
    .callsFake((input: { VersionId?: string; VersionStage?: string }) => {
      const id = input.VersionId ?? holderOf(input.VersionStage ?? CURRENT);
      const version = id ? versions.get(id) : undefined;
      if (
        !id ||
        version?.text === undefined ||
        (input.VersionStage && !version.stages.includes(input.VersionStage))
      )
        throw notFound("Secrets Manager can't find the specified secret value");
      return { ARN: SECRET_ID, VersionId: id, SecretString: version.text, VersionStages: version.stages };
    });
  secretsManager
    .on(PutSecretValueCommand)
    .callsFake((input: { ClientRequestToken: string; SecretString: string; VersionStages: string[] }) => {
      const existing = versions.get(input.ClientRequestToken);
      if (existing?.text !== undefined && existing.text !== input.SecretString)
        throw new ResourceExistsException({ message: 'A version with this token exists', $metadata: {} });
      for (const stage of input.VersionStages)
        for (const version of versions.values()) version.stages = version.stages.filter((s) => s !== stage);
      versions.set(input.ClientRequestToken, { text: input.SecretString, stages: [...input.VersionStages] });
      return { ARN: SECRET_ID, VersionId: input.ClientRequestToken };
    });
  secretsManager
    .on(UpdateSecretVersionStageCommand)
    .callsFake((input: { VersionStage: string; MoveToVersionId: string; RemoveFromVersionId?: string }) => {
      const holder = holderOf(input.VersionStage);
      if (holder && holder !== input.MoveToVersionId && holder !== input.RemoveFromVersionId)
        throw new Error(`${input.VersionStage} is on ${holder}: RemoveFromVersionId must name it`);
      for (const version of versions.values())
        version.stages = version.stages.filter((s) => s !== input.VersionStage);
      const target = versions.get(input.MoveToVersionId);
      if (!target) throw notFound('No such version');
      target.stages.push(input.VersionStage);
      // Secrets Manager gives the version that lost AWSCURRENT the label AWSPREVIOUS.
      if (input.VersionStage === CURRENT && input.RemoveFromVersionId)
        versions.get(input.RemoveFromVersionId)?.stages.push('AWSPREVIOUS');
      return { ARN: SECRET_ID };
    });
});

/** What Secrets Manager does before it invokes the function: a version id with no value yet, AWSPENDING. */
function startRotation(): string {
  const token = randomUUID();
  versions.set(token, { stages: [PENDING] });
  return token;
}

async function step(token: string, name: SecretsManagerRotationEvent['Step']) {
  return rotateLinkKeySecret(
    client,
    { Step: name, SecretId: SECRET_ID, ClientRequestToken: token },
    { now: () => now, lifetimeDays: LIFETIME },
  );
}

async function rotate(): Promise<string> {
  const token = startRotation();
  for (const name of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const)
    await step(token, name);
  return token;
}

function ringAt(stage: string): LinkKeyring {
  return parseLinkKeyring(versions.get(holderOf(stage)!)!.text!);
}

function legacyToken(claims: AcknowledgementLinkClaims): string {
  const payload = Buffer.from(
    JSON.stringify([claims.changeId, claims.noticeId, claims.contactId, claims.expiresAt]),
  ).toString('base64url');
  return `${payload}.${createHmac('sha256', LEGACY_SECRET).update(payload).digest('base64url')}`;
}

const claims = (expiresAt: number): AcknowledgementLinkClaims => ({
  changeId: 'chg_1',
  noticeId: 'ntc_1',
  contactId: 'c1',
  expiresAt,
});

describe('the link-signing key rotation function', () => {
  it('makes the ring from the plain secret on the first rotation: a new current key, the old one kept as "legacy"', async () => {
    const sentBefore = legacyToken(claims(now.getTime() + 120 * DAY_MS));
    const token = await rotate();
    expect(holderOf(CURRENT)).toBe(token);
    expect(versions.get('v-initial')!.stages).toEqual(['AWSPREVIOUS']);
    const ring = ringAt(CURRENT);
    expect(ring.keys.map((key) => key.kid)).toEqual([LEGACY_KID, ring.current]);
    expect(ring.keys[0]).toMatchObject({
      secret: LEGACY_SECRET,
      retireAfter: new Date(now.getTime() + LIFETIME * DAY_MS).toISOString(),
    });
    // A link sent before the rotation still verifies after it.
    expect(verifyAcknowledgementLink(sentBefore, 'ntc_1', ring, now).valid).toBe(true);
    expect(secretsManager).toHaveReceivedCommandWith(PutSecretValueCommand, {
      SecretId: SECRET_ID,
      ClientRequestToken: token,
      VersionStages: [PENDING],
    });
  });

  it('an old link still verifies after later rotations; once its key is past retireAfter it is dropped and its links refused', async () => {
    await rotate();
    const first = signingKey(ringAt(CURRENT));
    const sent = signAcknowledgementLink(claims(now.getTime() + 200 * DAY_MS), first);
    now = new Date(now.getTime() + 30 * DAY_MS);
    await rotate();
    now = new Date(now.getTime() + 30 * DAY_MS);
    await rotate();
    const ring = ringAt(CURRENT);
    expect(ring.keys.map((key) => key.kid)).toContain(first.kid);
    expect(verifyAcknowledgementLink(sent, 'ntc_1', ring, now).valid).toBe(true);
    // Past the first key's retireAfter (it stopped signing at the second rotation): the next rotation drops it.
    const retireAfter = Date.parse(ring.keys.find((key) => key.kid === first.kid)!.retireAfter!);
    expect(retireAfter).toBe(now.getTime() - 30 * DAY_MS + LIFETIME * DAY_MS);
    now = new Date(retireAfter);
    await rotate();
    const later = ringAt(CURRENT);
    expect(later.keys.map((key) => key.kid)).not.toContain(first.kid);
    expect(later.keys.map((key) => key.kid)).not.toContain(LEGACY_KID);
    // A token of the dropped key, even one claiming a later expiry, is refused as one we did not sign.
    const late = signAcknowledgementLink(claims(now.getTime() + DAY_MS), first);
    expect(verifyAcknowledgementLink(late, 'ntc_1', later, now)).toMatchObject({
      valid: false,
      problem: 'tampered',
      unknownKid: first.kid,
    });
  });

  it('createSecret retried (after its PutSecretValue went through) puts nothing twice', async () => {
    const token = startRotation();
    await step(token, 'createSecret');
    const made = versions.get(token)!.text;
    expect(await step(token, 'createSecret')).toEqual({ step: 'createSecret', outcome: 'already-done' });
    expect(secretsManager).toHaveReceivedCommandTimes(PutSecretValueCommand, 1);
    expect(versions.get(token)!.text).toBe(made);
    // The rest of the rotation carries on from the version made the first time.
    await step(token, 'testSecret');
    await step(token, 'finishSecret');
    expect(versions.get(token)!.stages).toContain(CURRENT);
  });

  it('finishSecret moves AWSCURRENT from the version that held it, and a retry after it is a no-op', async () => {
    const token = startRotation();
    await step(token, 'createSecret');
    await step(token, 'finishSecret');
    expect(secretsManager).toHaveReceivedCommandWith(UpdateSecretVersionStageCommand, {
      SecretId: SECRET_ID,
      VersionStage: CURRENT,
      MoveToVersionId: token,
      RemoveFromVersionId: 'v-initial',
    });
    secretsManager.resetHistory();
    for (const name of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const)
      expect(await step(token, name)).toEqual({ step: name, outcome: 'already-done' });
    expect(secretsManager).toHaveReceivedCommandTimes(PutSecretValueCommand, 0);
    expect(secretsManager).toHaveReceivedCommandTimes(UpdateSecretVersionStageCommand, 0);
  });

  it('testSecret refuses a pending ring that lost a key still verifying (a link already sent would break)', async () => {
    const token = startRotation();
    await step(token, 'createSecret');
    const pending = parseLinkKeyring(versions.get(token)!.text!);
    const withoutLegacy = { ...pending, keys: pending.keys.filter((key) => key.kid !== LEGACY_KID) };
    versions.get(token)!.text = serializeLinkKeyring(withoutLegacy);
    await expect(step(token, 'testSecret')).rejects.toThrow(/stop verifying the links of legacy/);
    // The secret stays as it was: AWSCURRENT never moved.
    expect(holderOf(CURRENT)).toBe('v-initial');
  });

  it('refuses to run when rotation is off, for a token that is not a version, or one not labelled AWSPENDING', async () => {
    const token = startRotation();
    rotationEnabled = false;
    await expect(step(token, 'createSecret')).rejects.toThrow(/does not have rotation enabled/);
    rotationEnabled = true;
    await expect(step('no-such-version', 'createSecret')).rejects.toThrow(RotationRefused);
    versions.get(token)!.stages = [];
    await expect(step(token, 'createSecret')).rejects.toThrow(/not labelled AWSPENDING/);
    expect(secretsManager).toHaveReceivedCommandTimes(PutSecretValueCommand, 0);
  });

  it('refuses to rotate a malformed ring, naming the problem, and writes nothing', async () => {
    versions.set('v-initial', { text: '{"current": "a", "keys": []}', stages: [CURRENT] });
    const token = startRotation();
    await expect(step(token, 'createSecret')).rejects.toThrow(/keyring is malformed: keys/);
    expect(secretsManager).toHaveReceivedCommandTimes(PutSecretValueCommand, 0);
  });
});
