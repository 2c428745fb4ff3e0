#!/usr/bin/env node
// The `pcn` command (package.json "bin"): runs cli/pcn.ts through tsx, as `npm run pcn --` does.
import { register } from 'tsx/esm/api';

register();
await import('../cli/pcn.ts');
