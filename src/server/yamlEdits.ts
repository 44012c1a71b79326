/**
 * Text edits that change one field of an experiment file while leaving every other line as the user wrote it
 * (comments, order, quoting): set a scalar, remove a key, rename a key. Used by the quick fixes.
 */
import { isMap, isScalar, type Node } from 'yaml';
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
