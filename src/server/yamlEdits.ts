/**
 * Text edits that change one field of an experiment file while leaving every other line as the user wrote it
 * (comments, order, quoting): set a scalar, remove a key, rename a key. Used by the quick fixes.
 */
import { isMap, isScalar, isSeq, type Node, type Pair } from 'yaml';
import type { Position, TextEdit } from 'vscode-languageserver/node';

import { locate, parseExperimentText, type ConfigPath } from '../core/config/document';

export type ScalarValue = string | number | boolean;

function positionAt(text: string, offset: number): Position {
  let line = 0;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, character: offset - lineStart };
}

function lineStartOffset(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

function nextLineOffset(text: string, offset: number): number {
  const newline = text.indexOf('\n', offset);
  return newline < 0 ? text.length : newline + 1;
}

/** A scalar written as YAML: strings that YAML would read as something else are quoted. */
export function yamlScalar(value: ScalarValue): string {
  if (typeof value !== 'string') return String(value);
  return /^[A-Za-z_][\w./@-]*$/.test(value) && !/^(true|false|null|yes|no|on|off|~)$/i.test(value) ? value : JSON.stringify(value);
}

/** Sets the scalar at `path`: replaces it where written, or inserts `key: value` (and any missing parents). */
export function setValueEdit(text: string, path: ConfigPath, value: ScalarValue): TextEdit | undefined {
  const { doc } = parseExperimentText(text);
  const found = locate(doc, path);
  if (found.depth === path.length && found.node?.range) {
    if (!isScalar(found.node)) return undefined;
    const [start, end] = found.node.range;
    return { range: { start: positionAt(text, start), end: positionAt(text, end) }, newText: yamlScalar(value) };
  }
  // Insert the missing tail of the path under the deepest mapping that is written.
  const missing = path.slice(found.depth);
  if (missing.some((segment) => typeof segment === 'number')) return undefined;
  const parent = found.node as Node | undefined;
  if (found.depth > 0 && isMap(parent) && parent.flow) return insertIntoFlowMap(text, parent.items as Pair[], parent.range, missing as string[], value);
  let insertAt: number;
  let indent: number;
  if (found.depth === 0) {
    insertAt = text.length;
    indent = 0;
  } else if (isMap(parent) && parent.items.length > 0 && !parent.flow) {
    const firstKey = parent.items[0].key as Node;
    const keyStart = firstKey.range?.[0] ?? 0;
    indent = keyStart - lineStartOffset(text, keyStart);
    insertAt = lineStartOffset(text, keyStart);
  } else if (found.pair && (parent === undefined || parent === null || (isScalar(parent) && parent.value === null))) {
    const keyNode = found.pair.key as Node;
    const keyStart = keyNode.range?.[0] ?? 0;
    indent = keyStart - lineStartOffset(text, keyStart) + 2;
    insertAt = nextLineOffset(text, keyStart);
  } else {
    return undefined;
  }
  const lines = missing.map((segment, i) => {
    const last = i === missing.length - 1;
    return `${' '.repeat(indent + 2 * i)}${String(segment)}:${last ? ` ${yamlScalar(value)}` : ''}`;
  });
  const needsNewline = insertAt === text.length && text.length > 0 && !text.endsWith('\n');
  const position = positionAt(text, insertAt);
  return { range: { start: position, end: position }, newText: `${needsNewline ? '\n' : ''}${lines.join('\n')}\n` };
}

/** Inserts `a: { b: value }` for the missing keys `[a, b]` into a flow mapping `{ … }`, after its last entry. */
function insertIntoFlowMap(text: string, items: Pair[], range: [number, number, number] | null | undefined, missing: string[], value: ScalarValue): TextEdit | undefined {
  if (!range) return undefined;
  const entry = missing.reduceRight((inner, key, i) => (i === missing.length - 1 ? `${key}: ${inner}` : `${key}: { ${inner} }`), yamlScalar(value));
  const last = items[items.length - 1];
  const lastEnd = last ? ((last.value as Node | null)?.range?.[1] ?? (last.key as Node | null)?.range?.[1]) : undefined;
  if (last && lastEnd === undefined) return undefined;
  // After the last entry (`{ a: 1 }` → `{ a: 1, b: 2 }`), or just inside the brace of an empty `{}`.
  const offset = lastEnd ?? text.indexOf('{', range[0]) + 1;
  const position = positionAt(text, offset);
  return { range: { start: position, end: position }, newText: last ? `, ${entry}` : ` ${entry} ` };
}

/** Replaces the written scalar at `path` with `yamlText` as is (a flow value such as `[10]` or `{ path: x }`). */
export function replaceValueEdit(text: string, path: ConfigPath, yamlText: string): TextEdit | undefined {
  const { doc } = parseExperimentText(text);
  const found = locate(doc, path);
  if (found.depth !== path.length || !isScalar(found.node) || !found.node.range) return undefined;
  const [start, end] = found.node.range;
  return { range: { start: positionAt(text, start), end: positionAt(text, end) }, newText: yamlText };
}

/** Removes the list item at `path` (its last segment is the index): `, 500` from a flow list, or the `- 500` line. */
export function removeItemEdit(text: string, path: ConfigPath): TextEdit | undefined {
  const index = path[path.length - 1];
  if (typeof index !== 'number') return undefined;
  const { doc } = parseExperimentText(text);
  const found = locate(doc, path.slice(0, -1));
  const seq = found.node;
  if (found.depth !== path.length - 1 || !isSeq(seq) || index >= seq.items.length) return undefined;
  const span = (i: number): [number, number] | undefined => {
    const r = (seq.items[i] as Node | null)?.range;
    return r ? [r[0], r[1]] : undefined;
  };
  const item = span(index);
  if (!item) return undefined;
  if (!seq.flow) {
    const start = lineStartOffset(text, item[0]);
    return { range: { start: positionAt(text, start), end: positionAt(text, nextLineOffset(text, item[1] - 1)) }, newText: '' };
  }
  // In a flow list take the separator too: the one before the item, or for the first item the one after it.
  const before = index > 0 ? span(index - 1) : undefined;
  const after = index + 1 < seq.items.length ? span(index + 1) : undefined;
  const [start, end] = before ? [before[1], item[1]] : after ? [item[0], after[0]] : item;
  return { range: { start: positionAt(text, start), end: positionAt(text, end) }, newText: '' };
}

/** Removes the key at `path` with its value (the whole lines), or undefined when it is not written. */
export function removeKeyEdit(text: string, path: ConfigPath): TextEdit | undefined {
  const { doc } = parseExperimentText(text);
  const found = locate(doc, path);
  if (found.depth !== path.length || !found.pair) return undefined;
  const keyNode = found.pair.key as Node;
  const valueNode = found.pair.value as Node | null;
  if (!keyNode.range) return undefined;
  const start = lineStartOffset(text, keyNode.range[0]);
  const valueEnd = valueNode?.range ? valueNode.range[1] : keyNode.range[1];
  const end = nextLineOffset(text, Math.max(valueEnd - 1, keyNode.range[1]));
  // Keep the line when something else shares it (a flow mapping, or `- key: v` starting a list item).
  const before = text.slice(start, keyNode.range[0]);
  if (before.trim() !== '') return { range: { start: positionAt(text, keyNode.range[0]), end: positionAt(text, valueEnd) }, newText: '' };
  return { range: { start: positionAt(text, start), end: positionAt(text, end) }, newText: '' };
}

/** Renames the key at `path` (its last segment) to `newKey`. */
export function renameKeyEdit(text: string, path: ConfigPath, newKey: string): TextEdit | undefined {
  const { doc } = parseExperimentText(text);
  const found = locate(doc, path);
  const keyNode = found.pair?.key as Node | undefined;
  if (found.depth !== path.length || !keyNode?.range) return undefined;
  return { range: { start: positionAt(text, keyNode.range[0]), end: positionAt(text, keyNode.range[1]) }, newText: newKey };
}
