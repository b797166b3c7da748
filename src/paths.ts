import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The installed package's root (the folder holding package.json, dist/ and templates/). */
export const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The templates/ folder shipped with the package. */
export const TEMPLATES_DIR = join(PACKAGE_ROOT, 'templates');

/** This generator's name and version, from package.json. */
export const GENERATOR: { name: string; version: string } = (() => {
  const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  return { name: pkg.name, version: pkg.version };
})();
