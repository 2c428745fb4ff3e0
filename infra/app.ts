import { App } from 'aws-cdk-lib';
import { ensureConsoleBuilt } from '../scripts/console-build.ts';
import { PartnerChangeNoticeStack } from './partner-change-notice-stack.ts';

// The stack uploads the console's build: make sure it is there and current before synthesizing.
await ensureConsoleBuilt((line) => console.error(line));

const app = new App();
// Environment-agnostic: synthesizes offline with no credentials; `cdk deploy` targets the CLI's account/region.
new PartnerChangeNoticeStack(app, 'PartnerChangeNotice', {
  description: 'Partner Change Notice: commission changes announced, acknowledged and applied after notice',
});
app.synth();
