/**
 * The Python side of the conformance tests: `python -m two_tower_lab.conformance` (python/two_tower_lab/
 * conformance.py) answers a list of cases on stdout. The tests skip, saying why, when the Python has no
 * torch (Debian's /usr/bin/python3 unless TWO_TOWER_LAB_PYTHON names another).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

export const REPO = path.resolve(__dirname, '..', '..');
export const PYTHON_DIR = path.join(REPO, 'python');
export const PYTHON = process.env.TWO_TOWER_LAB_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

export function pythonEnv(): NodeJS.ProcessEnv {
  return { ...process.env, PYTHONPATH: PYTHON_DIR, OMP_NUM_THREADS: '1', PYTHONDONTWRITEBYTECODE: '1', TWO_TOWER_LAB_DEVICE: 'cpu' };
}

let probed: string | undefined | null = null;
/** Why the conformance tests cannot run here (no Python, or no torch/numpy in it), or undefined when they can. */
export function torchMissing(): string | undefined {
  if (probed !== null) return probed;
  const r = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8', env: pythonEnv() });
  probed = r.error ? `${PYTHON} could not be started (${r.error.message})` : r.status !== 0 ? `no torch: ${PYTHON} cannot import torch and numpy` : undefined;
  return probed;
}

/** The test name with the reason it is skipped, when it is. */
export function named(title: string): string {
  const why = torchMissing();
  return why ? `${title} (skipped: ${why})` : title;
}

/** Answers `cases` in Python; a case Python failed on throws with its traceback. */
export function runPython<T = Record<string, unknown>>(cases: Record<string, unknown>[]): T[] {
  const r = spawnSync(PYTHON, ['-m', 'two_tower_lab.conformance'], { input: JSON.stringify({ cases }), encoding: 'utf8', env: pythonEnv(), maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${PYTHON} -m two_tower_lab.conformance exited ${r.status}: ${r.stderr}`);
  const { results } = JSON.parse(r.stdout) as { results: (T & { error?: string; traceback?: string })[] };
  results.forEach((res, i) => {
    if (res.error) throw new Error(`Python case ${i} (${String(cases[i].fn)}): ${res.error}\n${res.traceback ?? ''}`);
  });
  return results;
}

/** Largest absolute difference of two equally long number lists (Infinity when the lengths differ). */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}
