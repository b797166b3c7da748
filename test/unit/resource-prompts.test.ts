import { describe, expect, it } from 'vitest';
import { OPTIONS, type OptionDecl } from '../../src/options/model.js';
import { resolveAnswers, type Prompter } from '../../src/options/resolve.js';
import { validateResources } from '../../src/options/resource-spec.js';
import { ISSUE } from './issue-spec.js';

/**
 * A Prompter that answers each question from a queue of replies keyed by its
 * message (the default when the queue is empty, as Enter does). A reply its
 * validator rejects is recorded with the rejection and the next reply is
 * taken, as a user retypes at @inquirer/prompts.
 */
function scriptedPrompter(script: Record<string, (string | boolean)[]>) {
  const asked: { message: string; choices?: string[]; default?: unknown }[] = [];
  const rejected: { message: string; reply: string; why: string }[] = [];
  const next = (message: string, fallback: unknown): unknown => {
    const queue = script[message];
    if (queue && queue.length > 0) return queue.shift();
    if (fallback === undefined) throw new Error(`scripted prompter: no reply for "${message}"`);
    return fallback;
  };
  const prompter: Prompter = {
    input: async (q) => {
      asked.push({ message: q.message, default: q.default });
      for (;;) {
        const reply = next(q.message, q.default) as string;
        const verdict = q.validate ? q.validate(reply) : true;
        if (verdict === true) return reply;
        rejected.push({ message: q.message, reply, why: verdict });
      }
    },
    select: async (q) => {
      asked.push({ message: q.message, choices: q.choices.map((c) => c.value), default: q.default });
      const reply = next(q.message, q.default) as string;
      if (!q.choices.some((c) => c.value === reply)) throw new Error(`scripted prompter: ${reply} is no choice of "${q.message}"`);
      return reply;
    },
    confirm: async (q) => {
      asked.push({ message: q.message, default: q.default });
      return next(q.message, q.default) as boolean;
    },
    checkbox: async (q) => {
      asked.push({ message: q.message });
      return q.choices.filter((c) => c.checked).map((c) => c.value);
    },
  };
  return { prompter, asked, rejected };
}

const prompt = (key: string) => (OPTIONS as readonly OptionDecl[]).find((o) => o.key === key)!.prompt;
const base = { directory: 'shop', flags: { name: 'shop', module: 'example.com/shop' }, yes: false, interactive: true } as const;

describe('the resources prompt flow', () => {
  it('defaults to no resources: today\'s single --resource question follows', async () => {
    const { prompter, asked } = scriptedPrompter({});
    const { answers } = await resolveAnswers({ ...base, prompter });
    expect(asked.map((q) => q.message).slice(0, 2)).toEqual([prompt('resources'), prompt('resource')]);
    expect(asked[0]).toMatchObject({ default: false });
    expect(answers).not.toHaveProperty('resources');
    expect(answers.resource).toBe('item');
  });

  it("builds the issue's spec field by field, asking only what each type takes, checking every answer as it is typed", async () => {
    const { prompter, asked, rejected } = scriptedPrompter({
      [prompt('resources')]: [true],
      'Resource name (singular, snake_case)': ['Customer', 'customer', 'customer', 'order'],
      'Plural of customer': ['customers'],
      'Plural of order': ['orders'],
      'Field name of customer (snake_case)': ['id', 'email', 'vip'],
      'Type of customer.email': ['string'],
      'Maximum length in characters (blank: 200)': ['0', '320', ''],
      'Minimum length in characters (blank: 1 when required, else 0)': ['400', '', ''],
      'Is customer.email optional (nullable; absent means null)?': [false],
      'Must customer.email be unique?': [true],
      'Default of customer.email (blank: none; "" for the empty string)': ['', ''],
      'Add another field to customer?': [true, false],
      'Type of customer.vip': ['bool'],
      'Default of customer.vip (blank: none)': ['maybe', 'false'],
      'Add another resource?': [true, false],
      'Field name of order (snake_case)': ['customer_id', 'status', 'total_cents', 'note', 'placed_at'],
      'Type of order.customer_id': ['ref'],
      'order.customer_id refers to': ['customer'],
      'Type of order.status': ['enum'],
      'Values, separated by |': ['pending|paid|pending', 'pending|paid|shipped'],
      'Default of order.status (blank: none)': ['gone', 'pending'],
      'Type of order.total_cents': ['int'],
      'Maximum (blank: none)': [''],
      'Minimum (blank: none)': ['0'],
      'Default of order.total_cents (blank: none)': [''],
      'Type of order.note': ['text'],
      'Is order.note optional (nullable; absent means null)?': [true],
      'Maximum length in characters (blank: 10000)': [''],
      'Type of order.placed_at': ['time'],
      'Add another field to order?': [true, true, true, true, false],
    });
    const { answers } = await resolveAnswers({ ...base, prompter });
    // The issue's spec; the plural typed is the derived one, so none is recorded.
    const { plural: _, ...order } = ISSUE.resources[1];
    expect(answers.resources).toEqual([ISSUE.resources[0], order]);
    expect(validateResources(answers.resources)).toEqual([]);
    // The single example resource is not asked; it names the first resource.
    expect(asked.map((q) => q.message)).not.toContain(prompt('resource'));
    expect(answers.resource).toBe('customer');
    // Every bad answer was refused with the validators' words, without the field label the question already shows.
    expect(rejected).toEqual([
      { message: 'Resource name (singular, snake_case)', reply: 'Customer', why: 'names are snake_case (lower-case words joined by _, starting with a letter, 2 to 63 characters), e.g. customer or line_item' },
      { message: 'Field name of customer (snake_case)', reply: 'id', why: 'id, created_at, updated_at are always there; do not declare them' },
      { message: 'Maximum length in characters (blank: 200)', reply: '0', why: '"max" is a length in characters: at least 1' },
      { message: 'Minimum length in characters (blank: 1 when required, else 0)', reply: '400', why: 'min 400 is greater than max 320' },
      { message: 'Default of customer.vip (blank: none)', reply: 'maybe', why: '"default" must be true or false' },
      { message: 'Resource name (singular, snake_case)', reply: 'customer', why: '"customer" is already the name or plural of resource "customer"' },
      { message: 'Values, separated by |', reply: 'pending|paid|pending', why: 'enum value "pending" is listed twice' },
      { message: 'Default of order.status (blank: none)', reply: 'gone', why: 'default "gone" is not one of the values (valid: pending, paid, shipped)' },
    ]);
    // Only the questions a type takes: a time field gets no limits, unique-less types no unique, an optional field no default.
    const about = (f: string) => asked.map((q) => q.message).filter((m) => m.includes(f));
    expect(about('order.placed_at')).toEqual(['Type of order.placed_at', 'Is order.placed_at optional (nullable; absent means null)?']);
    expect(about('order.note')).toEqual(['Type of order.note', 'Is order.note optional (nullable; absent means null)?']);
    expect(about('customer.vip')).toEqual(['Type of customer.vip', 'Is customer.vip optional (nullable; absent means null)?', 'Default of customer.vip (blank: none)']);
    // A ref offers the earlier resources and its own.
    expect(asked.find((q) => q.message === 'order.customer_id refers to')?.choices).toEqual(['customer', 'order']);
    expect(asked.find((q) => q.message === 'Type of customer.email')?.choices).toEqual(['string', 'text', 'int', 'float', 'bool', 'time', 'date', 'uuid', 'enum', 'ref']);
  });

  it('a ref to its own resource is optional without asking', async () => {
    const { prompter, asked } = scriptedPrompter({
      [prompt('resources')]: [true],
      'Resource name (singular, snake_case)': ['category'],
      'Field name of category (snake_case)': ['parent_id'],
      'Type of category.parent_id': ['ref'],
      'category.parent_id refers to': ['category'],
      'Must category.parent_id be unique?': [false],
    });
    const { answers } = await resolveAnswers({ ...base, prompter });
    expect(answers.resources).toEqual([{ name: 'category', fields: [{ name: 'parent_id', type: 'ref', ref: 'category', optional: true }] }]);
    expect(asked.map((q) => q.message)).not.toContain('Is category.parent_id optional (nullable; absent means null)?');
    // The derived plural is offered, and taking it records no "plural".
    expect(asked.find((q) => q.message === 'Plural of category')).toMatchObject({ default: 'categories' });
  });

  it('is not asked when --resource is given, and --resource with --resource-spec is one usage line', async () => {
    const { prompter, asked } = scriptedPrompter({});
    await resolveAnswers({ ...base, flags: { ...base.flags, resource: 'box' }, prompter });
    expect(asked.map((q) => q.message)).not.toContain(prompt('resources'));
    await expect(
      resolveAnswers({ ...base, interactive: false, yes: true, flags: { resource: 'box', resources: ['customer:email=string'] } }),
    ).rejects.toThrow('--resource and --resource-spec exclude each other (the declared resources replace the single example resource); drop --resource');
  });
});
