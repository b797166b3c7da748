#!/usr/bin/env node
// Development aid while `resources` is being wired into the option model:
// renders a fixture's answers merged with a resources spec straight through
// renderProject, bypassing option resolution, and writes the files to DIR.
//   node scripts/render-spec.mjs DIR fixtures/standard/answers.json test/support/specs/shop.json
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { contributions } from '../dist/options/model.js';
import { checkAnswersFile, resolveAnswers } from '../dist/options/resolve.js';
import { TEMPLATES_DIR } from '../dist/paths.js';
import { renderProject } from '../dist/render/render.js';
import { loadTemplates } from '../dist/render/templates.js';

const [dir, answersPath, specPath] = process.argv.slice(2);
if (!dir || !answersPath) {
  console.error('usage: render-spec.mjs DIR ANSWERS.json [SPEC.json]');
  process.exit(2);
}
const file = checkAnswersFile(JSON.parse(await readFile(answersPath, 'utf8')), answersPath);
const { answers } = await resolveAnswers({ flags: {}, answersFile: file, yes: true, interactive: false });
if (specPath) answers.resources = JSON.parse(await readFile(specPath, 'utf8')).resources;
const templates = await loadTemplates(TEMPLATES_DIR, contributions(answers).templates);
const files = renderProject(templates, answers, { name: 'create-service', version: '0.0.0-dev' });
for (const f of files) {
  const abs = join(dir, f.path);
  await mkdir(dirname(abs), { recursive: true });
  await writeFile(abs, f.content, { mode: f.mode });
}
console.log(`${files.length} files in ${dir}`);
