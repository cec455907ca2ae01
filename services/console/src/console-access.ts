import { createHash } from 'node:crypto';
import { bearerTokenMatches } from './access-token.ts';
import { BI_ROLE, hashSecret, verifySecret, type ConsoleRole, type ConsoleUser, type ConsoleUserEntry } from './console-users.ts';

/**
 * Who may use the console. `users`: each person with their own token and role (CONSOLE_USERS_FILE,
 * CONSOLE_USERS). `shared-token`: the one CONSOLE_TOKEN of before, kept working as a single admin
 * user until a users file is configured.
 */
export type ConsoleAccess = { kind: 'users'; users: ConsoleUserEntry[] } | { kind: 'shared-token'; token: string };

/** The user the shared CONSOLE_TOKEN signs in as: it could do everything before roles existed. */
export const SHARED_TOKEN_USER: ConsoleUser = { name: 'admin', role: 'admin' };

export type Authentication = { ok: true; user: ConsoleUser } | { ok: false; error: string };

/** Verified tokens remembered at most; one per person and browser (or BI tool) is what a process sees. */
const CACHE_ENTRIES = 1024;

/**
 * Checks name and secret against the users file, remembering a success: scrypt is deliberately
 * slow, and the console page (several requests a second) and BI tools (a request per query, each
 * with the same credentials) repeat the same check. A verified pair is remembered by its digest (the
 * process never keeps the secret itself); requests that arrive while the first check of a pair runs
 * wait for that check. A wrong secret is checked in full every time.
 */
function createVerifiedCache(
  users: ConsoleUserEntry[],
  verify: typeof verifySecret,
): (name: string, secret: string) => Promise<ConsoleUserEntry | undefined> {
  const byName = new Map(users.map((u) => [u.name, u]));
  // An unknown name costs the same scrypt as a known one, so the answer time does not say which names exist.
  const decoy = hashSecret('decoy');
  const verified = new Map<string, Promise<ConsoleUserEntry | undefined>>();

  async function check(name: string, secret: string): Promise<ConsoleUserEntry | undefined> {
    const entry = byName.get(name);
    const ok = await verify(secret, entry?.secretHash ?? (await decoy));
    return ok ? entry : undefined;
  }

  return async (name, secret) => {
    const key = createHash('sha256').update(`${name}\0${secret}`).digest('base64');
    let pending = verified.get(key);
    if (pending === undefined) {
      pending = check(name, secret);
      if (verified.size >= CACHE_ENTRIES) verified.delete(verified.keys().next().value!);
      verified.set(key, pending);
    }
    const user = await pending;
    if (user === undefined) verified.delete(key);
    return user;
  };
}

/**
 * Checks the `Authorization` header of a request: `Bearer <name>:<secret>` with users,
 * `Bearer <token>` with the shared token. The header is the only place a token is read from: never
 * a URL (URLs end up in proxy logs and browser history). Users of role bi are refused: they belong
 * to the BI endpoint.
 */
export function createAuthenticator(
  access: ConsoleAccess,
  verify: typeof verifySecret = verifySecret,
): (authorization: string | undefined) => Promise<Authentication> {
  if (access.kind === 'shared-token') {
    return (authorization) =>
      Promise.resolve(
        bearerTokenMatches(authorization, access.token)
          ? { ok: true, user: SHARED_TOKEN_USER }
          : { ok: false, error: 'missing or wrong access token: send it as the header "Authorization: Bearer <token>" (CONSOLE_TOKEN)' },
      );
  }
  const refused: Authentication = {
    ok: false,
    error:
      'missing or wrong access token: send your personal token as the header "Authorization: Bearer <name>:<secret>" (an admin makes one with pnpm console-user add)',
  };
  const verified = createVerifiedCache(access.users, verify);
  return async (authorization) => {
    const m = /^Bearer\s+([^:\s]+):(\S+)\s*$/i.exec(authorization ?? '');
    if (m === null) return refused;
    const user = await verified(m[1]!, m[2]!);
    if (user === undefined) return refused;
    if (user.role === BI_ROLE) {
      return {
        ok: false,
        error: `${user.name} is a BI user (role bi): BI users read ClickHouse through the BI endpoint (docs/bi.md), not the console`,
      };
    }
    return { ok: true, user: { name: user.name, role: user.role } };
  };
}

/**
 * Checks a BI tool's user name and secret (the secret of `pnpm console-user add NAME --role bi`)
 * for the BI endpoint; only users of role bi get in (docs/bi.md, "Connecting BI tools").
 */
export function createBiAuthenticator(
  users: ConsoleUserEntry[],
  verify: typeof verifySecret = verifySecret,
): (name: string, secret: string) => Promise<boolean> {
  const verified = createVerifiedCache(
    users.filter((u) => u.role === BI_ROLE),
    verify,
  );
  return async (name, secret) => (await verified(name, secret)) !== undefined;
}

/** The least role each kind of request needs, unless its route says otherwise (requiresRole). */
export const defaultRole = (method: string): ConsoleRole => (method === 'GET' || method === 'HEAD' ? 'viewer' : 'admin');

/**
 * Route options that make a route need `role` at least: viewers read, operators also work churn
 * alerts (the alert-workflow endpoints), admins also change state (erasure, rules). A route that
 * changes state and says nothing needs admin.
 */
export const requiresRole = (role: ConsoleRole) => ({ config: { role } });
