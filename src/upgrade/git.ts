import { execa } from 'execa';
import { relative, resolve, sep } from 'node:path';

/**
 * The few git commands upgrade, check and diff need. Every call runs with
 * `cwd` = the project directory, so a project inside a larger repository
 * (a monorepo) works the same as one at a repository's root.
 */

/** Runs git and returns stdout verbatim (no trailing newline stripped); throws with git's stderr on failure. */
export async function git(cwd: string, args: string[], input?: string | Buffer): Promise<string> {
  const r = await execa('git', args, { cwd, input, stripFinalNewline: false, stdin: input === undefined ? 'ignore' : undefined, reject: false });
  if (r.exitCode !== 0 || r.failed) {
    const why = (r.stderr || r.message || '').trim().split('\n')[0];
    throw new Error(`git ${args[0]} failed: ${why}`);
  }
  return r.stdout;
}

/** Where the project sits in its git repository, or undefined when it is not in one (or git is missing). */
export interface Repo {
  /** The repository's work tree root. */
  top: string;
  /** The project's path below `top`, `/`-separated; '' at the root. */
  prefix: string;
  /** The git directory (for private files such as upgrade backups). */
  gitDir: string;
}

/** Finds the repository holding `dir`. */
export async function findRepo(dir: string): Promise<Repo | undefined> {
  let out: string;
  try {
    out = await git(dir, ['rev-parse', '--show-toplevel', '--absolute-git-dir']);
  } catch {
    return undefined;
  }
  const [top, gitDir] = out.split('\n');
  if (!top || !gitDir) return undefined;
  const prefix = relative(top, resolve(dir)).split(sep).join('/');
  return { top, prefix, gitDir };
}

/**
 * The paths below the project that are modified, staged, or untracked (but
 * not ignored); empty for a clean tree.
 */
export async function dirtyPaths(dir: string): Promise<string[]> {
  const out = await git(dir, ['status', '--porcelain=v1', '-z', '--untracked-files=all', '--', '.']);
  const paths: string[] = [];
  const fields = out.split('\0');
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (f.length < 4) continue;
    paths.push(f.slice(3));
    // A rename or copy is followed by its source path.
    if (f[0] === 'R' || f[0] === 'C') i++;
  }
  return paths;
}
