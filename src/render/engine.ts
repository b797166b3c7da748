import Handlebars from 'handlebars';

/**
 * A Handlebars environment of our own (never the shared global one) with the
 * helpers templates may use: eq, ne, and, or, not. Output is not
 * HTML-escaped: templates produce Go, YAML and Markdown.
 */
export function createEngine(): typeof Handlebars {
  const hb = Handlebars.create();
  // Handlebars passes an options object as the last argument of every helper.
  const args = (all: unknown[]) => all.slice(0, -1);
  hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hb.registerHelper('ne', (a: unknown, b: unknown) => a !== b);
  hb.registerHelper('and', (...all: unknown[]) => args(all).every(Boolean));
  hb.registerHelper('or', (...all: unknown[]) => args(all).some(Boolean));
  hb.registerHelper('not', (a: unknown) => !a);
  return hb;
}

/** Compiles one template with the options every template uses. */
export function compile(hb: typeof Handlebars, source: string, name: string): Handlebars.TemplateDelegate {
  try {
    return hb.compile(source, { noEscape: true, strict: true });
  } catch (err) {
    throw new Error(`template ${name}: ${(err as Error).message}`, { cause: err });
  }
}
