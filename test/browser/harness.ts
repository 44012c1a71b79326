/**
 * Runs the real plots page (the HTML the panel host renders, with its CSP and nonce) in headless
 * Chromium. A tiny HTTP server plays the webview's resource origin; `acquireVsCodeApi` is stubbed
 * before the page's scripts run and records every message the webview posts.
 */
import { build } from 'esbuild';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { followRunFolder } from '../../src/extension/plots/followRun';
import { makeNonce, PLOTS_MEDIA, renderPlotsHtml } from '../../src/extension/plots/html';
import { parseEventLines, type TrainerEvent } from '../../src/shared/events';
import type { RunRef, WebviewToHostMessage } from '../../src/shared/webviewProtocol';
import { runTrainer } from '../trainer/trainerProcess';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MEDIA = join(ROOT, 'media');
export const SCREENSHOTS = join(ROOT, 'test-output', 'screenshots');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'events');

/** The flags of TESTING.md for Debian's Chromium in a container. */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds media/webview.js (as esbuild.mjs does) when it is missing or older than its sources. */
export async function ensureWebviewBundle(): Promise<void> {
  const bundle = join(MEDIA, PLOTS_MEDIA.script);
  const sources = Math.max(newestMtime(join(ROOT, 'src', 'webview')), newestMtime(join(ROOT, 'src', 'shared')));
  if (existsSync(bundle) && statSync(bundle).mtimeMs >= sources) return;
  await build({ entryPoints: { webview: join(ROOT, 'src/webview/main.ts') }, outdir: MEDIA, bundle: true, sourcemap: 'linked', platform: 'browser', format: 'iife', target: 'es2022', logLevel: 'warning' });
}

export interface PageServer {
  origin: string;
  /** Sets the HTML served at `/`. */
  setPage(html: string): void;
  close(): Promise<void>;
}

export async function startServer(): Promise<PageServer> {
  let page = '';
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname === '/') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(page);
      return;
    }
    const name = url.pathname.replace(/^\/media\//, '');
    const file = join(MEDIA, name);
    if (!url.pathname.startsWith('/media/') || name.includes('..') || !existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    const type = name.endsWith('.js') ? 'text/javascript' : name.endsWith('.css') ? 'text/css' : 'application/octet-stream';
    response.writeHead(200, { 'content-type': type });
    response.end(readFileSync(file));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    setPage: (html) => (page = html),
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

/** The page exactly as PlotsPanel renders it, with this server as the webview resource origin. */
export function panelHtml(origin: string, nonce = makeNonce()): string {
  return renderPlotsHtml({ cspSource: origin, nonce, scriptUri: `${origin}/media/${PLOTS_MEDIA.script}`, styleUris: PLOTS_MEDIA.styles.map((s) => `${origin}/media/${s}`) });
}

/** `extraArgs`: more Chromium switches (the render benchmark exposes `gc()` with `--js-flags=--expose-gc`). */
export async function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: [...CHROMIUM_ARGS, ...extraArgs], headless: true });
}

import type {} from './hostFeed';

declare global {
  interface Window {
    __posted: WebviewToHostMessage[];
    __savedState: unknown;
    __violations: { directive: string; blocked: string; sample: string }[];
    /** Per canvas: how often it was cleared whole (uPlot does so before every redraw), and the text drawn since. */
    __canvasText: WeakMap<HTMLCanvasElement, { draws: number; texts: DrawnText[] }>;
  }
}

/** One `fillText` call, in the canvas's own pixels. */
export interface DrawnText {
  text: string;
  x: number;
  y: number;
  align: CanvasTextAlign;
  baseline: CanvasTextBaseline;
  /** Drawn under a rotation or translation (uPlot's y axis title), not at plain canvas coordinates. */
  transformed: boolean;
}

/** Opens the panel page with a stub VS Code API; `state` plays the state VS Code restores after a reload. */
export async function openPanel(browser: Browser, server: PageServer, options: { state?: unknown; html?: string; width?: number; height?: number } = {}): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: options.width ?? 1280, height: options.height ?? 900 } });
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  // tsx (esbuild with keepNames) wraps named functions in `__name(...)`; functions sent to the page need it too.
  await page.addInitScript({ content: 'window.__name = window.__name || ((f) => f);' });
  await page.addInitScript((restored: unknown) => {
    window.__posted = [];
    window.__violations = [];
    window.__savedState = restored;
    document.addEventListener('securitypolicyviolation', (e) => window.__violations.push({ directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample }));
    (window as unknown as { acquireVsCodeApi: () => unknown }).acquireVsCodeApi = () => ({
      postMessage: (message: WebviewToHostMessage) => window.__posted.push(message),
      getState: () => window.__savedState,
      setState: (state: unknown) => (window.__savedState = state),
    });
  }, options.state ?? null);
  // uPlot draws its axes on the canvas, so the tick labels are not in the DOM: record each fillText of a
  // canvas since its last full clear (uPlot clears the whole canvas before every redraw).
  await page.addInitScript(() => {
    window.__canvasText = new WeakMap();
    const proto = CanvasRenderingContext2D.prototype;
    const { clearRect, fillText } = proto;
    const record = (canvas: HTMLCanvasElement) => {
      let r = window.__canvasText.get(canvas);
      if (!r) window.__canvasText.set(canvas, (r = { draws: 0, texts: [] }));
      return r;
    };
    proto.clearRect = function (x, y, w, h) {
      if (x <= 0 && y <= 0 && x + w >= this.canvas.width && y + h >= this.canvas.height) {
        const r = record(this.canvas);
        r.draws++;
        r.texts = [];
      }
      clearRect.call(this, x, y, w, h);
    };
    proto.fillText = function (text, x, y, maxWidth) {
      record(this.canvas).texts.push({ text, x, y, align: this.textAlign, baseline: this.textBaseline, transformed: !this.getTransform().isIdentity });
      if (maxWidth === undefined) fillText.call(this, text, x, y);
      else fillText.call(this, text, x, y, maxWidth);
    };
  });
  server.setPage(options.html ?? panelHtml(server.origin));
  await page.goto(server.origin + '/');
  await page.evaluate(await hostFeedScript());
  return page;
}

let hostFeedCode: Promise<string> | undefined;

/** test/browser/hostFeed.ts bundled for the page: the host's folding of events into the chunks it posts. */
function hostFeedScript(): Promise<string> {
  hostFeedCode ??= build({ entryPoints: [join(ROOT, 'test/browser/hostFeed.ts')], bundle: true, write: false, platform: 'browser', format: 'iife', target: 'es2022', logLevel: 'warning' }).then((r) => r.outputFiles[0].text);
  return hostFeedCode;
}

/** Posts the runs as the panel host does (showRuns, columns folded from their events) and waits until the webview has rendered them. */
export async function postRuns(page: Page, runs: FixtureRun[], replace = true): Promise<void> {
  await page.evaluate(
    async ({ runs, replace }) => {
      const rendered = window.__plots!.nextRender();
      window.__host.post(window.__host.showRunsMessage(runs, replace));
      await rendered;
    },
    { runs, replace },
  );
}

/** Posts events a shown run appended, as the panel host does (appendRunData with only the new points), and waits for the render. */
export async function postAppend(page: Page, runId: string, events: TrainerEvent[]): Promise<void> {
  await page.evaluate(
    async ({ runId, events }) => {
      const rendered = window.__plots!.nextRender();
      window.__host.post(window.__host.appendMessage(runId, events));
      await rendered;
    },
    { runId, events },
  );
}

/** Resolves when the webview has posted a message of this type (waits on the message, not on time). */
export async function waitForPosted(page: Page, type: WebviewToHostMessage['type']): Promise<WebviewToHostMessage> {
  const handle = await page.waitForFunction((t) => window.__posted.find((m) => m.type === t), type);
  return (await handle.jsonValue()) as WebviewToHostMessage;
}

/** Posts a host message as it is (no columns built) and waits until the webview has rendered it. */
export async function postAndRender(page: Page, message: unknown): Promise<void> {
  await page.evaluate(async (m) => {
    const rendered = window.__plots!.nextRender();
    window.postMessage(m, '*');
    await rendered;
  }, message);
}

export interface FixtureRun {
  ref: RunRef;
  events: TrainerEvent[];
}

export function fixtureRuns(): FixtureRun[] {
  return readdirSync(FIXTURES, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((runId) => {
      const runDir = join(FIXTURES, runId);
      const { events, badLines } = parseEventLines(readFileSync(join(runDir, 'events.jsonl'), 'utf8'));
      if (badLines.length) throw new Error(`Fixture ${runDir}/events.jsonl has bad lines ${badLines.join(', ')}; regenerate it with test/fixtures/events/generate.ts.`);
      return { ref: { runId, runDir }, events };
    });
}

/** The run the browser tests get from the real trainer: the main example, made small enough to train in a few seconds. */
export const REAL_RUN_ID = 'synthetic-real';
const REAL_RUN_OVERRIDES = ['data.synthetic.users=300', 'data.synthetic.items=200', 'training.batch_size=32'];

/**
 * Trains examples/synthetic.tower.yaml with the built trainer (`node dist/trainer.js train …`) into
 * `runsDir`, then reads the run folder the way the plots panel host does: followRunFolder's first batch,
 * every event written so far. Six epochs of small batches give a dozen step points and six evals.
 */
export async function trainRealRun(runsDir: string): Promise<FixtureRun> {
  const args = ['train', join(ROOT, 'examples', 'synthetic.tower.yaml'), '--epochs', '6', '--runs-dir', runsDir, '--run-id', REAL_RUN_ID, ...REAL_RUN_OVERRIDES.flatMap((o) => ['--set', o]), '--quiet', '--events-stdout', 'off'];
  const trained = await runTrainer(args, runsDir);
  if (trained.code !== 0) throw new Error(`node dist/trainer.js ${args.join(' ')} exited with ${trained.code}:\n${trained.stderr}`);
  const runDir = join(runsDir, REAL_RUN_ID);
  let subscription: { dispose(): void } | undefined;
  const events = await new Promise<TrainerEvent[]>((resolve, reject) => {
    subscription = followRunFolder(runDir, resolve, reject);
  }).finally(() => subscription?.dispose());
  return { ref: { runId: REAL_RUN_ID, runDir }, events };
}

/** Runs a user action and waits until the webview has rendered after it (counted, so no race with a fast frame). */
export async function afterRender(page: Page, action: () => Promise<unknown>): Promise<void> {
  const before = await page.evaluate(() => window.__plots!.renderCount());
  await action();
  await page.waitForFunction((count) => window.__plots!.renderCount() > count, before);
}

/** A tick label of a chart axis as drawn: its text, the number it says, and where it is on the page (CSS px). */
export interface Tick {
  label: string;
  value: number;
  /** Page x of an x-axis tick, page y of a y-axis tick. */
  at: number;
}

export interface DrawnAxes {
  /** The plot area (uPlot's `.u-over`, which takes the mouse) in page CSS px. */
  plot: { left: number; top: number; width: number; height: number };
  x: Tick[];
  y: Tick[];
}

/**
 * The numeric tick labels uPlot last drew on a chart's canvas, placed on the page. uPlot draws x ticks
 * centred under the plot and left-axis y ticks right-aligned and vertically centred; the axis titles are
 * the other texts (not numbers, and the y title is rotated).
 */
export async function drawnAxes(page: Page, chartId: string): Promise<DrawnAxes> {
  const raw = await page.evaluate((id) => {
    const card = document.querySelector(`[data-chart-id="${id}"]`);
    const canvas = card?.querySelector('canvas');
    const over = card?.querySelector('.u-over');
    if (!canvas || !over) throw new Error(`chart ${id} has no uPlot canvas`);
    const c = canvas.getBoundingClientRect();
    const o = over.getBoundingClientRect();
    return {
      canvas: { left: c.left, top: c.top, sx: c.width / canvas.width, sy: c.height / canvas.height },
      plot: { left: o.left, top: o.top, width: o.width, height: o.height },
      texts: window.__canvasText.get(canvas)?.texts ?? [],
    };
  }, chartId);
  const numeric = (t: DrawnText) => !t.transformed && /^[-−]?[\d,]*\.?\d+(e[-+]?\d+)?$/i.test(t.text);
  const value = (text: string) => Number(text.replace(/,/g, '').replace('−', '-'));
  return {
    plot: raw.plot,
    x: raw.texts.filter((t) => numeric(t) && t.align === 'center').map((t) => ({ label: t.text, value: value(t.text), at: raw.canvas.left + t.x * raw.canvas.sx })),
    y: raw.texts.filter((t) => numeric(t) && t.align === 'right' && t.baseline === 'middle').map((t) => ({ label: t.text, value: value(t.text), at: raw.canvas.top + t.y * raw.canvas.sy })),
  };
}

/** Least-squares line through (at, f(value)) of the ticks, as value-of-position, with the worst miss in px. */
export function fitTicks(ticks: Tick[], f: (v: number) => number = (v) => v): { valueAt(px: number): number; pxPerUnit: number; worstMissPx: number } {
  if (ticks.length < 2) throw new Error(`need at least two tick labels to read a scale, got ${JSON.stringify(ticks)}`);
  const n = ticks.length;
  const xs = ticks.map((t) => f(t.value));
  const ps = ticks.map((t) => t.at);
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const mp = ps.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxp = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i] - mx) ** 2;
    sxp += (xs[i] - mx) * (ps[i] - mp);
  }
  const pxPerUnit = sxp / sxx;
  const worstMissPx = Math.max(...xs.map((x, i) => Math.abs(mp + (x - mx) * pxPerUnit - ps[i])));
  return { valueAt: (px) => mx + (px - mp) / pxPerUnit, pxPerUnit, worstMissPx };
}

/** Runs a user action and waits until uPlot has redrawn each of these charts after it (counted clears of their canvas). */
export async function afterRedraw(page: Page, chartIds: string[], action: () => Promise<unknown>): Promise<void> {
  const draws = () => page.evaluate((ids) => ids.map((id) => window.__canvasText.get(document.querySelector<HTMLCanvasElement>(`[data-chart-id="${id}"] canvas`)!)?.draws ?? 0), chartIds);
  const before = await draws();
  await action();
  await page
    .waitForFunction(
      ({ ids, counts }) => ids.every((id, i) => (window.__canvasText.get(document.querySelector<HTMLCanvasElement>(`[data-chart-id="${id}"] canvas`)!)?.draws ?? 0) > counts[i]),
      { ids: chartIds, counts: before },
      { timeout: 10_000 },
    )
    .catch((error: unknown) => {
      throw new Error(`Charts ${chartIds.join(', ')} were not all redrawn after the action (redraws before: ${before.join(', ')}): ${error instanceof Error ? error.message : String(error)}`);
    });
}
