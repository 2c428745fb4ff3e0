/** `npm run build:console`: the console's production build, skipped when it is already up to date. */
import { ensureConsoleBuilt } from '../local/console-build.ts';

const outcome = await ensureConsoleBuilt();
if (outcome === 'fresh') console.log('Console: build is up to date.');
