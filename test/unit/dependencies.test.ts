import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { answersSchema, describeOptions, OPTIONS, type OptionDecl } from '../../src/options/model.js';
import { checkAnswersFile, resolveAnswers, type Prompter, type ResolveInput } from '../../src/options/resolve.js';
import { optionsTable } from '../../src/docs/readme.js';
import { parseSets, upgradeAnswers } from '../../src/upgrade/answers.js';

/** A prompter that records the questions and answers each with its default (Enter). */
function enterPrompter(replies: Record<string, unknown> = {}): Prompter & { asked: string[] } {
  const asked: string[] = [];
  const reply = (q: { message: string; default?: unknown }) => {
    asked.push(q.message);
    return q.message in replies ? replies[q.message] : q.default;
  };
  return {
    asked,
    input: async (q) => reply(q) as string,
    select: async (q) => reply(q) as string,
    confirm: async (q) => reply(q) as boolean,
    checkbox: async (q) => reply({ message: q.message, default: q.choices.filter((c) => c.checked).map((c) => c.value) }) as string[],
  };
}

const prompt = (key: string) => (OPTIONS as readonly OptionDecl[]).find((o) => o.key === key)!.prompt;
const input = (over: Partial<ResolveInput>): ResolveInput => ({ directory: 'orders', flags: {}, yes: true, interactive: false, ...over });

async function refused(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UsageError);
  return (err as UsageError).message;
}

describe('options that depend on other options', () => {
  it('refuses a flag that cannot apply, naming what it needs', async () => {
    expect(await refused(resolveAnswers(input({ flags: { deploy: 'docker', mesh: 'istio' } })))).toBe(
      '--mesh istio needs --deploy k8s or helm (the mesh annotates the Kubernetes objects)',
    );
    expect(await refused(resolveAnswers(input({ flags: { deploy: 'docker', ingress: 'gateway' } })))).toBe(
      '--ingress gateway needs --deploy k8s or helm (it routes to the Kubernetes Service)',
    );
    expect(await refused(resolveAnswers(input({ flags: { deploy: 'compose' } })))).toBe(
      '--deploy compose needs --deploy docker too (compose.yaml builds the image from the Dockerfile)',
    );
  });

  it('refuses the same in an answers file, naming its keys', async () => {
    // The JSON Schema's if/then catches it when the file is read ...
    expect(() => checkAnswersFile({ deploy: ['docker'], mesh: 'linkerd' }, 'a.json')).toThrow(
      'answers file a.json: "mesh": "linkerd" needs "deploy" to include "k8s" or "helm" (the mesh annotates the Kubernetes objects)',
    );
    expect(() => checkAnswersFile({ deploy: ['compose'] }, 'a.json')).toThrow('answers file a.json: "deploy" with "compose" needs "deploy" to include "docker" too');
    // ... and resolution refuses it the same way when a flag makes it inapplicable.
    expect(
      await refused(resolveAnswers(input({ answersFile: checkAnswersFile({ mesh: 'linkerd' }, 'a.json'), answersFileName: 'answers file a.json', flags: { deploy: 'docker' } }))),
    ).toBe('answers file a.json: "mesh": "linkerd" needs "deploy" to include "k8s" or "helm" (the mesh annotates the Kubernetes objects)');
  });

  it('accepts the value that means "off" and a flag whose need is met', async () => {
    const { answers } = await resolveAnswers(input({ flags: { deploy: 'docker', mesh: 'none' } }));
    expect(answers.mesh).toBe('none');
    const ok = await resolveAnswers(input({ flags: { deploy: 'helm', mesh: 'istio', ingress: 'gateway' } }));
    expect(ok.answers).toMatchObject({ mesh: 'istio', ingress: 'gateway' });
  });

  it('does not ask a question that cannot apply, and gives it its "off" value', async () => {
    const p = enterPrompter({ [prompt('deploy')]: ['docker'] });
    const { answers } = await resolveAnswers(input({ yes: false, interactive: true, prompter: p }));
    expect(p.asked).toContain(prompt('deploy'));
    expect(p.asked).not.toContain(prompt('mesh'));
    expect(p.asked).not.toContain(prompt('ingress'));
    expect(answers).toMatchObject({ deploy: ['docker'], mesh: 'none', ingress: 'none' });
  });

  it('a preset value that no longer applies after a flag is turned off, not refused', async () => {
    const { answers } = await resolveAnswers(input({ preset: 'full', flags: { deploy: 'docker' } }));
    expect(answers).toMatchObject({ deploy: ['docker'], ingress: 'none' });
  });

  it('a default that depends on another answer follows it: --db memory → cache none', async () => {
    expect((await resolveAnswers(input({ flags: { db: 'memory' } }))).answers.cache).toBe('none');
    expect((await resolveAnswers(input({ flags: { db: 'postgres' } }))).answers.cache).toBe('redis');
    expect((await resolveAnswers(input({ flags: { db: 'memory', cache: 'redis' } }))).answers.cache).toBe('redis');
    const p = enterPrompter({ [prompt('db')]: 'memory' });
    const { answers } = await resolveAnswers(input({ yes: false, interactive: true, prompter: p }));
    expect(answers.cache).toBe('none');
  });

  it('options --json shows the rules', () => {
    const byKey = Object.fromEntries(describeOptions().map((o) => [o.key, o]));
    expect(byKey.mesh).toMatchObject({ needs: { key: 'deploy', anyOf: ['k8s', 'helm'] } });
    expect(byKey.ingress).toMatchObject({ needs: { key: 'deploy', anyOf: ['k8s', 'helm'] } });
    expect(byKey.deploy).toMatchObject({ choiceNeeds: { compose: { key: 'deploy', anyOf: ['docker'] } } });
    expect(byKey.cache).toMatchObject({ defaultWhen: [{ when: { key: 'db', anyOf: ['memory'] }, value: 'none' }] });
  });

  it('the JSON Schema carries the rules as if/then', () => {
    const schema = answersSchema() as { allOf?: unknown[] };
    expect(schema.allOf).toContainEqual({
      if: { properties: { mesh: { not: { const: 'none' } } }, required: ['mesh'] },
      then: { properties: { deploy: { contains: { enum: ['k8s', 'helm'] } } } },
    });
    expect(schema.allOf).toContainEqual({
      if: { properties: { deploy: { contains: { const: 'compose' } } }, required: ['deploy'] },
      then: { properties: { deploy: { contains: { enum: ['docker'] } } } },
    });
  });

  it('the README table states the rules', () => {
    const table = optionsTable();
    expect(table).toMatch(/\| `--mesh` .*Needs `--deploy k8s` or `helm`/);
    expect(table).toMatch(/\| `--cache` \| .* \| `redis` \(`none` with `--db memory`\) \|/);
    expect(table).toMatch(/\| `--deploy` .*`compose` needs `docker`/);
  });
});

describe('the wizard and dependencies', () => {
  it('refuses contradicting flags before its first question', async () => {
    const p = enterPrompter();
    const message = await refused(resolveAnswers(input({ directory: undefined, yes: false, interactive: true, prompter: p, wizard: true, flags: { deploy: 'docker', mesh: 'istio' } })));
    expect(message).toBe('--mesh istio needs --deploy k8s or helm (the mesh annotates the Kubernetes objects)');
    expect(p.asked).toEqual([]);
  });

  it('a flag that needs a later answer makes that question insist on it', async () => {
    let check: ((v: string[]) => string | true) | undefined;
    const p = enterPrompter();
    const checkbox = p.checkbox;
    p.checkbox = async (q) => {
      check = q.validate;
      return checkbox(q);
    };
    await resolveAnswers(input({ yes: false, interactive: true, prompter: p, flags: { mesh: 'istio' } }));
    expect(check?.(['docker'])).toBe('--mesh istio needs --deploy k8s or helm (the mesh annotates the Kubernetes objects)');
    expect(check?.(['compose', 'k8s'])).toBe('compose needs docker too (compose.yaml builds the image from the Dockerfile)');
    expect(check?.(['docker', 'helm'])).toBe(true);
  });
});

describe('upgrade --set and dependencies', () => {
  const recorded = async (over: Record<string, unknown>) => ({ ...(await resolveAnswers(input({ preset: 'standard' }))).answers, ...over });

  it('turns a recorded answer off when --set takes away what it needs', async () => {
    const r = await upgradeAnswers({ recorded: await recorded({ mesh: 'istio' }), answersSchemaVersion: 1, sets: parseSets(['deploy=docker']), directory: 'orders', yes: true, interactive: false });
    expect(r.answers).toMatchObject({ deploy: ['docker'], mesh: 'none' });
  });

  it('refuses a --set that cannot apply, in --set words', async () => {
    const err = await upgradeAnswers({ recorded: await recorded({ deploy: ['docker'] }), answersSchemaVersion: 1, sets: parseSets(['mesh=istio']), directory: 'orders', yes: true, interactive: false }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toBe('--set mesh=istio needs deploy with k8s or helm (the mesh annotates the Kubernetes objects)');
  });
});
