import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError, describeDocumentPath } from '@segmentation/runtime';

// The console's people (身份与角色): each signs in with a personal access token `<name>:<secret>`;
// the users file (CONSOLE_USERS_FILE) or the CONSOLE_USERS setting holds their names, roles and
// only a salted scrypt hash of each secret, so a copy of the file signs nobody in.

/** Least to most: each role may do everything the ones before it may. */
export const CONSOLE_ROLES = ['viewer', 'operator', 'admin'] as const;
export type ConsoleRole = (typeof CONSOLE_ROLES)[number];

/**
 * BI tools' users (DBeaver, Metabase, Superset, Grafana): they read ClickHouse through the BI
 * endpoint (docs/bi.md) and only there. Outside the console's ladder: the console refuses them,
 * so a token saved in a BI tool's connection settings opens no console page or API.
 */
export const BI_ROLE = 'bi';
/** Every role a users file may give. */
export const USER_ROLES = [...CONSOLE_ROLES, BI_ROLE] as const;
export type UserRole = (typeof USER_ROLES)[number];

export interface ConsoleUser {
  name: string;
  role: ConsoleRole;
}

/** One person of the users file: a console user, or a BI user (role bi). */
export interface ConsoleUserEntry {
  name: string;
  role: UserRole;
  /** `scrypt:<N>:<r>:<p>:<salt>:<hash>`, salt and hash in base64url. */
  secretHash: string;
}

/** Whether `role` may do what needs `needed` in the console; a BI user may do nothing there. */
export const roleAllows = (role: UserRole, needed: ConsoleRole): boolean =>
  role !== BI_ROLE && CONSOLE_ROLES.indexOf(role) >= CONSOLE_ROLES.indexOf(needed);

// scrypt's cost: N = 2^15 with r = 8 takes some 50-100 ms and 32 MiB per guess, which is what makes
// a stolen users file slow to attack; the console pays it once per token (console-access.ts caches).
const DEFAULT_COST = { N: 2 ** 15, r: 8, p: 1 };
const HASH_BYTES = 32;
const SALT_BYTES = 16;
const HASH_FORMAT = /^scrypt:(\d+):(\d+):(\d+):([A-Za-z0-9_-]{22,}):([A-Za-z0-9_-]{43,})$/;

interface ParsedHash {
  cost: { N: number; r: number; p: number };
  salt: Buffer;
  hash: Buffer;
}

/** What is wrong with a stored hash, in words that do not repeat it; undefined when it is usable. */
function hashProblem(stored: string): string | undefined {
  const m = HASH_FORMAT.exec(stored);
  if (m === null) return 'must be a hash made by `pnpm console-user add` (scrypt:N:r:p:salt:hash), never the secret itself';
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // Below 2^14 scrypt is cheap to guess; above 2^20 one sign-in would take seconds and a gigabyte.
  if (!Number.isInteger(Math.log2(N)) || N < 2 ** 14 || N > 2 ** 20) return 'scrypt cost N must be a power of two from 16384 to 1048576';
  if (r < 1 || r > 32 || p < 1 || p > 16) return 'scrypt r must be 1-32 and p 1-16';
  return undefined;
}

function parseHash(stored: string): ParsedHash {
  const problem = hashProblem(stored);
  if (problem !== undefined) throw new Error(`unusable secret hash: ${problem}`);
  const m = HASH_FORMAT.exec(stored)!;
  return {
    cost: { N: Number(m[1]), r: Number(m[2]), p: Number(m[3]) },
    salt: Buffer.from(m[4]!, 'base64url'),
    hash: Buffer.from(m[5]!, 'base64url'),
  };
}

function scryptAsync(secret: string, salt: Buffer, length: number, cost: { N: number; r: number; p: number }): Promise<Buffer> {
  // Node refuses above 32 MiB by default; scrypt needs 128 * N * r bytes, plus room.
  const options: ScryptOptions = { ...cost, maxmem: 256 * cost.N * cost.r };
  return new Promise((resolve, reject) => scrypt(secret, salt, length, options, (err, key) => (err ? reject(err) : resolve(key))));
}

/** A new salted hash of `secret` for the users file. Off the event loop (libuv's thread pool). */
export async function hashSecret(secret: string, cost = DEFAULT_COST): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await scryptAsync(secret, salt, HASH_BYTES, cost);
  return `scrypt:${cost.N}:${cost.r}:${cost.p}:${salt.toString('base64url')}:${hash.toString('base64url')}`;
}

/** Whether `secret` is the one `stored` was made from; compared in constant time. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const { cost, salt, hash } = parseHash(stored);
  const candidate = await scryptAsync(secret, salt, hash.length, cost);
  return timingSafeEqual(candidate, hash);
}

/** A random secret for a new user: 192 bits, so guessing is hopeless whatever the hash. */
export const newSecret = (): string => randomBytes(24).toString('base64url');

/** The token a person pastes into the console: their name, a colon, their secret. */
export const personalToken = (name: string, secret: string): string => `${name}:${secret}`;

/** Names appear in logs, the audit trail and the token (before its colon): short, lower-case, no colon. */
export const userNameSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9._-]{0,63}$/,
    'use 1-64 lower-case letters, digits, ".", "_" and "-", starting with a letter or digit (the name appears in logs, the audit trail and the token)',
  );

const userSchema = z
  .object({
    name: userNameSchema,
    role: z.enum(USER_ROLES, { error: `must be one of ${USER_ROLES.join(', ')}` }),
    secret: z.string().superRefine((v, ctx) => {
      const problem = hashProblem(v);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    }),
  })
  .strict();

export const usersDocumentSchema = z
  .object({
    users: z.array(userSchema).min(1, 'list at least one user (pnpm console-user add NAME --role viewer|operator|admin|bi)'),
  })
  .strict();

/** Names used twice, from the raw document: zod skips refinements while any entry is invalid. */
function duplicateNames(raw: unknown): Array<{ path: Array<string | number>; message: string }> {
  const users = typeof raw === 'object' && raw !== null ? (raw as { users?: unknown }).users : undefined;
  if (!Array.isArray(users)) return [];
  const seen = new Set<unknown>();
  return users.flatMap((u: unknown, i) => {
    const name = typeof u === 'object' && u !== null ? (u as { name?: unknown }).name : undefined;
    if (typeof name !== 'string') return [];
    const twice = seen.has(name);
    seen.add(name);
    return twice ? [{ path: ['users', i, 'name'], message: `user name "${name}" is used twice` }] : [];
  });
}

/**
 * The users of a users document (YAML, or JSON, which is YAML too). Every problem becomes one
 * ConfigError naming `setting`, the source (the file's path) and the entry (`users[2] "li.wei".role`).
 */
export function parseConsoleUsers(text: string, setting: string, source: string): ConsoleUserEntry[] {
  // prettyErrors gives each error its line; only the line and the code are shown, never the text.
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => `line ${e.linePos?.[0].line ?? '?'}: ${e.code}`);
    throw new ConfigError(`invalid configuration:\n  ${setting}: ${source} is not valid YAML or JSON (${problems.join('; ')})`);
  }
  const raw: unknown = doc.toJS() ?? {};
  const result = usersDocumentSchema.safeParse(raw);
  const issues = [...(result.success ? [] : result.error.issues), ...duplicateNames(raw)];
  if (!result.success || issues.length > 0) {
    const problems = issues.map((i) => `${describeDocumentPath(raw, i.path)}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${setting}: ${source} has invalid console users:\n    ${problems.join('\n    ')}`);
  }
  return result.data.users.map((u) => ({ name: u.name, role: u.role, secretHash: u.secret }));
}

/**
 * Every console user: those of the file and those of the setting together (a name in both is an
 * error: which one would count is not obvious).
 */
export function loadConsoleUsers(sources: { file?: string; inline?: string }): ConsoleUserEntry[] {
  const users: Array<ConsoleUserEntry & { from: string }> = [];
  if (sources.file !== undefined) {
    let text: string;
    try {
      text = readFileSync(sources.file, 'utf8');
    } catch (err) {
      throw new ConfigError(
        `invalid configuration:\n  CONSOLE_USERS_FILE: cannot read ${sources.file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
      );
    }
    users.push(...parseConsoleUsers(text, 'CONSOLE_USERS_FILE', sources.file).map((u) => ({ ...u, from: sources.file! })));
  }
  if (sources.inline !== undefined)
    users.push(...parseConsoleUsers(sources.inline, 'CONSOLE_USERS', 'the setting').map((u) => ({ ...u, from: 'CONSOLE_USERS' })));
  const byName = new Map<string, string>();
  for (const u of users) {
    const other = byName.get(u.name);
    if (other !== undefined)
      throw new ConfigError(
        `invalid configuration:\n  CONSOLE_USERS: user "${u.name}" is defined in both ${other} and ${u.from}; keep one`,
      );
    byName.set(u.name, u.from);
  }
  return users.map(({ from: _from, ...u }) => u);
}
