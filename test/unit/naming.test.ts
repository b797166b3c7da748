import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  resourceNames,
  serviceNameFromDirectory,
  validateModulePath,
  validateResource,
  validateServiceName,
} from '../../src/options/naming.js';

const exec = promisify(execFile);

describe('validateServiceName', () => {
  it.each(['orders', 'a', 'order-api', 'svc2', 'a1-b2-c3', 'x'.repeat(63)])('accepts %s', (name) => {
    expect(validateServiceName(name)).toBeUndefined();
  });

  it.each([
    ['', 'empty'],
    ['Orders', 'upper case'],
    ['1orders', 'leading digit'],
    ['-orders', 'leading hyphen'],
    ['orders-', 'trailing hyphen'],
    ['order--api', 'doubled hyphen'],
    ['order_api', 'underscore'],
    ['order.api', 'dot'],
    ['order api', 'space'],
    ['ördr', 'non-ASCII'],
  ])('rejects %j (%s) with a message naming the rule', (name) => {
    const problem = validateServiceName(name);
    expect(problem).toContain(`"${name}"`);
    expect(problem).toContain('[a-z][a-z0-9-]*');
  });

  it('rejects names longer than a DNS label', () => {
    expect(validateServiceName('x'.repeat(64))).toMatch(/at most 63 characters/);
  });
});

describe('validateModulePath', () => {
  it.each(['', '/abs', 'example.com/', 'example.com//x', 'example.com/x.', 'example.com/./x', 'example.com/../x', 'x/..'])(
    'rejects %j',
    (path) => {
      expect(validateModulePath(path)).toMatch(/^invalid module path .*\(example: github\.com\/acme\/orders\)$/);
    },
  );

  it('names the offending element', () => {
    expect(validateModulePath('example.com/a b/c')).toContain('element "a b"');
  });

  it('is deliberately stricter than go mod init about a leading dot', () => {
    // `go mod init example.com/.hidden` succeeds, but such a module can never be fetched.
    expect(validateModulePath('example.com/.hidden')).toMatch(/starts or ends with a dot/);
  });

  describe('agrees with `go mod init`', () => {
    // Every path here is also run through the real `go mod init` below.
    const table: Array<[path: string, valid: boolean]> = [
      ['example.com/orders', true],
      ['github.com/Acme/Orders', true],
      ['orders', true],
      ['gitlab.com/acme/orders/v2', true],
      ['example.com/a~b+c_d-e', true],
      ['example.com/a..b', true],
      ['example.com/com0', true],
      ['example.com/x~1a', true],
      ['/abs', false],
      ['example.com/', false],
      ['example.com//x', false],
      ['example.com/x.', false],
      ['example.com/../x', false],
      ['example.com/a b', false],
      ['example.com/a@b', false],
      ['example.com/ü', false],
      ['example.com/a:b', false],
      ['example.com/con', false],
      ['example.com/Lpt9.txt', false],
      ['com1', false],
      ['example.com/x~12', false],
      ['-x', false],
      ['go', false],
      ['toolchain', false],
    ];

    let work: string;
    beforeAll(async () => {
      work = await mkdtemp(join(tmpdir(), 'cs-gomod-'));
    });
    afterAll(async () => {
      await rm(work, { recursive: true, force: true });
    });

    async function goModInit(path: string): Promise<boolean> {
      const dir = await mkdtemp(join(work, 'm-'));
      try {
        await exec('go', ['mod', 'init', '--', path], {
          cwd: dir,
          env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '', GOPROXY: 'off', GO111MODULE: 'on' },
        });
        return true;
      } catch (err) {
        const stderr = String((err as { stderr?: string }).stderr ?? '');
        // Only a verdict on the path counts; anything else (go missing, ...) is a test failure.
        if (/malformed module path|invalid module path/.test(stderr)) return false;
        throw err;
      }
    }

    it.each(table)('%j → valid: %s', async (path, valid) => {
      expect(await goModInit(path), 'go mod init verdict (is the table right?)').toBe(valid);
      const problem = validateModulePath(path);
      if (valid) expect(problem).toBeUndefined();
      else expect(problem).toMatch(/^invalid module path/);
    });
  });
});

describe('resourceNames', () => {
  it.each([
    ['item', 'item', 'items', 'Item', 'Items', 'item', 'items', 'item', 'items'],
    ['category', 'category', 'categories', 'Category', 'Categories', 'category', 'categories', 'category', 'categories'],
    ['line-item', 'lineItem', 'lineItems', 'LineItem', 'LineItems', 'line_item', 'line_items', 'line-item', 'line-items'],
    ['line_item', 'lineItem', 'lineItems', 'LineItem', 'LineItems', 'line_item', 'line_items', 'line-item', 'line-items'],
    ['person', 'person', 'people', 'Person', 'People', 'person', 'people', 'person', 'people'],
    // The same initialisms as field names (goPascal): api_key → APIKey, as customer_id → CustomerID.
    ['api_key', 'apiKey', 'apiKeys', 'APIKey', 'APIKeys', 'api_key', 'api_keys', 'api-key', 'api-keys'],
    ['box', 'box', 'boxes', 'Box', 'Boxes', 'box', 'boxes', 'box', 'boxes'],
    ['status', 'status', 'statuses', 'Status', 'Statuses', 'status', 'statuses', 'status', 'statuses'],
    ['user-id', 'userID', 'userIDs', 'UserID', 'UserIDs', 'user_id', 'user_ids', 'user-id', 'user-ids'],
  ])('%s', (singular, name, names, Name, Names, snake, snakes, kebab, kebabs) => {
    expect(resourceNames(singular)).toEqual({
      name,
      names,
      Name,
      Names,
      snake,
      snakes,
      kebab,
      kebabs,
      title: snake.replaceAll('_', ' '),
      titles: snakes.replaceAll('_', ' '),
    });
  });
});

describe('validateResource', () => {
  it.each(['item', 'category', 'line-item', 'line_item', 'person', 'order2'])('accepts %s', (r) => {
    expect(validateResource(r)).toBeUndefined();
  });

  it.each([
    ['Item', /lower-case words/],
    ['', /lower-case words/],
    ['9lives', /lower-case words/],
    ['line--item', /lower-case words/],
    ['item-', /lower-case words/],
    ['line item', /lower-case words/],
    ['type', /Go keyword/],
    ['string', /Go keyword/],
    ['error', /Go keyword/],
    ['config', /package name/],
    ['sheep', /plural is the same/],
    ['news', /plural is the same/],
  ])('rejects %j', (r, why) => {
    const problem = validateResource(r);
    expect(problem).toContain(`"${r}"`);
    expect(problem).toMatch(why);
  });
});

describe('serviceNameFromDirectory', () => {
  it.each([
    ['orders', 'orders'],
    ['/home/me/src/orders', 'orders'],
    ['/home/me/src/orders/', 'orders'],
    ['./Orders', 'orders'],
    ['/x/My Service', 'my-service'],
    ['/x/order_api.v2', 'order-api-v2'],
    ['C:\\work\\Foo_Bar', 'foo-bar'],
    ['/x/--a--b--', 'a-b'],
    ['/x/2fast', 'fast'],
  ])('%j → %j', (dir, name) => {
    expect(serviceNameFromDirectory(dir)).toBe(name);
    expect(validateServiceName(name)).toBeUndefined();
  });

  it.each(['/x/123', '/', '/x/___'])('gives an invalid (empty) name for %j, which validation rejects', (dir) => {
    const name = serviceNameFromDirectory(dir);
    expect(name).toBe('');
    expect(validateServiceName(name)).toBeDefined();
  });
});
