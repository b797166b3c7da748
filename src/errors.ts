/**
 * A mistake in what the user asked for (a bad flag, a non-empty directory,
 * an unreadable answers file). The CLI prints its message as one line and
 * exits with code 2; nothing has been written when it is thrown.
 */
export class UsageError extends Error {
  override name = 'UsageError';
  readonly exitCode = 2;
}

/** The user interrupted (Ctrl-C at a prompt or during a run). Exit code 130 = 128 + SIGINT. */
export class CancelledError extends Error {
  override name = 'CancelledError';
  readonly exitCode = 130;
  constructor() {
    super('cancelled; nothing was written');
  }
}
