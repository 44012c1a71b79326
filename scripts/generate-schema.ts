/**
 * Writes schemas/two-tower.schema.json from the TypeBox schema: `npm run generate:schema`.
 * The file is written to a temporary name and renamed, so a reader never sees half of it.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import { generateJsonSchemaText } from '../src/core/config/jsonSchema';

export const SCHEMA_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'schemas', 'two-tower.schema.json');

async function main(): Promise<void> {
  const text = generateJsonSchemaText();
  await fs.mkdir(path.dirname(SCHEMA_FILE), { recursive: true });
  const tmp = `${SCHEMA_FILE}.${process.pid}.tmp`;
  await fs.writeFile(tmp, text, 'utf8');
  await fs.rename(tmp, SCHEMA_FILE);
  process.stdout.write(`wrote ${path.relative(process.cwd(), SCHEMA_FILE)} (${text.length} bytes)\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`generate-schema failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
