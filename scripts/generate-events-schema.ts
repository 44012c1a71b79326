/**
 * Writes schemas/events.schema.json from the event types of src/shared/events.ts
 * (`npm run generate:schema`): the contract the torch workers' Python writer is tested against.
 * The file is written to a temporary name and renamed, so a reader never sees half of it.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import { eventsJsonSchemaText } from './eventsSchema';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const EVENTS_SCHEMA_FILE = path.join(ROOT, 'schemas', 'events.schema.json');

async function main(): Promise<void> {
  const text = eventsJsonSchemaText(ROOT);
  const tmp = `${EVENTS_SCHEMA_FILE}.${process.pid}.tmp`;
  await fs.writeFile(tmp, text, 'utf8');
  await fs.rename(tmp, EVENTS_SCHEMA_FILE);
  process.stdout.write(`wrote ${path.relative(process.cwd(), EVENTS_SCHEMA_FILE)} (${text.length} bytes)\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`generate-events-schema failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
