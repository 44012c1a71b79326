/**
 * The experiment templates of "New Experiment": real, runnable experiments on synthetic data, one per
 * training mode, stored in `templates/`. No `vscode` import (a unit test validates every template).
 */
import type { TrainingMode } from '../../shared/events';

export interface TemplateInfo {
  mode: TrainingMode;
  file: string;
  label: string;
  detail: string;
}

export const TEMPLATES: readonly TemplateInfo[] = [
  { mode: 'listwise', file: 'templates/listwise.tower.yaml', label: 'Listwise (softmax, in-batch negatives + logQ)', detail: 'One positive against the batch; the usual choice for retrieval.' },
  { mode: 'pairwise', file: 'templates/pairwise.tower.yaml', label: 'Pairwise (triplet hinge, popularity negatives)', detail: 'cos(a, b⁺) should beat cos(a, b⁻) by a margin.' },
  { mode: 'pointwise', file: 'templates/pointwise.tower.yaml', label: 'Pointwise (binary cross-entropy, 1:3 negatives)', detail: 'Retrieval as classification of clicked vs sampled pairs.' },
];

/** A name that is a valid file name and experiment name: letters, digits, `-`, `_`, `.`. */
export function checkExperimentName(name: string): string | undefined {
  if (name.trim() === '') return 'Give the experiment a name.';
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) return 'Use letters, digits, ".", "_" and "-" only, starting with a letter or digit.';
  return undefined;
}

/** The template with its `name:` line set to `name`. */
export function instantiateTemplate(text: string, name: string): string {
  if (!/^name: .*$/m.test(text)) throw new Error('The template has no top-level `name:` line to set.');
  return text.replace(/^name: .*$/m, `name: ${name}`);
}
