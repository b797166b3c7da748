import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { notInstalled, run, type StepResult } from './run.js';

/**
 * Initialises a git repository with one commit of the generated files.
 * Skipped when git is missing or the directory is already inside a work
 * tree (the user's own repository is never touched). When the commit fails
 * (no identity configured, a hook refuses) the new .git is removed again, as
 * create-next-app does, and the step reports it as skipped.
 */
export async function gitInit(dir: string, message: string): Promise<StepResult> {
  try {
    await run('git', ['--version'], dir);
  } catch (err) {
    if (notInstalled(err)) return { status: 'skipped', reason: 'git is not installed' };
    throw err;
  }
  const inside = await run('git', ['rev-parse', '--is-inside-work-tree'], dir).then(
    (out) => out.trim() === 'true',
    () => false,
  );
  if (inside) return { status: 'skipped', reason: 'already inside a git repository' };
  await run('git', ['init', '--quiet'], dir);
  try {
    await run('git', ['add', '-A'], dir);
    await run('git', ['commit', '--quiet', '--no-verify', '-m', message], dir);
    return { status: 'done' };
  } catch (err) {
    await rm(join(dir, '.git'), { recursive: true, force: true });
    const why = ((err as { stderr?: string }).stderr ?? (err as Error).message).split('\n').find((l) => l.trim() !== '') ?? 'unknown error';
    return { status: 'skipped', reason: `the first commit failed (${why.trim()}); the repository was removed` };
  }
}
