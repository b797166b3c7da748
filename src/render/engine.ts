import Handlebars from 'handlebars';

/**
 * A Handlebars environment of our own (never the shared global one) with the
 * helpers templates may use: eq, ne, and, or, not, includes (list membership),
 * a (the English indefinite article before a word: `{{a resource.title}}` →
 * "an item", "a user"), add (integer sum: `${{add @index 2}}` numbers SQL
 * placeholders and proto fields from a loop), padEnd (a value padded with spaces to a width:
 * `{{padEnd column 11}}` aligns SQL columns; a longer value is left whole),
 * maxLength (the length of the longest `key` of a list's items: with padEnd
 * it aligns Go struct fields the way gofmt does, `{{padEnd names (maxLength resources "names")}}`),
 * protoGo (the Go name protoc-gen-go gives a snake_case proto field: `customer_id` → `CustomerId`),
 * hasType (whether a list of fields holds one of a type: `{{#if (hasType resource.fields "date")}}`).
 * Output is not HTML-escaped: templates produce Go, YAML and Markdown.
 *
 * Strict mode only checks `{{field}}`; a helper argument such as the `dbms` in
 * `{{#if (eq dbms "postgres")}}` is looked up leniently. No context value is
 * ever undefined, so every helper here (and the built-in block helpers)
 * rejects an undefined argument: a misspelt field fails instead of quietly
 * rendering the wrong branch.
 */
export function createEngine(): typeof Handlebars {
  const hb = Handlebars.create();
  // Handlebars passes an options object as the last argument of every helper.
  const args = (helper: string, all: unknown[]) => {
    const given = all.slice(0, -1);
    const i = given.indexOf(undefined);
    if (i >= 0) throw new Error(`${helper}: argument ${i + 1} is undefined (a misspelt field?)`);
    return given;
  };
  hb.registerHelper('eq', (...all: unknown[]) => {
    const [a, b] = args('eq', all);
    return a === b;
  });
  hb.registerHelper('ne', (...all: unknown[]) => {
    const [a, b] = args('ne', all);
    return a !== b;
  });
  hb.registerHelper('and', (...all: unknown[]) => args('and', all).every(Boolean));
  hb.registerHelper('or', (...all: unknown[]) => args('or', all).some(Boolean));
  hb.registerHelper('not', (...all: unknown[]) => !args('not', all)[0]);
  hb.registerHelper('includes', (...all: unknown[]) => {
    const [list, value] = args('includes', all);
    if (!Array.isArray(list)) throw new Error('includes: the first argument must be a list option');
    return list.includes(value);
  });
  hb.registerHelper('protoGo', (...all: unknown[]) => {
    const [name] = args('protoGo', all);
    return String(name)
      .split('_')
      .map((w, i) => (/^[0-9]/.test(w) && i > 0 ? `_${w}` : w.charAt(0).toUpperCase() + w.slice(1)))
      .join('');
  });
  hb.registerHelper('hasType', (...all: unknown[]) => {
    const [fields, type] = args('hasType', all);
    if (!Array.isArray(fields)) throw new Error('hasType: the first argument must be a list of fields');
    return fields.some((f: { type?: unknown }) => f.type === type);
  });
  hb.registerHelper('a', (...all: unknown[]) => {
    const [word] = args('a', all);
    return `${indefiniteArticle(String(word))} ${String(word)}`;
  });
  hb.registerHelper('add', (...all: unknown[]) => {
    const given = args('add', all);
    if (given.length === 0 || !given.every((n) => Number.isInteger(n))) throw new Error('add: every argument must be an integer');
    return (given as number[]).reduce((a, b) => a + b, 0);
  });
  hb.registerHelper('padEnd', (...all: unknown[]) => {
    const [value, width] = args('padEnd', all);
    if (!Number.isInteger(width)) throw new Error('padEnd: the width must be an integer');
    return String(value).padEnd(width as number);
  });
  hb.registerHelper('maxLength', (...all: unknown[]) => {
    const [list, key] = args('maxLength', all);
    if (!Array.isArray(list) || typeof key !== 'string') throw new Error('maxLength: give a list and the name of a property of its items');
    return Math.max(0, ...list.map((item) => String((item as Record<string, unknown>)[key]).length));
  });
  for (const name of ['if', 'unless', 'each', 'with']) {
    const builtin = hb.helpers[name] as (...all: unknown[]) => unknown;
    hb.registerHelper(name, function (this: unknown, ...all: unknown[]) {
      args(`#${name}`, all);
      return builtin.apply(this, all);
    });
  }
  return hb;
}

/**
 * Compiles one template with the options every template uses. Handlebars
 * compiles lazily, so parse errors surface on the first call: both those and
 * render errors are reported with the template's name.
 */
export function compile(hb: typeof Handlebars, source: string, name: string): Handlebars.TemplateDelegate {
  const fail = (err: unknown) => new Error(`template ${name}: ${(err as Error).message}`, { cause: err });
  let template: Handlebars.TemplateDelegate;
  try {
    template = hb.compile(source, { noEscape: true, strict: true });
  } catch (err) {
    throw fail(err);
  }
  return (context, options) => {
    try {
      return template(context, options);
    } catch (err) {
      throw fail(err);
    }
  };
}

/**
 * The indefinite article for an English word: "an" before a vowel sound,
 * "a" otherwise. Initial-letter rule plus the common exceptions of
 * resource-like nouns ("a user", "a unit", "an hour", "a one-off").
 */
export function indefiniteArticle(word: string): 'a' | 'an' {
  const w = word.toLowerCase();
  if (/^(hour|honest|honou?r|heir)/.test(w)) return 'an';
  if (/^(u[bcfhjkqrstn][aeiou]|uni|use|usu|ur[aeiou]|eu|ew|one|once|uk)/.test(w) && !/^(unin|unim|unh|und|unl)/.test(w)) return 'a';
  return /^[aeiou]/.test(w) ? 'an' : 'a';
}
