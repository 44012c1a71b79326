/**
 * Copies named tensors into a model's parameters after checking that every parameter is there with its
 * shape: how a checkpoint of another engine and an export bundle's weights enter a model.
 */
import type { Param } from '../train/optimizer';
import type { WeightMap } from '../train/weightsFile';

/** @param misfit the start of the error, e.g. "The checkpoint's model does not fit this experiment's towers (changed since it was saved?)". */
export function assignModelWeights(params: readonly Param[], w: WeightMap, misfit: string): void {
  const problems: string[] = [];
  for (const p of params) {
    const got = w[p.name];
    if (!got) problems.push(`missing "${p.name}"`);
    else if (got.shape.join(',') !== p.shape.join(',') || got.data.length !== p.value.length) problems.push(`"${p.name}" has shape [${got.shape.join(', ')}], the model needs [${p.shape.join(', ')}]`);
  }
  if (problems.length) throw new Error(`${misfit}: ${problems.slice(0, 8).join('; ')}${problems.length > 8 ? `; and ${problems.length - 8} more` : ''}.`);
  for (const p of params) p.value.set(w[p.name].data);
}
