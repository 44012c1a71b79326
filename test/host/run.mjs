#!/usr/bin/env node
// Runs the extension-host tests offline in a real VS Code: code-server (VS Code server + web workbench)
// driven by playwright-core and Debian's Chromium. See ../shared/docs/TESTING.md and README.md.
//
//   node test/host/run.mjs [--no-build] [--result-file PATH] [--timeout-ms N] [--keep]
//
// Exit code 0 only when the test entry ran, every test passed, and at least one test ran.
// The result (counts, tests, VS Code version) goes to --result-file (default test-output/host-result.json).
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { format } from 'node:util';
import { chromium } from 'playwright-core';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const codeServerEntry = path.join(repoRoot, 'test/host/code-server/node_modules/code-server/out/node/entry.js');
const testEntry = path.join(repoRoot, 'dist/test/host/index.js');
const fixtureWorkspace = path.join(repoRoot, 'test/fixtures/workspace');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const RESULT_FILE_ENV = 'TWO_TOWER_LAB_HOST_RESULT';
const GREP_ENV = 'TWO_TOWER_LAB_HOST_GREP';

function parseArgs(argv) {
  const opts = { build: true, resultFile: path.join(repoRoot, 'test-output/host-result.json'), timeoutMs: 240_000, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--no-build') opts.build = false;
    else if (a === '--keep') opts.keep = true;
    else if (a === '--result-file') opts.resultFile = path.resolve(argv[++i]);
    else if (a === '--timeout-ms') opts.timeoutMs = Number(argv[++i]);
    else if (a === '--grep') opts.grep = argv[++i];
    else throw new Error(`test/host/run.mjs: unknown argument '${a}' (known: --no-build, --result-file PATH, --timeout-ms N, --grep PATTERN, --keep)`);
  }
  if (!Number.isFinite(opts.timeoutMs) || opts.timeoutMs <= 0) throw new Error('test/host/run.mjs: --timeout-ms needs a positive number');
  return opts;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Polls /healthz until it answers 200, the server exits, or the deadline passes. */
async function waitForHealth(base, server, deadline) {
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (server.exitCode !== null || server.signalCode !== null) throw new Error(`code-server exited (${server.exitCode ?? server.signalCode}) before answering /healthz`);
    try {
      const res = await fetch(`${base}/healthz`);
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = String(err.cause?.code ?? err.message);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not answer ${base}/healthz with 200 in time (last: ${last})`);
}

function writeJsonAtomic(file, value) {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(`${file}.partial`, JSON.stringify(value, null, 2));
  renameSync(`${file}.partial`, file);
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const started = Date.now();
  if (!existsSync(codeServerEntry)) {
    throw new Error(`code-server is not installed (${codeServerEntry} is missing): run 'bash scripts/install-test-host.sh' first`);
  }
  if (opts.build) {
    const b = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: repoRoot, stdio: 'inherit' });
    if (b.status !== 0) throw new Error('the build (node esbuild.mjs) failed');
  }
  for (const f of [testEntry, path.join(repoRoot, 'dist/extension.js')]) {
    if (!existsSync(f)) throw new Error(`${f} is missing: run 'npm run build' first`);
  }

  // Every directory code-server or Chromium writes to lives under one temp folder, removed at the end.
  const tmp = mkdtempSync(path.join(tmpdir(), 'ttl-host-'));
  const dirs = Object.fromEntries(['userData', 'extensions', 'xdgData', 'xdgConfig', 'xdgCache', 'chromium', 'workspace'].map((d) => [d, path.join(tmp, d)]));
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  // The tests create and delete files: they work on a copy of the fixture workspace.
  cpSync(fixtureWorkspace, dirs.workspace, { recursive: true });
  const configFile = path.join(tmp, 'config.yaml');
  writeFileSync(configFile, 'auth: none\n');
  const rawResult = path.join(tmp, 'mocha-result.json');
  const logDir = path.dirname(opts.resultFile);
  mkdirSync(logDir, { recursive: true });
  const serverLogPath = path.join(logDir, 'code-server.log');
  const serverLog = createWriteStream(serverLogPath);

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = spawn(
    process.execPath,
    [
      codeServerEntry,
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--ignore-last-opened',
      '--config', configFile,
      '--user-data-dir', dirs.userData,
      '--extensions-dir', dirs.extensions,
    ],
    {
      cwd: tmp,
      detached: true, // its own process group, so the whole tree (extension hosts, watchers) can be killed
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        XDG_DATA_HOME: dirs.xdgData,
        XDG_CONFIG_HOME: dirs.xdgConfig,
        XDG_CACHE_HOME: dirs.xdgCache,
        [RESULT_FILE_ENV]: rawResult,
        // Only the tests whose full title matches (mocha's grep): one suite while working on it.
        ...(opts.grep !== undefined ? { [GREP_ENV]: opts.grep } : {}),
      },
    },
  );
  server.stdout.pipe(serverLog, { end: false });
  server.stderr.pipe(serverLog, { end: false });

  let browser;
  let timer;
  const cleanup = async () => {
    clearTimeout(timer);
    if (browser) await browser.close().catch((err) => console.error(`host: closing Chromium failed: ${err.message}`));
    if (server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((r) => server.once('exit', r));
      try { process.kill(-server.pid, 'SIGTERM'); } catch (err) { if (err.code !== 'ESRCH') throw err; }
      const killTimer = setTimeout(() => { try { process.kill(-server.pid, 'SIGKILL'); } catch (err) { if (err.code !== 'ESRCH') throw err; } }, 5_000);
      await exited;
      clearTimeout(killTimer);
    }
    serverLog.end();
    if (!opts.keep) rmSync(tmp, { recursive: true, force: true });
  };

  let exitCode;
  let error;
  try {
    const overall = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`host tests timed out after ${opts.timeoutMs} ms (see ${serverLogPath})`)), opts.timeoutMs);
    });
    const body = (async () => {
      await waitForHealth(base, server, started + opts.timeoutMs);
      browser = await chromium.launchPersistentContext(dirs.chromium, {
        executablePath: CHROMIUM,
        headless: true,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
          '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
      });
      const page = browser.pages()[0] ?? (await browser.newPage());
      const exited = new Promise((resolve) => {
        // Must exist before the workbench loads: it calls this when the test entry's run() settles.
        void page.exposeFunction('codeAutomationExit', (code) => { resolve(Number(code)); });
      });
      page.on('console', (msg) => {
        // Extension-host output arrives with `%s` unfilled: format the arguments ourselves.
        Promise.all(msg.args().map((a) => a.jsonValue().catch(() => a.toString())))
          .then((args) => {
            const text = args.length > 0 ? format(...args) : msg.text();
            if (msg.type() === 'error' || msg.type() === 'warning') console.error(`[page ${msg.type()}] ${text}`);
            else console.log(text);
          })
          .catch((err) => console.error(`host: could not read a console message: ${err.message}`));
      });
      page.on('pageerror', (err) => console.error(`[page error] ${err.message}`));
      const payload = [
        ['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${port}${repoRoot}`],
        ['extensionTestsPath', `vscode-remote://127.0.0.1:${port}${testEntry}`],
      ];
      const url = `${base}/?folder=${encodeURIComponent(dirs.workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
      await page.goto(url);
      return exited;
    })();
    body.catch(() => {}); // its rejection is observed through the race below
    exitCode = await Promise.race([body, overall]);
  } catch (err) {
    error = err;
  }
  // Collect the result before cleanup removes the temp folder.
  let mochaResult;
  if (existsSync(rawResult)) mochaResult = JSON.parse(readFileSync(rawResult, 'utf8'));
  await cleanup();

  const failedFromCrash = !mochaResult || error !== undefined;
  const result = {
    passed: mochaResult?.passed ?? 0,
    failed: mochaResult?.failed ?? 0,
    crashed: failedFromCrash,
    exitCode: exitCode ?? null,
    error: error ? String(error.message ?? error) : (mochaResult ? null : 'the test entry wrote no result file'),
    vscodeVersion: mochaResult?.vscodeVersion ?? null,
    tests: mochaResult?.tests ?? [],
    durationMs: Date.now() - started,
    serverLog: serverLogPath,
  };
  writeJsonAtomic(opts.resultFile, result);
  const ok = !failedFromCrash && exitCode === 0 && result.failed === 0 && result.passed > 0;
  console.log(`host: VS Code ${result.vscodeVersion ?? '?'} (code-server), ${result.passed} passed, ${result.failed} failed, exit code ${exitCode ?? 'none'}, ${(result.durationMs / 1000).toFixed(1)} s${result.error ? ` — ${result.error}` : ''}`);
  return ok ? 0 : 1;
}

main().then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(`host: ${err.message}`); process.exitCode = 2; },
);
