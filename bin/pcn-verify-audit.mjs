#!/usr/bin/env node
// `npx pcn-verify-audit DIR` (package.json "bin"): checks an audit export with its files alone (cli/verify-audit-export.ts).
import { register } from 'tsx/esm/api';

register();
await import('../cli/verify-audit-export.ts');
