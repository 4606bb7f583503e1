#!/usr/bin/env node
// Builds the CLI into dist/ with esbuild, so that `herald` starts without compiling TypeScript
// (tsx at every start cost ~0.5 s of a cold `herald preview`). `npm run build`; scripts/setup.sh
// runs `node scripts/build.mjs --if-stale` (so `npm run demo` and `npm test` build by
// themselves); scripts/herald.mjs runs dist/ only while it is current (scripts/build-stamp.mjs),
// else the sources through tsx, so an edited source is never run stale.
//
// What it makes: src/cli/main.ts and everything it imports (jobs/ included), bundled as ESM with
// code splitting (the commands' lazy imports stay lazy), in dist/build-<hash>/; then
// dist/stamp.json, written last and atomically, names it. The npm packages on the path of a
// cold `herald preview` are bundled in (BUNDLED_PACKAGES); the others stay imports of
// node_modules.
//
// `import.meta.url` in a bundled source file is rewritten to that source file's own URL, so
// paths it resolves against it (templates/, migrations/) are what they are under tsx.
//
// A build directory is immutable and content-addressed: a `herald` process started from an
// older build keeps loading its lazy chunks while a new build is written; builds not current
// and older than a day are removed.
//
//   node scripts/build.mjs              build (prints one line)
//   node scripts/build.mjs --if-stale   build only when dist/ is missing or stale; silent
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { currentBuild, DIST, ROOT, STAMP } from './build-stamp.mjs';

const ifStale = process.argv.includes('--if-stale');
if (ifStale && currentBuild().entry) process.exit(0);

const { build } = await import('esbuild');

/**
 * npm packages compiled into the bundle, with what they import: loaded as one file each instead
 * of dozens to hundreds of modules, they start 2–5× faster (puppeteer ~200 → ~90 ms, vega and
 * vega-lite ~220 → ~80 ms, opentype.js, zod, yaml, handlebars ~20–80 ms less each). Every other
 * package stays an import from node_modules.
 */
const BUNDLED_PACKAGES = new Set(['puppeteer', 'vega', 'vega-lite', 'opentype.js', 'zod', 'yaml', 'handlebars', 'commander']);
/** Never bundled, even when a bundled package imports them: cosmiconfig (puppeteer reads
 * .puppeteerrc.cjs with it; it needs its own __filename) and ws's optional native add-ons. */
const ALWAYS_EXTERNAL = new Set(['cosmiconfig', 'bufferutil', 'utf-8-validate']);
/** Files that shape the output besides the sources esbuild reads. */
const CONFIG_INPUTS = ['scripts/build.mjs', 'scripts/build-stamp.mjs', 'tsconfig.json', 'package.json'];
const OLD_BUILDS_KEPT_MS = 24 * 3600_000;

const packageName = (spec) => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');
const inNodeModules = (file) => file.split(path.sep).includes('node_modules');

const externals = {
  name: 'herald-externals',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      if (isBuiltin(args.path) || ALWAYS_EXTERNAL.has(packageName(args.path))) return { path: args.path, external: true };
      // Inside a bundled package, its own dependencies are bundled too.
      if (inNodeModules(args.importer)) return undefined;
      return BUNDLED_PACKAGES.has(packageName(args.path)) ? undefined : { path: args.path, external: true };
    });
  },
};

/** `import.meta.url` of a source file becomes that file's URL, computed from the chunk's own. */
function sourceUrls(outdir) {
  return {
    name: 'herald-source-urls',
    setup(b) {
      b.onLoad({ filter: /\.[cm]?ts$/ }, (args) => {
        if (inNodeModules(args.path)) return undefined;
        let contents = readFileSync(args.path, 'utf8');
        if (/\bimport\.meta\.(dirname|filename|resolve)\b/.test(contents)) {
          return { errors: [{ text: `${path.relative(ROOT, args.path)}: import.meta.dirname/filename/resolve are not handled by scripts/build.mjs; use import.meta.url` }] };
        }
        const rel = path.relative(outdir, args.path).split(path.sep).join('/');
        contents = contents.replace(/\bimport\.meta\.url\b/g, `new URL(${JSON.stringify(rel)}, import.meta.url).href`);
        return { contents, loader: 'ts' };
      });
    },
  };
}

const started = Date.now();
const tmpDir = path.join(DIST, `.tmp-${process.pid}-${started}`);
let result;
try {
  result = await build({
    absWorkingDir: ROOT,
    entryPoints: { main: 'src/cli/main.ts' },
    outdir: tmpDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Names as in the sources (esbuild renames clashing top-level names across modules).
    keepNames: true,
    sourcemap: 'linked',
    sourcesContent: false,
    chunkNames: '[name]-[hash]',
    metafile: true,
    write: false,
    logLevel: 'silent',
    // esbuild's plain-object `require` shim for a bundled CommonJS module, in an ES module.
    banner: { js: "import { createRequire as __heraldRequire } from 'node:module'; const require = __heraldRequire(import.meta.url);" },
    plugins: [externals, sourceUrls(tmpDir)],
  });
} catch (err) {
  const first = err.errors?.[0];
  const where = first?.location ? `${first.location.file}:${first.location.line}: ` : '';
  process.stderr.write(`build: ${where}${first?.text ?? err.message}\n`);
  process.exit(1);
}

for (const w of result.warnings) {
  if (w.location && !inNodeModules(w.location.file)) process.stderr.write(`build: warning: ${w.location.file}:${w.location.line}: ${w.text}\n`);
}
// Every output sits directly in the build directory: the `import.meta.url` rewrite assumed it.
for (const f of result.outputFiles) {
  if (path.dirname(f.path) !== tmpDir) throw new Error(`build: unexpected output ${f.path}`);
}
const hash = createHash('sha256');
for (const f of [...result.outputFiles].sort((a, b) => a.path.localeCompare(b.path))) hash.update(path.basename(f.path)).update(f.contents);
const name = `build-${hash.digest('hex').slice(0, 12)}`;
const outDir = path.join(DIST, name);

// The stamp: every input with its mtime now. One changed while esbuild read it: no stamp, so
// herald runs the sources, and the next --if-stale builds again.
const inputs = {};
let bundledPackages = false;
for (const file of [...Object.keys(result.metafile.inputs), ...CONFIG_INPUTS]) {
  if (inNodeModules(file)) { bundledPackages = true; continue; }
  inputs[file.split(path.sep).join('/')] = statSync(path.join(ROOT, file)).mtimeMs;
}
if (bundledPackages) inputs['node_modules/.package-lock.json'] = statSync(path.join(ROOT, 'node_modules/.package-lock.json')).mtimeMs;
const changedDuring = Object.entries(inputs).find(([, mtimeMs]) => mtimeMs >= started - 10);

mkdirSync(DIST, { recursive: true });
if (!existsSync(outDir)) {
  mkdirSync(tmpDir, { recursive: true });
  for (const f of result.outputFiles) writeFileSync(f.path, f.contents);
  try {
    renameSync(tmpDir, outDir);
  } catch (err) {
    // Another build of the same sources got there first: the same bytes.
    rmSync(tmpDir, { recursive: true, force: true });
    if (!existsSync(outDir)) throw err;
  }
}
if (changedDuring) {
  rmSync(STAMP, { force: true });
  process.stderr.write(`build: ${changedDuring[0]} changed during the build; herald runs the sources until the next build\n`);
} else {
  const tmpStamp = `${STAMP}.${process.pid}`;
  writeFileSync(tmpStamp, `${JSON.stringify({ entry: `${name}/main.js`, builtAt: new Date(started).toISOString(), inputs }, null, 1)}\n`);
  renameSync(tmpStamp, STAMP);
}

// Old builds: kept a day for the processes that started from them.
for (const entry of readdirSync(DIST, { withFileTypes: true })) {
  if (!entry.isDirectory() || entry.name === name) continue;
  if (!entry.name.startsWith('build-') && !entry.name.startsWith('.tmp-')) continue;
  const dir = path.join(DIST, entry.name);
  try {
    if (Date.now() - statSync(dir).mtimeMs > OLD_BUILDS_KEPT_MS) rmSync(dir, { recursive: true, force: true });
  } catch { /* removed by another build */ }
}

if (!ifStale) {
  const bytes = result.outputFiles.filter((f) => f.path.endsWith('.js')).reduce((n, f) => n + f.contents.length, 0);
  process.stdout.write(`dist/${name}/ (${Object.keys(inputs).length} inputs, ${Math.round(bytes / 1024)} KB of JS) in ${Date.now() - started} ms${changedDuring ? ', not stamped' : ''}\n`);
}
