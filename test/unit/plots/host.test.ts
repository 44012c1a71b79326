import { mkdtempSync, appendFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodePngDataUrl } from '../../../src/extension/plots/dataUrl';
import { followRunFolder } from '../../../src/extension/plots/followRun';
import { HeldMessages } from '../../../src/extension/plots/heldMessages';
import { contentSecurityPolicy, makeNonce, renderPlotsHtml } from '../../../src/extension/plots/html';
import type { TrainerEvent } from '../../../src/shared/events';
import { isHostToWebviewMessage, isWebviewToHostMessage, readViewState } from '../../../src/shared/webviewProtocol';

describe('HeldMessages', () => {
  it('holds messages until the webview is ready, then sends them in order', () => {
    const sent: number[] = [];
    const held = new HeldMessages<number>((m) => sent.push(m));
    held.post(1);
    held.post(2);
    expect(sent).toEqual([]);
    held.markReady();
    held.post(3);
    expect(sent).toEqual([1, 2, 3]);
  });

  it('drops what is queued when the webview goes away (a snapshot replaces it)', () => {
    const sent: number[] = [];
    const held = new HeldMessages<number>((m) => sent.push(m));
    held.markReady();
    held.markGone();
    held.post(4);
    expect(held.pending).toBe(1);
    held.markGone();
    held.markReady();
    expect(sent).toEqual([]);
  });
});

describe('plots HTML', () => {
  it('allows scripts only with the nonce and loads nothing from elsewhere', () => {
    const nonce = makeNonce();
    expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(makeNonce()).not.toBe(nonce);
    const csp = contentSecurityPolicy('https://res.test', nonce);
    expect(csp).toBe(`default-src 'none'; img-src https://res.test data:; style-src https://res.test; font-src https://res.test; script-src 'nonce-${nonce}'`);
    const html = renderPlotsHtml({ cspSource: 'https://res.test', nonce, scriptUri: 'https://res.test/media/webview.js', styleUris: ['https://res.test/media/webview.css'] });
    expect(html).toContain(`<script nonce="${nonce}" src="https://res.test/media/webview.js"></script>`);
    expect(html).toContain('<link rel="stylesheet" href="https://res.test/media/webview.css">');
    expect(html).not.toMatch(/unsafe-inline|unsafe-eval/);
  });
});

describe('decodePngDataUrl', () => {
  it('returns the PNG bytes', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2]);
    expect([...decodePngDataUrl(`data:image/png;base64,${png.toString('base64')}`)]).toEqual([...png]);
  });

  it('refuses another format or damaged bytes, saying which', () => {
    expect(() => decodePngDataUrl('data:image/jpeg;base64,AAAA')).toThrow(/not a PNG data URL.*data:image\/jpeg/);
    expect(() => decodePngDataUrl('data:image/png;base64,AAAA')).toThrow(/3 bytes.*PNG signature/);
  });
});

describe('view state and message guards', () => {
  it('falls back to defaults for damaged state, keeping what is valid', () => {
    expect(readViewState(undefined).xAxis).toBe('step');
    const state = readViewState({ runs: [{ runId: 'a', runDir: '/r/a' }, { runId: 3 }], smoothing: 2, xAxis: 'time', logScale: true });
    expect(state.runs).toEqual([{ runId: 'a', runDir: '/r/a' }]);
    expect(state.smoothing).toBe(0.6);
    expect(state.xAxis).toBe('time');
    expect(state.logScale).toBe(true);
  });

  it('recognises webview messages by type only', () => {
    expect(isWebviewToHostMessage({ type: 'initialized', protocolVersion: 1 })).toBe(true);
    expect(isWebviewToHostMessage({ type: 'showRuns' })).toBe(false);
    expect(isWebviewToHostMessage(null)).toBe(false);
    expect(isWebviewToHostMessage({ type: 'chooseReference', runId: 'b' })).toBe(true);
    expect(isHostToWebviewMessage({ type: 'comparisons', referenceRunId: 'a', resamples: 2000, seed: 1, runs: [] })).toBe(true);
  });

  it('keeps the chosen reference run in the state, and none in a damaged or older one', () => {
    expect(readViewState({ referenceRunId: 'b' }).referenceRunId).toBe('b');
    expect(readViewState({ referenceRunId: 3 }).referenceRunId).toBeNull();
    expect(readViewState({ protocolVersion: 1, runs: [] }).referenceRunId).toBeNull();
  });
});

describe('followRunFolder', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('delivers what was written, then what the trainer appends', async () => {
    dir = mkdtempSync(join(tmpdir(), 'plots-follow-'));
    const file = join(dir, 'events.jsonl');
    const line = (step: number) => JSON.stringify({ schemaVersion: 1, time: 't', runId: 'r', type: 'step', step, epoch: 1, loss: 1, examplesPerSec: 1, elapsedSec: step }) + '\n';
    appendFileSync(file, line(1));
    const batches: TrainerEvent[][] = [];
    let wake: () => void = () => undefined;
    const errors: Error[] = [];
    const sub = followRunFolder(dir, (events) => {
      batches.push(events);
      wake();
    }, (e) => errors.push(e), 50);
    try {
      await new Promise<void>((resolve) => (wake = resolve));
      expect(batches[0].map((e) => (e.type === 'step' ? e.step : -1))).toEqual([1]);
      const next = new Promise<void>((resolve) => (wake = resolve));
      // Half a line first: it must wait for its newline.
      const second = line(2);
      appendFileSync(file, second.slice(0, 10));
      appendFileSync(file, second.slice(10));
      await next;
      expect(batches.flat().map((e) => (e.type === 'step' ? e.step : -1))).toEqual([1, 2]);
      expect(errors).toEqual([]);
    } finally {
      sub.dispose();
    }
  });

  it('delivers an empty first batch for a run folder that has no events yet', async () => {
    dir = mkdtempSync(join(tmpdir(), 'plots-follow-'));
    mkdirSync(join(dir, 'queued'));
    const first = await new Promise<TrainerEvent[]>((resolve) => {
      const sub = followRunFolder(join(dir, 'queued'), (events) => {
        sub.dispose();
        resolve(events);
      }, (e) => {
        throw e;
      });
    });
    expect(first).toEqual([]);
  });
});
