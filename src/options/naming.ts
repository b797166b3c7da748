import pluralize from 'pluralize';

/**
 * Naming rules and case conversions shared by validation and rendering.
 * Every validator returns `undefined` for a valid value or one sentence that
 * says what is wrong and what is allowed.
 */

/** The service name's rule as a JSON Schema pattern: a letter, then letters and digits in words joined by single hyphens. */
export const SERVICE_NAME_PATTERN = '^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$';
/** At most one DNS label. */
export const SERVICE_NAME_MAX = 63;
const SERVICE_NAME = new RegExp(SERVICE_NAME_PATTERN, 'u');

/**
 * Validates a service name: lower case, `[a-z][a-z0-9-]*`, no trailing or
 * doubled hyphen, at most 63 characters (a DNS label, RFC 1123, so the name
 * also works as a Kubernetes object name).
 */
export function validateServiceName(name: string): string | undefined {
  if (!SERVICE_NAME.test(name)) {
    return `invalid service name "${name}": use lower-case letters, digits and single hyphens, starting with a letter ([a-z][a-z0-9-]*)`;
  }
  if (name.length > SERVICE_NAME_MAX) {
    return `invalid service name "${name}": at most 63 characters (it is used as a DNS label)`;
  }
  return undefined;
}

// Element names Windows reserves; golang.org/x/mod/module rejects them too.
const WINDOWS_RESERVED = new Set(['CON', 'PRN', 'AUX', 'NUL', ...[1, 2, 3, 4, 5, 6, 7, 8, 9].flatMap((n) => [`COM${n}`, `LPT${n}`])]);

/**
 * Validates a Go module path the way `go mod init` does (golang.org/x/mod/module
 * CheckImportPath): slash-separated non-empty elements of ASCII letters, digits
 * and `-._~+`, no leading dash, no element that is `.`/`..`, ends with a dot,
 * is a Windows reserved name or looks like a Windows short name (`x~1`), and
 * not `go` or `toolchain`. Stricter in one way: an element may not start with
 * a dot (`go mod init` allows it, but such a module can never be fetched).
 */
export function validateModulePath(path: string): string | undefined {
  const bad = (why: string) =>
    `invalid module path "${path}": ${why} (example: github.com/acme/orders)`;
  if (path === '') return bad('it is empty');
  if (path.startsWith('/') || path.endsWith('/')) return bad('leading or trailing slash');
  if (path.startsWith('-')) return bad('leading dash');
  if (path === 'go' || path === 'toolchain') return bad('reserved by the go command');
  for (const elem of path.split('/')) {
    if (elem === '') return bad('empty path element ("//")');
    if (!/^[A-Za-z0-9._~+-]+$/.test(elem)) return bad(`element "${elem}" may use only letters, digits and - . _ ~ +`);
    if (elem.startsWith('.') || elem.endsWith('.')) return bad(`element "${elem}" starts or ends with a dot`);
    const short = elem.split('.')[0] ?? '';
    if (WINDOWS_RESERVED.has(short.toUpperCase())) return bad(`element "${elem}" is a reserved file name`);
    if (/~[0-9]+$/.test(short)) return bad(`element "${elem}" ends in a tilde and digits (a Windows short name)`);
  }
  return undefined;
}

/** The resource's shape as a JSON Schema pattern (the Go-keyword and plural checks are validateResource's). */
export const RESOURCE_PATTERN = '^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$';
const RESOURCE = new RegExp(RESOURCE_PATTERN, 'u');

// Words a resource may not turn into: Go keywords and predeclared identifiers
// (the lower-camel form is used as a variable name) and the packages the
// generated code imports by their plain names.
const GO_RESERVED = new Set([
  'break', 'case', 'chan', 'const', 'continue', 'default', 'defer', 'else', 'fallthrough', 'for', 'func', 'go', 'goto',
  'if', 'import', 'interface', 'map', 'package', 'range', 'return', 'select', 'struct', 'switch', 'type', 'var',
  'any', 'bool', 'byte', 'comparable', 'complex64', 'complex128', 'error', 'float32', 'float64', 'int', 'int8', 'int16',
  'int32', 'int64', 'rune', 'string', 'uint', 'uint8', 'uint16', 'uint32', 'uint64', 'uintptr', 'true', 'false', 'iota',
  'nil', 'append', 'cap', 'clear', 'close', 'complex', 'copy', 'delete', 'imag', 'len', 'make', 'max', 'min', 'new',
  'panic', 'print', 'println', 'real', 'recover',
  'cache', 'config', 'context', 'domain', 'errors', 'health', 'http', 'httpapi', 'json', 'logging', 'memory',
  'middleware', 'postgres', 'redis', 'service', 'slog', 'time', 'uuid', 'fmt', 'strings', 'sync', 'testing',
  // Local variable names the generated code uses next to the resource's own.
  'ctx', 'err', 'id', 'ids', 'row', 'rows', 'tx', 'ok', 'found', 'want', 'got', 'after', 'next', 'page', 'limit',
  'cursor', 'pool', 'db', 'in', 'out', 'tc', 'tt',
]);

/**
 * Validates the example resource's singular name: lower case words separated
 * by `-` or `_` (`item`, `line-item`), not a Go keyword or a package name the
 * generated code uses, and with a plural distinct from the singular.
 */
export function validateResource(resource: string): string | undefined {
  if (!RESOURCE.test(resource) || resource.length < 2) {
    return `invalid resource "${resource}": use lower-case words separated by - or _, at least two characters, e.g. item or line-item`;
  }
  const names = resourceNames(resource);
  const word = goReservedWord(names);
  if (word !== undefined) {
    return `invalid resource "${resource}": "${word}" is a Go keyword, predeclared identifier or a package name of the generated code`;
  }
  if (names.snake === names.snakes) {
    return `invalid resource "${resource}": its plural is the same word; choose a noun with a distinct plural`;
  }
  return undefined;
}

/**
 * The Go keyword, predeclared identifier or generated-code name that a
 * resource's lower-camel singular or plural (its Go variable names) would be, or undefined.
 */
export function goReservedWord(names: Pick<ResourceNames, 'name' | 'names'>): string | undefined {
  return [names.name, names.names].find((w) => GO_RESERVED.has(w));
}

/** Every spelling of the resource that templates use (see templates/README.md). */
export interface ResourceNames {
  /** Go lower camel case, singular / plural: `lineItem` / `lineItems`. */
  name: string;
  names: string;
  /** Go exported (Pascal case): `LineItem` / `LineItems`. */
  Name: string;
  Names: string;
  /** snake_case for SQL and file names: `line_item` / `line_items`. */
  snake: string;
  snakes: string;
  /** kebab-case for URL paths: `line-item` / `line-items`. */
  kebab: string;
  kebabs: string;
  /** Words for prose: `line item` / `line items`. */
  title: string;
  titles: string;
}

/**
 * Derives every spelling of a resource from its singular. Only the last word
 * is pluralised (`line-item` → `line-items`, `category` → `categories`), using
 * the pluralize library's English rules.
 */
export function resourceNames(singular: string): ResourceNames {
  const words = singular.split(/[-_]/);
  const last = words[words.length - 1] ?? singular;
  const pluralWords = [...words.slice(0, -1), pluralize.plural(last)];
  const camel = (ws: string[]) => ws.map((w, i) => (i === 0 ? w : goPascal(w))).join('');
  const pascal = (ws: string[]) => ws.map(goPascal).join('');
  return {
    name: camel(words),
    names: camel(pluralWords),
    Name: pascal(words),
    Names: pascal(pluralWords),
    snake: words.join('_'),
    snakes: pluralWords.join('_'),
    kebab: words.join('-'),
    kebabs: pluralWords.join('-'),
    title: words.join(' '),
    titles: pluralWords.join(' '),
  };
}


/** Derives a default service name from a directory path: its base name, lower-cased, with invalid characters turned into hyphens. */
export function serviceNameFromDirectory(dir: string): string {
  const base = dir.replace(/[\\/]+$/, '').split(/[\\/]/).pop() ?? '';
  return base
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+$/, '');
}

// Go's common initialisms (golang.org/x/lint's list, as staticcheck ST1003 uses it).
const INITIALISMS = new Set(
  (
    'acl api ascii cpu css dns eof guid html http https id ip json lhs qps ram rhs rpc sla smtp sql ssh tcp tls ttl udp ui ' +
    'uid uuid uri url utf8 vm xml xmpp xsrf xss sku'
  ).split(' '),
);

/** Go identifier words of a snake_case name with the standard initialisms (`customer_id` → `CustomerID`). */
export function goPascal(snake: string): string {
  return snake
    .split('_')
    .filter(Boolean)
    .map((w) => (INITIALISMS.has(w) ? w.toUpperCase() : w === 'ids' ? 'IDs' : w.charAt(0).toUpperCase() + w.slice(1)))
    .join('');
}

