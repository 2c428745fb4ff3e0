import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerRotationEvent } from 'aws-lambda';
import { signAcknowledgementLink, verifyAcknowledgementLink } from '../../domain/acknowledgement-link.ts';
import {
  keysLostByRotation,
  type LinkKey,
  type LinkKeyring,
  newLinkKey,
  parseLinkKeyring,
  rotateLinkKeys,
  serializeLinkKeyring,
  signingKey,
} from '../../domain/link-keys.ts';

export const CURRENT = 'AWSCURRENT';
export const PENDING = 'AWSPENDING';

export class RotationRefused extends Error {
  override name = 'RotationRefused';
}

export interface LinkKeySecretRotationOptions {
  now: () => Date;
  /** How long a link may live from its signing (maxLinkLifetimeDays of the deployment's policy). */
  lifetimeDays: number;
  /** Makes the new key; a fresh random one unless a test says otherwise. */
  newKey?: (now: Date) => LinkKey;
}

/**
 * Secrets Manager's rotation of the link-signing keyring (functions/domain/link-keys.ts), its four steps each a
 * separate invocation, each safe to retry (Secrets Manager retries a failed step, and the ClientRequestToken is
 * the id of the version being made throughout):
 * - createSecret: the rotated ring (a new current key, the previous one retiring, the expired ones dropped) as
 *   the version `token` labelled AWSPENDING, unless that version exists already (a retry).
 * - setSecret: nothing: the ring is the only copy of the keys, there is no other system to tell.
 * - testSecret: the pending ring still verifies every key the current one does (no link already sent is
 *   broken) and its new key signs a link it verifies.
 * - finishSecret: AWSCURRENT moves to the pending version (done already: nothing to do).
 *
 * The new key signs as soon as a function reads the new AWSCURRENT, while others may hold the previous ring
 * for up to 5 minutes (their cache): those verify a link of the new kid by reading the ring afresh once
 * (functions/notices/links.ts), so no function ever needs to see AWSPENDING.
 */
export async function rotateLinkKeySecret(
  client: SecretsManagerClient,
  event: SecretsManagerRotationEvent,
  options: LinkKeySecretRotationOptions,
): Promise<{ step: SecretsManagerRotationEvent['Step']; outcome: 'done' | 'already-done' }> {
  const { SecretId: secretId, ClientRequestToken: token, Step: step } = event;
  const described = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
  if (!described.RotationEnabled)
    throw new RotationRefused(`Secret ${secretId} does not have rotation enabled`);
  const stages = described.VersionIdsToStages?.[token];
  if (!stages) throw new RotationRefused(`Version ${token} is not a version of secret ${secretId}`);
  if (stages.includes(CURRENT)) return { step, outcome: 'already-done' };
  if (!stages.includes(PENDING))
    throw new RotationRefused(`Version ${token} of secret ${secretId} is not labelled ${PENDING}`);

  switch (step) {
    case 'createSecret': {
      if (await pendingRing(client, secretId, token)) return { step, outcome: 'already-done' };
      const now = options.now();
      const current = await currentRing(client, secretId);
      const next = rotateLinkKeys(current, now, (options.newKey ?? newLinkKey)(now), options.lifetimeDays);
      await client.send(
        new PutSecretValueCommand({
          SecretId: secretId,
          ClientRequestToken: token,
          SecretString: serializeLinkKeyring(next),
          VersionStages: [PENDING],
        }),
      );
      return { step, outcome: 'done' };
    }
    case 'setSecret':
      return { step, outcome: 'done' };
    case 'testSecret': {
      const pending = await pendingRing(client, secretId, token);
      if (!pending) throw new RotationRefused(`Version ${token} of secret ${secretId} has no value`);
      const now = options.now();
      const lost = keysLostByRotation(await currentRing(client, secretId), pending, now);
      if (lost.length > 0)
        throw new RotationRefused(`The pending ring would stop verifying the links of ${lost.join(', ')}`);
      const claims = {
        changeId: 'rotation-test',
        noticeId: token,
        contactId: 'rotation-test',
        expiresAt: now.getTime() + 60_000,
      };
      const verdict = verifyAcknowledgementLink(
        signAcknowledgementLink(claims, signingKey(pending)),
        token,
        pending,
        now,
      );
      if (!verdict.valid)
        throw new RotationRefused('The pending ring does not verify a link its current key signed');
      return { step, outcome: 'done' };
    }
    case 'finishSecret': {
      const holder = Object.entries(described.VersionIdsToStages ?? {}).find(([, labels]) =>
        labels.includes(CURRENT),
      )?.[0];
      await client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: secretId,
          VersionStage: CURRENT,
          MoveToVersionId: token,
          ...(holder ? { RemoveFromVersionId: holder } : {}),
        }),
      );
      return { step, outcome: 'done' };
    }
    default:
      throw new RotationRefused(`Unknown rotation step ${String(step)}`);
  }
}

async function currentRing(client: SecretsManagerClient, secretId: string): Promise<LinkKeyring> {
  const current = await client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: CURRENT }));
  if (current.SecretString === undefined)
    throw new RotationRefused(`Secret ${secretId} has no ${CURRENT} text`);
  return parseLinkKeyring(current.SecretString);
}

/** The version being made, when it exists already (a retried createSecret, or testSecret). */
async function pendingRing(
  client: SecretsManagerClient,
  secretId: string,
  token: string,
): Promise<LinkKeyring | undefined> {
  try {
    const pending = await client.send(
      new GetSecretValueCommand({ SecretId: secretId, VersionId: token, VersionStage: PENDING }),
    );
    return pending.SecretString === undefined ? undefined : parseLinkKeyring(pending.SecretString);
  } catch (error) {
    // By name: the SDK's error classes are not always the instances a retry or a mock yields.
    if ((error as { name?: string }).name === ResourceNotFoundException.name) return undefined;
    throw error;
  }
}
