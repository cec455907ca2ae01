import { beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator, createBiAuthenticator, defaultRole, requiresRole, SHARED_TOKEN_USER } from './console-access.ts';
import { hashSecret, newSecret, verifySecret, type ConsoleUserEntry } from './console-users.ts';

const cheap = { N: 2 ** 14, r: 8, p: 1 };

describe('signing in with a personal token', () => {
  const secrets = { viewer: newSecret(), admin: newSecret(), bi: newSecret() };
  let users: ConsoleUserEntry[];
  beforeAll(async () => {
    users = [
      { name: 'li.wei', role: 'viewer', secretHash: await hashSecret(secrets.viewer, cheap) },
      { name: 'wang', role: 'admin', secretHash: await hashSecret(secrets.admin, cheap) },
      { name: 'metabase', role: 'bi', secretHash: await hashSecret(secrets.bi, cheap) },
    ];
  });

  it('refuses a BI user (role bi) with the right secret, and says where BI users belong', async () => {
    const authenticate = createAuthenticator({ kind: 'users', users });
    expect(await authenticate(`Bearer metabase:${secrets.bi}`)).toEqual({
      ok: false,
      error: expect.stringContaining('BI endpoint') as unknown,
    });
    expect(await authenticate(`Bearer metabase:${secrets.bi}x`)).toMatchObject({
      ok: false,
      error: expect.stringContaining('Authorization: Bearer <name>:<secret>') as unknown,
    });
  });

  it('lets only BI users into the BI endpoint, by name and secret, checking scrypt once per pair', async () => {
    let checks = 0;
    const counting: typeof verifySecret = (secret, stored) => {
      checks += 1;
      return verifySecret(secret, stored);
    };
    const authenticate = createBiAuthenticator(users, counting);
    expect(await Promise.all([authenticate('metabase', secrets.bi), authenticate('metabase', secrets.bi)])).toEqual([true, true]);
    expect(await authenticate('metabase', secrets.bi)).toBe(true);
    expect(checks).toBe(1);
    // Console users, even admins, do not get in; nor does a wrong secret or an unknown name.
    expect(await authenticate('wang', secrets.admin)).toBe(false);
    expect(await authenticate('li.wei', secrets.viewer)).toBe(false);
    expect(await authenticate('metabase', secrets.admin)).toBe(false);
    expect(await authenticate('nobody', secrets.bi)).toBe(false);
    expect(await authenticate('metabase', '')).toBe(false);
    expect(checks).toBe(6);
  });

  it('knows each person by name and secret, with their role', async () => {
    const authenticate = createAuthenticator({ kind: 'users', users });
    expect(await authenticate(`Bearer li.wei:${secrets.viewer}`)).toEqual({ ok: true, user: { name: 'li.wei', role: 'viewer' } });
    expect(await authenticate(`bearer wang:${secrets.admin}`)).toEqual({ ok: true, user: { name: 'wang', role: 'admin' } });
    // Remembered after the first check, and still exact.
    expect(await authenticate(`Bearer li.wei:${secrets.viewer}`)).toEqual({ ok: true, user: { name: 'li.wei', role: 'viewer' } });
  });

  it("refuses a wrong secret, another user's secret, an unknown name, and anything not Bearer name:secret", async () => {
    const authenticate = createAuthenticator({ kind: 'users', users });
    const headers = [
      undefined,
      '',
      `Bearer li.wei:${secrets.viewer}x`,
      `Bearer li.wei:${secrets.admin}`,
      `Bearer wang:${secrets.viewer}`,
      `Bearer nobody:${secrets.viewer}`,
      `Bearer ${secrets.viewer}`,
      `Basic li.wei:${secrets.viewer}`,
      `Bearer li.wei:`,
      `Bearer :${secrets.viewer}`,
      `Bearer li.wei:${secrets.viewer} extra`,
    ];
    for (const header of headers) {
      const result = await authenticate(header);
      expect(result.ok, String(header)).toBe(false);
      expect(result).toMatchObject({ error: expect.stringContaining('Authorization: Bearer <name>:<secret>') as unknown });
    }
    // A failure is not remembered as a success, nor does it spoil the right secret.
    expect((await authenticate(`Bearer li.wei:${secrets.viewer}`)).ok).toBe(true);
  });

  it('runs scrypt once for requests that carry a token together and after, every time for a wrong one', async () => {
    let checks = 0;
    const counting: typeof verifySecret = (secret, stored) => {
      checks += 1;
      return verifySecret(secret, stored);
    };
    const authenticate = createAuthenticator({ kind: 'users', users }, counting);
    const results = await Promise.all(Array.from({ length: 8 }, () => authenticate(`Bearer wang:${secrets.admin}`)));
    expect(results.every((r) => r.ok && r.user.name === 'wang')).toBe(true);
    expect((await authenticate(`Bearer wang:${secrets.admin}`)).ok).toBe(true);
    expect(checks).toBe(1);
    for (let i = 0; i < 3; i++) expect((await authenticate(`Bearer wang:${secrets.viewer}`)).ok).toBe(false);
    expect((await authenticate(`Bearer nobody:${secrets.viewer}`)).ok).toBe(false); // an unknown name costs a check too
    expect(checks).toBe(5);
  });

  it('takes the shared CONSOLE_TOKEN as one admin user when no users are configured', async () => {
    const token = 'a-shared-console-token-of-some-length';
    const authenticate = createAuthenticator({ kind: 'shared-token', token });
    expect(await authenticate(`Bearer ${token}`)).toEqual({ ok: true, user: SHARED_TOKEN_USER });
    expect(SHARED_TOKEN_USER).toEqual({ name: 'admin', role: 'admin' });
    expect(await authenticate(`Bearer ${token}x`)).toMatchObject({ ok: false, error: expect.stringContaining('CONSOLE_TOKEN') as unknown });
    expect((await authenticate(undefined)).ok).toBe(false);
  });
});

describe('the role a request needs', () => {
  it('is viewer to read and admin to change, unless the route says', () => {
    expect(defaultRole('GET')).toBe('viewer');
    expect(defaultRole('HEAD')).toBe('viewer');
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) expect(defaultRole(method)).toBe('admin');
    expect(requiresRole('operator')).toEqual({ config: { role: 'operator' } });
  });
});
