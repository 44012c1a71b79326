/** The language server's engine probe: once per interpreter, never when untrusted, a missing torch asked again after a minute. */
import { describe, expect, it } from 'vitest';

import type { TorchFinding } from '../../../src/core/engines/torchProbe';
import { CachedEngineProbe, RETRY_MISSING_TORCH_MS } from '../../../src/server/engineProbe';

const torch: TorchFinding = {
  chosen: { python: 'python3', torch: '1.13.0', cuda: false, cudaDevices: [], gloo: true, nccl: false, torchrun: true },
  probes: [],
};
const none: TorchFinding = { probes: [{ python: 'python3', problem: 'no torch', cuda: false, cudaDevices: [], gloo: false, nccl: false, torchrun: false }] };

function harness(answer: (python: string | undefined) => TorchFinding, options: { trusted?: boolean; pythonPath?: string } = {}) {
  const asked: (string | undefined)[] = [];
  let answers = 0;
  let now = 1_000_000;
  let trusted = options.trusted ?? true;
  let pythonPath = options.pythonPath;
  const waiting: (() => void)[] = [];
  const probe = new CachedEngineProbe({
    find: (python) => {
      asked.push(python);
      return Promise.resolve(answer(python));
    },
    allowed: () => trusted,
    defaultPython: () => pythonPath,
    onAnswer: () => {
      answers++;
      waiting.splice(0).forEach((w) => w());
    },
    now: () => now,
  });
  return {
    probe,
    asked,
    answers: () => answers,
    /** Resolves at the next onAnswer. */
    answered: () => new Promise<void>((resolve) => waiting.push(resolve)),
    advance: (ms: number) => (now += ms),
    trust: (t: boolean) => (trusted = t),
    setPythonPath: (p: string | undefined) => (pythonPath = p),
  };
}

describe('CachedEngineProbe', () => {
  it('answers nothing on the first ask, probes once in the background, then answers from the cache', async () => {
    const h = harness(() => torch);
    const answered = h.answered();
    // Both asks before the probe answers: the second starts no second probe.
    expect(await Promise.all([h.probe.torch(undefined), h.probe.torch(undefined)])).toEqual([undefined, undefined]);
    await answered;
    expect(h.answers()).toBe(1);
    expect(await h.probe.torch(undefined)).toBe(torch);
    h.advance(10 * RETRY_MISSING_TORCH_MS);
    expect(await h.probe.torch(undefined), 'a usable torch is kept').toBe(torch);
    expect(h.asked).toEqual([undefined]);
  });

  it('probes each interpreter on its own, the setting standing in when the experiment names none', async () => {
    const h = harness((python) => (python === '/opt/py/bin/python3' ? torch : none), { pythonPath: '/opt/py/bin/python3' });
    let answered = h.answered();
    await h.probe.torch(undefined);
    await answered;
    expect(await h.probe.torch(undefined)).toBe(torch);
    answered = h.answered();
    await h.probe.torch('/usr/local/bin/python3.12');
    await answered;
    expect(await h.probe.torch('/usr/local/bin/python3.12')).toBe(none);
    expect(h.asked).toEqual(['/opt/py/bin/python3', '/usr/local/bin/python3.12']);
  });

  it('spawns nothing in an untrusted workspace, and probes once trusted', async () => {
    const h = harness(() => torch, { trusted: false });
    expect(await h.probe.torch('/tmp/evil/python3')).toBeUndefined();
    expect(await h.probe.torch(undefined)).toBeUndefined();
    expect(h.asked).toEqual([]);
    h.trust(true);
    const answered = h.answered();
    await h.probe.torch(undefined);
    await answered;
    expect(h.asked).toEqual([undefined]);
  });

  it('asks again about a missing torch after a minute, reporting the old finding meanwhile', async () => {
    let finding = none;
    const h = harness(() => finding);
    let answered = h.answered();
    await h.probe.torch(undefined);
    await answered;
    h.advance(RETRY_MISSING_TORCH_MS - 1);
    expect(await h.probe.torch(undefined)).toBe(none);
    expect(h.asked).toHaveLength(1);
    h.advance(1);
    finding = torch;
    answered = h.answered();
    expect(await h.probe.torch(undefined), 'the previous finding while the new probe runs').toBe(none);
    await answered;
    expect(await h.probe.torch(undefined)).toBe(torch);
    expect(h.asked).toHaveLength(2);
  });

  it('forgets everything on clear() (the pythonPath setting changed)', async () => {
    const h = harness(() => torch, { pythonPath: '/a/python3' });
    let answered = h.answered();
    await h.probe.torch(undefined);
    await answered;
    h.probe.clear();
    h.setPythonPath('/b/python3');
    answered = h.answered();
    expect(await h.probe.torch(undefined)).toBeUndefined();
    await answered;
    expect(h.asked).toEqual(['/a/python3', '/b/python3']);
  });
});
