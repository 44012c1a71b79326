/**
 * The JSON Schema of `*.tower.yaml`, generated from the TypeBox schema (the one source of truth).
 * TypeBox marks its schemas with symbol keys, which JSON.stringify leaves out, so the output is plain JSON Schema.
 */
import { ExperimentSchema } from './schema';

export const JSON_SCHEMA_DRAFT = 'http://json-schema.org/draft-07/schema#';

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * Our checker fills defaults before validating, so a key with a default may be left out of the file.
 * Editors that read the JSON Schema (the Red Hat YAML extension) must agree: such keys are not `required`.
 */
function relaxDefaultedRequired(node: JsonValue): JsonValue {
  if (Array.isArray(node)) return node.map(relaxDefaultedRequired);
  if (node === null || typeof node !== 'object') return node;
  const out: { [key: string]: JsonValue } = {};
  for (const [k, v] of Object.entries(node)) out[k] = relaxDefaultedRequired(v);
  const props = out.properties;
  if (Array.isArray(out.required) && props && typeof props === 'object' && !Array.isArray(props)) {
    const required = out.required.filter((name) => {
      const p = typeof name === 'string' ? props[name] : undefined;
      return !(p && typeof p === 'object' && !Array.isArray(p) && 'default' in p);
    });
    if (required.length > 0) out.required = required;
    else delete out.required;
  }
  return out;
}

/** The text of schemas/two-tower.schema.json (2-space indent, trailing newline). */
export function generateJsonSchemaText(): string {
  const plain = JSON.parse(JSON.stringify(ExperimentSchema)) as { [key: string]: JsonValue };
  return JSON.stringify(relaxDefaultedRequired({ $schema: JSON_SCHEMA_DRAFT, ...plain }), null, 2) + '\n';
}
