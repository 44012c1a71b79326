/**
 * Navigation of the TypeBox schema by config path: which sub-schema describes `training.negatives.alpha`,
 * and which keys an object accepts. Used by --set (to refuse unknown paths), by the schema-error mapping
 * (did-you-mean) and by the language server (hover and completion text).
 */
import type { TSchema } from '@sinclair/typebox';

import type { ConfigPath } from './document';
import { ExperimentSchema } from './schema';

interface SchemaNode {
  type?: string;
  properties?: Record<string, TSchema>;
  items?: TSchema | TSchema[];
  anyOf?: TSchema[];
  const?: unknown;
  required?: string[];
}

export type SchemaStep =
  | { ok: true; schema: TSchema }
  | { ok: false; depth: number; parent: TSchema; reason: 'unknown-key' | 'not-a-container' | 'bad-index'; keys: string[] };

/** The sub-schema at `path`, or where and why the path leaves the schema. */
export function schemaAt(path: ConfigPath, root: TSchema = ExperimentSchema): SchemaStep {
  let current: TSchema = root;
  for (let depth = 0; depth < path.length; depth++) {
    const segment = path[depth]!;
    const node = current as SchemaNode;
    if (node.type === 'object' && node.properties) {
      const next = node.properties[String(segment)];
      if (!next) return { ok: false, depth, parent: current, reason: 'unknown-key', keys: Object.keys(node.properties) };
      current = next;
    } else if (node.type === 'array' && node.items !== undefined) {
      const index = typeof segment === 'number' ? segment : /^\d+$/.test(segment) ? Number(segment) : NaN;
      if (!Number.isInteger(index)) return { ok: false, depth, parent: current, reason: 'bad-index', keys: [] };
      if (Array.isArray(node.items)) {
        const item = node.items[index];
        if (!item) return { ok: false, depth, parent: current, reason: 'bad-index', keys: [] };
        current = item;
      } else {
        current = node.items;
      }
    } else {
      return { ok: false, depth, parent: current, reason: 'not-a-container', keys: [] };
    }
  }
  return { ok: true, schema: current };
}

/** The keys an object schema accepts (empty for non-objects). */
export function objectKeys(schema: TSchema): string[] {
  const node = schema as SchemaNode;
  return node.type === 'object' && node.properties ? Object.keys(node.properties) : [];
}

/** The allowed values when the schema is a string enum (a union of literals), else undefined. */
export function enumValues(schema: TSchema): string[] | undefined {
  const node = schema as SchemaNode;
  if (!node.anyOf || node.anyOf.length === 0) return undefined;
  const values: string[] = [];
  for (const option of node.anyOf) {
    const c = (option as SchemaNode).const;
    if (typeof c !== 'string') return undefined;
    values.push(c);
  }
  return values;
}

/** Every place in the schema where an object has a key named `name` (e.g. `batch_size` → [['training']]). */
export function whereKeyLives(name: string, root: TSchema = ExperimentSchema): ConfigPath[] {
  const found: ConfigPath[] = [];
  const walk = (schema: TSchema, at: ConfigPath, depth: number) => {
    if (depth > 8) return;
    const node = schema as SchemaNode;
    if (node.type === 'object' && node.properties) {
      if (name in node.properties) found.push(at);
      for (const [key, child] of Object.entries(node.properties)) walk(child, [...at, key], depth + 1);
    } else if (node.type === 'array' && node.items !== undefined && !Array.isArray(node.items)) {
      walk(node.items, [...at, 0], depth + 1);
    }
  };
  walk(root, [], 0);
  return found;
}

/** The names of every key whose value is a string enum somewhere in the schema (the grammar colours their values). */
export function enumKeyNames(root: TSchema = ExperimentSchema): string[] {
  const names = new Set<string>();
  const walk = (schema: TSchema, depth: number) => {
    if (depth > 10) return;
    const node = schema as SchemaNode;
    if (node.type === 'object' && node.properties) {
      for (const [key, child] of Object.entries(node.properties)) {
        if (enumValues(child)) names.add(key);
        walk(child, depth + 1);
      }
    } else if (node.type === 'array' && node.items !== undefined) {
      for (const item of Array.isArray(node.items) ? node.items : [node.items]) walk(item, depth + 1);
    } else if (node.anyOf) {
      for (const option of node.anyOf) walk(option, depth + 1);
    }
  };
  walk(root, 0);
  return [...names].sort();
}
