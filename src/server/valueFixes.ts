/**
 * The value a quick fix can write when the schema rejects a value and one replacement is obvious: a quoted
 * number where a number is expected, `yes` for a boolean, a scalar where a list is expected (schema-type), or
 * the bound of a range (schema-range). Pure: the schema node and the value as written go in, YAML text comes out.
 */
import type { SchemaNode } from './schemaNav';
import { yamlScalar } from './yamlEdits';

export interface ValueFix {
  /** The YAML text of the new value, e.g. `64`, `true`, `[10]`. */
  text: string;
  /** What the fix does, for its title. */
  title: string;
}

const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;
/** The words that mean a boolean in YAML 1.1 and in speech; YAML 1.2 (the yaml package) reads them as strings. */
const TRUE_WORDS = new Set(['true', 'yes', 'y', 'on']);
const FALSE_WORDS = new Set(['false', 'no', 'n', 'off']);

function typeOf(schema: SchemaNode): string | undefined {
  return typeof schema.type === 'string' ? schema.type : undefined;
}

/** `value` read as a number that `schema` (integer or number) accepts the type of, or undefined. */
function asNumber(schema: SchemaNode, value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && NUMBER.test(value.trim()) ? Number(value.trim()) : undefined;
  if (n === undefined || !Number.isFinite(n)) return undefined;
  return typeOf(schema) === 'integer' && !Number.isInteger(n) ? undefined : n;
}

/** A single value as an item of a list schema, when the item type takes it as it is (or as a quoted number). */
function asItem(items: SchemaNode, value: unknown): string | undefined {
  const type = typeOf(items);
  if (type === 'integer' || type === 'number') {
    const n = asNumber(items, value);
    return n === undefined ? undefined : String(n);
  }
  const allowed = items.anyOf?.map((alt) => alt.const);
  if (typeof value === 'string' && allowed?.includes(value)) return yamlScalar(value);
  if (type === 'string' && typeof value === 'string') return yamlScalar(value);
  return undefined;
}

/** For `schema-type`: the one value the user obviously meant, or undefined when there is none. */
export function typeFix(schema: SchemaNode, value: unknown): ValueFix | undefined {
  const type = typeOf(schema);
  if ((type === 'integer' || type === 'number') && typeof value === 'string') {
    const n = asNumber(schema, value);
    return n === undefined ? undefined : { text: String(n), title: `Write the number ${n} (without quotes)` };
  }
  if (type === 'boolean' && typeof value === 'string') {
    const word = value.trim().toLowerCase();
    const b = TRUE_WORDS.has(word) ? true : FALSE_WORDS.has(word) ? false : undefined;
    return b === undefined ? undefined : { text: String(b), title: `Write the boolean ${b}` };
  }
  if (type === 'string' && (typeof value === 'number' || typeof value === 'boolean')) {
    return { text: JSON.stringify(String(value)), title: `Quote it as the string "${String(value)}"` };
  }
  if (type === 'array' && schema.items && !Array.isArray(schema.items)) {
    const item = asItem(schema.items, value);
    return item === undefined ? undefined : { text: `[${item}]`, title: `Make it a list: [${item}]` };
  }
  if (type === 'object' && typeof value === 'string' && schema.properties && 'path' in schema.properties) {
    return { text: `{ path: ${yamlScalar(value)} }`, title: `Read it as the file path: { path: ${yamlScalar(value)} }` };
  }
  return undefined;
}

export interface RangeBound {
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
}

/**
 * For `schema-range`: clamp to an inclusive bound; for an exclusive one, the nearest integer inside (integer
 * fields), else the schema's default when it lies inside every bound. A list that is too short gets nothing.
 */
export function rangeFix(schema: SchemaNode, bound: RangeBound): ValueFix | undefined {
  if (bound.minimum !== undefined) return { text: String(bound.minimum), title: `Set it to the minimum, ${bound.minimum}` };
  if (bound.maximum !== undefined) return { text: String(bound.maximum), title: `Set it to the maximum, ${bound.maximum}` };
  const exclusive = bound.exclusiveMinimum ?? bound.exclusiveMaximum;
  if (exclusive === undefined) return undefined;
  if (typeOf(schema) === 'integer') {
    const n = bound.exclusiveMinimum !== undefined ? Math.floor(exclusive) + 1 : Math.ceil(exclusive) - 1;
    return inside(schema, n) ? { text: String(n), title: `Set it to ${n}, the nearest allowed integer` } : undefined;
  }
  const fallback = schema.default;
  return typeof fallback === 'number' && inside(schema, fallback) ? { text: String(fallback), title: `Set it to the default, ${fallback}` } : undefined;
}

function inside(schema: SchemaNode, n: number): boolean {
  return (
    (schema.minimum === undefined || n >= schema.minimum) &&
    (schema.maximum === undefined || n <= schema.maximum) &&
    (schema.exclusiveMinimum === undefined || n > schema.exclusiveMinimum) &&
    (schema.exclusiveMaximum === undefined || n < schema.exclusiveMaximum)
  );
}
