/**
 * Where the built console lives and how to build it: a repository-layout fact shared by the CDK app (which
 * uploads the folder, infra/console.ts) and the local server (which serves it). Plain strings, no `node:`
 * imports, so importing it costs nothing and is safe anywhere — the local server must not load aws-cdk-lib
 * just to learn a path, and the console's own code imports the sibling console-config.ts in the browser.
 */

/** Vite's output folder (console/vite.config.ts `build.outDir`), relative to the repository root. */
export const consoleDistDir = 'console/dist';

/**
 * What produces {@link consoleDistDir} when it is missing or older than its sources (scripts/console-build.ts;
 * `npm start`, `npm test` and `npm run synth` run it by themselves).
 */
export const consoleBuildCommand = 'npm run build:console';
