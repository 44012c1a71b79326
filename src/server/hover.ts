/** Hover: a field's description, type and default from the schema, and the formula of loss and sampler values. */
import type { Hover } from 'vscode-languageserver/node';

import { itemAtLine, keyAtLine } from './cursorContext';
import { FIELD_FORMULAS, VALUE_DOCS } from './formulas';
import { schemaAt, sweptFieldAt, typeLabel, type PathSegment } from './schemaNav';

/** The dotted name of a path, without sequence indices: `user_tower.categorical.name`. */
export function dottedPath(path: readonly PathSegment[]): string {
  return path.filter((s): s is string => typeof s === 'string').join('.');
}

export function hoverAt(lines: readonly string[], line: number, character: number): Hover | null {
  const found = keyAtLine(lines, line);
  if (!found) return itemHover(lines, line, character);
  const { path, shape } = found;
  const keyEnd = shape.keyColumn + (shape.key?.length ?? 0);
  const onKey = character >= shape.keyColumn && character <= keyEnd;
  const valueStart = shape.valueColumn ?? keyEnd;
  const value = shape.value ?? '';
  const onValue = value !== '' && character >= valueStart && character <= valueStart + value.length;
  if (!onKey && !onValue) return null;

  const schema = schemaAt(path);
  if (!schema) return null;
  const dotted = dottedPath(path);
  const swept = onKey ? sweptFieldAt(path) : undefined;
  if (swept) {
    const text = [`Sweeps **${swept.name}** — ${typeLabel(swept.schema)}`, schema.description, swept.schema.description].filter((t): t is string => t !== undefined);
    return { contents: { kind: 'markdown', value: text.join('\n\n') }, range: { start: { line, character: shape.keyColumn }, end: { line, character: keyEnd } } };
  }
  const parts: string[] = [`**${dotted}** — ${typeLabel(schema)}`];
  const scalar = value.replace(/^["']|["']$/g, '');
  const valueDoc = onValue ? VALUE_DOCS[dotted]?.[scalar] : undefined;
  if (valueDoc) parts.push(`\`${scalar}\`: ${valueDoc}`);
  if (schema.description) parts.push(schema.description);
  const formula = FIELD_FORMULAS[dotted];
  if (formula && !valueDoc) parts.push(formula);
  if (schema.default !== undefined) parts.push(`Default: \`${JSON.stringify(schema.default)}\``);
  const start = onKey ? shape.keyColumn : valueStart;
  const end = onKey ? keyEnd : valueStart + value.length;
  return {
    contents: { kind: 'markdown', value: parts.join('\n\n') },
    range: { start: { line, character: start }, end: { line, character: end } },
  };
}

/** Hover on a scalar list item such as `- recall`: the item schema's text. */
function itemHover(lines: readonly string[], line: number, character: number): Hover | null {
  const found = itemAtLine(lines, line);
  if (!found) return null;
  const text = (lines[line] ?? '').slice(found.shape.keyColumn).replace(/\s+#.*$/, '').trimEnd();
  if (text === '' || character < found.shape.keyColumn || character > found.shape.keyColumn + text.length) return null;
  const schema = schemaAt(found.path);
  if (!schema) return null;
  const dotted = dottedPath(found.path);
  const parts = [`**${dotted}[]** — ${typeLabel(schema)}`];
  const valueDoc = VALUE_DOCS[dotted]?.[text];
  if (valueDoc) parts.push(`\`${text}\`: ${valueDoc}`);
  if (schema.description) parts.push(schema.description);
  return {
    contents: { kind: 'markdown', value: parts.join('\n\n') },
    range: { start: { line, character: found.shape.keyColumn }, end: { line, character: found.shape.keyColumn + text.length } },
  };
}
