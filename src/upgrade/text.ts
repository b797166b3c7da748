/**
 * Line endings and binary detection. Templates render with LF; a checkout
 * with `core.autocrlf=true` (or an editor) may hold CRLF. Every comparison
 * with a pristine render is made on LF-normalised text, and whatever is
 * written back gets the line endings the file (or the tree) already uses.
 */

export type Eol = 'lf' | 'crlf';

/** Git's heuristic: a NUL byte in the first 8000 bytes; we also treat invalid UTF-8 as binary. */
export function isBinary(bytes: Buffer): boolean {
  if (bytes.subarray(0, 8000).includes(0)) return true;
  return !Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes);
}

/** CRLF when every line break is CRLF (and there is at least one), else LF. */
export function eolOf(text: string): Eol {
  const crlf = text.split('\r\n').length - 1;
  if (crlf === 0) return 'lf';
  const lf = text.split('\n').length - 1;
  return crlf === lf ? 'crlf' : 'lf';
}

/** CRLF → LF. */
export function toLf(text: string): string {
  return text.replaceAll('\r\n', '\n');
}

/** Gives LF text the line endings `eol`. */
export function withEol(text: string, eol: Eol): string {
  return eol === 'crlf' ? toLf(text).replaceAll('\n', '\r\n') : text;
}

/** True when a and b are the same text up to line endings. */
export function sameText(a: string, b: string): boolean {
  return a === b || toLf(a) === toLf(b);
}
