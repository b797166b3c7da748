import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

/** One template file: its folder under templates/, its path below that folder (without .hbs) and its source. */
export interface TemplateFile {
  folder: string;
  path: string;
  source: string;
}

/** Every template, keyed by folder (`base`, `router/chi`, ...). Loaded once; rendering never touches the disk. */
export type TemplateSet = ReadonlyMap<string, readonly TemplateFile[]>;

/**
 * Reads the template folders named in `folders` from `root` (the templates/
 * directory) into memory. Only files ending in `.hbs` are templates; a folder
 * that does not exist holds no templates (an option value may bring nothing).
 */
export async function loadTemplates(root: string, folders: readonly string[]): Promise<TemplateSet> {
  const set = new Map<string, TemplateFile[]>();
  for (const folder of folders) {
    const dir = join(root, ...folder.split('/'));
    const files: TemplateFile[] = [];
    for (const abs of await walk(dir)) {
      if (!abs.endsWith('.hbs')) continue;
      const path = relative(dir, abs).split(sep).join('/').slice(0, -'.hbs'.length);
      files.push({ folder, path, source: await readFile(abs, 'utf8') });
    }
    files.sort((a, b) => a.path.localeCompare(b.path));
    set.set(folder, files);
  }
  return set;
}

async function walk(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: string[] = [];
  for (const e of entries) {
    const abs = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(abs)));
    else if (e.isFile()) out.push(abs);
  }
  return out;
}
