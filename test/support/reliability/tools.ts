import { execa } from 'execa';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Go tools the reliability suite runs, from the Go module proxy at pinned
 * versions, installed once into a cache folder outside the repository.
 * (gosec v2.30.0 and fortio >= v1.69 need modules the proxy this project uses
 * does not serve; these are the newest versions that install.)
 */
export const GO_TOOLS = {
  staticcheck: { pkg: 'honnef.co/go/tools/cmd/staticcheck', version: 'v0.8.2' },
  gosec: { pkg: 'github.com/securego/gosec/v2/cmd/gosec', version: 'v2.29.0' },
} as const;

export const TOOLS_CACHE = process.env.CS_TOOLS_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'create-service', 'tools');

/** Path of an installed tool, installing it first when missing. */
export async function goTool(name: keyof typeof GO_TOOLS): Promise<string> {
  const { pkg, version } = GO_TOOLS[name];
  const dir = join(TOOLS_CACHE, `${name}@${version}`);
  const bin = join(dir, name);
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    await execa('go', ['install', `${pkg}@${version}`], { env: { GOBIN: dir, GOFLAGS: '-buildvcs=false' }, all: true }).catch((err: { all?: string }) => {
      throw new Error(`go install ${pkg}@${version} failed:\n${err.all ?? String(err)}`);
    });
  }
  return bin;
}
