import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { eolOf, isBinary, toLf, type Eol } from './text.js';

/** The user's version of one path (O of the three-way merge). */
export type OurFile =
  | { kind: 'absent' }
  /** A directory, symlink or other non-regular file where a generated file was expected. */
  | { kind: 'other' }
  | {
      kind: 'file';
      bytes: Buffer;
      /** Permission bits as on disk. */
      perm: number;
      binary: boolean;
      /** The text with LF line endings (text files only). */
      text?: string;
      eol: Eol;
    };

/** Reads the user's version of one project path. */
export async function readOurs(dir: string, path: string): Promise<OurFile> {
  const abs = join(dir, ...path.split('/'));
  let s;
  try {
    s = await lstat(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'absent' };
    throw err;
  }
  if (!s.isFile()) return { kind: 'other' };
  const bytes = await readFile(abs);
  const perm = s.mode & 0o777;
  if (isBinary(bytes)) return { kind: 'file', bytes, perm, binary: true, eol: 'lf' };
  const raw = bytes.toString('utf8');
  const eol = eolOf(raw);
  return { kind: 'file', bytes, perm, binary: false, text: eol === 'crlf' ? toLf(raw) : raw, eol };
}

/** Reads the user's version of many paths. */
export async function readAllOurs(dir: string, paths: Iterable<string>): Promise<Map<string, OurFile>> {
  const list = [...paths];
  const files = await Promise.all(list.map((p) => readOurs(dir, p)));
  return new Map(list.map((p, i) => [p, files[i]!]));
}

/** The line endings most of the user's text files use (for files an upgrade adds). */
export function treeEol(ours: Iterable<OurFile>): Eol {
  let crlf = 0;
  let lf = 0;
  for (const o of ours) {
    if (o.kind !== 'file' || o.binary) continue;
    if (o.eol === 'crlf') crlf++;
    else lf++;
  }
  return crlf > lf ? 'crlf' : 'lf';
}
