import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { BUF_VERSION } from '../versions.js';
import { goStep, type StepResult } from './run.js';

/** The buf module the command runs, at its pin; `make generate` runs the same. */
export const BUF_MODULE = `github.com/bufbuild/buf/cmd/buf@${BUF_VERSION}`;

/**
 * Generates the Go code of the project's Protocol Buffers files (the gRPC
 * transport) with `go run <buf>@<pin> generate`, which runs protoc-gen-go
 * and protoc-gen-go-grpc by `go run` too (buf.gen.yaml): the same command as
 * `make generate`, needing nothing but Go and the module proxy. Rendering is
 * pure and cannot run it, so it is a step, run before `go mod tidy` (the
 * generated code imports grpc and protobuf). Done at once, as not needed,
 * for a project without buf.gen.yaml. Skipped when Go is not installed;
 * throws StepFailed when buf fails.
 */
export async function generateProto(dir: string): Promise<StepResult> {
  if (!(await exists(join(dir, 'buf.gen.yaml')))) return { status: 'done' };
  return goStep('buf generate', ['run', BUF_MODULE, 'generate'], dir, 'make generate');
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
