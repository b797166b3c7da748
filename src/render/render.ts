import { createHash } from 'node:crypto';
import { GO_MODULES, GO_VERSION } from '../versions.js';
import { contributions, type Answers } from '../options/model.js';
import { resourceNames } from '../options/naming.js';
import { compile, createEngine } from './engine.js';
import type { TemplateSet } from './templates.js';

/** One file of the generated project, in memory. */
export interface RenderedFile {
  /** Path relative to the project root, `/`-separated. */
  path: string;
  content: string;
  /** Unix permission bits: 0o755 for scripts (content starting with `#!`), else 0o644. */
  mode: number;
}

/** Which generator produced a render; recorded in the state file. */
export interface Generator {
  name: string;
  version: string;
}

/** Where the generated project records how it was made (the upgrade command reads it). */
export const STATE_PATH = '.create-service/state.json';

/** Version of the state file's layout. */
export const STATE_SCHEMA_VERSION = 1;

/** The template context: what `{{...}}` expressions can name (see templates/README.md). */
export function templateContext(answers: Answers, generator: Generator): Record<string, unknown> {
  const { go } = contributions(answers);
  return {
    ...answers,
    resource: resourceNames(answers.resource),
    goVersion: GO_VERSION,
    goRequires: go.map((path) => ({ path, version: GO_MODULES[path] })),
    generator,
  };
}

/**
 * Renders a complete project from answers: a pure function of its inputs (no
 * disk, clock or network), so the same answers always give the same bytes.
 * `templates` must hold every folder `contributions(answers)` names.
 * Throws when two folders produce the same path or a template fails.
 * Returns the files sorted by path, the state file included.
 */
export function renderProject(templates: TemplateSet, answers: Answers, generator: Generator): RenderedFile[] {
  const hb = createEngine();
  const context = templateContext(answers, generator);
  const names = resourceNames(answers.resource);
  const byPath = new Map<string, { file: RenderedFile; folder: string }>();
  for (const folder of contributions(answers).templates) {
    const files = templates.get(folder);
    if (!files) throw new Error(`template folder ${folder} was not loaded`);
    for (const t of files) {
      const path = t.path
        .replaceAll('__name__', answers.name)
        .replaceAll('__resources__', names.snakes)
        .replaceAll('__resource__', names.snake);
      const content = compile(hb, t.source, `${folder}/${t.path}.hbs`)(context);
      // A template that renders to nothing but white space is a file this
      // combination of answers does not need.
      if (content.trim() === '') continue;
      const previous = byPath.get(path);
      if (previous) throw new Error(`templates ${previous.folder} and ${folder} both produce ${path}`);
      byPath.set(path, { folder, file: { path, content, mode: content.startsWith('#!') ? 0o755 : 0o644 } });
    }
  }
  const files = [...byPath.values()].map((v) => v.file);
  files.push(stateFile(answers, generator, files));
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Git's blob id of content (SHA-1 of "blob <size>\0<bytes>"), as `git hash-object` prints it. */
export function blobId(content: string | Buffer): string {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

function stateFile(answers: Answers, generator: Generator, files: RenderedFile[]): RenderedFile {
  const state = {
    schemaVersion: STATE_SCHEMA_VERSION,
    generator,
    answers,
    files: Object.fromEntries(
      [...files].sort((a, b) => (a.path < b.path ? -1 : 1)).map((f) => [f.path, { hash: blobId(f.content), mode: f.mode.toString(8) }]),
    ),
  };
  return { path: STATE_PATH, content: `${JSON.stringify(state, null, 2)}\n`, mode: 0o644 };
}
