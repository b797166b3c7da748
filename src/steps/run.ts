import { execa } from 'execa';

/** The outcome of a post-generation step. */
export type StepResult = { status: 'done' } | { status: 'skipped'; reason: string };

/** True when `err` is execa's error for a command that is not installed. */
export function notInstalled(err: unknown): boolean {
  return (err as { code?: string }).code === 'ENOENT';
}

/** Runs a command in `cwd` and returns its stdout; on failure the error carries stderr. */
export async function run(cmd: string, args: string[], cwd: string, env?: Record<string, string>): Promise<string> {
  const r = await execa(cmd, args, { cwd, env, stdin: 'ignore' });
  return r.stdout;
}
