import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { contributions, type Answers } from '../../src/options/model.js';
import { checkAnswersFile, resolveAnswers } from '../../src/options/resolve.js';
import { renderProject, type RenderedFile } from '../../src/render/render.js';
import { loadTemplates } from '../../src/render/templates.js';

/** Repository root. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The fixtures/ folder: one folder per variant with answers.json and golden/. */
export const FIXTURES = join(ROOT, 'fixtures');
/** The templates/ folder. */
export const TEMPLATES = join(ROOT, 'templates');

/**
 * The generator recorded in golden files. Fixed, so that a version bump does
 * not rewrite every golden state file.
 */
export const TEST_GENERATOR = { name: 'create-service', version: '0.0.0-test' };

/** Names of every fixture variant, sorted. */
export function variants(): string[] {
  return readdirSync(FIXTURES, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

/** Path of a variant's answers file. */
export function answersPath(variant: string): string {
  return join(FIXTURES, variant, 'answers.json');
}

/** A variant's answers, resolved exactly as the CLI would (non-interactive, --yes). */
export async function variantAnswers(variant: string): Promise<Answers> {
  const file = checkAnswersFile(JSON.parse(readFileSync(answersPath(variant), 'utf8')), answersPath(variant));
  const { answers } = await resolveAnswers({ flags: {}, answersFile: file, yes: true, interactive: false });
  return answers;
}

/** Renders a variant in memory with the test generator. */
export async function renderVariant(variant: string): Promise<RenderedFile[]> {
  const answers = await variantAnswers(variant);
  const templates = await loadTemplates(TEMPLATES, contributions(answers).templates);
  return renderProject(templates, answers, TEST_GENERATOR);
}
