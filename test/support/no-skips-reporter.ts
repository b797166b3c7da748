import type { Reporter, TestCase } from 'vitest/node';

/**
 * Fails the run when any test was skipped or left as todo: under CI a skipped
 * test is a failure, never a pass. Prints the skipped tests' names.
 */
export default class NoSkipsReporter implements Reporter {
  private readonly skipped: string[] = [];

  onTestCaseResult(test: TestCase): void {
    if (test.result().state === 'skipped') this.skipped.push(test.fullName);
  }

  onTestRunEnd(): void {
    if (this.skipped.length === 0) return;
    process.stderr.write(`\n${this.skipped.length} skipped test(s); a skipped test is a failure:\n${this.skipped.map((s) => `  - ${s}`).join('\n')}\n`);
    process.exitCode = 1;
  }
}
