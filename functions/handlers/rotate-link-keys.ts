import { Logger } from '@aws-lambda-powertools/logger';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerRotationEvent } from 'aws-lambda';
import { rotateLinkKeySecret } from '../adapters/secrets/link-key-secret-rotation.ts';
import { environmentVariables as env, serviceName } from '../config/environment.ts';
import { lazyHandler, lifecyclePolicyFrom } from '../dependencies.ts';
import { maxLinkLifetimeDays } from '../domain/link-keys.ts';

/**
 * Secrets Manager's rotation function for the link-signing keyring (infra/link-keys.ts): one invocation per
 * step (functions/adapters/secrets/link-key-secret-rotation.ts). How long a retired key keeps verifying comes
 * from the lifecycle policy (LIFECYCLE_POLICY, as the functions that sign the links read it).
 */
export function createRotateLinkKeysHandler(client: SecretsManagerClient, environment: NodeJS.ProcessEnv) {
  const logger = new Logger({ serviceName: environment[env.serviceName] ?? serviceName });
  const lifetimeDays = maxLinkLifetimeDays(lifecyclePolicyFrom(environment[env.lifecyclePolicy]));
  return async (event: SecretsManagerRotationEvent): Promise<void> => {
    const result = await rotateLinkKeySecret(client, event, { now: () => new Date(), lifetimeDays });
    // The kids and steps only: never a secret.
    logger.info('Link key rotation', { ...result, version: event.ClientRequestToken });
  };
}

export const handler = lazyHandler(() =>
  createRotateLinkKeysHandler(new SecretsManagerClient({}), process.env),
);
