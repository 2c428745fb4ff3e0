#!/usr/bin/env node
// `npm run verify-audit -- DIR`, the package's `pcn-verify-audit` bin: checks an audit export with its files alone (cli/verify-audit-export.ts).
import { register } from 'tsx/esm/api';

register();
await import('../cli/verify-audit-export.ts');
