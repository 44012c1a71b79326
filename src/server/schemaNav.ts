/**
 * Walks the experiment schema (TypeBox objects are plain JSON Schema) along a YAML path, for completion and
 * hover. Written by hand rather than through yaml-language-server's language service: that library (1.25.0;
 * 2.x needs Node ≥ 22.13) worked when evaluated, but it adds 2.3 MB and second copies of `yaml` and
 * vscode-languageserver 9 to the server bundle, its hover repeats the schema title and never shows defaults,
 * and its completion offers synthetic "object(...)" items. Our schema has a fixed shape (objects, literal
 * unions, arrays, tuples), so this walker is short and shares one YAML reading with the rest of the server.
 */
import { ExperimentSchema } from '../core/config/schema';

/** The subset of JSON Schema that the experiment schema uses. */
export interface SchemaNode {
  type?: string | string[];
  description?: string;
  default?: unknown;
  properties?: Record<string, SchemaNode>;
  /** A map with free keys (TypeBox Record: sweep.grid, sweep.random.parameters): one schema for every value. */
  patternProperties?: Record<string, SchemaNode>;
  required?: string[];
  items?: SchemaNode | SchemaNode[];
  anyOf?: SchemaNode[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
}

/** One step of a YAML path: a mapping key, or a sequence index. */
export type PathSegment = string | number;

export const ROOT_SCHEMA: SchemaNode = ExperimentSchema as unknown as SchemaNode;

/** The schema of the value at `path`, or undefined when the path leaves the schema (an unknown key). */
export function schemaAt(path: readonly PathSegment[], root: SchemaNode = ROOT_SCHEMA): SchemaNode | undefined {
  let node: SchemaNode | undefined = root;
  for (const segment of path) {
    if (!node) return undefined;
    node = childSchema(node, segment);
  }
  return node;
}

function childSchema(node: SchemaNode, segment: PathSegment): SchemaNode | undefined {
  if (typeof segment === 'number') {
    if (Array.isArray(node.items)) return node.items[segment];
    if (node.items) return node.items;
    return node.anyOf?.map((alt) => childSchema(alt, segment)).find((s) => s !== undefined);
  }
  if (node.properties && Object.hasOwn(node.properties, segment)) return node.properties[segment];
  if (node.patternProperties) return Object.values(node.patternProperties)[0];
  return node.anyOf?.map((alt) => childSchema(alt, segment)).find((s) => s !== undefined);
}

/** The keys an object schema accepts, in schema order, with whether each is required. */
export function propertiesOf(node: SchemaNode): { key: string; schema: SchemaNode; required: boolean }[] {
  const required = new Set(node.required ?? []);
  return Object.entries(node.properties ?? {}).map(([key, schema]) => ({ key, schema, required: required.has(key) }));
}

/** The allowed literal values of an enum-like schema (a union of constants, or a boolean). */
export function enumValues(node: SchemaNode): string[] {
  if (node.anyOf && node.anyOf.every((alt) => alt.const !== undefined)) return node.anyOf.map((alt) => String(alt.const));
  if (node.type === 'boolean') return ['true', 'false'];
  return [];
}

/** A short human type: "integer ≥ 1", "one of a | b", "object", "list of integer". */
export function typeLabel(node: SchemaNode): string {
  const values = enumValues(node);
  if (values.length > 0 && node.type !== 'boolean') return `one of ${values.map((v) => `\`${v}\``).join(' | ')}`;
  if (node.anyOf) return node.anyOf.map(typeLabel).join(' or ');
  if (node.type === 'array') {
    if (Array.isArray(node.items)) return `[${node.items.map(typeLabel).join(', ')}]`;
    return node.items ? `list of ${typeLabel(node.items)}` : 'list';
  }
  const type = Array.isArray(node.type) ? node.type.join(' | ') : (node.type ?? 'any');
  return `${type}${rangeLabel(node)}`;
}

function rangeLabel(node: SchemaNode): string {
  const bounds: string[] = [];
  if (node.minimum !== undefined) bounds.push(`≥ ${node.minimum}`);
  if (node.exclusiveMinimum !== undefined) bounds.push(`> ${node.exclusiveMinimum}`);
  if (node.maximum !== undefined) bounds.push(`≤ ${node.maximum}`);
  if (node.exclusiveMaximum !== undefined) bounds.push(`< ${node.exclusiveMaximum}`);
  return bounds.length > 0 ? ` ${bounds.join(', ')}` : '';
}

/** Whether values of this schema are written as a nested block (an object or a list of objects). */
export function isBlock(node: SchemaNode): boolean {
  if (node.type === 'object') return true;
  return node.type === 'array' && !Array.isArray(node.items) && node.items?.type === 'object';
}

/**
 * The experiment field a sweep varies, when `path` is a parameter key of `sweep.grid` or
 * `sweep.random.parameters` (`training.negatives.source`), so hover can say what the swept field is.
 */
export function sweptFieldAt(path: readonly PathSegment[]): { name: string; schema: SchemaNode } | undefined {
  const inGrid = path.length === 3 && path[0] === 'sweep' && path[1] === 'grid';
  const inRandom = path.length === 4 && path[0] === 'sweep' && path[1] === 'random' && path[2] === 'parameters';
  if (!inGrid && !inRandom) return undefined;
  const name = String(path[path.length - 1]);
  const schema = schemaAt(name.split('.'));
  return schema ? { name, schema } : undefined;
}
