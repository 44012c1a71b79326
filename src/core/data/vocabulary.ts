/**
 * Vocabularies: external ids → dense indices, index 0 reserved for out-of-vocabulary ids. Indices
 * follow first appearance in the file, so the same file always gives the same indices.
 */
import type { Vocabulary } from './dataset';

export const OOV_ID = '<oov>';

/** A vocabulary that grows while a file is streamed, then is read through the `Vocabulary` contract. */
export class VocabularyBuilder implements Vocabulary {
  private readonly index = new Map<string, number>();
  private readonly list: string[] = [OOV_ID];

  /** The index of `id`, adding it when new. */
  add(id: string): number {
    let i = this.index.get(id);
    if (i === undefined) {
      i = this.list.length;
      this.index.set(id, i);
      this.list.push(id);
    }
    return i;
  }

  lookup(id: string): number {
    return this.index.get(id) ?? 0;
  }

  get ids(): readonly string[] {
    return this.list;
  }

  get size(): number {
    return this.list.length;
  }
}

/** A frozen vocabulary over the given ids (in this order, after the OOV row). */
export function vocabularyOf(ids: Iterable<string>): Vocabulary {
  const b = new VocabularyBuilder();
  for (const id of ids) b.add(id);
  return b;
}

/**
 * A vocabulary of categorical values: every distinct non-empty value in first-appearance order, or,
 * with `maxVocab`, only the `maxVocab` most frequent (ties: first appearance), the rest being OOV.
 */
export function categoricalVocabulary(values: readonly string[], maxVocab?: number): Vocabulary {
  const counts = new Map<string, number>();
  for (const v of values) if (v !== '') counts.set(v, (counts.get(v) ?? 0) + 1);
  return categoricalVocabularyOfCounts([...counts.keys()], [...counts.values()], maxVocab);
}

/**
 * The same vocabulary from the distinct values in order of first appearance and how often each was
 * read (what the SQL path counts without a string per row); blank values are not categories.
 */
export function categoricalVocabularyOfCounts(distinct: readonly string[], counts: ArrayLike<number>, maxVocab?: number): Vocabulary {
  const countOf = new Map<string, number>();
  distinct.forEach((v, i) => {
    if (v !== '' && counts[i] > 0) countOf.set(v, counts[i]);
  });
  let kept = [...countOf.keys()];
  if (maxVocab !== undefined && kept.length > maxVocab) {
    const order = new Map(kept.map((v, i) => [v, i]));
    const top = new Set([...kept].sort((a, b) => (countOf.get(b) ?? 0) - (countOf.get(a) ?? 0) || (order.get(a) ?? 0) - (order.get(b) ?? 0)).slice(0, maxVocab));
    kept = kept.filter((v) => top.has(v));
  }
  return vocabularyOf(kept);
}
