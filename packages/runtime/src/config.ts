import { z } from 'zod';
import { ConfigError } from './errors.ts';

/**
 * Parses environment-style settings with a zod schema. Empty strings count as unset, so
 * `FOO=` falls back to the default instead of failing or becoming "". Errors name every bad setting.
 */
export function parseConfig<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>): z.output<S> {
  const cleaned: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== '') cleaned[key] = value.trim();
  }
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  return result.data;
}

/** An integer setting given as a string; `z.coerce` is avoided so "abc" fails with a clear message. */
export const intSetting = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .regex(/^-?\d+$/, 'must be an integer')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** A boolean setting: only "true"/"false"/"1"/"0" (z.coerce.boolean would turn "false" into true). */
export const boolSetting = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** A comma-separated list. */
export const listSetting = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

/**
 * Where in a parsed settings document (a users file, the notifier file) a problem is, as a person
 * finds it: `receivers[1] "dingtalk-ops".timeoutMs` — each list index with its entry's name, when
 * the entry has one. `whole` names the document itself (an empty path).
 */
export function describeDocumentPath(raw: unknown, path: ReadonlyArray<PropertyKey>, whole = '(document)'): string {
  let node: unknown = raw;
  let out = '';
  for (const key of path) {
    node = typeof node === 'object' && node !== null ? (node as Record<PropertyKey, unknown>)[key] : undefined;
    if (typeof key === 'number') {
      out += `[${key}]`;
      const name = typeof node === 'object' && node !== null ? (node as { name?: unknown }).name : undefined;
      if (typeof name === 'string') out += ` "${name}"`;
    } else {
      out += out === '' ? String(key) : `.${String(key)}`;
    }
  }
  return out || whole;
}
