import { createHash } from 'node:crypto';
import { execa } from 'execa';
import { STATE_PATH, type RenderedFile } from '../render/render.js';
import { findRepo, git, type Repo } from './git.js';

/**
 * The pristine render a project was last generated or upgraded from (BASE of
 * the three-way merge) is kept in the project's own git repository: its blobs
 * in a commit under `refs/create-service/base`, which keeps them alive and
 * lets `git push origin 'refs/create-service/*'` share them. Nothing reads the
 * ref's tree blindly: base files are looked up by the blob ids recorded in the
 * state file, so whatever git returns is verified by construction.
 */

/** The committer of base commits: fixed, so the same render always makes the same commit. */
const COMMITTER = 'create-service <create-service@localhost> 0 +0000';

/** The refs of one project: `base` (last completed render) and `pending` (an upgrade's render until it completes). */
export interface BaseRefs {
  base: string;
  pending: string;
}

/**
 * Ref names for the project at `repo.prefix`: `refs/create-service/base` at
 * the repository root, `refs/create-service/sub/<hash of the path>/base` for
 * a project in a subdirectory (several services may share one repository).
 */
export function baseRefs(repo: Pick<Repo, 'prefix'>): BaseRefs {
  if (repo.prefix === '') return { base: 'refs/create-service/base', pending: 'refs/create-service/pending' };
  const key = createHash('sha1').update(repo.prefix).digest('hex').slice(0, 16);
  return { base: `refs/create-service/sub/${key}/base`, pending: `refs/create-service/sub/${key}/pending` };
}

/**
 * Writes `files` (the pristine render; the state file is left out) as one
 * commit with `git fast-import` and points `ref` at it; the previous base
 * commit, if any, becomes its parent. Returns the commit id.
 */
export async function storeRender(dir: string, repo: Repo, ref: string, files: readonly RenderedFile[], message: string): Promise<string> {
  const parent = await resolveRef(dir, baseRefs(repo).base);
  const chunks: Buffer[] = [];
  const text = (s: string) => chunks.push(Buffer.from(s, 'utf8'));
  const kept = files.filter((f) => f.path !== STATE_PATH);
  kept.forEach((f, i) => {
    const bytes = Buffer.from(f.content, 'utf8');
    text(`blob\nmark :${i + 1}\ndata ${bytes.length}\n`);
    chunks.push(bytes);
    text('\n');
  });
  const msg = Buffer.from(`${message}\n`, 'utf8');
  const mark = kept.length + 1;
  text(`commit ${ref}\nmark :${mark}\ncommitter ${COMMITTER}\ndata ${msg.length}\n`);
  chunks.push(msg);
  if (parent) text(`from ${parent}\n`);
  text('deleteall\n');
  kept.forEach((f, i) => text(`M ${f.mode & 0o111 ? '100755' : '100644'} :${i + 1} ${quotePath(f.path)}\n`));
  // get-mark prints the new commit's id.
  text(`\nget-mark :${mark}\ndone\n`);
  const id = (await git(dir, ['fast-import', '--quiet', '--force', '--done'], Buffer.concat(chunks))).trim();
  if (!/^[0-9a-f]{40,64}$/.test(id)) throw new Error(`git fast-import did not create ${ref}`);
  return id;
}

/**
 * Records the pristine render of a newly generated project under its base
 * ref. Returns false (and does nothing) when the project is not inside a git
 * repository.
 */
export async function recordBase(dir: string, files: readonly RenderedFile[], message: string): Promise<boolean> {
  const repo = await findRepo(dir);
  if (!repo) return false;
  await storeRender(dir, repo, baseRefs(repo).base, files, message);
  return true;
}

/** The commit a ref points at, or undefined. */
export async function resolveRef(dir: string, ref: string): Promise<string | undefined> {
  try {
    return (await git(dir, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Changes refs in one transaction: `set` points refs at commits, `remove`
 * deletes refs (missing ones are fine).
 */
export async function updateRefs(dir: string, change: { set?: Record<string, string>; remove?: string[] }): Promise<void> {
  const lines = [...Object.entries(change.set ?? {}).map(([ref, id]) => `update ${ref} ${id}`), ...(change.remove ?? []).map((ref) => `delete ${ref}`)];
  if (lines.length > 0) await git(dir, ['update-ref', '--stdin'], `${lines.join('\n')}\n`);
}

/**
 * Reads blobs by id from the repository's object database (`git cat-file
 * --batch`). Ids git does not have are absent from the result.
 */
export async function readBlobs(dir: string, ids: readonly string[]): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const unique = [...new Set(ids)];
  if (unique.length === 0) return out;
  const r = await execa('git', ['cat-file', '--batch'], { cwd: dir, input: `${unique.join('\n')}\n`, encoding: 'buffer', reject: false });
  if (r.exitCode !== 0) return out;
  const buf = Buffer.from(r.stdout);
  let at = 0;
  while (at < buf.length) {
    const eol = buf.indexOf(0x0a, at);
    if (eol < 0) break;
    const header = buf.subarray(at, eol).toString('utf8').split(' ');
    at = eol + 1;
    if (header[1] === 'missing' || header.length < 3) continue;
    const size = Number(header[2]);
    if (header[1] === 'blob') out.set(header[0]!, Buffer.from(buf.subarray(at, at + size)));
    at += size + 1;
  }
  return out;
}

/** fast-import quotes a path that starts with a quote or holds a newline or backslash. */
function quotePath(p: string): string {
  if (!/^"|[\n\\]/.test(p)) return p;
  return `"${p.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')}"`;
}
