import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkExperimentText } from '../../../src/core/config/check';
import { createFileDataProbe } from '../../../src/core/config/dataProbe';
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

  it('refuses names that are not safe file names, and templates without a name line', () => {
    expect(checkExperimentName('my-run_2.b')).toBeUndefined();
    expect(checkExperimentName('')).toMatch(/Give the experiment a name/);
    expect(checkExperimentName('../x')).toMatch(/letters, digits/);
    expect(checkExperimentName('a b')).toMatch(/letters, digits/);
    expect(() => instantiateTemplate('data: {}\n', 'x')).toThrow(/no top-level `name:` line/);
  });
});
