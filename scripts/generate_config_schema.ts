/** Regenerate config/database.schema.json from the zod schema: `npm run schema:generate`. */
import { writeFileSync } from 'node:fs';
import { databaseJsonSchema } from '../src/config/json-schema.js';

writeFileSync(new URL('../../config/database.schema.json', import.meta.url), databaseJsonSchema());
process.stdout.write('wrote config/database.schema.json\n');
