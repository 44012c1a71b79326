/**
 * The experiment file as a YAML document with positions: parsing (syntax errors with exact ranges) and
 * the mapping from a config path such as ['training', 'loss'] back to the text range of its key or value.
 */
import { isAlias, isMap, isScalar, isSeq, Lexer, LineCounter, parseDocument, type Document, type Node, type Pair } from 'yaml';

import type { ConfigDiagnostic, Position, Range } from './diagnostics';

export type ConfigPath = (string | number)[];

export interface ParsedExperimentText {
  doc: Document.Parsed;
  lineCounter: LineCounter;
  text: string;
  /** YAML syntax errors and warnings (code `yaml-syntax`, `yaml-warning`). */
  diagnostics: ConfigDiagnostic[];
}

/** Parses YAML text; never throws. Duplicate keys are errors (a later key silently winning is a classic config bug). */
export function parseExperimentText(text: string): ParsedExperimentText {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, keepSourceTokens: false });
  const toRange = (pos: [number, number]): Range => ({ start: offsetToPosition(lineCounter, pos[0]), end: offsetToPosition(lineCounter, Math.max(pos[1], pos[0])) });
  const diagnostics: ConfigDiagnostic[] = [];
  for (const e of doc.errors) {
    const pos = e.code === 'MISSING_CHAR' ? (unclosedQuoteAt(text, e.pos[0]) ?? e.pos) : e.pos;
    diagnostics.push({ code: 'yaml-syntax', severity: 'error', message: yamlMessage(e.code, e.message), range: toRange(pos), data: { yamlCode: e.code } });
  }
  for (const w of doc.warnings) {
    diagnostics.push({ code: 'yaml-warning', severity: 'warning', message: yamlMessage(w.code, w.message), range: toRange(w.pos), data: { yamlCode: w.code } });
  }
  return { doc, lineCounter, text, diagnostics };
}

/**
 * The yaml package reports an unclosed quote where the text ends, often many lines below the mistake;
 * point at the opening quote instead (to the end of its line), which is where the user must look.
 */
function unclosedQuoteAt(text: string, errorOffset: number): [number, number] | undefined {
  let offset = 0;
  let found: number | undefined;
  for (const token of new Lexer().lex(text)) {
    // The lexer interleaves control tokens that are not in the source text (document start, flow end, scalar marker).
    if (token === '\x02' || token === '\x18' || token === '\x1f') continue;
    const quote = token[0];
    if ((quote === '"' || quote === "'") && offset <= errorOffset && !isClosedQuote(token)) found = offset;
    offset += token.length;
  }
  if (found === undefined) return undefined;
  const lineEnd = text.indexOf('\n', found);
  return [found, lineEnd === -1 ? text.length : lineEnd];
}

function isClosedQuote(token: string): boolean {
  const quote = token[0];
  if (token.length < 2 || !token.endsWith(quote)) return false;
  if (quote === "'") return true; // '' inside is an escaped quote, and the token still ends with one
  let backslashes = 0;
  for (let i = token.length - 2; i >= 0 && token[i] === '\\'; i--) backslashes++;
  return backslashes % 2 === 0; // an odd run of backslashes escapes the final quote
}

/** The yaml package's messages, without its own " at line x, column y" (the range says it) and with a hint. */
function yamlMessage(code: string, message: string): string {
  const bare = message.replace(/ at line \d+, column \d+[\s\S]*$/, '').trim();
  const hints: Record<string, string> = {
    DUPLICATE_KEY: 'each key may appear once in a mapping; remove or rename one of them',
    TAB_AS_INDENT: 'indent with spaces',
    BAD_INDENT: 'align this line with its siblings',
    MISSING_CHAR: 'close the quote or bracket',
    MULTIPLE_DOCS: 'an experiment file holds one document; remove the extra `---`',
  };
  const hint = hints[code];
  return hint ? `${bare} (${hint})` : bare;
}

export function offsetToPosition(lineCounter: LineCounter, offset: number): Position {
  const { line, col } = lineCounter.linePos(offset);
  // linePos is 1-based; line 0 means "before the first newline was seen", i.e. the first line.
  return { line: Math.max(0, line - 1), character: Math.max(0, col - 1) };
}

interface Located {
  /** The node reached (the value at the path), when the path exists in the text. */
  node?: Node;
  /** The pair whose value is `node`, when the last step was a map key. */
  pair?: Pair;
  /** How many path segments were found in the text. */
  depth: number;
}

/** Walks the document along `path` as far as the text goes (values filled by defaults or --set have no text). */
export function locate(doc: Document, path: ConfigPath): Located {
  let current: unknown = doc.contents;
  let pair: Pair | undefined;
  let depth = 0;
  for (const segment of path) {
    if (isAlias(current)) current = current.resolve(doc);
    if (isMap(current)) {
      const found = current.items.find((p) => keyText(p.key) === String(segment));
      if (!found) break;
      pair = found;
      current = found.value;
    } else if (isSeq(current) && typeof segment === 'number') {
      if (segment < 0 || segment >= current.items.length) break;
      pair = undefined;
      current = current.items[segment];
    } else {
      break;
    }
    depth += 1;
  }
  return depth === 0 ? { node: doc.contents ?? undefined, depth } : { node: (current as Node | null) ?? undefined, pair, depth };
}

export function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return key.value === null ? undefined : String(key.value);
  return typeof key === 'string' ? key : undefined;
}

export type RangeTarget = 'key' | 'value';

/**
 * The text range for a diagnostic at `path`. `key` points at the key (unknown keys, and anything about a
 * whole block); `value` points at a scalar value, or at the key when the value is a block mapping or
 * sequence (so the squiggle is one line, not a whole section). A path that is not in the text falls
 * back to the key of its deepest ancestor that is, and to the first line for the root.
 */
export function rangeAt(parsed: Pick<ParsedExperimentText, 'doc' | 'lineCounter' | 'text'>, path: ConfigPath, target: RangeTarget = 'value'): Range {
  const { doc, lineCounter } = parsed;
  const found = locate(doc, path);
  const complete = found.depth === path.length;
  const keyNode = found.pair?.key as Node | undefined;
  const valueNode = found.node;
  const span = (n: Node | undefined): Range | undefined =>
    n?.range ? { start: offsetToPosition(lineCounter, n.range[0]), end: offsetToPosition(lineCounter, n.range[1]) } : undefined;
  if (complete && found.depth > 0) {
    if (target === 'value' && valueNode && !isMap(valueNode) && !isSeq(valueNode)) {
      const r = span(valueNode);
      // An empty value (`key:` with nothing after it) has no width; the key is what to underline then.
      if (r && (r.start.line !== r.end.line || r.start.character !== r.end.character)) return r;
    }
    if (target === 'value' && valueNode && (isMap(valueNode) || isSeq(valueNode)) && valueNode.flow) {
      const r = span(valueNode);
      if (r) return r;
    }
    const k = span(keyNode) ?? (found.pair === undefined ? firstLine(span(valueNode), parsed.text, lineCounter) : undefined);
    if (k) return k;
  }
  if (found.depth > 0) {
    const k = span(keyNode) ?? firstLine(span(valueNode), parsed.text, lineCounter);
    if (k) return k;
  }
  return firstLineOfDocument(parsed.text);
}

function firstLine(r: Range | undefined, text: string, _lc: LineCounter): Range | undefined {
  if (!r) return undefined;
  if (r.start.line === r.end.line) return r;
  const lines = text.split('\n');
  const len = (lines[r.start.line] ?? '').replace(/\r$/, '').length;
  return { start: r.start, end: { line: r.start.line, character: Math.max(r.start.character, len) } };
}

/** The first non-empty, non-comment line: where "missing required key at the top level" is shown. */
function firstLineOfDocument(text: string): Range {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').replace(/\r$/, '');
    if (line.trim() !== '' && !line.trimStart().startsWith('#') && line.trim() !== '---') {
      return { start: { line: i, character: 0 }, end: { line: i, character: line.length } };
    }
  }
  return { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
}

/** "training.negatives.source", "evaluation.k[0]". */
export function formatPath(path: ConfigPath): string {
  return path.reduce<string>((s, seg) => (typeof seg === 'number' ? `${s}[${seg}]` : s ? `${s}.${seg}` : seg), '');
}

/** Splits a JSON pointer from TypeBox ("/training/negatives/0") into a config path. */
export function pointerToPath(pointer: string): ConfigPath {
  if (pointer === '' || pointer === '/') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9]\d*)$/.test(s) ? Number(s) : s));
}
