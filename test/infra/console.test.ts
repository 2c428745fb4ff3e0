/**
 * The staff console's hosting (infra/console.ts), checked on the synthesized template: a private bucket
 * behind CloudFront with Origin Access Control, security headers, SPA deep links, caching per file kind, the
 * hosted-UI client and the deploy-time config.json. Synthesized without bundling (the functions are not under
 * test here) and against a fixture console build.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { consoleBuildCommand } from '../../functions/config/console-build.ts';
import {
  consoleCallbackPath,
  consoleConfigPath,
  consoleConfigSchema,
  consoleSignedOutPath,
} from '../../functions/config/console-config.ts';
import { Auth, cognitoDomainPrefixContextKey } from '../../infra/api.ts';
import { Console, consoleLocalCallbacksContextKey, localConsoleOrigin } from '../../infra/console.ts';
import {
  consoleDistFixture,
  type TemplateResource as Resource,
  logicalIdAt as resourceAt,
  SKIP_BUNDLING,
  STACK,
  synthesize,
} from '../support/cdk-app.ts';

interface PolicyStatement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Principal: unknown;
  Condition?: Record<string, Record<string, unknown>>;
  Resource: unknown;
}

const YEAR_SECONDS = 365 * 24 * 60 * 60;

/** A CloudFormation string value (literal, Ref, GetAtt, Fn::Join) as text: Ref X → <X>, GetAtt X.Y → <X.Y>. */
function render(value: unknown): string {
  if (typeof value === 'string') return value;
  const node = value as Record<string, unknown>;
  if ('Ref' in node) return `<${node.Ref as string}>`;
  if ('Fn::GetAtt' in node) return `<${(node['Fn::GetAtt'] as string[]).join('.')}>`;
  if ('Fn::Join' in node) {
    const [separator, parts] = node['Fn::Join'] as [string, unknown[]];
    return parts.map(render).join(separator);
  }
  throw new Error(`Cannot render ${JSON.stringify(value)}`);
}

/** The CSP's directives by name, each with its sources. */
function cspDirectives(policy: string): Map<string, string[]> {
  return new Map(
    policy
      .split(';')
      .map((directive) => directive.trim().split(/\s+/))
      .filter((tokens) => tokens[0])
      .map(([name, ...sources]) => [name!, sources]),
  );
}

function logicalIdsReferencedBy(value: unknown): string[] {
  const found: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const [key, child] of Object.entries(node)) {
      if (key === 'Ref' && typeof child === 'string' && !child.startsWith('AWS::')) found.push(child);
      else if (key === 'Fn::GetAtt') found.push((child as string[])[0]!);
      else visit(child);
    }
  };
  visit(value);
  return found;
}

describe('staff console hosting', () => {
  let app: App;
  let template: Template;
  let resources: Record<string, Resource>;

  const logicalIdAt = (path: string) => resourceAt(resources, path);
  const bucketId = () => logicalIdAt('Console/Bucket/Resource');
  const distributionId = () => logicalIdAt('Console/Distribution/Resource');
  const consoleClientId = () => logicalIdAt('Auth/UserPool/ConsoleClient/Resource');
  const properties = (logicalId: string) => resources[logicalId]!.Properties;
  function distributionConfig() {
    return properties(distributionId()).DistributionConfig;
  }
  function bucketPolicyStatements(bucketLogicalId: string): PolicyStatement[] {
    const policies = Object.values(resources).filter(
      (resource) =>
        resource.Type === 'AWS::S3::BucketPolicy' &&
        JSON.stringify(resource.Properties.Bucket) === JSON.stringify({ Ref: bucketLogicalId }),
    );
    expect(policies).toHaveLength(1);
    return policies[0]!.Properties.PolicyDocument.Statement;
  }
  function deployments(): Resource[] {
    return Object.values(resources).filter((resource) => resource.Type === 'Custom::CDKBucketDeployment');
  }
  function deploymentAt(id: 'DeployAssets' | 'DeployShell'): [string, Resource] {
    const logicalId = logicalIdAt(`Console/${id}/CustomResource/Default`);
    return [logicalId, resources[logicalId]!];
  }

  beforeAll(() => {
    ({ app, template } = synthesize(SKIP_BUNDLING));
    resources = template.toJSON().Resources;
  }, 120_000);

  describe('bucket', () => {
    it('blocks all public access, is encrypted, versioned, logged and no website', () => {
      const bucket = properties(bucketId());
      expect(bucket.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      // The stack's data key (infra/data-key.ts).
      expect(bucket.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
        {
          BucketKeyEnabled: true,
          ServerSideEncryptionByDefault: {
            SSEAlgorithm: 'aws:kms',
            KMSMasterKeyID: { 'Fn::GetAtt': [expect.stringMatching(/^DataKey/), 'Arn'] },
          },
        },
      ]);
      expect(bucket.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      expect(bucket.WebsiteConfiguration).toBeUndefined();
      expect(bucket.LoggingConfiguration).toEqual({
        DestinationBucketName: { Ref: logicalIdAt('Console/AccessLogs/Resource') },
        LogFilePrefix: 's3/',
      });
    });

    it('refuses every request not made over TLS (enforceSSL), on both buckets', () => {
      for (const id of [bucketId(), logicalIdAt('Console/AccessLogs/Resource')]) {
        const denies = bucketPolicyStatements(id).filter(
          (statement) =>
            statement.Effect === 'Deny' &&
            JSON.stringify(statement.Condition) ===
              JSON.stringify({ Bool: { 'aws:SecureTransport': 'false' } }),
        );
        expect(denies, id).toHaveLength(1);
        expect(denies[0]!.Action).toBe('s3:*');
        expect(denies[0]!.Principal).toEqual({ AWS: '*' });
      }
      const logs = properties(logicalIdAt('Console/AccessLogs/Resource'));
      expect(logs.PublicAccessBlockConfiguration.RestrictPublicBuckets).toBe(true);
      expect(logs.BucketEncryption).toBeDefined();
    });

    it('allows reads only to CloudFront, only on behalf of this distribution', () => {
      const allows = bucketPolicyStatements(bucketId()).filter((statement) => statement.Effect === 'Allow');
      expect(allows.length).toBeGreaterThan(0);
      for (const statement of allows) {
        expect(statement.Principal).toEqual({ Service: 'cloudfront.amazonaws.com' });
        expect(render(statement.Condition?.StringEquals?.['AWS:SourceArn'])).toBe(
          `arn:<AWS::Partition>:cloudfront::<AWS::AccountId>:distribution/<${distributionId()}>`,
        );
        expect(Object.keys(statement.Condition ?? {})).toEqual(['StringEquals']);
        expect([statement.Action].flat().sort()).toEqual(['s3:GetObject', 's3:ListBucket']);
      }
    });
  });

  describe('distribution', () => {
    it('reaches the bucket through an Origin Access Control (SigV4, always signed), never an OAI', () => {
      const oacs = Object.entries(resources).filter(
        ([, resource]) => resource.Type === 'AWS::CloudFront::OriginAccessControl',
      );
      expect(oacs).toHaveLength(1);
      const [oacId, oac] = oacs[0]!;
      expect(oac.Properties.OriginAccessControlConfig).toMatchObject({
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
        SigningProtocol: 'sigv4',
      });
      template.resourceCountIs('AWS::CloudFront::CloudFrontOriginAccessIdentity', 0);
      const origins = distributionConfig().Origins;
      expect(origins).toHaveLength(1);
      expect(origins[0].DomainName).toEqual({ 'Fn::GetAtt': [bucketId(), 'RegionalDomainName'] });
      expect(origins[0].OriginAccessControlId).toEqual({ 'Fn::GetAtt': [oacId, 'Id'] });
      expect(origins[0].S3OriginConfig.OriginAccessIdentity).toBe('');
    });

    it('redirects HTTP to HTTPS, serves HTTP/2 and 3, GET/HEAD only, index.html at the root', () => {
      const config = distributionConfig();
      expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
      expect(config.DefaultCacheBehavior.AllowedMethods).toEqual(['GET', 'HEAD']);
      expect(config.CacheBehaviors).toBeUndefined();
      expect(config.HttpVersion).toBe('http2and3');
      expect(config.DefaultRootObject).toBe('index.html');
      expect(config.Logging.Bucket).toEqual({
        'Fn::GetAtt': [logicalIdAt('Console/AccessLogs/Resource'), 'RegionalDomainName'],
      });
    });

    it('follows the origin’s Cache-Control (minimum TTL 0, so no-cache means revalidate)', () => {
      const policyId = distributionConfig().DefaultCacheBehavior.CachePolicyId.Ref as string;
      expect(properties(policyId).CachePolicyConfig).toMatchObject({ MinTTL: 0, MaxTTL: YEAR_SECONDS });
    });

    describe('security headers', () => {
      function headers() {
        const policyId = distributionConfig().DefaultCacheBehavior.ResponseHeadersPolicyId.Ref as string;
        expect(resources[policyId]!.Type).toBe('AWS::CloudFront::ResponseHeadersPolicy');
        return properties(policyId).ResponseHeadersPolicyConfig.SecurityHeadersConfig;
      }

      it('sends HSTS for at least a year with subdomains, nosniff, DENY framing and a referrer policy', () => {
        const config = headers();
        expect(config.StrictTransportSecurity.AccessControlMaxAgeSec).toBeGreaterThanOrEqual(YEAR_SECONDS);
        expect(config.StrictTransportSecurity).toMatchObject({ IncludeSubdomains: true, Override: true });
        expect(config.ContentTypeOptions).toEqual({ Override: true });
        expect(config.FrameOptions).toEqual({ FrameOption: 'DENY', Override: true });
        expect(config.ReferrerPolicy).toEqual({
          ReferrerPolicy: 'strict-origin-when-cross-origin',
          Override: true,
        });
      });

      it('has a CSP that lets the SPA reach only itself, the API and Cognito', () => {
        const csp = headers().ContentSecurityPolicy;
        expect(csp.Override).toBe(true);
        const directives = cspDirectives(render(csp.ContentSecurityPolicy));
        const apiEndpoint = `<${logicalIdAt('Api/HttpApi/Resource')}.ApiEndpoint>`;
        const hostedUi = `https://<${logicalIdAt('Auth/UserPool/HostedUiDomain/Resource')}>.auth.<AWS::Region>.amazoncognito.com`;
        expect(Object.fromEntries(directives)).toEqual({
          'default-src': ["'self'"],
          'script-src': ["'self'"],
          'connect-src': ["'self'", apiEndpoint, hostedUi, 'https://cognito-idp.<AWS::Region>.amazonaws.com'],
          'img-src': ["'self'", 'data:'],
          'font-src': ["'self'", 'data:'],
          'style-src': ["'self'", "'unsafe-inline'"],
          'frame-src': ["'self'"],
          'frame-ancestors': ["'none'"],
          'object-src': ["'none'"],
          'base-uri': ["'self'"],
          'form-action': ["'self'"],
        });
      });
    });

    describe('SPA deep links', () => {
      function rewrite(uri: string): string {
        const association = distributionConfig().DefaultCacheBehavior.FunctionAssociations;
        expect(association).toHaveLength(1);
        expect(association[0].EventType).toBe('viewer-request');
        const functionId = association[0].FunctionARN['Fn::GetAtt'][0] as string;
        const fn = properties(functionId);
        expect(fn.FunctionConfig.Runtime).toBe('cloudfront-js-2.0');
        const handler = new Function(`${fn.FunctionCode}; return handler;`)() as (event: {
          request: { uri: string };
        }) => { uri: string };
        return handler({ request: { uri } }).uri;
      }

      it('serves index.html for routes without a file name', () => {
        for (const uri of ['/', '/changes/abc', '/changes/abc/', consoleCallbackPath, consoleSignedOutPath]) {
          expect(rewrite(uri), uri).toBe('/index.html');
        }
      });

      it('passes file paths through, so a missing asset stays a 404', () => {
        for (const uri of [
          '/assets/index-abc123.js',
          '/assets/missing.css',
          consoleConfigPath,
          '/favicon.ico',
        ]) {
          expect(rewrite(uri), uri).toBe(uri);
        }
        // Error pages would turn every miss into index.html with 200.
        expect(distributionConfig().CustomErrorResponses).toBeUndefined();
      });
    });

    it('outputs the console URL', () => {
      template.hasOutput('ConsoleUrl', {
        Value: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId(), 'DomainName'] }]] },
      });
    });
  });

  describe('hosted-UI sign-in', () => {
    it('has a public code-grant client returning only to the console', () => {
      const client = properties(consoleClientId());
      const onConsole = (path: string) => ({
        'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId(), 'DomainName'] }, path]],
      });
      expect(client.CallbackURLs).toEqual([onConsole(consoleCallbackPath)]);
      expect(client.LogoutURLs).toEqual([onConsole(consoleSignedOutPath)]);
      expect(client.AllowedOAuthFlows).toEqual(['code']);
      expect(client.AllowedOAuthFlowsUserPoolClient).toBe(true);
      expect(client.AllowedOAuthScopes).toEqual(['openid', 'email', 'profile']);
      expect(client.GenerateSecret).toBe(false);
      expect(client.SupportedIdentityProviders).toEqual(['COGNITO']);
      // No direct (SRP/password) sign-in on this client: the hosted UI only.
      expect(client.ExplicitAuthFlows).toEqual(['ALLOW_REFRESH_TOKEN_AUTH']);
    });

    it('lets the API accept the console’s tokens', () => {
      const authorizers = Object.values(resources).filter((r) => r.Type === 'AWS::ApiGatewayV2::Authorizer');
      expect(authorizers).toHaveLength(1);
      expect(authorizers[0]!.Properties.JwtConfiguration.Audience).toContainEqual({ Ref: consoleClientId() });
    });

    it('puts the hosted UI on a prefix domain unique to the stack', () => {
      const domain = properties(logicalIdAt('Auth/UserPool/HostedUiDomain/Resource'));
      expect(domain.UserPoolId).toEqual({ Ref: logicalIdAt('Auth/UserPool/Resource') });
      expect(domain.CustomDomainConfig).toBeUndefined();
      expect(domain.Domain).toEqual({
        'Fn::Join': [
          '',
          [
            'partnerchangenotice-',
            {
              'Fn::Select': [
                0,
                {
                  'Fn::Split': ['-', { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }],
                },
              ],
            },
          ],
        ],
      });
    });
  });

  describe('deployment', () => {
    it('uploads hashed assets cached for a year and immutable, never pruned', () => {
      const [, assets] = deploymentAt('DeployAssets');
      expect(assets.Properties).toMatchObject({
        DestinationBucketName: { Ref: bucketId() },
        DestinationBucketKeyPrefix: 'assets/',
        Prune: false,
        SystemMetadata: { 'cache-control': `public, max-age=${YEAR_SECONDS}, immutable` },
      });
    });

    it('uploads index.html and config.json uncached, after the assets they name', () => {
      const [assetsId] = deploymentAt('DeployAssets');
      const [, shell] = deploymentAt('DeployShell');
      expect(shell.Properties).toMatchObject({
        DestinationBucketName: { Ref: bucketId() },
        Prune: false,
        SystemMetadata: { 'cache-control': 'no-cache' },
      });
      expect(shell.Properties.DestinationBucketKeyPrefix).toBeUndefined();
      expect(shell.DependsOn).toContain(assetsId);
      expect(deployments()).toHaveLength(2);
    });

    it('writes a config.json that, once CloudFormation fills its tokens, is what the console expects', () => {
      const [, shell] = deploymentAt('DeployShell');
      const markerSets = shell.Properties.SourceMarkers as Record<string, unknown>[];
      const index = markerSets.findIndex((markers) => Object.keys(markers).length > 0);
      const objectKey = shell.Properties.SourceObjectKeys[index] as string;
      const written = readFileSync(
        join(app.outdir, `asset.${objectKey.replace(/\.zip$/, '')}`, consoleConfigPath),
        'utf8',
      );
      const deployTimeValues: Record<string, string> = {
        [`<${logicalIdAt('Api/HttpApi/Resource')}.ApiEndpoint>`]:
          'https://a1b2c3.execute-api.eu-west-1.amazonaws.com',
        '<AWS::Region>': 'eu-west-1',
        [`<${logicalIdAt('Auth/UserPool/Resource')}>`]: 'eu-west-1_AbCdEf123',
        [`<${consoleClientId()}>`]: '4example5client6id',
        [`<${logicalIdAt('Auth/UserPool/HostedUiDomain/Resource')}>`]: 'partnerchangenotice-1a2b3c4d',
      };
      const markers = markerSets[index]!;
      const filled = Object.entries(markers).reduce((text, [marker, token]) => {
        const value = deployTimeValues[render(token)];
        expect(value, `deploy-time value for ${render(token)}`).toBeDefined();
        return text.replaceAll(marker, value!);
      }, written);
      expect(filled).not.toMatch(/<<marker/);
      expect(consoleConfigSchema.parse(JSON.parse(filled))).toEqual({
        environment: 'aws',
        apiBaseUrl: 'https://a1b2c3.execute-api.eu-west-1.amazonaws.com',
        auth: {
          mode: 'cognito',
          authority: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123',
          clientId: '4example5client6id',
          hostedUiUrl: 'https://partnerchangenotice-1a2b3c4d.auth.eu-west-1.amazoncognito.com',
          scopes: ['openid', 'email', 'profile'],
        },
      });
    });

    it('has no dependency cycle, and the distribution depends on no deployment', () => {
      const dependencies = (id: string): string[] => {
        const resource = resources[id]!;
        return [...logicalIdsReferencedBy(resource.Properties), ...(resource.DependsOn ?? [])].filter(
          (dependency) => dependency in resources,
        );
      };
      const state = new Map<string, 'visiting' | 'done'>();
      const reachable = new Set<string>();
      const visit = (id: string, path: string[]): void => {
        if (state.get(id) === 'done') return;
        expect(state.get(id), `cycle: ${[...path, id].join(' → ')}`).not.toBe('visiting');
        state.set(id, 'visiting');
        for (const dependency of dependencies(id)) visit(dependency, [...path, id]);
        state.set(id, 'done');
      };
      for (const id of Object.keys(resources)) visit(id, []);
      const collect = (id: string): void => {
        for (const dependency of dependencies(id)) {
          if (reachable.has(dependency)) continue;
          reachable.add(dependency);
          collect(dependency);
        }
      };
      collect(distributionId());
      expect([...reachable].filter((id) => resources[id]!.Type === 'Custom::CDKBucketDeployment')).toEqual(
        [],
      );
      expect(reachable.has(consoleClientId())).toBe(false);
    });
  });

  describe('cdk-nag (AWS Solutions)', () => {
    const consolePaths = [
      `${STACK}/Console/`,
      `${STACK}/Custom::CDKBucketDeployment`,
      `${STACK}/Auth/UserPool/ConsoleClient/`,
      `${STACK}/Auth/UserPool/HostedUiDomain/`,
    ];
    function findings(scope: App | Stack): string[] {
      return new AwsSolutionsChecks()
        .validateScope(scope)
        .violations.flatMap((violation) =>
          violation.violatingResources.map(
            (resource) =>
              `${violation.ruleName} ${(resource as { constructPath?: string }).constructPath ?? resource.resourceLogicalId}`,
          ),
        );
    }

    it('finds nothing unacknowledged in the console’s resources', () => {
      const consoleFindings = findings(app).filter((finding) =>
        consolePaths.some((path) => finding.split(' ')[1]!.startsWith(path)),
      );
      expect(consoleFindings).toEqual([]);
    });

    it('the check catches an unacknowledged finding', () => {
      const stack = new Stack(new App(), 'Unlogged');
      new s3.Bucket(stack, 'Bucket', { enforceSSL: true });
      expect(findings(stack)).toContain('AwsSolutions-S1 Unlogged/Bucket/Resource');
    });
  });
});

describe('console synth options', () => {
  it('refuses to synthesize without a console build, naming the build command', () => {
    const empty = mkdtempSync(join(tmpdir(), 'console-dist-'));
    try {
      expect(() => synthesize(SKIP_BUNDLING, { consoleDistDir: empty })).toThrow(consoleBuildCommand);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('deploys only the shell when the build has no assets folder', () => {
    const dist = mkdtempSync(join(tmpdir(), 'console-dist-'));
    try {
      writeFileSync(join(dist, 'index.html'), '<!doctype html>');
      const { template } = synthesize(SKIP_BUNDLING, { consoleDistDir: dist });
      template.resourceCountIs('Custom::CDKBucketDeployment', 1);
      template.hasResourceProperties('Custom::CDKBucketDeployment', {
        SystemMetadata: { 'cache-control': 'no-cache' },
      });
    } finally {
      rmSync(dist, { recursive: true, force: true });
    }
  });

  it(`adds ${localConsoleOrigin} callbacks only when ${consoleLocalCallbacksContextKey} is set`, () => {
    const { template } = synthesize({ ...SKIP_BUNDLING, [consoleLocalCallbacksContextKey]: 'true' });
    const client = Object.values(template.findResources('AWS::Cognito::UserPoolClient')).find(
      (resource) => (resource as Resource).Properties.AllowedOAuthFlows,
    ) as Resource;
    expect(client.Properties.CallbackURLs).toHaveLength(2);
    expect(client.Properties.CallbackURLs[1]).toBe(`${localConsoleOrigin}${consoleCallbackPath}`);
    expect(client.Properties.LogoutURLs[1]).toBe(`${localConsoleOrigin}${consoleSignedOutPath}`);
    expect(JSON.stringify(client.Properties.CallbackURLs[0])).toContain('DomainName');
  });

  it('takes the hosted-UI domain prefix from the context, and rejects one Cognito would refuse', () => {
    const { template } = synthesize({ ...SKIP_BUNDLING, [cognitoDomainPrefixContextKey]: 'pcn-staff-prod' });
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'pcn-staff-prod' });
    for (const bad of ['PCN', 'pcn_staff', '-pcn', 'my-aws-console', 'x'.repeat(64)]) {
      expect(() => synthesize({ ...SKIP_BUNDLING, [cognitoDomainPrefixContextKey]: bad }), bad).toThrow(
        cognitoDomainPrefixContextKey,
      );
    }
  });

  it('on a custom domain: its certificate, TLS 1.2 at least, callbacks on that domain', () => {
    const stack = new Stack(new App(), 'CustomDomain');
    new Console(stack, 'Console', {
      distDir: consoleDistFixture,
      apiBaseUrl: 'https://api.example.com',
      auth: new Auth(stack, 'Auth'),
      customDomain: {
        domainName: 'console.partners.example.com',
        certificate: acm.Certificate.fromCertificateArn(
          stack,
          'Certificate',
          'arn:aws:acm:us-east-1:123456789012:certificate/abc',
        ),
      },
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: {
        Aliases: ['console.partners.example.com'],
        ViewerCertificate: {
          AcmCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc',
          MinimumProtocolVersion: 'TLSv1.2_2021',
          SslSupportMethod: 'sni-only',
        },
      },
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      CallbackURLs: [`https://console.partners.example.com${consoleCallbackPath}`],
      LogoutURLs: [`https://console.partners.example.com${consoleSignedOutPath}`],
    });
  });

  it('with a customer-managed key: the bucket uses it and CloudFront may decrypt with it', () => {
    const stack = new Stack(new App(), 'WithKey');
    const key = new kms.Key(stack, 'Key');
    new Console(stack, 'Console', {
      distDir: consoleDistFixture,
      apiBaseUrl: 'https://api.example.com',
      auth: new Auth(stack, 'Auth'),
      encryptionKey: key,
    });
    const template = Template.fromStack(stack);
    const keyId = stack.resolve((key.node.defaultChild as kms.CfnKey).logicalId) as string;
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] },
            },
          },
        ],
      },
    });
    const statements = template.toJSON().Resources[keyId].Properties.KeyPolicy.Statement as PolicyStatement[];
    expect(
      statements.some(
        (statement) =>
          JSON.stringify(statement.Principal) === JSON.stringify({ Service: 'cloudfront.amazonaws.com' }) &&
          [statement.Action].flat().includes('kms:Decrypt'),
      ),
    ).toBe(true);
  });
});
