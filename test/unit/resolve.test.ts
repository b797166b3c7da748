import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { OPTIONS, PRESETS, type OptionDecl } from '../../src/options/model.js';
import { checkAnswersFile, isInteractive, resolveAnswers, type Prompter, type ResolveInput } from '../../src/options/resolve.js';

interface Question {
  kind: 'input' | 'select' | 'confirm' | 'checkbox';
  message: string;
  default?: string | boolean | string[];
  choices?: string[];
  validate?: (value: string) => string | true;
}

/**
 * A Prompter that records every question and answers from `replies` (keyed by
 * the question's message), or with the question's default — as pressing Enter
 * would. Like @inquirer/prompts, it refuses an input its validator rejects.
 */
function fakePrompter(replies: Record<string, string | boolean | string[]> = {}): Prompter & { asked: Question[] } {
  const asked: Question[] = [];
  const reply = (q: Question) => {
    asked.push(q);
    const value = q.message in replies ? replies[q.message] : q.default;
    if (value === undefined) throw new Error(`fake prompter: no reply for "${q.message}"`);
    if (q.validate && typeof value === 'string' && q.validate(value) !== true) {
      throw new Error(`fake prompter: reply ${JSON.stringify(value)} to "${q.message}" fails validation`);
    }
    return value;
  };
  return {
    asked,
    input: async (q) => reply({ kind: 'input', ...q }) as string,
    select: async (q) => reply({ kind: 'select', ...q, choices: q.choices.map((c) => c.value) }) as string,
    confirm: async (q) => reply({ kind: 'confirm', ...q }) as boolean,
    checkbox: async (q) =>
      reply({
        kind: 'checkbox',
        message: q.message,
        choices: q.choices.map((c) => c.value),
        default: q.choices.filter((c) => c.checked).map((c) => c.value),
      }) as string[],
  };
}

const prompt = (key: string) => (OPTIONS as readonly OptionDecl[]).find((o) => o.key === key)!.prompt;

const DEFAULTS = {
  resource: 'item',
  router: 'stdlib',
  db: 'postgres',
  cache: 'redis',
  logger: 'slog',
  metrics: true,
  tracing: true,
  auth: 'none',
  queue: 'none',
  transport: 'http',
  deploy: ['docker', 'compose', 'k8s'],
  ci: 'github',
  mesh: 'none',
  ingress: 'none',
};

function input(over: Partial<ResolveInput>): ResolveInput {
  return { directory: 'orders', flags: {}, yes: false, interactive: false, ...over };
}

async function usageError(p: Promise<unknown>): Promise<UsageError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UsageError);
  expect((err as UsageError).exitCode).toBe(2);
  expect((err as UsageError).message).not.toContain('\n');
  return err as UsageError;
}

describe('isInteractive', () => {
  it.each([
    [true, {}, false, true],
    [false, {}, false, false],
    [true, { CI: 'true' }, false, false],
    [true, { CI: '1' }, false, false],
    [true, { CI: 'false' }, false, true],
    [true, { CI: '0' }, false, true],
    [true, { CI: '' }, false, true],
    [true, {}, true, false],
    [true, { CI: 'false' }, true, false],
  ])('TTY %s, env %j, --yes %s → %s', (stdinIsTTY, env, yes, expected) => {
    expect(isInteractive({ stdinIsTTY, env, yes })).toBe(expected);
  });
});

describe('resolveAnswers: precedence', () => {
  it('takes a flag over the answers file over the preset over the default', async () => {
    const { answers } = await resolveAnswers(
      input({
        preset: 'minimal', // router stdlib, db memory, cache none, logger slog, metrics/tracing off, docker only, no CI
        answersFile: { router: 'gin', db: 'postgres', logger: 'zap', deploy: ['k8s'], ci: 'gitlab' },
        flags: { router: 'chi', logger: 'logrus', deploy: 'helm,docker' },
        yes: true,
      }),
    );
    expect(answers).toEqual({
      name: 'orders',
      module: 'example.com/orders',
      resource: 'item', // default
      router: 'chi', // flag beats file and preset
      db: 'postgres', // file beats preset
      cache: 'none', // preset beats default (redis)
      logger: 'logrus', // flag beats file
      metrics: false, // preset
      tracing: false, // preset
      auth: 'none', // default
      queue: 'none', // preset
      transport: 'http', // preset
      deploy: ['docker', 'helm'], // flag beats file and preset; kept in the order of the choices
      ci: 'gitlab', // file beats preset
      mesh: 'none', // preset
      ingress: 'none', // preset
    });
  });

  it('lets --no-x flags override a preset that turns x on', async () => {
    const { answers } = await resolveAnswers(input({ preset: 'standard', flags: { metrics: false } }));
    expect(answers.metrics).toBe(false);
    expect(answers.tracing).toBe(true);
  });

  it.each(Object.keys(PRESETS))('preset %s alone is a complete, valid set of answers without prompting', async (name) => {
    const p = fakePrompter();
    const { answers } = await resolveAnswers(input({ preset: name, interactive: true, prompter: p }));
    expect(answers).toMatchObject((PRESETS as Record<string, { answers: object }>)[name]!.answers);
    // Only the options a preset does not set (name, module, resources, resource) are asked.
    expect(p.asked.map((q) => q.message)).toEqual([prompt('name'), prompt('module'), prompt('resources'), prompt('resource')]);
  });
});

describe('resolveAnswers: prompting', () => {
  it('asks only for options not given, in model order, with the defaults offered', async () => {
    const p = fakePrompter({ [prompt('name')]: 'billing', [prompt('db')]: 'memory', [prompt('tracing')]: false });
    const { directory, answers } = await resolveAnswers(
      input({ flags: { router: 'chi', metrics: false }, interactive: true, prompter: p }),
    );
    expect(directory).toBe('orders');
    expect(p.asked.map((q) => q.message)).toEqual(
      ['name', 'module', 'resources', 'resource', 'db', 'cache', 'logger', 'tracing', 'auth', 'queue', 'transport', 'deploy', 'ci', 'mesh', 'ingress'].map(prompt),
    );
    const byMessage = Object.fromEntries(p.asked.map((q) => [q.message, q]));
    expect(byMessage[prompt('name')]).toMatchObject({ kind: 'input', default: 'orders' });
    // The module default follows the name just answered.
    expect(byMessage[prompt('module')]).toMatchObject({ kind: 'input', default: 'example.com/billing' });
    expect(byMessage[prompt('db')]).toMatchObject({ kind: 'select', default: 'postgres', choices: ['postgres', 'memory'] });
    expect(byMessage[prompt('tracing')]).toMatchObject({ kind: 'confirm', default: true });
    expect(byMessage[prompt('deploy')]).toMatchObject({
      kind: 'checkbox',
      choices: ['docker', 'compose', 'k8s', 'helm'],
      default: ['docker', 'compose', 'k8s'],
    });
    expect(answers).toEqual({
      ...DEFAULTS,
      name: 'billing',
      module: 'example.com/billing',
      router: 'chi',
      db: 'memory',
      cache: 'none', // the cache default follows --db memory
      metrics: false,
      tracing: false,
    });
  });

  it('asks nothing when every option is given', async () => {
    const p = fakePrompter();
    await resolveAnswers(
      input({
        flags: {
          name: 'a',
          module: 'example.com/a',
          resource: 'box',
          router: 'gin',
          db: 'memory',
          cache: 'none',
          logger: 'zap',
          metrics: true,
          tracing: false,
          queue: 'none',
          auth: 'jwt',
          transport: 'both',
          deploy: 'k8s',
          ci: 'none',
          mesh: 'linkerd',
          ingress: 'ingress',
        },
        interactive: true,
        prompter: p,
      }),
    );
    expect(p.asked).toEqual([]);
  });

  it('never asks when not interactive, even with a prompter', async () => {
    const p = fakePrompter();
    const { answers } = await resolveAnswers(input({ yes: true, interactive: false, prompter: p }));
    expect(p.asked).toEqual([]);
    expect(answers).toEqual({ name: 'orders', module: 'example.com/orders', ...DEFAULTS });
  });

  it('passes string validators to the prompt', async () => {
    const p = fakePrompter();
    await resolveAnswers(input({ interactive: true, prompter: p, preset: 'minimal' }));
    const name = p.asked.find((q) => q.message === prompt('name'))!;
    expect(name.validate!('Bad Name')).toMatch(/invalid service name/);
    expect(name.validate!('good-name')).toBe(true);
    const resource = p.asked.find((q) => q.message === prompt('resource'))!;
    expect(resource.validate!('sheep')).toMatch(/plural/);
  });

  it('asks for the directory when none is given and it is interactive', async () => {
    const p = fakePrompter({ 'Directory for the new service': 'payments' });
    const { directory, answers } = await resolveAnswers(input({ directory: undefined, preset: 'minimal', interactive: true, prompter: p }));
    expect(p.asked[0]).toMatchObject({ kind: 'input', message: 'Directory for the new service' });
    expect(directory).toBe('payments');
    expect(answers.name).toBe('payments');
  });

  it('validates every given value before asking anything', async () => {
    const p = fakePrompter();
    await usageError(resolveAnswers(input({ flags: { cache: 'memcached' }, interactive: true, prompter: p })));
    expect(p.asked).toEqual([]);
  });
});

describe('resolveAnswers: non-interactive', () => {
  it('names every missing required flag in one UsageError', async () => {
    const err = await usageError(resolveAnswers(input({ flags: { router: 'chi', tracing: true } })));
    expect(err.message).toMatch(/^missing options: /);
    for (const flag of ['--db', '--cache', '--logger', '--[no-]metrics']) expect(err.message).toContain(flag);
    for (const flag of ['--router', '--[no-]tracing', '--name', '--module', '--resource']) expect(err.message).not.toContain(flag);
    expect(err.message).toContain('--yes');
  });

  it('takes the defaults with --yes', async () => {
    const { directory, answers } = await resolveAnswers(input({ yes: true }));
    expect(directory).toBe('orders');
    expect(answers).toEqual({ name: 'orders', module: 'example.com/orders', ...DEFAULTS });
  });

  it('is satisfied by an answers file that names every required option', async () => {
    const { answers } = await resolveAnswers(
      input({ answersFile: { router: 'gorilla', db: 'memory', cache: 'memory', logger: 'zap', metrics: false, tracing: true } }),
    );
    expect(answers).toMatchObject({ router: 'gorilla', cache: 'memory', metrics: false });
  });

  it('fails without a directory or --name', async () => {
    const err = await usageError(resolveAnswers(input({ directory: undefined, yes: true })));
    expect(err.message).toMatch(/missing directory/);
  });

  it('uses --name as the directory when none is given', async () => {
    const { directory, answers } = await resolveAnswers(input({ directory: undefined, flags: { name: 'billing' }, yes: true }));
    expect(directory).toBe('billing');
    expect(answers.module).toBe('example.com/billing');
  });
});

describe('resolveAnswers: derived defaults', () => {
  it('defaults the name to the directory base name, and the module to the name', async () => {
    const { directory, answers } = await resolveAnswers(input({ directory: '/srv/src/Order_Api', yes: true }));
    expect(directory).toBe('/srv/src/Order_Api');
    expect(answers.name).toBe('order-api');
    expect(answers.module).toBe('example.com/order-api');
  });

  it('derives the module from a --name flag rather than the directory', async () => {
    const { answers } = await resolveAnswers(input({ directory: 'svc', flags: { name: 'billing' }, yes: true }));
    expect(answers).toMatchObject({ name: 'billing', module: 'example.com/billing' });
  });

  it('keeps an explicit --module', async () => {
    const { answers } = await resolveAnswers(input({ flags: { module: 'github.com/acme/orders' }, yes: true }));
    expect(answers.module).toBe('github.com/acme/orders');
  });

  it('takes the name of "." from the working directory', async () => {
    const { answers } = await resolveAnswers(input({ directory: '.', cwd: '/home/me/inventory', yes: true }));
    expect(answers.name).toBe('inventory');
  });

  it('explains an invalid name derived from the directory ("123")', async () => {
    const err = await usageError(resolveAnswers(input({ directory: '123', yes: true })));
    expect(err.message).toContain('directory "123"');
    expect(err.message).toContain('--name');
    // With --name the same directory is fine.
    const { answers } = await resolveAnswers(input({ directory: '123', flags: { name: 'svc' }, yes: true }));
    expect(answers.name).toBe('svc');
  });
});

describe('resolveAnswers: invalid values', () => {
  it.each([
    ['a flag', { flags: { router: 'express' } }, 'stdlib, chi, gin, gorilla'],
    ['a flag', { flags: { logger: 'log4j' } }, 'slog, zap, logrus'],
    ['the answers file', { answersFile: { db: 'mysql' } }, 'postgres, memory'],
    ['the answers file', { answersFile: { cache: true } }, 'redis, memory, none'],
    ['the answers file', { answersFile: { metrics: 'yes' } }, 'true or false'],
    ['an unknown preset', { preset: 'huge' }, 'minimal, standard, full'],
  ] as const)('in %s names the valid values', async (_where, over, valid) => {
    const err = await usageError(resolveAnswers(input({ ...over, yes: true })));
    expect(err.message).toContain(valid);
  });

  it.each([
    [{ name: 'Bad_Name' }, /invalid service name "Bad_Name"/],
    [{ module: 'example.com/a b' }, /invalid module path "example.com\/a b"/],
    [{ resource: 'type' }, /invalid resource "type"/],
  ])('rejects string flag %j', async (flags, message) => {
    const err = await usageError(resolveAnswers(input({ flags, yes: true })));
    expect(err.message).toMatch(message);
  });

  it('rejects a bad value in the answers file even when a flag overrides another key', async () => {
    await usageError(resolveAnswers(input({ flags: { router: 'chi' }, answersFile: { router: 'chi', db: 'oracle' }, yes: true })));
  });
});

describe('checkAnswersFile', () => {
  it('returns the answers of a valid file and ignores $schema', () => {
    expect(checkAnswersFile({ $schema: './schema.json', router: 'chi', metrics: false }, 'a.json')).toEqual({ router: 'chi', metrics: false });
  });

  it('rejects an unknown key and names the valid keys', () => {
    expect(() => checkAnswersFile({ router: 'chi', colour: 'red' }, 'a.json')).toThrow(
      new UsageError(
        'answers file a.json: unknown key "colour" (valid: name, module, resources, resource, router, db, cache, logger, metrics, tracing, auth, queue, transport, deploy, ci, mesh, ingress)',
      ),
    );
  });

  it.each([[1], [null], [[1, 2]], [{ nested: true }]])('rejects a value of the wrong type: %j', (value) => {
    const call = () => checkAnswersFile({ router: value }, 'a.json');
    expect(call).toThrow(UsageError);
    expect(call).toThrow(`answers file a.json: invalid value for "router": ${JSON.stringify(value)} (valid: stdlib, chi, gin, gorilla)`);
  });

  it('rejects a list for a single-choice option, naming the file and its key rather than a flag', () => {
    const call = () => checkAnswersFile({ router: ['chi'] }, 'a.json');
    expect(call).toThrow(UsageError);
    expect(call).toThrow(/^answers file a\.json: invalid value for "router": \["chi"\] \(valid: stdlib, chi, gin, gorilla\)$/);
  });

  it('names the key of a bad boolean in the file', () => {
    expect(() => checkAnswersFile({ metrics: 'yes' }, 'a.json')).toThrow(/^answers file a\.json: invalid value for "metrics": "yes" \(expected true or false\)$/);
  });

  it.each([[[]], [null], ['router'], [42], [true]])('rejects a file that is not an object: %j', (data) => {
    const call = () => checkAnswersFile(data, 'a.json');
    expect(call).toThrow(UsageError);
    expect(call).toThrow(/a\.json: expected a JSON object with keys name, module/);
  });

  it('names every key that is wrong, in one line', () => {
    expect(() => checkAnswersFile({ cache: 'memcached', metrics: 'yes', colour: 'red' }, 'a.json')).toThrow(
      'answers file a.json: unknown key "colour" (valid: name, module, resources, resource, router, db, cache, logger, metrics, tracing, auth, queue, transport, deploy, ci, mesh, ingress); invalid value for "cache": "memcached" (valid: redis, memory, none); invalid value for "metrics": "yes" (expected true or false)',
    );
  });

  it('checks the name against the pattern of its JSON Schema, with the validator\'s words', () => {
    expect(() => checkAnswersFile({ name: 'Bad_Name' }, 'a.json')).toThrow(/^answers file a\.json: "name": invalid service name "Bad_Name"/);
    expect(() => checkAnswersFile({ module: 'a b' }, 'a.json')).toThrow(/^answers file a\.json: "module": invalid module path "a b"/);
  });
});

describe('list options (--deploy)', () => {
  const resolveDeploy = async (over: Partial<ResolveInput>) => (await resolveAnswers(input({ yes: true, ...over }))).answers.deploy;

  it.each([
    ['docker,k8s', ['docker', 'k8s']],
    ['k8s,docker', ['docker', 'k8s']], // the order of the choices, whatever the order given
    ['helm, docker , compose', ['docker', 'compose', 'helm']], // spaces around commas
    ['docker,docker,helm,docker', ['docker', 'helm']], // duplicates collapse
    ['helm', ['helm']],
    ['none', []], // the empty set
    ['', []],
  ])('takes the comma flag %j as %j', async (flag, expected) => {
    expect(await resolveDeploy({ flags: { deploy: flag } })).toEqual(expected);
  });

  it.each([
    [['helm', 'docker'], ['docker', 'helm']],
    [[], []],
  ])('takes the JSON array %j of an answers file as %j', async (list, expected) => {
    const file = checkAnswersFile({ deploy: list }, 'a.json');
    expect(await resolveDeploy({ answersFile: file })).toEqual(expected);
  });

  it('refuses a string where the answers file needs an array (the JSON Schema says array)', () => {
    expect(() => checkAnswersFile({ deploy: 'docker' }, 'a.json')).toThrow(
      'answers file a.json: invalid value for "deploy": "docker" (expected an array of docker, compose, k8s, helm, e.g. ["docker"])',
    );
  });

  it('refuses a value listed twice in the answers file (uniqueItems)', () => {
    expect(() => checkAnswersFile({ deploy: ['docker', 'docker'] }, 'a.json')).toThrow('answers file a.json: "deploy" lists "docker" more than once');
  });

  it.each<[string, Partial<ResolveInput>, string]>([
    ['a flag', { flags: { deploy: 'docker,kubernetes' } }, '"kubernetes"'],
    ['a flag', { flags: { deploy: 'none,docker' } }, '"none"'], // none stands alone
    ['a flag', { flags: { deploy: 'docker,,k8s' } }, '""'],
  ])('rejects an unknown value in %s, naming it and every valid value', async (_where, over, bad) => {
    const err = await usageError(resolveAnswers(input({ ...over, yes: true })));
    expect(err.message).toContain('invalid value for --deploy');
    expect(err.message).toContain(bad);
    expect(err.message).toContain('a comma-separated list of docker, compose, k8s, helm');
  });

  it('says that "none" stands alone instead of calling it invalid', async () => {
    const err = await usageError(resolveAnswers(input({ flags: { deploy: 'none,docker' }, yes: true })));
    expect(err.message).toBe('invalid value for --deploy: "none" cannot be combined with other values (give none alone, or a comma-separated list of docker, compose, k8s, helm)');
  });

  it.each([
    [{ deploy: ['docker', 'swarm'] }, 'answers file a.json: invalid value for "deploy": "swarm" (valid: docker, compose, k8s, helm)'],
    [{ deploy: true }, 'answers file a.json: invalid value for "deploy": true (expected an array of docker, compose, k8s, helm, e.g. ["docker"])'],
    [{ deploy: ['docker', 1] }, 'answers file a.json: invalid value for "deploy": 1 (valid: docker, compose, k8s, helm)'],
  ])('names the key of a bad list in the answers file: %j', (data, message) => {
    expect(() => checkAnswersFile(data, 'a.json')).toThrow(message);
  });

  it('takes a flag over the preset, and the preset over the default', async () => {
    expect(await resolveDeploy({ preset: 'full' })).toEqual(['docker', 'compose', 'k8s', 'helm']);
    expect(await resolveDeploy({ preset: 'minimal' })).toEqual(['docker']);
    expect(await resolveDeploy({ preset: 'full', flags: { deploy: 'none' } })).toEqual([]);
    expect(await resolveDeploy({})).toEqual(['docker', 'compose', 'k8s']);
  });

  it('asks with a checkbox that has the defaults checked, and keeps the choice order of the reply', async () => {
    const p = fakePrompter({ [prompt('deploy')]: ['helm', 'docker'] });
    const { answers } = await resolveAnswers(input({ preset: 'standard', interactive: true, prompter: p }));
    expect(answers.deploy).toEqual(['docker', 'compose', 'k8s']); // the preset gave it: not asked
    expect(p.asked.map((q) => q.kind)).not.toContain('checkbox');

    const q = fakePrompter({ [prompt('deploy')]: ['helm', 'docker'] });
    const asked = await resolveAnswers(input({ interactive: true, prompter: q }));
    expect(q.asked.find((x) => x.kind === 'checkbox')).toMatchObject({
      message: prompt('deploy'),
      choices: ['docker', 'compose', 'k8s', 'helm'],
      default: ['docker', 'compose', 'k8s'],
    });
    expect(asked.answers.deploy).toEqual(['docker', 'helm']);
  });

  it('takes an empty checkbox as the empty set', async () => {
    const p = fakePrompter({ [prompt('deploy')]: [] });
    const { answers } = await resolveAnswers(input({ interactive: true, prompter: p }));
    expect(answers.deploy).toEqual([]);
  });

  it('does not ask for a list given by flag', async () => {
    const p = fakePrompter();
    const { answers } = await resolveAnswers(input({ flags: { deploy: 'k8s' }, interactive: true, prompter: p }));
    expect(p.asked.map((x) => x.message)).not.toContain(prompt('deploy'));
    expect(answers.deploy).toEqual(['k8s']);
  });
});
