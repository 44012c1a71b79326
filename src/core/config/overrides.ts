/**
 * `--set path.to.key=value` overrides, applied to the parsed YAML document (not to the text), so that every
 * other node keeps its position and diagnostics still point into the file. Values are read as YAML, so
 * `0.5`, `false`, `[10, 50]` and `{easy: 0.7, hard: 0.3}` mean what they would in the file.
 */
import type { TSchema } from '@sinclair/typebox';
import { Document, isCollection, isMap, isScalar, isSeq, parse, visit, YAMLParseError } from 'yaml';

import type { ConfigDiagnostic } from './diagnostics';
import { formatPath, locate, rangeAt, type ConfigPath, type ParsedExperimentText } from './document';
import { ExperimentSchema, type Experiment } from './schema';
import { objectKeys, schemaAt } from './schemaPath';
import { didYouMean } from '../util/suggest';

export interface ParsedOverride {
  /** The argument as given, e.g. "training.negatives.logq_correction=false". */
  source: string;
  path: ConfigPath;
  value: unknown;
}

/** Parses `a.b.c=value` (or `a.b[0]=value`); returns a diagnostic-ready error message when malformed. */
export function parseOverride(arg: string): ParsedOverride | { source: string; error: string } {
  const eq = arg.indexOf('=');
  if (eq <= 0) return { source: arg, error: `\`--set ${arg}\` is not of the form path.to.key=value (e.g. --set training.epochs=10).` };
  const pathText = arg.slice(0, eq).trim();
  const valueText = arg.slice(eq + 1);
  const path: ConfigPath = [];
  for (const part of pathText.split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m || (m[1] === '' && m[2] === '')) return { source: arg, error: `\`--set ${arg}\`: \`${pathText}\` is not a valid key path (use dots between keys, e.g. training.negatives.alpha).` };
    if (m[1] !== '') path.push(/^\d+$/.test(m[1]!) ? Number(m[1]) : m[1]!);
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) path.push(Number(idx[1]));
  }
  let value: unknown;
  try {
    value = valueText.trim() === '' ? null : parse(valueText, { prettyErrors: false });
  } catch (e) {
    const reason = e instanceof YAMLParseError ? e.message.replace(/ at line[\s\S]*$/, '') : String(e);
    return { source: arg, error: `\`--set ${arg}\`: the value is not valid YAML (${reason}). Quote strings that contain ':' or '#'.` };
  }
  return { source: arg, path, value };
}

export interface AppliedOverrides {
  diagnostics: ConfigDiagnostic[];
  /** The paths that were set, to tell the user that a wrong value came from the command line. */
  applied: ParsedOverride[];
}

/** Applies overrides to `parsed.doc` in place. Unknown paths are refused with a did-you-mean. */
export function applyOverrides(parsed: Pick<ParsedExperimentText, 'doc' | 'lineCounter' | 'text'>, overrides: readonly string[]): AppliedOverrides {
  const diagnostics: ConfigDiagnostic[] = [];
  const applied: ParsedOverride[] = [];
  const fail = (code: string, message: string, path: ConfigPath | undefined, data?: unknown) =>
    diagnostics.push({
      code,
      severity: 'error',
      message,
      range: rangeAt(parsed, path ?? [], 'value'),
      ...(path ? { path } : {}),
      ...(data === undefined ? {} : { data }),
    });
  for (const arg of overrides) {
    const o = parseOverride(arg);
    if ('error' in o) {
      fail('set-syntax', o.error, undefined, { override: arg });
      continue;
    }
    const step = schemaAt(o.path, ExperimentSchema);
    if (!step.ok) {
      const bad = o.path[step.depth];
      const prefix = formatPath(o.path.slice(0, step.depth));
      let message: string;
      let replacement: string | undefined;
      if (step.reason === 'unknown-key') {
        const hint = didYouMean(String(bad), step.keys);
        replacement = hint.suggestion;
        message = `\`--set ${arg}\`: \`${formatPath(o.path)}\` is not a field of the experiment: ${prefix ? `\`${prefix}\`` : 'the top level'} has no key \`${String(bad)}\`.${hint.text} Valid keys: ${step.keys.join(', ')}.`;
      } else if (step.reason === 'bad-index') {
        message = `\`--set ${arg}\`: \`${prefix}\` is a list; the next part of the path must be an index such as [0], not \`${String(bad)}\`.`;
      } else {
        message = `\`--set ${arg}\`: \`${prefix}\` is a single value, so \`${formatPath(o.path)}\` does not exist. Set \`${prefix}\` itself.`;
      }
      fail('set-unknown-path', message, undefined, { override: arg, replacement });
      continue;
    }
    const gap = indexPastEnd(parsed.doc, o.path);
    if (gap) {
      fail('set-unknown-path', `\`--set ${arg}\`: ${gap.message}`, gap.written ? gap.listPath : undefined, { override: arg });
      continue;
    }
    const error = setInDocument(parsed.doc, o.path, o.value);
    if (error) {
      fail('set-conflict', `\`--set ${arg}\`: ${error}`, o.path, { override: arg });
      continue;
    }
    applied.push(o);
  }
  return { diagnostics, applied };
}

/**
 * A list index past the end of its list (`evaluation.k.7` when the file has `k: [1]`): setting it would
 * leave the items between empty, which the schema then reports one by one as "got the boolean undefined"
 * at 1:1. One index past the end appends; a list that the path creates starts at index 0.
 */
function indexPastEnd(doc: Document, path: ConfigPath): { message: string; listPath: ConfigPath; written: boolean } | undefined {
  const found = locate(doc, path);
  for (let depth = found.depth; depth < path.length; depth++) {
    const index = path[depth];
    if (typeof index !== 'number') continue;
    const listPath = path.slice(0, depth);
    const list = depth === found.depth ? (depth === 0 ? doc.contents : found.node) : undefined;
    const written = isSeq(list);
    const length = written ? list.items.length : 0;
    if (index <= length) continue;
    const name = `\`${formatPath(listPath)}\``;
    const whole = `give the whole list: --set '${formatPath(listPath)}=[…]'`;
    if (!written) return { listPath, written, message: `${name} is not written in the file, so it starts at index 0; index ${index} would leave items 0–${index - 1} empty. Use index 0, or ${whole}.` };
    const items = list.items.length === 1 ? '1 item (index 0)' : `${list.items.length} items (indices 0–${list.items.length - 1})`;
    return { listPath, written, message: `${name} has ${items} in the file, so there is no index ${index}. Use an index up to ${length} (${length} appends an item), or ${whole}.` };
  }
  return undefined;
}

/** Sets a value in the document, creating missing mappings on the way; returns why it could not. */
function setInDocument(doc: Document, path: ConfigPath, value: unknown): string | undefined {
  if (path.length === 0) return 'cannot replace the whole experiment; set a field inside it.';
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    doc.contents = doc.createNode({});
  }
  // Find where the text stops, and check that what is there can hold the rest of the path.
  const found = locate(doc, path);
  if (found.depth < path.length) {
    const holder = found.depth === 0 ? doc.contents : found.node;
    if (holder !== undefined && holder !== null && !isCollection(holder)) {
      return `\`${formatPath(path.slice(0, found.depth)) || 'the file'}\` is a single value in the file, so a key inside it cannot be set.`;
    }
    if (isCollection(holder) && !isMap(holder) && typeof path[found.depth] !== 'number') {
      return `\`${formatPath(path.slice(0, found.depth))}\` is a list in the file; use an index.`;
    }
  }
  try {
    doc.setIn(path, doc.createNode(value));
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  return undefined;
}

/** Serialises a resolved config (defaults filled) as YAML, in schema order: what a run records as config.yaml. */
export function stringifyResolvedConfig(config: Experiment): string {
  const doc = new Document(orderLikeSchema(config, ExperimentSchema));
  // Short lists of numbers or names read best on one line: `k: [10, 50, 100]`.
  visit(doc, {
    Seq(_, seq) {
      if (seq.items.every((item) => isScalar(item))) seq.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/** Keys in schema order at every level, so resolved configs of different runs diff cleanly. */
function orderLikeSchema(value: unknown, schema: TSchema): unknown {
  if (Array.isArray(value)) {
    const items = (schema as { items?: TSchema | TSchema[] }).items;
    return value.map((v, i) => (items === undefined ? v : orderLikeSchema(v, Array.isArray(items) ? items[i] ?? {} : items)));
  }
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  const props = (schema as { properties?: Record<string, TSchema> }).properties ?? {};
  const out: Record<string, unknown> = {};
  for (const k of objectKeys(schema)) if (record[k] !== undefined) out[k] = orderLikeSchema(record[k], props[k]!);
  for (const k of Object.keys(record)) if (!(k in out) && record[k] !== undefined) out[k] = record[k];
  return out;
}
