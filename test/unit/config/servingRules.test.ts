/** The serving and cold-start settings in the editor's checks: cold_start: score is refused with torch; serving values are checked. */
import { describe, expect, it } from 'vitest';

import { checkExperimentTextSync } from '../../../src/core/config/check';
import { SYNTHETIC, codes, only } from './helpers';

const file = '/tmp/exp/a.tower.yaml';
const withCold = (value: string, engine = ''): string => {
  expect(SYNTHETIC).toContain('\nevaluation:\n');
  const text = SYNTHETIC.replace('\nevaluation:\n', `\nevaluation:\n  cold_start: ${value}\n`);
  return engine === '' ? text : text.replace('training:\n  mode: listwise\n', `training:\n  mode: listwise\n  engine: ${engine}\n`);
};

describe('cold-start-engine', () => {
  it('refuses cold_start: score with the torch engine, at evaluation.cold_start, offering drop', () => {
    const r = checkExperimentTextSync(withCold('score', 'torch'), { filePath: file });
    const d = only(r.diagnostics, 'cold-start-engine');
    expect(d.severity).toBe('error');
    expect(d.path).toEqual(['evaluation', 'cold_start']);
    expect(d.message).toMatch(/torch engine does not yet/);
  });

  it('is silent for tfjs and for drop', () => {
    expect(codes(checkExperimentTextSync(withCold('score'), { filePath: file }).diagnostics)).toEqual([]);
    expect(codes(checkExperimentTextSync(withCold('drop', 'torch'), { filePath: file }).diagnostics)).not.toContain('cold-start-engine');
  });
});

describe('serving values', () => {
  it('refuses a quantization usearch is not given and a connectivity below 2', () => {
    const r = checkExperimentTextSync(`${SYNTHETIC}\nserving:\n  quantization: f8\n  connectivity: 1\n`, { filePath: file });
    expect(codes(r.diagnostics)).toEqual(expect.arrayContaining(['schema-enum', 'schema-range']));
  });
});

describe('ann-eval-engine', () => {
  const torch = SYNTHETIC.replace('training:\n  mode: listwise\n', 'training:\n  mode: listwise\n  engine: torch\n');
  const multiNode = SYNTHETIC.replace('training:\n  mode: listwise\n', 'training:\n  mode: listwise\n  engine: torch\n  engine_options:\n    nodes: 2\n');
  it('tells a torch run of several nodes with the index on that its evaluations are exact only, and where the ANN figures come from', () => {
    const d = only(checkExperimentTextSync(multiNode, { filePath: file }).diagnostics, 'ann-eval-engine');
    expect(d.severity).toBe('info');
    expect(d.path).toEqual(['training', 'engine_options', 'nodes']);
    expect(d.message).toMatch(/two-tower-lab eval <run-id>/);
  });

  it('is silent for tfjs, for torch on one node (the front door evaluates through the index), and for torch with the index off', () => {
    expect(codes(checkExperimentTextSync(SYNTHETIC, { filePath: file }).diagnostics)).not.toContain('ann-eval-engine');
    expect(codes(checkExperimentTextSync(torch, { filePath: file }).diagnostics)).not.toContain('ann-eval-engine');
    expect(codes(checkExperimentTextSync(`${multiNode}\nserving:\n  index: false\n`, { filePath: file }).diagnostics)).not.toContain('ann-eval-engine');
  });
});
