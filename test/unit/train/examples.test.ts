/** The shipped examples are valid experiments, and each trains the mode its name says. */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadExperiment } from '../../../src/core/config/load';
import { MODE_DEFAULTS, TUNED_EARLY_STOPPING } from '../../../src/core/config/modeDefaults';

const EXAMPLES = path.resolve(__dirname, '..', '..', '..', 'examples');
const MOVIELENS = path.resolve(EXAMPLES, '../../shared/data/ml-latest-small/ratings.csv');

describe('examples', () => {
  it.each([
    ['synthetic.tower.yaml', 'listwise', 'softmax', 'in_batch'],
    ['synthetic-pointwise.tower.yaml', 'pointwise', 'bce', 'uniform'],
    ['synthetic-pairwise.tower.yaml', 'pairwise', 'logistic', 'uniform'],
  ])('%s loads without errors or warnings as %s/%s with %s negatives', async (file, mode, loss, source) => {
    const { config, warnings } = await loadExperiment(path.join(EXAMPLES, file));
    expect(warnings.filter((w) => w.severity !== 'info')).toEqual([]);
    expect(config.training).toMatchObject({ mode, loss, negatives: { source } });
    expect(config.data.synthetic).toBeDefined();
  });

  // The examples are what a first run compares: each at its mode's tuned point, or they compare defaults.
  it.each(['synthetic.tower.yaml', 'synthetic-pointwise.tower.yaml', 'synthetic-pairwise.tower.yaml'])('%s takes its mode\'s tuned settings (modeDefaults.ts)', async (file) => {
    const { config } = await loadExperiment(path.join(EXAMPLES, file));
    const tuned = MODE_DEFAULTS[config.training.mode];
    expect(config.training).toMatchObject({ learning_rate: tuned.learningRate, epochs: tuned.epochs, negatives: tuned.negatives, early_stopping: TUNED_EARLY_STOPPING });
    if (config.training.mode !== 'pairwise') expect(config.score.temperature).toBe(tuned.temperature);
    else expect([config.training.pairwise_reduction, config.training.loss === 'hinge' ? config.training.margin : config.training.scale]).toEqual([tuned.pairwiseReduction, config.training.loss === 'hinge' ? tuned.margin : tuned.scale]);
  });

  it('the main example uses logQ correction on in-batch negatives', async () => {
    const { config } = await loadExperiment(path.join(EXAMPLES, 'synthetic.tower.yaml'));
    expect(config.training.negatives.logq_correction).toBe(true);
  });

  // The MovieLens data is not shipped; on machines that have it next to the repository, the example must check clean.
  it.skipIf(!existsSync(MOVIELENS))('movielens.tower.yaml checks clean against ../shared/data/ml-latest-small', async () => {
    const { config, warnings } = await loadExperiment(path.join(EXAMPLES, 'movielens.tower.yaml'));
    expect(warnings.filter((w) => w.severity === 'warning')).toEqual([]);
    expect(config.data.positive).toMatchObject({ rule: 'rating_at_least', threshold: 4 });
    expect(config.data.split).toMatchObject({ method: 'leave_last_n' });
    expect(config.item_tower.categorical.map((c) => c.name)).toEqual(['genres']);
    expect(config.item_tower.continuous.map((c) => c.name)).toEqual(['year']);
  });
});
