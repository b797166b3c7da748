import { goStep, type StepResult } from './run.js';

/**
 * Runs `go mod tidy` in the generated project: it resolves the pinned
 * requirements' transitive dependencies and writes go.sum. Skipped (not
 * failed) when Go is not installed. Throws StepFailed, with the end of its output, when tidy itself fails.
 */
export function goModTidy(dir: string): Promise<StepResult> {
  return goStep('go mod tidy', ['mod', 'tidy'], dir);
}
