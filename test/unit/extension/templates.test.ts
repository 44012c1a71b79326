import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkExperimentText } from '../../../src/core/config/check';
import { createFileDataProbe } from '../../../src/core/config/dataProbe';
import { MODE_DEFAULTS, TUNED_EARLY_STOPPING } from '../../../src/core/config/modeDefaults';
import { checkExperimentName, instantiateTemplate, TEMPLATES } from '../../../src/extension/experiments/templates';

const repo = path.resolve(__dirname, '../../..');

describe('experiment templates', () => {
  it('has one template per training mode', () => {
    expect(TEMPLATES.map((t) => t.mode).sort()).toEqual(['listwise', 'pairwise', 'pointwise']);
  });

  for (const template of TEMPLATES) {
    it(`${template.file} is a valid ${template.mode} experiment, with no warning, after naming it`, async () => {
      const file = path.join(repo, template.file);
      const text = instantiateTemplate(readFileSync(file, 'utf8'), 'my-run');
      const result = await checkExperimentText(text, { filePath: path.join(repo, 'my-run.tower.yaml'), probe: createFileDataProbe() });
      expect(result.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
      expect(result.config?.name).toBe('my-run');
      expect(result.config?.training.mode).toBe(template.mode);
    });
  }

  // The templates are where users start: each must be its mode at its tuned point (docs/benchmarks.md,
  // "Every mode at its best"), or a user comparing modes from the templates compares defaults, not modes.
  for (const template of TEMPLATES) {
    it(`${template.file} takes the ${template.mode} mode's tuned settings (modeDefaults.ts)`, async () => {
      const text = instantiateTemplate(readFileSync(path.join(repo, template.file), 'utf8'), 'my-run');
      const config = (await checkExperimentText(text, { filePath: path.join(repo, 'my-run.tower.yaml'), probe: createFileDataProbe() })).config!;
      const tuned = MODE_DEFAULTS[template.mode];
      expect(config.training.learning_rate).toBe(tuned.learningRate);
      expect(config.training.epochs).toBe(tuned.epochs);
      expect(config.training.early_stopping).toMatchObject(TUNED_EARLY_STOPPING);
      expect(config.training.negatives).toMatchObject(tuned.negatives);
      if (tuned.temperature !== undefined) expect(config.score.temperature).toBe(tuned.temperature);
      if (template.mode === 'pairwise') {
        expect(config.training.pairwise_reduction).toBe(tuned.pairwiseReduction);
        expect(config.training.loss === 'hinge' ? config.training.margin : config.training.scale).toBe(config.training.loss === 'hinge' ? tuned.margin : tuned.scale);
      }
    });
  }

  it('refuses names that are not safe file names, and templates without a name line', () => {
    expect(checkExperimentName('my-run_2.b')).toBeUndefined();
    expect(checkExperimentName('')).toMatch(/Give the experiment a name/);
    expect(checkExperimentName('../x')).toMatch(/letters, digits/);
    expect(checkExperimentName('a b')).toMatch(/letters, digits/);
    expect(() => instantiateTemplate('data: {}\n', 'x')).toThrow(/no top-level `name:` line/);
  });
});
