import { Fn, Lazy, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { roles } from '../functions/config/roles.ts';
import { dataKey } from './data-key.ts';

/**
 * The Cognito groups that carry a user's role: one per role (functions/config/roles.ts). Cognito puts them in
 * the `cognito:groups` claim of both the ID and the access token; behind the HTTP API's JWT authorizer the
 * handler finds them in `event.requestContext.authorizer.jwt.claims['cognito:groups']`, flattened to a string
 * like "[finance approver]" (HTTP APIs stringify array claims).
 */
export const userGroups = roles;

/** CDK context key fixing the hosted UI's Cognito domain prefix (`cdk deploy -c cognitoDomainPrefix=...`). */
export const cognitoDomainPrefixContextKey = 'cognitoDomainPrefix';

/** The scopes the console asks for; the client allows exactly these. */
export const consoleOAuthScopes = ['openid', 'email', 'profile'] as const;

export interface ConsoleClientProps {
  /** Where the hosted UI may send the browser back with a code (the console's `/auth/callback` URLs). */
  callbackUrls: string[];
  /** Where the hosted UI may send the browser after signing out. */
  logoutUrls: string[];
}

/** Staff sign-in: a user pool (no self sign-up), its app clients and one group per role. */
export class Auth extends Construct {
  readonly userPool: cognito.UserPool;
  readonly userPoolClient: cognito.UserPoolClient;
  /** Every client whose tokens the HTTP API accepts (the JWT authorizer's audience, read at synth). */
  readonly apiClients: cognito.UserPoolClient[] = [];

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
    Validations.of(this.userPool).acknowledge({
      id: 'AwsSolutions-COG2',
      reason:
        'MFA (TOTP) is offered, not yet required: requiring it is a decision of the staff sign-in still open in the "Production on AWS" issue.',
    });
    Validations.of(this.userPool).acknowledge({
      id: 'AwsSolutions-COG8',
      reason:
        'Essentials feature plan: a few dozen staff users, no self sign-up; the Plus plan’s threat protection is billed per user and not chosen yet ("Production on AWS" issue).',
    });
    // A public client (no secret) signing in with SRP; OAuth/hosted UI is off until a front end needs it.
    this.userPoolClient = this.userPool.addClient('AppClient', {
      authFlows: { userSrp: true },
      generateSecret: false,
      preventUserExistenceErrors: true,
      disableOAuth: true,
    });
    this.apiClients.push(this.userPoolClient);
    for (const groupName of userGroups) {
      this.userPool.addGroup(`Group-${groupName}`, { groupName, description: `Role: ${groupName}` });
    }
  }

  private domain?: cognito.UserPoolDomain;

  /** The hosted UI on a Cognito prefix domain (see {@link hostedUiDomainPrefix}), created on first use. */
  get hostedUiDomain(): cognito.UserPoolDomain {
    this.domain ??= this.userPool.addDomain('HostedUiDomain', {
      cognitoDomain: { domainPrefix: this.hostedUiDomainPrefix() },
    });
    return this.domain;
  }

  /**
   * The console's client for the hosted UI: authorization code grant only (no implicit grant, no client
   * credentials), no secret (a browser cannot keep one). Cognito does not require PKCE per client: once an
   * authorize request carries a `code_challenge` (S256, the only method it supports) it refuses to redeem
   * that code without the matching `code_verifier`. The console's OIDC library always sends one, so every
   * code it obtains is bound to the browser that asked for it.
   */
  addConsoleClient(props: ConsoleClientProps): cognito.UserPoolClient {
    const client = this.userPool.addClient('ConsoleClient', {
      generateSecret: false,
      // Sign-in goes through the hosted UI only; the console itself just refreshes its tokens.
      authFlows: { userSrp: false },
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: consoleOAuthScopes.map((scope) => cognito.OAuthScope.custom(scope)),
        callbackUrls: props.callbackUrls,
        logoutUrls: props.logoutUrls,
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
    });
    this.apiClients.push(client);
    return client;
  }

  /**
   * A prefix domain (`<prefix>.auth.<region>.amazoncognito.com`) must be unique in its region across all
   * accounts, and the console's config and callbacks name it, so it has to be stable too. Unless the context
   * fixes it, it is the stack name plus the first group of the stack's own UUID (from its StackId): unique
   * per stack across accounts without putting the account id in a public URL, stable for the stack's life.
   * Cognito rejects prefixes containing `aws`, `amazon` or `cognito`: the stack-name part drops them, and the
   * UUID part is hex, so it cannot spell them.
   */
  private hostedUiDomainPrefix(): string {
    const fromContext: unknown = this.node.tryGetContext(cognitoDomainPrefixContextKey);
    if (fromContext !== undefined) {
      const prefix = String(fromContext);
      if (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(prefix) || /aws|amazon|cognito/.test(prefix)) {
        throw new Error(
          `Context "${cognitoDomainPrefixContextKey}" must be 1–63 lowercase letters, digits and hyphens, ` +
            `not starting or ending with a hyphen and without "aws", "amazon" or "cognito"; got "${prefix}"`,
        );
      }
      return prefix;
    }
    const stack = Stack.of(this);
    const name = stack.stackName
      .toLowerCase()
      .replace(/aws|amazon|cognito/g, '')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40);
    // arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid> → the UUID's first 8 hex digits.
    const stackUuid = Fn.select(2, Fn.split('/', stack.stackId));
    const uuidHead = Fn.select(0, Fn.split('-', stackUuid));
    return `${name || 'pcn'}-${uuidHead}`;
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
  // A program policy change's notice links (functions/policy-changes/notice-routes.ts): the same rules.
  {
    path: '/policy-notices/{proxy+}',
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
    // Access logs of every request, encrypted with the data key. The route key, never the path or query:
    // a notice link's query carries its signed token.
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: logs.RetentionDays.THREE_MONTHS,
      encryptionKey: dataKey(this),
    });
    (this.httpApi.defaultStage!.node.defaultChild as apigw.CfnStage).accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        ip: '$context.identity.sourceIp',
        requestTime: '$context.requestTime',
        routeKey: '$context.routeKey',
        status: '$context.status',
        responseLength: '$context.responseLength',
        integrationLatency: '$context.integrationLatency',
        integrationError: '$context.integrationErrorMessage',
      }),
    };
    const { auth } = props;
    this.authorizer = new HttpJwtAuthorizer('CognitoAuthorizer', auth.userPool.userPoolProviderUrl, {
      // Accepts ID tokens (`aud`) and access tokens (`client_id`) issued to any of the API's clients. Lazy:
      // the console's client is added after the API exists (its callback URLs name the console's
      // distribution, whose CSP names the API's URL), so the list is read at synth, not now.
      jwtAudience: Lazy.list({ produce: () => auth.apiClients.map((client) => client.userPoolClientId) }),
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
      for (const added of this.httpApi.addRoutes({
        path: route.path,
        methods: [...route.methods],
        integration,
      })) {
        Validations.of(added).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason:
            'Public on purpose (publicRoutes): the API description, and the partners’ notice links, which carry their own signed, expiring token checked by the handler (partners have no account).',
        });
      }
    }
  }
}
