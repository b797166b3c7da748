/**
 * Thrown by a command that has already said everything and only needs the
 * process to end with `exitCode` (1 for `check` with reasons, `upgrade` that
 * stopped with conflicts). The CLI prints nothing more.
 */
export class ExitCode extends Error {
  override name = 'ExitCode';
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}
