import { App } from 'aws-cdk-lib';
import { PartnerChangeNoticeStack } from './partner-change-notice-stack.ts';

const app = new App();
// Environment-agnostic: synthesizes offline with no credentials; `cdk deploy` targets the CLI's account/region.
new PartnerChangeNoticeStack(app, 'PartnerChangeNotice', {
  description: 'Partner Change Notice: commission changes announced, acknowledged and applied after notice',
});
app.synth();
