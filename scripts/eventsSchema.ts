/**
 * The JSON Schema of the trainer events, generated from the TypeScript types in src/shared/events.ts
 * (ts-json-schema-generator): one definition of the events, checked against whatever else writes them
 * (the torch workers in Python). A build-time tool, never bundled.
 */
import * as path from 'node:path';
import { createGenerator } from 'ts-json-schema-generator';

export function eventsJsonSchemaText(root: string): string {
  const schema = createGenerator({
    path: path.join(root, 'src', 'shared', 'events.ts'),
    tsconfig: path.join(root, 'tsconfig.json'),
    type: 'TrainerEvent',
    expose: 'export',
    topRef: true,
    jsDoc: 'extended',
    additionalProperties: false,
    skipTypeCheck: true,
  }).createSchema('TrainerEvent');
  schema.$id = 'https://two-tower-lab.dev/schemas/events.schema.json';
  schema.title = 'Two-Tower Lab trainer event (one line of events.jsonl)';
  return `${JSON.stringify(schema, null, 2)}\n`;
}
