import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { countingFailures } from '../adapters/email/counting-mailer.ts';
import { SesMailer } from '../adapters/email/ses-mailer.ts';
import { LINK_KEYRING_MAX_AGE_SECONDS, linkKeyringSource } from '../adapters/secrets/link-keyring-source.ts';
import { environmentVariables as env } from '../config/environment.ts';
import { type Pieces, required } from '../dependencies.ts';

/** Email through SES, and the link-signing keys from Secrets Manager (or, unset, from the environment). */
export const sesEmail: Pieces['email'] = ({ environment, documentClient, tables, metrics, traced }) => {
  const secretArn = environment[env.ackLinkSecretArn];
  return {
    mailer: countingFailures(
      new SesMailer(
        documentClient,
        tables.changes,
        environment[env.noticeSenderEmail] ?? 'partner-notices@example.com',
        {
          ses: traced(new SESv2Client({ maxAttempts: 1 })),
          ...(environment[env.sesConfigurationSet]
            ? { configurationSetName: environment[env.sesConfigurationSet] }
            : {}),
          // Only the policy rounds' senders are given a rate: they pace and retry each send themselves.
          ...(environment[env.policyEmailRate] ? { throttleAttempts: 1 } : {}),
        },
      ),
      metrics,
    ),
    acknowledgementLinkKeys: linkKeyringSource(async (forceFetch) =>
      secretArn
        ? getSecret(secretArn, { maxAge: LINK_KEYRING_MAX_AGE_SECONDS, forceFetch })
        : required(environment, env.ackLinkSecret),
    ),
  };
};
