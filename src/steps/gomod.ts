import { notInstalled, run, stepFailed, type StepResult } from './run.js';

/**
 * Runs `go mod tidy` in the generated project: it resolves the pinned
 * requirements' transitive dependencies and writes go.sum. Skipped (not
 * failed) when Go is not installed. Throws StepFailed, with the end of its output, when tidy itself fails.
 */
export async function goModTidy(dir: string): Promise<StepResult> {
  try {
    await run('go', ['mod', 'tidy'], dir);
    return { status: 'done' };
  } catch (err) {
    if (notInstalled(err)) return { status: 'skipped', reason: 'Go is not installed; run `go mod tidy` once it is' };
    throw stepFailed('go mod tidy', err);
  }
}
