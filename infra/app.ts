import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ensureConsoleBuilt } from '../scripts/console-build.ts';
import { PartnerChangeNoticeStack } from './partner-change-notice-stack.ts';

// The stack uploads the console's build: make sure it is there and current before synthesizing.
await ensureConsoleBuilt((line) => console.error(line));

const app = new App();
// cdk-nag's AWS Solutions rules over the whole app: `cdk synth` (npm run synth) and `cdk deploy` fail on any
// finding not acknowledged with its reason in code (Validations.of(...).acknowledge). CI runs the same check
// as a test (test/infra/nag.test.ts).
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
// Environment-agnostic: synthesizes offline with no credentials; `cdk deploy` targets the CLI's account/region.
new PartnerChangeNoticeStack(app, 'PartnerChangeNotice', {
  description: 'Partner Change Notice: commission changes announced, acknowledged and applied after notice',
});
app.synth();
