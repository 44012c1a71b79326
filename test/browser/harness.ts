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
import { makeNonce, PLOTS_MEDIA, renderPlotsHtml } from '../../src/extension/plots/html';
import { parseEventLines, type TrainerEvent } from '../../src/shared/events';
import type { RunRef, WebviewToHostMessage } from '../../src/shared/webviewProtocol';

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

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });
}

declare global {
  interface Window {
    __posted: WebviewToHostMessage[];
    __savedState: unknown;
    __violations: { directive: string; blocked: string; sample: string }[];
  }
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
  server.setPage(options.html ?? panelHtml(server.origin));
  await page.goto(server.origin + '/');
  return page;
}

/** Resolves when the webview has posted a message of this type (waits on the message, not on time). */
export async function waitForPosted(page: Page, type: WebviewToHostMessage['type']): Promise<WebviewToHostMessage> {
  const handle = await page.waitForFunction((t) => window.__posted.find((m) => m.type === t), type);
  return (await handle.jsonValue()) as WebviewToHostMessage;
}

/** Posts a host message and waits until the webview has rendered it. */
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

/** Runs a user action and waits until the webview has rendered after it (counted, so no race with a fast frame). */
export async function afterRender(page: Page, action: () => Promise<unknown>): Promise<void> {
  const before = await page.evaluate(() => window.__plots!.renderCount());
  await action();
  await page.waitForFunction((count) => window.__plots!.renderCount() > count, before);
}
