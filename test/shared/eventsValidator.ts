/** A validator of one events.jsonl object against the committed schemas/events.schema.json (ajv, draft-07). */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';

export const EVENTS_SCHEMA_FILE = path.resolve(__dirname, '..', '..', 'schemas', 'events.schema.json');

export function eventValidator(): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, strict: false });
  return ajv.compile(JSON.parse(readFileSync(EVENTS_SCHEMA_FILE, 'utf8')) as object);
}
