import { goStep, type StepResult } from './run.js';

/**
 * Runs `go build ./...` in the project, to find code that no longer compiles
 * after an upgrade. Skipped when Go is not installed; throws StepFailed, whose
 * output names each file that does not compile, when the build fails.
 */
export function goBuild(dir: string): Promise<StepResult> {
  return goStep('go build ./...', ['build', './...'], dir);
}

/** The project files a failed build names (`internal/x/y.go:12:5: ...`), in order, without duplicates. */
export function brokenFiles(output: string): string[] {
  const files = [...output.matchAll(/^(?:\.\/)?([^\s:]+\.go):\d+:\d+: /gm)].map((m) => m[1]!);
  return [...new Set(files)];
}
