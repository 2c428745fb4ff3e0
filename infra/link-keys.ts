import { Duration, Validations } from 'aws-cdk-lib';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { handlerFunction } from './functions.ts';

/** How often the link-signing keyring gets a new current key. */
export const LINK_KEY_ROTATION_INTERVAL = Duration.days(30);

export interface LinkKeyRotationProps {
  /**
   * The secret that signs the partners' acknowledgement links. It stays where it is (its logical id unchanged):
   * replacing it would make a new secret and break every link already sent.
   */
  secret: secretsmanager.Secret;
}

/**
 * Rotation of the link-signing keyring (functions/domain/link-keys.ts): every 30 days Secrets Manager calls the
 * rotation function's four steps (functions/adapters/secrets/link-key-secret-rotation.ts), which add a new
 * current key and keep the previous ones verifying until every link they signed has expired. The secret's
 * first value, a plain generated string, becomes the key `legacy` at the first rotation, which comes right
 * after deployment. Only the rotation function can write the secret (test/infra/link-keys.test.ts).
 */
export class LinkKeyRotation extends Construct {
  readonly rotationFunction: nodejs.NodejsFunction;

  constructor(scope: Construct, id: string, props: LinkKeyRotationProps) {
    super(scope, id);
    this.rotationFunction = handlerFunction(this, 'RotateLinkKeys', {
      entry: 'functions/handlers/rotate-link-keys.ts',
      description:
        'Secrets Manager rotation: a new link-signing key, the previous ones kept until their links expire',
    });
    // Beside X-Ray's (acknowledged on every function's role by handlerFunction), its one `*` resource: the
    // new keys come from secretsmanager:GetRandomPassword, an action with no resource type.
    Validations.of(this.rotationFunction.role!).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray tracing and secretsmanager:GetRandomPassword accept no narrower resource.',
    });
    // Grants the function DescribeSecret, GetSecretValue, PutSecretValue and UpdateSecretVersionStage on this
    // secret, and lets Secrets Manager invoke it.
    props.secret.addRotationSchedule('Rotation', {
      rotationLambda: this.rotationFunction,
      automaticallyAfter: LINK_KEY_ROTATION_INTERVAL,
    });
  }
}
