// Is dist/ current? Read by scripts/herald.mjs at every start (so it must stay cheap: one small
// JSON file and one stat per source file, ~1 ms) and by scripts/build.mjs --if-stale.
//
// scripts/build.mjs writes dist/stamp.json last, once a build is complete:
//   { "entry": "build-<hash>/main.js", "inputs": { "src/cli/main.ts": <mtimeMs>, … } }
// `inputs` are every file the build read (src/, jobs/, the build script, tsconfig.json,
// package.json, and node_modules/.package-lock.json for the packages bundled in), with the
// modification time each had when it was built. The build is current when every one of them
// still exists with exactly that mtime: an edit, a `git checkout`, a deleted file or an
// `npm ci` all change one. A new source file only matters once an existing one imports it,
// and that one changes.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const DIST = path.join(ROOT, 'dist');
export const STAMP = path.join(DIST, 'stamp.json');

/** The absolute path of the built CLI entry when dist/ is current, else null (with why). */
export function currentBuild() {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(STAMP, 'utf8'));
  } catch {
    return { entry: null, why: 'no build (npm run build)' };
  }
  for (const [file, mtimeMs] of Object.entries(stamp.inputs ?? {})) {
    let now;
    try {
      now = statSync(path.join(ROOT, file)).mtimeMs;
    } catch {
      return { entry: null, why: `${file} is gone` };
    }
    if (now !== mtimeMs) return { entry: null, why: `${file} changed` };
  }
  const entry = typeof stamp.entry === 'string' ? path.join(DIST, stamp.entry) : '';
  if (!entry || !existsSync(entry)) return { entry: null, why: `${stamp.entry} is missing` };
  return { entry, why: null };
}
