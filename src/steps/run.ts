import { execa } from 'execa';

/** The outcome of a post-generation step. */
export type StepResult = { status: 'done' } | { status: 'skipped'; reason: string };

/** True when `err` is execa's error for a command that is not installed. */
export function notInstalled(err: unknown): boolean {
  return (err as { code?: string }).code === 'ENOENT';
}

/** A step's tool failed; `output` is all it printed (stdout and stderr interleaved), `tail` its last lines. */
export class StepFailed extends Error {
  override name = 'StepFailed';
  constructor(
    message: string,
    readonly output: string,
    readonly tail: string[],
    options?: { cause: unknown },
  ) {
    super(message, options);
  }
}

/** How many lines of a failed tool's output the user sees: the error is at the end, not in the `go: downloading` lines. */
const TAIL = 5;

/** Wraps a failed command's error as StepFailed with the end of its output. */
export function stepFailed(label: string, err: unknown): StepFailed {
  const out = ((err as { all?: string }).all ?? (err as { stderr?: string }).stderr ?? (err as Error).message) || (err as Error).message;
  const lines = out.split('\n').filter((l) => l.trim() !== '');
  return new StepFailed(`${label} failed: ${lines.at(-1) ?? ''}`, out, lines.slice(-TAIL), { cause: err });
}

/** Runs a command in `cwd` and returns its stdout; on failure execa's error carries the output (`all`). */
export async function run(cmd: string, args: string[], cwd: string, env?: Record<string, string>): Promise<string> {
  const r = await execa(cmd, args, { cwd, env, stdin: 'ignore', all: true });
  return r.stdout;
}

/**
 * Runs `go <args>` in `dir` as a step: skipped when Go is not installed (the
 * reason says to run `rerun` once it is), StepFailed when the command fails.
 */
export async function goStep(label: string, args: string[], dir: string, rerun: string = label): Promise<StepResult> {
  try {
    await run('go', args, dir);
    return { status: 'done' };
  } catch (err) {
    if (notInstalled(err)) return { status: 'skipped', reason: `Go is not installed; run \`${rerun}\` once it is` };
    throw stepFailed(label, err);
  }
}
