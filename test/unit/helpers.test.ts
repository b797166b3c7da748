import { describe, expect, it } from 'vitest';
import { compile, createEngine } from '../../src/render/engine.js';

describe('template helpers', () => {
  const render = (source: string, context: object) => compile(createEngine(), source, 't')(context);

  it('add sums integers, so a loop can number SQL placeholders', () => {
    expect(render('{{#each cols}}${{add @index 2}}{{#unless @last}}, {{/unless}}{{/each}}', { cols: ['a', 'b', 'c'] })).toBe('$2, $3, $4');
    expect(render('{{add n 1 -3}}', { n: 5 })).toBe('3');
  });

  it('add refuses a non-integer or a misspelt field', () => {
    expect(() => render('{{add n 1}}', { n: '5' })).toThrow(/add: every argument must be an integer/);
    expect(() => render('{{add (lookup this "missing") 1}}', { n: 1 })).toThrow(/add: argument 1 is undefined/);
  });

  it('padEnd pads to the width and leaves a longer value whole', () => {
    expect(render('[{{padEnd c 6}}]', { c: 'id' })).toBe('[id    ]');
    expect(render('[{{padEnd c 3}}]', { c: 'description' })).toBe('[description]');
    expect(() => render('{{padEnd c w}}', { c: 'id', w: '6' })).toThrow(/padEnd: the width must be an integer/);
  });

  it('maxLength with padEnd aligns a column the way gofmt does', () => {
    const rows = [{ name: 'customers' }, { name: 'orders' }];
    expect(render('{{#each rows}}{{padEnd name (maxLength ../rows "name")}} x\n{{/each}}', { rows })).toBe('customers x\norders    x\n');
    expect(() => render('{{maxLength rows 1}}', { rows })).toThrow(/maxLength: give a list/);
  });
});
