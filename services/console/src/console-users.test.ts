import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '@segmentation/runtime';
import { hashSecret, loadConsoleUsers, newSecret, parseConsoleUsers, personalToken, roleAllows, verifySecret } from './console-users.ts';

// The cheapest cost the users file accepts, so the tests stay quick.
const cheap = { N: 2 ** 14, r: 8, p: 1 };

/** The ConfigError's message of `f`, failing the test when it throws nothing or something else. */
function configError(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('console user secrets', () => {
  it('verifies the secret a hash was made from, and nothing else', async () => {
    const secret = newSecret();
    const stored = await hashSecret(secret, cheap);
    expect(stored).toMatch(/^scrypt:16384:8:1:[A-Za-z0-9_-]{22}:[A-Za-z0-9_-]{43}$/);
    expect(stored).not.toContain(secret);
    expect(await verifySecret(secret, stored)).toBe(true);
    for (const wrong of ['', secret.slice(1), `${secret}x`, secret.toUpperCase(), newSecret()])
      expect(await verifySecret(wrong, stored)).toBe(false);
  });

  it('salts each hash: the same secret hashes differently twice, and each verifies', async () => {
    const [a, b] = [await hashSecret('same-secret', cheap), await hashSecret('same-secret', cheap)];
    expect(a).not.toBe(b);
    expect(await verifySecret('same-secret', a)).toBe(true);
    expect(await verifySecret('same-secret', b)).toBe(true);
  });

  it('makes long random secrets and tokens of name and secret', () => {
    const secrets = new Set(Array.from({ length: 50 }, newSecret));
    expect(secrets.size).toBe(50);
    for (const s of secrets) expect(s).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(personalToken('li.wei', 'abc')).toBe('li.wei:abc');
  });
});

describe('roles', () => {
  it('orders viewer < operator < admin: each may do what the ones before may', () => {
    expect(roleAllows('viewer', 'viewer')).toBe(true);
    expect(roleAllows('viewer', 'operator')).toBe(false);
    expect(roleAllows('viewer', 'admin')).toBe(false);
    expect(roleAllows('operator', 'viewer')).toBe(true);
    expect(roleAllows('operator', 'operator')).toBe(true);
    expect(roleAllows('operator', 'admin')).toBe(false);
    expect(roleAllows('admin', 'viewer')).toBe(true);
    expect(roleAllows('admin', 'operator')).toBe(true);
    expect(roleAllows('admin', 'admin')).toBe(true);
  });

  it('keeps bi outside the ladder: a BI user may do nothing in the console', () => {
    for (const needed of ['viewer', 'operator', 'admin'] as const) expect(roleAllows('bi', needed)).toBe(false);
  });
});

describe('the console users file', () => {
  let hash: string;
  beforeAll(async () => {
    hash = await hashSecret(newSecret(), cheap);
  });

  it('reads YAML and JSON into names, roles and hashes', () => {
    const yaml = `users:\n  - name: li.wei\n    role: viewer\n    secret: ${hash}\n  - name: ops-zhang\n    role: operator\n    secret: "${hash}"\n`;
    expect(parseConsoleUsers(yaml, 'CONSOLE_USERS_FILE', 'users.yaml')).toEqual([
      { name: 'li.wei', role: 'viewer', secretHash: hash },
      { name: 'ops-zhang', role: 'operator', secretHash: hash },
    ]);
    const json = JSON.stringify({
      users: [
        { name: 'admin_wang', role: 'admin', secret: hash },
        { name: 'metabase', role: 'bi', secret: hash },
      ],
    });
    expect(parseConsoleUsers(json, 'CONSOLE_USERS', 'the setting')).toEqual([
      { name: 'admin_wang', role: 'admin', secretHash: hash },
      { name: 'metabase', role: 'bi', secretHash: hash },
    ]);
  });

  it('names the setting, the source and the entry of every bad entry', () => {
    const text = JSON.stringify({
      users: [
        { name: 'li.wei', role: 'viewer', secret: hash },
        { name: 'zhang', role: 'superuser', secret: hash },
        { name: 'Wang Fang', role: 'admin', secret: hash },
        { name: 'chen', role: 'viewer', secret: 'plain-text-password' },
        { name: 'li.wei', role: 'admin', secret: hash },
        { name: 'zhao', role: 'viewer', secret: hash, password: 'x' },
      ],
    });
    const message = configError(() => parseConsoleUsers(text, 'CONSOLE_USERS_FILE', '/etc/console-users.yaml'));
    expect(message).toContain('CONSOLE_USERS_FILE: /etc/console-users.yaml');
    expect(message).toMatch(/users\[1\] "zhang"\.role: must be one of viewer, operator, admin, bi/);
    expect(message).toMatch(/users\[2\] "Wang Fang"\.name: use 1-64 lower-case/);
    expect(message).toMatch(/users\[3\] "chen"\.secret: must be a hash made by `pnpm console-user add`/);
    expect(message).not.toContain('plain-text-password'); // a secret pasted by mistake is never repeated
    expect(message).toMatch(/users\[4\] "li\.wei"\.name: user name "li\.wei" is used twice/);
    expect(message).toMatch(/users\[5\] "zhao": Unrecognized key: "password"/i);
    expect(message).not.toMatch(/users\[0\]/);
  });

  it('refuses hashes too cheap to protect a secret, a file without users, and what is not YAML', () => {
    const weak = hash.replace('scrypt:16384:', 'scrypt:1024:');
    expect(
      configError(() => parseConsoleUsers(`users:\n  - {name: a, role: viewer, secret: "${weak}"}`, 'CONSOLE_USERS_FILE', 'u.yaml')),
    ).toMatch(/users\[0\] "a"\.secret: scrypt cost N must be a power of two from 16384/);
    expect(configError(() => parseConsoleUsers('users: []', 'CONSOLE_USERS_FILE', 'u.yaml'))).toMatch(
      /users: list at least one user \(pnpm console-user add/,
    );
    expect(configError(() => parseConsoleUsers('', 'CONSOLE_USERS_FILE', 'u.yaml'))).toMatch(/users: .*(expected array|Invalid input)/i);
    expect(configError(() => parseConsoleUsers('users: [unclosed', 'CONSOLE_USERS', 'the setting'))).toMatch(
      /CONSOLE_USERS: the setting is not valid YAML or JSON \(line 1/,
    );
  });

  it('loads the file and the setting together, and refuses a name defined in both or a file it cannot read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'console-users-'));
    const file = join(dir, 'users.yaml');
    writeFileSync(file, `users:\n  - {name: li.wei, role: viewer, secret: "${hash}"}\n`);
    const inline = (name: string) => JSON.stringify({ users: [{ name, role: 'admin', secret: hash }] });
    expect(loadConsoleUsers({ file, inline: inline('wang') }).map((u) => [u.name, u.role])).toEqual([
      ['li.wei', 'viewer'],
      ['wang', 'admin'],
    ]);
    expect(configError(() => loadConsoleUsers({ file, inline: inline('li.wei') }))).toContain(
      `user "li.wei" is defined in both ${file} and CONSOLE_USERS`,
    );
    expect(configError(() => loadConsoleUsers({ file: join(dir, 'missing.yaml') }))).toMatch(
      /CONSOLE_USERS_FILE: cannot read .*missing\.yaml \(ENOENT\)/,
    );
  });
});
