import { contributions, type Answers } from '../options/model.js';
import type { MigrationLedger } from '../render/migrations.js';
import { renderProject, STATE_PATH, type Generator, type ProjectState, type RenderedFile } from '../render/render.js';
import { loadTemplates, type TemplateSet } from '../render/templates.js';

/** Loads the template folders a render needs. Tests pass one that reads a release's templates from a temp dir. */
export type TemplateLoader = (folders: readonly string[]) => Promise<TemplateSet>;

/** A release's templates: a templates/ directory, or a loader. */
export type TemplateSource = string | TemplateLoader;

/** The loader for a template source. */
export function templateLoader(source: TemplateSource): TemplateLoader {
  return typeof source === 'string' ? (folders) => loadTemplates(source, folders) : source;
}

/** Renders a project with a release's templates and the project's migration ledger (pure apart from reading the templates). */
export async function renderRelease(source: TemplateSource, answers: Answers, generator: Generator, ledger: MigrationLedger = []): Promise<RenderedFile[]> {
  const templates = await templateLoader(source)(contributions(answers).templates);
  return renderProject(templates, answers, generator, ledger);
}

/** The state a render records: its state file, parsed (the render always includes it). */
export function renderedState(files: readonly RenderedFile[]): ProjectState {
  const file = files.find((f) => f.path === STATE_PATH);
  if (!file) throw new Error(`the render has no ${STATE_PATH}`);
  return JSON.parse(file.content) as ProjectState;
}
