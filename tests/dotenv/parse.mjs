// Prints {"<relative path>": <dotenv.parse() result>} for every .env file
// under corpus/ and differences/, as one JSON document on stdout. The Rust
// test compares it with agent secrets' own parser. Fake values only.
import { readFileSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import dotenv from 'dotenv';

const here = dirname(fileURLToPath(import.meta.url));
const out = {};
for (const dir of ['corpus', 'differences']) {
  for (const name of readdirSync(join(here, dir)).sort()) {
    if (!name.endsWith('.env')) continue;
    out[`${dir}/${name}`] = dotenv.parse(readFileSync(join(here, dir, name)));
  }
}
process.stdout.write(JSON.stringify(out));
