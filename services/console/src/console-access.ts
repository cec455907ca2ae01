import { createHash } from 'node:crypto';
import { bearerTokenMatches } from './access-token.ts';
import { hashSecret, verifySecret, type ConsoleRole, type ConsoleUser, type ConsoleUserEntry } from './console-users.ts';

/**
 * Who may use the console. `users`: each person with their own token and role (CONSOLE_USERS_FILE,
 * CONSOLE_USERS). `shared-token`: the one CONSOLE_TOKEN of before, kept working as a single admin
 * user until a users file is configured.
 */
export type ConsoleAccess = { kind: 'users'; users: ConsoleUserEntry[] } | { kind: 'shared-token'; token: string };

/** The user the shared CONSOLE_TOKEN signs in as: it could do everything before roles existed. */
export const SHARED_TOKEN_USER: ConsoleUser = { name: 'admin', role: 'admin' };

export type Authentication = { ok: true; user: ConsoleUser } | { ok: false; error: string };

/** Verified tokens remembered at most; one per person and browser is what a console sees. */
const CACHE_ENTRIES = 1024;

/**
 * Checks the `Authorization` header of a request: `Bearer <name>:<secret>` with users,
 * `Bearer <token>` with the shared token. The header is the only place a token is read from: never
 * a URL (URLs end up in proxy logs and browser history).
 */
export function createAuthenticator(access: ConsoleAccess, verify: typeof verifySecret = verifySecret): (authorization: string | undefined) => Promise<Authentication> {
  if (access.kind === 'shared-token') {
    return (authorization) => Promise.resolve(bearerTokenMatches(authorization, access.token)
      ? { ok: true, user: SHARED_TOKEN_USER }
      : { ok: false, error: 'missing or wrong access token: send it as the header "Authorization: Bearer <token>" (CONSOLE_TOKEN)' });
  }
  const users = new Map(access.users.map((u) => [u.name, u]));
  const refused: Authentication = { ok: false, error: 'missing or wrong access token: send your personal token as the header "Authorization: Bearer <name>:<secret>" (an admin makes one with pnpm console-user add)' };
  // An unknown name costs the same scrypt as a known one, so the answer time does not say which names exist.
  const decoy = hashSecret('decoy');
  // scrypt is deliberately slow: the page sends several requests a second with the same token, so a
  // verified token is remembered by its digest (the process never keeps the secret itself), and
  // requests that arrive while the first check of a token runs wait for that check.
  const verified = new Map<string, Promise<ConsoleUser | undefined>>();

  async function check(name: string, secret: string): Promise<ConsoleUser | undefined> {
    const entry = users.get(name);
    const ok = await verify(secret, entry?.secretHash ?? await decoy);
    return ok && entry ? { name: entry.name, role: entry.role } : undefined;
  }

  return async (authorization) => {
    const m = /^Bearer\s+([^:\s]+):(\S+)\s*$/i.exec(authorization ?? '');
    if (m === null) return refused;
    const [name, secret] = [m[1]!, m[2]!];
    const key = createHash('sha256').update(`${name}\0${secret}`).digest('base64');
    let pending = verified.get(key);
    if (pending === undefined) {
      pending = check(name, secret);
      if (verified.size >= CACHE_ENTRIES) verified.delete(verified.keys().next().value!);
      verified.set(key, pending);
    }
    const user = await pending;
    // Only a success is remembered: a wrong secret is checked in full every time.
    if (user === undefined) verified.delete(key);
    return user ? { ok: true, user } : refused;
  };
}

/** The least role each kind of request needs, unless its route says otherwise (requiresRole). */
export const defaultRole = (method: string): ConsoleRole => (method === 'GET' || method === 'HEAD' ? 'viewer' : 'admin');

/**
 * Route options that make a route need `role` at least: viewers read, operators also work churn
 * alerts (the alert-workflow endpoints), admins also change state (erasure, rules). A route that
 * changes state and says nothing needs admin.
 */
export const requiresRole = (role: ConsoleRole) => ({ config: { role } });
