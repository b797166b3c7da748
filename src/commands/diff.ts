import type { Generator } from '../render/render.js';
import type { Ui } from '../ui/messages.js';
import { diffProject } from '../upgrade/diff.js';
import type { TemplateSource } from '../upgrade/release.js';

/**
 * `create-service diff [path]`: unified diffs on stdout of your changes to
 * generated files against their pristine render. Exit 0 whether or not
 * there are changes (as `git diff`).
 */
export async function diffCommand(cmd: {
  cwd: string;
  path?: string;
  ui: Ui;
  stdout: NodeJS.WritableStream;
  templates: TemplateSource;
  generator: Generator;
}): Promise<void> {
  const d = await diffProject(cmd);
  for (const p of d.patches) cmd.stdout.write(p);
  if (d.missingBase.length > 0) {
    cmd.ui.warn(
      `no pristine version of ${d.missingBase.length} file${d.missingBase.length === 1 ? '' : 's'} (${d.missingBase.slice(0, 3).join(', ')}${d.missingBase.length > 3 ? ', ...' : ''}); \`git fetch origin 'refs/create-service/*:refs/create-service/*'\` brings it back`,
    );
  }
}
