#!/usr/bin/env node
// The `herald` command. Runs the build in dist/ (`npm run build`, scripts/build.mjs) when it is
// current, i.e. no source changed since it was made (scripts/build-stamp.mjs, ~1 ms); else the
// TypeScript sources through tsx, as before there was a build, so an edited source never runs
// stale. HERALD_FROM_SOURCE=1 always runs the sources.
import { pathToFileURL } from 'node:url';
import { currentBuild } from './build-stamp.mjs';

const build = process.env.HERALD_FROM_SOURCE ? { entry: null, why: 'HERALD_FROM_SOURCE is set' } : currentBuild();
let main;
if (build.entry) {
  // Stacks printed by HERALD_DEBUG name the .ts sources (dist/ has source maps).
  if (process.env.HERALD_DEBUG) process.setSourceMapsEnabled(true);
  ({ main } = await import(pathToFileURL(build.entry).href));
} else {
  if (process.env.HERALD_DEBUG) process.stderr.write(`herald: running the sources through tsx (${build.why})\n`);
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv);
