// Rewrites the option table in README.md from the option model (run `npm run readme`).
import { readFileSync, writeFileSync } from 'node:fs';
import { withOptionsTable } from '../dist/docs/readme.js';

const path = new URL('../README.md', import.meta.url);
writeFileSync(path, withOptionsTable(readFileSync(path, 'utf8')));
