import { blobId, STATE_PATH, type Generator, type ProjectState } from '../render/render.js';
import { readBlobs } from './base.js';
import type { Repo } from './git.js';
import type { BaseFile } from './plan.js';
import { renderRelease, type TemplateSource } from './release.js';

/**
 * Recovers BASE, the pristine render the state file records, without the
 * network. Every file is looked up by its recorded blob id, so whatever is
 * found is verified by construction:
 * 1. in the git object database (the base ref keeps these blobs; the first
 *    commit of a generated project usually has most of them too);
 * 2. when the project was made by this very version, by rendering the
 *    recorded answers again, keeping only files whose hash matches.
 * A file found neither way has no content: the planner then never
 * overwrites it (any difference becomes a conflict).
 */
export async function loadBase(
  dir: string,
  repo: Repo | undefined,
  state: ProjectState,
  templates: TemplateSource,
  generator: Generator,
): Promise<Map<string, BaseFile>> {
  const entries = Object.entries(state.files).filter(([p]) => p !== STATE_PATH);
  const blobs = repo ? await readBlobs(dir, entries.map(([, e]) => e.hash)) : new Map<string, Buffer>();
  const base = new Map<string, BaseFile>();
  for (const [path, entry] of entries) {
    const bytes = blobs.get(entry.hash);
    base.set(path, bytes ? { entry, content: bytes.toString('utf8') } : { entry });
  }
  const missing = [...base.values()].filter((b) => b.content === undefined);
  if (missing.length > 0 && state.generator.name === generator.name && state.generator.version === generator.version) {
    let rendered: { content: string }[];
    try {
      rendered = await renderRelease(templates, state.answers, generator, state.migrations);
    } catch {
      rendered = [];
    }
    const byHash = new Map(rendered.map((f) => [blobId(f.content), f.content]));
    for (const b of missing) {
      const content = byHash.get(b.entry.hash);
      if (content !== undefined) b.content = content;
    }
  }
  return base;
}

/** Paths whose pristine content could not be recovered. */
export function missingBase(base: ReadonlyMap<string, BaseFile>): string[] {
  return [...base].filter(([, b]) => b.content === undefined).map(([p]) => p);
}
