import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Annotations, DefaultStackSynthesizer, Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { consoleBuildCommand } from '../functions/config/console-build.ts';
import {
  type ConsoleConfig,
  consoleCallbackPath,
  consoleConfigPath,
  consoleSignedOutPath,
} from '../functions/config/console-config.ts';
import { type Auth, consoleOAuthScopes } from './api.ts';

/** CDK context flag: also allow the hosted UI to return to a console on http://127.0.0.1:3000 (dev only). */
export const consoleLocalCallbacksContextKey = 'consoleLocalCallbacks';
/** The local server's origin (local mode's default port): where a developer runs the console against real Cognito. */
export const localConsoleOrigin = 'http://127.0.0.1:3000';

/** The file the console is served from for every route it owns. */
const indexDocument = 'index.html';
/** Vite puts every hashed (content-addressed) file here; nothing else in the build is hashed. */
const hashedAssetsFolder = 'assets';

/**
 * Deep links (/changes/abc) have no file behind them: the SPA's router handles them in index.html. A
 * viewer-request function rewrites any path whose last segment has no dot to /index.html; paths that name a
 * file (/assets/x.js, /config.json) go to S3 untouched. Preferred over errorResponses 403/404 → index.html
 * 200, which would answer a missing asset (a stale chunk after a deploy, a typo) with HTML and 200, hiding
 * the miss from the browser and from monitoring; here a missing file stays a 404 (the origin may list the
 * bucket, so S3 answers 404, not 403). It runs before the cache lookup, so every deep link shares the
 * cached index.html.
 */
export const spaRewriteFunctionCode = `function handler(event) {
  var request = event.request;
  var lastSegment = request.uri.substring(request.uri.lastIndexOf('/') + 1);
  if (lastSegment.indexOf('.') === -1) {
    request.uri = '/${indexDocument}';
  }
  return request;
}`;

export interface ConsoleCustomDomain {
  /** e.g. console.partners.example.com; its DNS record is created outside this stack. */
  domainName: string;
  /** An ACM certificate for it, in us-east-1 (CloudFront's requirement). */
  certificate: acm.ICertificate;
}

export interface ConsoleProps {
  /** Absolute path of the console's build output (index.html + assets/); it must exist at synth. */
  distDir: string;
  /** The HTTP API's base URL, no trailing slash: written into config.json and allowed by the CSP. */
  apiBaseUrl: string;
  /** The user pool: the console gets its own hosted-UI client, which the API's authorizer accepts. */
  auth: Auth;
  /** Also allow callbacks to {@link localConsoleOrigin}. Off unless a developer asks for it. */
  allowLocalCallbacks?: boolean;
  /**
   * Encrypts the console's bucket with this key instead of S3-managed keys (a later issue moves to a
   * customer-managed key). The OAC origin then also grants CloudFront kms:Decrypt in the key policy, and the
   * deployments are granted the key by BucketDeployment itself.
   */
  encryptionKey?: kms.IKey;
  /**
   * Serve on a custom domain with its own certificate. Only then does a minimum TLS policy apply: with the
   * default *.cloudfront.net certificate CloudFront fixes the security policy at TLSv1 and ignores
   * `minimumProtocolVersion`. Production hardening (domain, WAF) is issue 12.
   */
  customDomain?: ConsoleCustomDomain;
}

/**
 * The staff console on AWS: its build in a private, versioned S3 bucket, served only through CloudFront
 * (Origin Access Control), with security headers, SPA deep links, and a `config.json` written at deploy time
 * with the API's URL and the Cognito hosted-UI settings (so one build serves every environment).
 */
export class Console extends Construct {
  readonly bucket: s3.Bucket;
  readonly logBucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  /** https://<domain>, no trailing slash. */
  readonly url: string;
  readonly client: cognito.UserPoolClient;
  readonly hostedUiUrl: string;
  readonly config: ConsoleConfig;

  constructor(scope: Construct, id: string, props: ConsoleProps) {
    super(scope, id);
    assertConsoleBuilt(props.distDir);
    const stack = Stack.of(this);
    const region = stack.region;

    // Access logs of the console bucket (S3 server access logs) and of the distribution (CloudFront standard
    // logs): a few KB a day for a staff console, kept 90 days. CloudFront's standard logging writes with ACLs,
    // hence BUCKET_OWNER_PREFERRED (the bucket owner still owns every object).
    this.logBucket = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
    });
    Validations.of(this.logBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket itself: logging its own access would log forever.',
    });

    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      ...(props.encryptionKey
        ? { encryption: s3.BucketEncryption.KMS, encryptionKey: props.encryptionKey, bucketKeyEnabled: true }
        : { encryption: s3.BucketEncryption.S3_MANAGED }),
      enforceSSL: true,
      versioned: true,
      // Old versions are only for rolling back a bad deploy: a month is plenty.
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30) }],
      serverAccessLogsBucket: this.logBucket,
      serverAccessLogsPrefix: 's3/',
    });

    const spaRewrite = new cloudfront.Function(this, 'SpaRewrite', {
      comment: 'Serves index.html for the console’s deep links; file paths pass through',
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromInline(spaRewriteFunctionCode),
    });

    // Honours the origin's Cache-Control: a minimum TTL of 0 lets `no-cache` (index.html, config.json) mean
    // "revalidate every time", so a deploy is live at once without an invalidation; hashed assets carry a
    // year. Gzip and Brotli: Cloudscape's bundles are large.
    const cachePolicy = new cloudfront.CachePolicy(this, 'CachePolicy', {
      comment: 'Console: follow the origin Cache-Control headers',
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.days(1),
      maxTtl: Duration.days(365),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });

    this.hostedUiUrl = props.auth.hostedUiDomain.baseUrl();
    const cognitoIdp = `https://cognito-idp.${region}.amazonaws.com`;

    const responseHeadersPolicy = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Console: HSTS, CSP, no framing, no sniffing',
      securityHeadersBehavior: {
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          override: true,
        },
        contentSecurityPolicy: {
          contentSecurityPolicy: contentSecurityPolicy({
            // The API (fetch), the hosted UI's token endpoint, and the user pool's issuer (OIDC discovery
            // and the JWKS) are the only other origins the console talks to.
            connectSources: [props.apiBaseUrl, this.hostedUiUrl, cognitoIdp],
          }),
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: {
          referrerPolicy: cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
          override: true,
        },
      },
    });

    const origin = origins.S3BucketOrigin.withOriginAccessControl(this.bucket, {
      // LIST lets S3 answer 404 (not 403) for a missing file. It cannot expose a listing: the cache policy
      // forwards no query string and the SPA function sends every path without a dot, including '/', to
      // index.html, so no request can reach the bucket's root.
      originAccessLevels: [cloudfront.AccessLevel.READ, cloudfront.AccessLevel.LIST],
    });
    Annotations.of(this).acknowledgeWarning(
      '@aws-cdk/aws-cloudfront-origins:listBucketSecurityRisk',
      'defaultRootObject is set and the SPA function rewrites every directory path to /index.html',
    );
    if (props.encryptionKey) {
      // The origin grants CloudFront kms:Decrypt in the key's policy for any distribution of this account (the
      // distribution's own id would be a key → bucket → distribution cycle); CloudFront can still only read
      // what a bucket policy lets its distribution fetch: this bucket's, for this distribution.
      Annotations.of(props.encryptionKey.node.scope ?? this).acknowledgeWarning(
        '@aws-cdk/aws-cloudfront-origins:wildcardKeyPolicyForOac',
        'kms:Decrypt for distributions of this account only; the bucket policy names this distribution',
      );
    }

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Partner Change Notice: staff console',
      defaultRootObject: indexDocument,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      // Staff sit in North America and Europe: the cheapest price class covers them.
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      defaultBehavior: {
        origin,
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD,
        compress: true,
        cachePolicy,
        responseHeadersPolicy,
        functionAssociations: [
          { function: spaRewrite, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST },
        ],
      },
      enableLogging: true,
      logBucket: this.logBucket,
      logFilePrefix: 'cloudfront/',
      ...(props.customDomain
        ? {
            domainNames: [props.customDomain.domainName],
            certificate: props.customDomain.certificate,
            minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
            sslSupportMethod: cloudfront.SSLMethod.SNI,
          }
        : {}),
    });
    this.acknowledgeDistributionFindings(props);
    this.url = `https://${props.customDomain?.domainName ?? this.distribution.distributionDomainName}`;

    // The client names the distribution's domain, config.json names the client: the deployment depends on
    // both, the distribution on neither, so there is no cycle.
    const consoleOrigins = [this.url, ...(props.allowLocalCallbacks ? [localConsoleOrigin] : [])];
    this.client = props.auth.addConsoleClient({
      callbackUrls: consoleOrigins.map((origin) => `${origin}${consoleCallbackPath}`),
      logoutUrls: consoleOrigins.map((origin) => `${origin}${consoleSignedOutPath}`),
    });

    this.config = {
      environment: 'aws',
      apiBaseUrl: props.apiBaseUrl,
      auth: {
        mode: 'cognito',
        authority: `${cognitoIdp}/${props.auth.userPool.userPoolId}`,
        clientId: this.client.userPoolClientId,
        hostedUiUrl: this.hostedUiUrl,
        scopes: [...consoleOAuthScopes],
      },
    } satisfies ConsoleConfig;

    this.deploy(props.distDir);
  }

  /**
   * Two deployments, one per caching rule. Hashed assets first, cached a year and immutable (a new build
   * gets new names), never pruned: a browser still running the previous index.html may lazily load one of
   * its chunks after a deploy. Then index.html, config.json and any other unhashed file, `no-cache` (always
   * revalidated), so a deploy is live at once; this one waits for the assets its index.html names.
   */
  private deploy(distDir: string): void {
    const hashedAssets = join(distDir, hashedAssetsFolder);
    const assets = existsSync(hashedAssets)
      ? new s3deploy.BucketDeployment(this, 'DeployAssets', {
          sources: [s3deploy.Source.asset(hashedAssets)],
          destinationBucket: this.bucket,
          destinationKeyPrefix: `${hashedAssetsFolder}/`,
          prune: false,
          cacheControl: [
            s3deploy.CacheControl.setPublic(),
            s3deploy.CacheControl.maxAge(Duration.days(365)),
            s3deploy.CacheControl.immutable(),
          ],
        })
      : undefined;
    const shell = new s3deploy.BucketDeployment(this, 'DeployShell', {
      sources: [
        s3deploy.Source.asset(distDir, { exclude: [hashedAssetsFolder] }),
        // Deploy-time tokens (API URL, client id, ...) are filled in by the deployment, not at build.
        s3deploy.Source.jsonData(consoleConfigPath.replace(/^\//, ''), this.config, { escape: true }),
      ],
      destinationBucket: this.bucket,
      // Pruning here would delete the assets the other deployment put under assets/.
      prune: false,
      cacheControl: [s3deploy.CacheControl.noCache()],
    });
    if (assets) shell.node.addDependency(assets);
    acknowledgeBucketDeploymentFindings(this, this.bucket);
  }

  private acknowledgeDistributionFindings(props: ConsoleProps): void {
    const acknowledge = (id: string, reason: string) =>
      Validations.of(this.distribution).acknowledge({ id, reason });
    acknowledge(
      'AwsSolutions-CFR1',
      'Staff work from any country; access is controlled by Cognito sign-in, not by geography.',
    );
    acknowledge(
      'AwsSolutions-CFR2',
      'No WAF yet: the distribution serves static files only and the API checks every token itself. ' +
        'Production hardening (WAF web ACL, custom domain) is issue 12.',
    );
    if (!props.customDomain) {
      acknowledge(
        'AwsSolutions-CFR4',
        'The default *.cloudfront.net certificate fixes the viewer security policy at TLSv1; a custom ' +
          'domain with its own certificate (customDomain, TLSv1.2_2021) is issue 12.',
      );
    }
  }
}

/** The CSP for a React SPA: its own scripts only, no plugins, no framing of the console itself. */
function contentSecurityPolicy(options: { connectSources: string[] }): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    `connect-src 'self' ${options.connectSources.join(' ')}`,
    "img-src 'self' data:",
    // Vite inlines small files, fonts included, as data: URLs.
    "font-src 'self' data:",
    // Cloudscape injects <style> elements and style attributes at run time (its theming and some
    // components), which a nonce or hash cannot cover for a static build.
    "style-src 'self' 'unsafe-inline'",
    // The partner's notice is previewed in a sandboxed srcdoc iframe (it inherits this policy).
    "frame-src 'self'",
    "frame-ancestors 'none'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
  ].join('; ');
}

/** Fails synth with the command to run when the console has not been built. */
export function assertConsoleBuilt(distDir: string): void {
  if (!existsSync(join(distDir, indexDocument))) {
    throw new Error(
      `The console is not built: ${join(distDir, indexDocument)} does not exist. ` +
        `Run \`${consoleBuildCommand}\` before synthesizing or deploying.`,
    );
  }
}

/**
 * BucketDeployment runs one Lambda function per stack (a singleton at the stack's root, not under this
 * construct), built by aws-cdk-lib: its runtime, managed policy and S3 wildcards are not ours to choose.
 * cdk-nag matches each wildcard finding by its exact text, so they are listed one by one: a new wildcard in
 * a later aws-cdk-lib shows up as a finding instead of passing unseen.
 */
function acknowledgeBucketDeploymentFindings(scope: Construct, bucket: s3.Bucket): void {
  const stack = Stack.of(scope);
  const bucketLogicalId = stack.resolve((bucket.node.defaultChild as s3.CfnBucket).logicalId) as string;
  const qualifier =
    stack.synthesizer instanceof DefaultStackSynthesizer
      ? (stack.synthesizer.bootstrapQualifier ?? DefaultStackSynthesizer.DEFAULT_QUALIFIER)
      : DefaultStackSynthesizer.DEFAULT_QUALIFIER;
  const wildcards =
    'BucketDeployment copies its source assets (from the CDK asset bucket) into the console bucket: ' +
    'aws-cdk-lib grants it object wildcards scoped to those two buckets.';
  const findings: [id: string, reason: string][] = [
    [
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'BucketDeployment’s handler uses AWSLambdaBasicExecutionRole: CloudWatch Logs only.',
    ],
    ...['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'].map(
      (action): [string, string] => [`AwsSolutions-IAM5[Action::${action}]`, wildcards],
    ),
    [`AwsSolutions-IAM5[Resource::<${bucketLogicalId}.Arn>/*]`, wildcards],
    [
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-${qualifier}-assets-<AWS::AccountId>-<AWS::Region>/*]`,
      wildcards,
    ],
    ['AwsSolutions-L1', 'BucketDeployment’s handler runtime is chosen and updated by aws-cdk-lib.'],
    // A bucket under a customer-managed key: aws-cdk-lib grants the deployment the key by grantEncryptDecrypt.
    ...(bucket.encryptionKey
      ? ['kms:ReEncrypt*', 'kms:GenerateDataKey*'].map((action): [string, string] => [
          `AwsSolutions-IAM5[Action::${action}]`,
          'BucketDeployment writes the console files through the bucket’s key (aws-cdk-lib’s grantEncryptDecrypt): that one key only.',
        ])
      : []),
  ];
  for (const child of stack.node.children) {
    if (!child.node.id.startsWith('Custom::CDKBucketDeployment')) continue;
    for (const [id, reason] of findings) Validations.of(child).acknowledge({ id, reason });
  }
}
