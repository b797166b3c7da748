import { Chalk, chalkStderr, type ChalkInstance } from 'chalk';
import yoctoSpinner from 'yocto-spinner';

/**
 * Every line the CLI shows a person goes through here, so tone and colour
 * are consistent and tests can assert on the words. Messages go to stderr;
 * stdout is kept for machine-readable output (`options --json`, --dry-run).
 */
export interface Ui {
  /** A headline at the start of a run. */
  title(text: string): void;
  /** A plain progress line. */
  info(text: string): void;
  /** A step that finished. */
  done(text: string): void;
  /** Something skipped or degraded; the run goes on. */
  warn(text: string): void;
  /** The one line of a failed run. */
  error(text: string): void;
  /** Runs a slow step, showing that it started and how long it took. */
  step<T>(label: string, work: () => Promise<T>): Promise<T>;
  /** The colour functions in use (level 0 when colour is off). */
  readonly color: ChalkInstance;
}

/** Options that decide how output looks. */
export interface UiOptions {
  /** Where lines go (normally process.stderr). */
  stream: NodeJS.WritableStream & { isTTY?: boolean };
  /** False when NO_COLOR is set or --no-color was given. chalk alone does not honour NO_COLOR. */
  color: boolean;
  /** True in CI (CI set): progress is plain lines there, as without colour. */
  ci?: boolean;
}


/** Decides whether to colour output: not when NO_COLOR is set to anything non-empty (no-color.org) or --no-color was given. */
export function colorWanted(argv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  if (argv.includes('--no-color')) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return true;
}

/**
 * Creates the UI. On a terminal with colour and outside CI a slow step
 * shows a spinner (yocto-spinner) that ends as "✔ label (1.2s)"; elsewhere
 * it is two plain lines, "label..." and "✔ label (1.2s)".
 */
export function createUi(opts: UiOptions): Ui {
  const c = new Chalk({ level: opts.color && opts.stream.isTTY ? chalkStderr.level || 1 : 0 });
  const line = (s: string) => opts.stream.write(`${s}\n`);
  const spin = Boolean(opts.stream.isTTY) && opts.color && !opts.ci;
  return {
    color: c,
    title: (t) => line(c.bold(t)),
    info: (t) => line(t),
    done: (t) => line(`${c.green('✔')} ${t}`),
    warn: (t) => line(`${c.yellow('!')} ${t}`),
    error: (t) => line(`${c.red('✖')} ${t}`),
    async step(label, work) {
      const started = Date.now();
      const spinner = spin ? yoctoSpinner({ text: label, stream: opts.stream as NodeJS.WriteStream }).start() : undefined;
      if (!spinner) line(`${label}...`);
      const end = (text: string) => (spinner ? spinner.stop(text) : line(text));
      try {
        const result = await work();
        end(`${c.green('✔')} ${label} ${c.dim(`(${((Date.now() - started) / 1000).toFixed(1)}s)`)}`);
        return result;
      } catch (err) {
        end(`${c.red('✖')} ${label} failed`);
        throw err;
      }
    },
  };
}
