/** Facts read from the experiment text that completion and definition need: where its data files are. */
import * as path from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, type Document } from 'yaml';

import type { PathSegment } from './schemaNav';

/** The data tables an experiment can name, by their key under `data`. */
export type DataTable = 'interactions' | 'user_features' | 'item_features' | 'ranking_log';

export class DocumentFacts {
  private readonly doc: Document;

  constructor(text: string, private readonly filePath: string) {
    // A broken document still yields the parts that parsed; errors are the validator's business, not ours.
    this.doc = parseDocument(text, { uniqueKeys: false, prettyErrors: false, strict: false });
  }

  /** The scalar at `keys`, as written, or undefined. */
  scalar(keys: readonly PathSegment[]): string | undefined {
    const node = this.doc.getIn(keys, true);
    return isScalar(node) && node.value !== null && node.value !== undefined ? String(node.value) : undefined;
  }

  /** Absolute path of a data table's file, when the experiment names one. */
  tablePath(table: DataTable): string | undefined {
    const relative = this.scalar(['data', table, 'path']);
    return relative ? path.resolve(path.dirname(this.filePath), relative) : undefined;
  }

  /** The `name`s already given to the features of a tower, for completing references to them. */
  featureNames(): string[] {
    const names: string[] = [];
    for (const tower of ['user_tower', 'item_tower']) {
      for (const group of ['categorical', 'continuous']) {
        const seq = this.doc.getIn([tower, group], true);
        if (!isSeq(seq)) continue;
        for (const item of seq.items) {
          const name = isMap(item) ? item.get('name') : undefined;
          if (typeof name === 'string') names.push(name);
        }
      }
    }
    return names;
  }

  /** The K cut-offs of the evaluation (the schema default when not written). */
  evaluationKs(): number[] {
    const seq = this.doc.getIn(['evaluation', 'k'], true);
    if (!isSeq(seq)) return [10, 50, 100];
    return seq.items.flatMap((item) => (isScalar(item) && typeof item.value === 'number' ? [item.value] : []));
  }
}
