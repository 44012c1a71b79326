/**
 * A damaged checkpoint is refused with the file at fault, what is wrong and what to do; a full disk while
 * a checkpoint is written names the file and the free space, and leaves the previous checkpoint usable.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync, appendFileSync } from 'node:fs';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';

import { CHECKPOINT_FORMAT, loadCheckpoint, saveCheckpoint, STATE_FILE, type CheckpointState } from '../../../src/core/train/checkpoint';
import { CheckpointError } from '../../../src/core/train/checkpointError';
import { MODEL_FILE, WEIGHTS_FILE, type WeightMap } from '../../../src/core/train/weightsFile';

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  return { ...real, writeFileSync: vi.fn(real.writeFileSync) };
});

const root = mkdtempSync(path.join(tmpdir(), 'ckpt-damage-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// Two weights: 2×3 + 2 = 8 float32 values = 32 bytes in weights.bin.
const WEIGHTS: WeightMap = {
  'user_tower/id_embedding': { shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) },
  'user_tower/output/bias': { shape: [2], data: new Float32Array([7, 8]) },
};
const STATE: CheckpointState = {
  format: CHECKPOINT_FORMAT,
  epoch: 2,
  step: 10,
  elapsedSec: 1.5,
  rng: { shuffle: [1, 2, 3, 4], rebalance: [5, 6, 7, 8], sampler: [9, 10, 11, 12] },
  samplers: {},
  earlyStopping: { best: 0.5, bestEpoch: 2, evalsWithoutImprovement: 0 },
  stoppedEarly: false,
};

let counter = 0;
let target: string;
beforeEach(() => {
  target = path.join(root, `run-${++counter}`, 'checkpoint');
  fs.mkdirSync(path.dirname(target), { recursive: true });
  saveCheckpoint(target, WEIGHTS, STATE);
});

function loadError(): CheckpointError {
  try {
    loadCheckpoint(target);
  } catch (e) {
    expect(e).toBeInstanceOf(CheckpointError);
    return e as CheckpointError;
  }
  throw new Error('the checkpoint loaded');
}
const editState = (edit: (s: Record<string, unknown>) => void) => {
  const file = path.join(target, STATE_FILE);
  const s = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  edit(s);
  writeFileSync(file, JSON.stringify(s));
};

describe('a damaged checkpoint', () => {
  it('an intact one loads', () => {
    const loaded = loadCheckpoint(target)!;
    expect(loaded.state).toEqual(STATE);
    expect([...loaded.weights['user_tower/output/bias'].data]).toEqual([7, 8]);
  });

  it('state.json with broken JSON: names state.json, says it is not JSON, and what to do', () => {
    writeFileSync(path.join(target, STATE_FILE), '{"format": "two-tower-lab/checkpoint@1", "epoch": 2,');
    const e = loadError();
    expect(e.file).toBe(path.join(target, STATE_FILE));
    expect(e.message).toMatch(/state\.json: is not valid JSON \(.+\)\. The checkpoint is damaged .* Start a fresh run/);
  });

  it('model.json with broken JSON, or empty: names model.json', () => {
    writeFileSync(path.join(target, MODEL_FILE), '{bad');
    expect(loadError().message).toContain(`${path.join(target, MODEL_FILE)}: is not valid JSON`);
    writeFileSync(path.join(target, MODEL_FILE), '');
    expect(loadError().message).toContain('is not valid JSON (the file is empty)');
  });

  it('an odd-sized weights.bin: the file, the bytes expected and found (not "offset is out of bounds")', () => {
    truncateSync(path.join(target, WEIGHTS_FILE), 29);
    const e = loadError();
    expect(e.file).toBe(path.join(target, WEIGHTS_FILE));
    expect(e.message).toContain('holds 29 bytes');
    expect(e.message).toContain('2 weights of 8 float32 values, which take 32 bytes (3 missing)');
    expect(e.message).not.toMatch(/offset is out of bounds/);
  });

  it('a weights.bin longer than the manifest says', () => {
    appendFileSync(path.join(target, WEIGHTS_FILE), Buffer.alloc(8));
    expect(loadError().message).toContain('holds 40 bytes, but');
  });

  it('a missing weights.bin, and a manifest that points outside the folder', () => {
    rmSync(path.join(target, WEIGHTS_FILE));
    expect(loadError().message).toContain(`${path.join(target, WEIGHTS_FILE)}: is missing`);
    const modelFile = path.join(target, MODEL_FILE);
    writeFileSync(modelFile, readFileSync(modelFile, 'utf8').replace('"weights.bin"', '"../../secret.bin"'));
    expect(loadError().message).toContain('names a weights file outside its folder');
  });

  it('a state without its RNG: names `rng` (not "Cannot convert undefined or null to object")', () => {
    editState((s) => delete s.rng);
    const e = loadError();
    expect(e.message).toMatch(/state\.json: has no `rng` \(the states of the shuffle, rebalance and sampler random streams; it is missing\)/);
    expect(e.message).not.toMatch(/Cannot (convert|read)/);
  });

  it('an RNG stream missing or not 4 words: names the stream', () => {
    editState((s) => (s.rng = {}));
    expect(loadError().message).toContain('`rng.shuffle` is missing, expected the random stream\'s state (4 integers in 0..2^32−1)');
    editState((s) => (s.rng = { ...STATE.rng, sampler: [1, 2, 3] }));
    expect(loadError().message).toContain('`rng.sampler` is a list of 3');
  });

  it('other fields: epoch, early stopping, the position inside an epoch', () => {
    editState((s) => (s.epoch = -1));
    expect(loadError().message).toContain('`epoch` is the number -1, expected a whole number ≥ 0');
    editState((s) => {
      s.epoch = 2;
      delete s.earlyStopping;
    });
    expect(loadError().message).toContain('`earlyStopping` is missing');
    editState((s) => {
      s.earlyStopping = STATE.earlyStopping;
      s.epochPosition = { stepInEpoch: 1 };
    });
    expect(loadError().message).toContain('`epochPosition` (where the run stopped inside an epoch) is incomplete');
  });

  it('a torch checkpoint keeps its RNG in torch_state.pt: its state.json is not asked for one', () => {
    editState((s) => {
      delete s.rng;
      s.engine = 'torch';
    });
    expect(loadCheckpoint(target)!.state.engine).toBe('torch');
  });
});

describe('a full disk while a checkpoint is written', () => {
  it('names the file, the free space and what to do; the previous checkpoint stays loadable and no staged folder is left', () => {
    const writes = vi.mocked(fs.writeFileSync);
    writes.mockImplementationOnce(() => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
    });
    let error: Error | undefined;
    try {
      saveCheckpoint(target, WEIGHTS, { ...STATE, epoch: 3, step: 15 });
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toMatch(/checkpoint after epoch 3 \(step 15\) was not saved/);
    expect(error?.message).toContain(WEIGHTS_FILE);
    expect(error?.message).toMatch(/the disk is full \(ENOSPC\): .+ free of .+ there/);
    expect(error?.message).toMatch(/Free some space/);
    expect(loadCheckpoint(target)!.state.epoch).toBe(2);
    expect(readdirSync(path.dirname(target)).filter((n) => n.includes('.tmp'))).toEqual([]);
    expect(existsSync(target)).toBe(true);
  });
});
