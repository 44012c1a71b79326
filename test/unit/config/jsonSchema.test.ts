import { readFileSync } from 'node:fs';
import * as path from 'node:path';

import { describe, expect, it } from 'vitest';

import { generateJsonSchemaText } from '../../../src/core/config/jsonSchema';

describe('schemas/two-tower.schema.json', () => {
  it('equals a fresh generation from the TypeBox schema (run `npm run generate:schema` after editing schema.ts)', () => {
    const committed = readFileSync(path.resolve(__dirname, '../../../schemas/two-tower.schema.json'), 'utf8');
    expect(committed).toBe(generateJsonSchemaText());
  });

  it('is plain JSON Schema: sections with defaults are not required, field docs are kept', () => {
    const schema = JSON.parse(generateJsonSchemaText()) as { required: string[]; properties: Record<string, { description?: string }> };
    expect(schema.required).toEqual(['data', 'user_tower', 'item_tower']);
    expect(schema.properties.training!.description).toMatch(/mode, loss/);
  });
});
