#!/usr/bin/env node
// Clicks through the packaged extension as a person would, for a person to look at the screenshots:
// installs a .vsix (not development mode) into a fresh code-server, opens a workspace holding the
// examples, and drives headless Chromium: the activity bar and tree, an experiment file with its
// diagnostics and a hover, the command palette ("Check Engines", "Run Experiment"'s quick pick), and
// the plots of the run, scrolled to the charts below the fold.
//   node scripts/walkthrough.mjs [--vsix two-tower-lab-linux-x64.vsix] [--out test-output/walkthrough]
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { vsix: { type: 'string', default: path.join(repoRoot, 'two-tower-lab-linux-x64.vsix') }, out: { type: 'string', default: path.join(repoRoot, 'test-output', 'walkthrough') } } });
const codeServer = path.join(repoRoot, 'test/host/code-server/node_modules/code-server/out/node/entry.js');

const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

const tmp = mkdtempSync(path.join(tmpdir(), 'ttl-walk-'));
const dirs = Object.fromEntries(['userData', 'extensions', 'xdgData', 'xdgConfig', 'xdgCache', 'chromium', 'workspace'].map((d) => [d, path.join(tmp, d)]));
for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
cpSync(path.join(repoRoot, 'examples'), path.join(dirs.workspace), { recursive: true });
writeFileSync(path.join(tmp, 'config.yaml'), 'auth: none\n');
mkdirSync(values.out, { recursive: true });
const env = { ...process.env, XDG_DATA_HOME: dirs.xdgData, XDG_CONFIG_HOME: dirs.xdgConfig, XDG_CACHE_HOME: dirs.xdgCache };
const common = ['--config', path.join(tmp, 'config.yaml'), '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions];
const install = spawnSync(process.execPath, [codeServer, ...common, '--install-extension', values.vsix], { env, encoding: 'utf8' });
console.log(install.stdout.trim(), install.stderr.trim());
if (install.status !== 0) process.exit(1);

const port = await freePort();
const server = spawn(process.execPath, [codeServer, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--ignore-last-opened', ...common], { env, detached: true, stdio: 'ignore' });
const base = `http://127.0.0.1:${port}`;
for (let i = 0; i < 120; i++) {
  try {
    if ((await fetch(`${base}/healthz`)).ok) break;
  } catch {
    // not up yet
  }
  await new Promise((r) => setTimeout(r, 500));
}
const browser = await chromium.launchPersistentContext(dirs.chromium, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1600, height: 1000 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
});
const page = browser.pages()[0] ?? (await browser.newPage());
let n = 0;
const shot = async (name) => {
  const file = path.join(values.out, `${String(++n).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file });
  console.log(`screenshot ${file}`);
};
const palette = async (command) => {
  await page.keyboard.press('F1');
  await page.waitForSelector('.quick-input-widget', { state: 'visible' });
  await page.keyboard.type(command);
  await page.waitForTimeout(800);
  await page.keyboard.press('Enter');
};
try {
  await page.goto(`${base}/?folder=${encodeURIComponent(dirs.workspace)}`);
  await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
  await page.waitForTimeout(4000);
  await page.locator('.activitybar [aria-label*="Two-Tower Lab"]').first().click();
  await page.waitForTimeout(2500);
  await shot('tree');
  await palette('Go to File');
  await page.waitForTimeout(500);
  await page.keyboard.type('synthetic.tower.yaml');
  await page.waitForTimeout(800);
  await page.keyboard.press('Enter');
  await page.waitForTimeout(3000);
  await shot('experiment-file');
  // Settings with no effect, written on purpose under `remove_accidental_hits: true`: the editor must say so.
  await palette('Go to Line/Column');
  await page.waitForTimeout(300);
  await page.keyboard.type('66');
  await page.keyboard.press('Enter');
  await page.keyboard.press('End');
  await page.keyboard.type('\nextra: 64');
  await page.waitForTimeout(300);
  await palette('View: Toggle Problems');
  await page.waitForTimeout(3000);
  await shot('problems');
  // Back to the file as it was, for the runs below.
  await page.locator('.monaco-editor .view-lines').first().click();
  for (let i = 0; i < 6; i++) await page.keyboard.press('Control+z');
  await page.keyboard.press('Control+s');
  await page.waitForTimeout(1500);
  await palette('Two-Tower Lab: Check Engines');
  await page.waitForTimeout(15000);
  await shot('check-engines');
  await palette('Two-Tower Lab: Run Experiment');
  await page.waitForTimeout(4000);
  await shot('run-quick-pick');
  await page.keyboard.press('Enter');
  await page.waitForTimeout(3000);
  await shot('engine-pick');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await page.waitForTimeout(12000);
  await shot('torch-run-training');
  await page.locator('.part.sidebar .monaco-list-row', { hasText: /^synthetic$/ }).first().click();
  await page.waitForTimeout(1500);
  await page.waitForTimeout(2500);
  await shot('torch-run-in-tree');
  await page.waitForTimeout(30000);
  await shot('torch-run-later');
  // The plots of the experiment's runs; the charts below the fold are drawn when they scroll in.
  await page.keyboard.press('Control+j'); // the Problems panel away: room for the plots
  await page.waitForTimeout(1000);
  await palette('Two-Tower Lab: Open Plots');
  await page.waitForTimeout(2000);
  await page.keyboard.press('Enter'); // "Runs of synthetic": new runs join as they start
  await page.waitForTimeout(8000);
  await shot('plots');
  const plots = await page.locator('iframe.webview').last().boundingBox();
  await page.mouse.move(plots.x + plots.width / 2, plots.y + plots.height / 2);
  for (let i = 0; i < 6; i++) {
    await page.mouse.wheel(0, 800);
    await page.waitForTimeout(400);
  }
  await page.waitForTimeout(1500);
  await shot('plots-scrolled');
} finally {
  await browser.close();
  try {
    process.kill(-server.pid, 'SIGTERM');
  } catch {
    // already gone
  }
  rmSync(tmp, { recursive: true, force: true });
}
