import { RemovalPolicy } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { roles } from '../functions/config/roles.ts';

/**
 * The Cognito groups that carry a user's role: one per role (functions/config/roles.ts). Cognito puts them in
 * the `cognito:groups` claim of both the ID and the access token; behind the HTTP API's JWT authorizer the
 * handler finds them in `event.requestContext.authorizer.jwt.claims['cognito:groups']`, flattened to a string
 * like "[finance approver]" (HTTP APIs stringify array claims).
 */
export const userGroups = roles;

/** Staff sign-in: a user pool (no self sign-up), one app client and one group per role. */
export class Auth extends Construct {
  readonly userPool: cognito.UserPool;
  readonly userPoolClient: cognito.UserPoolClient;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.userPool = new cognito.UserPool(this, 'UserPool', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { sms: false, otp: true },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
      },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // A public client (no secret) signing in with SRP; OAuth/hosted UI is off until a front end needs it.
    this.userPoolClient = this.userPool.addClient('AppClient', {
      authFlows: { userSrp: true },
      generateSecret: false,
      preventUserExistenceErrors: true,
      disableOAuth: true,
    });
    for (const groupName of userGroups) {
      this.userPool.addGroup(`Group-${groupName}`, { groupName, description: `Role: ${groupName}` });
    }
  }
}

/** The routes of the deployed API. Dev routes (`/dev/...`) exist in local mode only: never add them here. */
export const protectedRoutes = [{ path: '/api/{proxy+}', methods: [apigw.HttpMethod.ANY] }] as const;
export const publicRoutes = [
  // The API description.
  { path: '/openapi.json', methods: [apigw.HttpMethod.GET] },
  // The partner's acknowledgement links: they carry their own signed, expiring token (no account). GET only
  // shows the notice (mail scanners open links); POST acknowledges or raises a concern. HEAD is GET's twin.
  {
    path: '/notices/{proxy+}',
    methods: [apigw.HttpMethod.GET, apigw.HttpMethod.HEAD, apigw.HttpMethod.POST],
  },
] as const;

export interface ApiProps {
  auth: Auth;
}

/**
 * The HTTP API. Created before its handler so that functions can be given its endpoint (links in emails);
 * `routeTo` then wires every route to the http-api function.
 */
export class Api extends Construct {
  readonly httpApi: apigw.HttpApi;
  private readonly authorizer: HttpJwtAuthorizer;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      description: 'Partner Change Notice: staff API (Cognito JWT) and partner acknowledgement links',
    });
    const { userPool, userPoolClient } = props.auth;
    this.authorizer = new HttpJwtAuthorizer('CognitoAuthorizer', userPool.userPoolProviderUrl, {
      // Accepts ID tokens (`aud`) and access tokens (`client_id`) issued to the app client.
      jwtAudience: [userPoolClient.userPoolClientId],
    });
  }

  /** `https://{id}.execute-api.{region}.amazonaws.com`, no trailing slash. */
  get endpoint(): string {
    return this.httpApi.apiEndpoint;
  }

  routeTo(handler: IFunction): void {
    const integration = new HttpLambdaIntegration('HttpApiIntegration', handler);
    for (const route of protectedRoutes) {
      this.httpApi.addRoutes({
        path: route.path,
        methods: [...route.methods],
        integration,
        authorizer: this.authorizer,
      });
    }
    for (const route of publicRoutes) {
      this.httpApi.addRoutes({ path: route.path, methods: [...route.methods], integration });
    }
  }
}
