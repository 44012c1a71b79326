/** The outline of an experiment file: its sections, their fields, and list items named by their `name`. */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair } from 'yaml';
import { SymbolKind, type DocumentSymbol, type Range } from 'vscode-languageserver/node';

const SECTIONS = new Set(['data', 'user_tower', 'item_tower', 'score', 'training', 'evaluation']);

export function documentSymbols(text: string): DocumentSymbol[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  const toRange = (start: number, end: number): Range => {
    const a = lineCounter.linePos(start);
    const b = lineCounter.linePos(Math.max(start, end));
    return { start: { line: a.line - 1, character: a.col - 1 }, end: { line: b.line - 1, character: b.col - 1 } };
  };
  const ofNode = (node: unknown, depth: number): DocumentSymbol[] => {
    // Deep nesting in a garbage file must not blow the stack; real experiments are at most five levels deep.
    if (depth > 12) return [];
    if (isMap(node)) return node.items.flatMap((pair) => ofPair(pair as Pair<Node, Node | null>, depth));
    if (isSeq(node)) {
      return node.items.flatMap((item, index) => {
        const range = (item as Node | null)?.range;
        if (!range) return [];
        const name = isMap(item) ? item.get('name') : isScalar(item) ? item.value : undefined;
        return [
          {
            name: name === undefined || name === null ? `[${index}]` : String(name),
            kind: isMap(item) ? SymbolKind.Object : SymbolKind.Constant,
            range: toRange(range[0], range[1]),
            selectionRange: toRange(range[0], range[1]),
            children: ofNode(item, depth + 1),
          },
        ];
      });
    }
    return [];
  };
  const ofPair = (pair: Pair<Node, Node | null>, depth: number): DocumentSymbol[] => {
    const key = pair.key;
    if (!isScalar(key) || !key.range) return [];
    const name = String(key.value);
    const value = pair.value;
    const end = value?.range ? value.range[1] : key.range[1];
    const kind = depth === 0 && SECTIONS.has(name) ? SymbolKind.Module : isMap(value) ? SymbolKind.Object : isSeq(value) ? SymbolKind.Array : SymbolKind.Property;
    return [
      {
        name,
        detail: isScalar(value) && value.value !== null ? String(value.value) : undefined,
        kind,
        range: toRange(key.range[0], end),
        selectionRange: toRange(key.range[0], key.range[1]),
        children: ofNode(value, depth + 1),
      },
    ];
  };
  return ofNode(doc.contents, 0);
}
