// One build script for the four entry points of DESIGN.md (and the recommend panel's page), plus the compiled extension-host test entry.
// `--production` minifies and drops source maps (what `npm run package` ships); `--watch` rebuilds on change.
import * as esbuild from 'esbuild';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  minify: production,
  sourcemap: production ? false : 'linked',
  logLevel: 'warning',
  target: 'node20',
};

/** @type {esbuild.BuildOptions[]} */
const builds = [
  { ...common, entryPoints: { extension: 'src/extension/main.ts' }, outdir: 'dist', platform: 'node', format: 'cjs', external: ['vscode'] },
  { ...common, entryPoints: { server: 'src/server/main.ts' }, outdir: 'dist', platform: 'node', format: 'cjs' },
  {
    ...common,
    entryPoints: { trainer: 'src/trainer/main.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    banner: { js: '#!/usr/bin/env node' },
    // tfjs-node is an optional native dependency. The wasm backend is bundled (one tfjs-core instance, and the
    // .vsix ships no node_modules); its .wasm files are copied to dist/wasm/, where core/train/backend.ts points setWasmPaths.
    // Native modules: usearch is its own bundle dist/usearch.js beside its binaries, and DuckDB (a .node addon
    // and libduckdb) is copied to dist/node_modules/, where the trainer's require finds it (both below).
    external: ['@tensorflow/tfjs-node', '@duckdb/node-api'],
    plugins: [nativeBesideTrainer('usearch', './usearch.js')],
  },
  // usearch's JS wrapper with its loaders (node-gyp-build, bindings), as one file that finds its native binaries
  // in dist/prebuilds/<platform>-<arch>/ (copied below): the .vsix ships no node_modules (--no-dependencies).
  { ...common, entryPoints: { usearch: 'node_modules/usearch/javascript/dist/cjs/usearch.js' }, outdir: 'dist', platform: 'node', format: 'cjs' },
  { ...common, entryPoints: { webview: 'src/webview/main.ts' }, outdir: 'media', platform: 'browser', format: 'iife', target: 'es2022' },
  { ...common, entryPoints: { recommend: 'src/recommendView/main.ts' }, outdir: 'media', platform: 'browser', format: 'iife', target: 'es2022' },
];

/**
 * Resolves `import 'pkg'` in the trainer bundle to `file` beside it, left external: the native module is
 * loaded at run time from dist/ (in the repository and in the installed .vsix alike), never bundled.
 */
function nativeBesideTrainer(pkg, file) {
  return {
    name: `native:${pkg}`,
    setup(build) {
      build.onResolve({ filter: new RegExp(`^${pkg}$`) }, () => ({ path: file, external: true }));
    },
  };
}

if (existsSync('test/host/suite/index.ts')) {
  // The extension-host test entry: mocha `run()` loaded by the remote extension host (never packaged).
  builds.push({ ...common, minify: false, sourcemap: 'linked', entryPoints: { index: 'test/host/suite/index.ts' }, outdir: 'dist/test/host', platform: 'node', format: 'cjs', external: ['vscode', 'mocha'] });
}

/**
 * Copies a file by writing a temporary beside the target and renaming it over: overwriting a native
 * library in place changes the code of every process that has it mapped (a sweep's trainers crashed with
 * SIGSEGV when a rebuild overwrote usearch.node under them).
 */
function copyReplacing(from, to) {
  const tmp = `${to}.${process.pid}.tmp`;
  copyFileSync(from, tmp);
  renameSync(tmp, to);
}

/**
 * Copies the tfjs wasm binaries next to the trainer bundle (dist/wasm/), which the packaged extension loads
 * at run time, with the threaded build's factory and pthread worker code (core/train/wasmThreads.ts).
 */
function copyWasmBinaries() {
  const from = 'node_modules/@tensorflow/tfjs-backend-wasm/dist';
  mkdirSync('dist/wasm', { recursive: true });
  for (const file of readdirSync(from).filter((f) => f.endsWith('.wasm'))) copyReplacing(`${from}/${file}`, `dist/wasm/${file}`);
  const wasmOut = 'node_modules/@tensorflow/tfjs-backend-wasm/wasm-out';
  for (const file of ['tfjs-backend-wasm-threaded-simd.js', 'tfjs-backend-wasm-threaded-simd.worker.js']) copyReplacing(`${wasmOut}/${file}`, `dist/wasm/${file}`);
}
copyWasmBinaries();

/**
 * Copies usearch's prebuilt binaries (linux x64/arm64, macOS, Windows) to dist/prebuilds/, where the
 * wrapper dist/usearch.js looks for them (it walks up from its own folder to one holding `prebuilds/`).
 */
function copyUsearchBinaries() {
  const from = 'node_modules/usearch/prebuilds';
  for (const platform of readdirSync(from)) {
    mkdirSync(`dist/prebuilds/${platform}`, { recursive: true });
    for (const file of readdirSync(`${from}/${platform}`).filter((f) => f.endsWith('.node'))) copyReplacing(`${from}/${platform}/${file}`, `dist/prebuilds/${platform}/${file}`);
  }
}
copyUsearchBinaries();

/**
 * Copies DuckDB's packages next to the trainer bundle (dist/node_modules/), so that the packaged extension,
 * which ships no node_modules of its own (`vsce package --no-dependencies`), can load it: the JS API, the
 * loader, detect-libc, and the platform binding packages that are installed (each holds duckdb.node and
 * libduckdb; `npm install` installs the one of this machine, so a .vsix is built per platform, see README).
 */
function copyDuckDb() {
  const to = 'dist/node_modules';
  // Built beside and swapped in: a trainer running from dist/ keeps the libraries it has loaded.
  const staged = `${to}.${process.pid}.tmp`;
  rmSync(staged, { recursive: true, force: true });
  const bindings = readdirSync('node_modules/@duckdb').filter((p) => p.startsWith('node-bindings-'));
  for (const pkg of ['@duckdb/node-api', '@duckdb/node-bindings', 'detect-libc', ...bindings.map((b) => `@duckdb/${b}`)]) {
    cpSync(`node_modules/${pkg}`, `${staged}/${pkg}`, { recursive: true, dereference: true });
  }
  rmSync(to, { recursive: true, force: true });
  renameSync(staged, to);
}
copyDuckDb();

if (watch) {
  const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
  await Promise.all(contexts.map((c) => c.watch()));
  console.log('esbuild: watching');
} else {
  const start = Date.now();
  await Promise.all(builds.map((b) => esbuild.build(b)));
  console.log(`esbuild: ${builds.length} bundles in ${Date.now() - start} ms${production ? ' (production)' : ''}`);
}
