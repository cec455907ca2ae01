import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import type { OutputCause } from '@segmentation/contracts';
import { ConfigError, describeDocumentPath } from '@segmentation/runtime';

// Where alerts go: one YAML file (NOTIFIER_FILE), validated in full at start-up. Receiver URLs
// and secrets are credentials (DingTalk's access_token, WeCom's key, Slack's hook path), so no
// error message here ever quotes them: errors name the receiver and the field.

export const RECEIVER_TYPES = ['webhook', 'slack', 'dingtalk', 'wecom', 'alertmanager'] as const;
export type ReceiverType = (typeof RECEIVER_TYPES)[number];

export const ALERT_LEVELS = ['watch', 'warning', 'critical', 'cleared'] as const;
export type AlertLevel = (typeof ALERT_LEVELS)[number];

/** Why an alert was decided (the alert's `cause`). */
export const ALERT_CAUSES = ['event', 'timer', 'profile', 'rules_changed'] as const satisfies readonly OutputCause[];

const SETTING = 'NOTIFIER_FILE';
const ENV_REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

const receiverName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'use lower-case letters, digits, "-" and "_" (the name appears in logs, metrics and dead letters)');
const nonEmptyList = z.array(z.string().trim().min(1)).min(1, 'list at least one value, or leave the field out');

const receiverSchema = z
  .object({
    name: receiverName,
    type: z.enum(RECEIVER_TYPES),
    /** The receiver's address; may be `${ENV}`. Alertmanager: its base URL (the API path is added). */
    url: z.string(),
    /** webhook: the HMAC key of X-Segmentation-Signature; dingtalk: the robot's 加签 secret. May be `${ENV}`. */
    secret: z.string().min(1).optional(),
    /** Per attempt (ms): chat robots answer in well under a second; 10 s covers a slow corporate proxy. */
    timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
    /**
     * alertmanager only (hours): a churn alert is an event, not a condition re-sent every minute as
     * Prometheus does, so it is posted with an explicit end this far ahead (Alertmanager would
     * otherwise resolve it after its resolve_timeout, 5 minutes). A `cleared` alert ends it at once.
     */
    holdHours: z
      .number()
      .positive()
      .max(24 * 365)
      .default(24 * 7),
    /**
     * Whether the receiver hears of an episode's close (流失预警解除), default true. false: only the
     * opening and the escalations, for a group that acts on risk and finds the all-clear noise.
     * Not on alertmanager: there the close resolves the alert, and whether people hear of a resolved
     * alert is Alertmanager's own `send_resolved`.
     */
    closes: z.boolean().default(true),
  })
  .strict();

const matchSchema = z
  .object({
    levels: z.array(z.enum(ALERT_LEVELS)).min(1, 'list at least one level, or leave the field out').optional(),
    /** The alert's valueTier (high, medium, low as the rules name them); an alert without one matches no list. */
    valueTiers: nonEmptyList.optional(),
    /** The customer profile's region, exactly as the CRM writes it. */
    regions: nonEmptyList.optional(),
    accountManagers: nonEmptyList.optional(),
    /**
     * The alert's cause. A rules change or model refit re-evaluates every customer and can open,
     * escalate or close many episodes at once (cause rules_changed): list the other causes on the
     * routes to chat robots and send rules_changed to a receiver that groups.
     */
    causes: z.array(z.enum(ALERT_CAUSES)).min(1, 'list at least one cause, or leave the field out').optional(),
  })
  .strict();

const routeSchema = z
  .object({
    /** Every listed condition must hold; a value matches when it is one of the list. No match: every alert. */
    match: matchSchema.default({}),
    receivers: z.array(receiverName).min(1, 'name at least one receiver'),
  })
  .strict();

const segmentChangeRouteSchema = z
  .object({
    dimension: z.string().trim().min(1),
    /** Segments left; `none` is a customer's first segment in the dimension. Absent: any. */
    from: nonEmptyList.optional(),
    /** Segments entered. Absent: any. */
    to: nonEmptyList.optional(),
    receivers: z.array(receiverName).min(1, 'name at least one receiver'),
  })
  .strict();

export const notifierConfigSchema = z
  .object({
    receivers: z.array(receiverSchema).default([]),
    routes: z.array(routeSchema).default([]),
    /**
     * The console's address as the receivers' readers reach it (may be `${ENV}`): churn alert messages
     * then link to their episode in the console's alert inbox. Absent: messages carry the episode id only.
     */
    consoleUrl: z.string().trim().min(1).optional(),
    /** Absent or empty: the notifier does not read segment-changes at all. */
    segmentChanges: z.array(segmentChangeRouteSchema).default([]),
    /**
     * Alerts and changes whose event time is older than this many hours are not sent (0 = send all):
     * a replay, an imported history or a first start on a topic with a past would otherwise page
     * people about what happened months ago.
     */
    maxAgeHours: z.number().min(0).default(24),
    retry: z
      .object({
        /** Attempts per receiver and alert, the first included, before the alert is dead-lettered. */
        attempts: z.number().int().min(1).max(50).default(5),
        /** Backoff before the second attempt (ms); doubled each time, with jitter. */
        initialMs: z.number().int().min(1).default(500),
        /** Cap of one backoff (ms): kept below a chat robot's one-minute rate window. */
        maxMs: z.number().int().min(1).default(30_000),
      })
      .strict()
      .default({ attempts: 5, initialMs: 500, maxMs: 30_000 })
      .refine((r) => r.maxMs >= r.initialMs, { message: 'maxMs must not be below initialMs', path: ['maxMs'] }),
  })
  .strict()
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.receivers.forEach((r, i) => {
      if (seen.has(r.name))
        ctx.addIssue({ code: 'custom', message: `receiver name "${r.name}" is used twice`, path: ['receivers', i, 'name'] });
      seen.add(r.name);
      if (r.secret !== undefined && !['webhook', 'dingtalk'].includes(r.type)) {
        ctx.addIssue({
          code: 'custom',
          message: `a ${r.type} receiver takes no secret (only webhook and dingtalk sign)`,
          path: ['receivers', i, 'secret'],
        });
      }
      if (r.type === 'alertmanager' && !r.closes) {
        ctx.addIssue({
          code: 'custom',
          message:
            'an alertmanager receiver always gets the close: it resolves the alert (set send_resolved in Alertmanager to choose who hears of it)',
          path: ['receivers', i, 'closes'],
        });
      }
    });
    const known = (list: string[], path: Array<string | number>) =>
      list.forEach((name, j) => {
        if (!seen.has(name)) ctx.addIssue({ code: 'custom', message: `unknown receiver "${name}"`, path: [...path, j] });
      });
    config.routes.forEach((route, i) => known(route.receivers, ['routes', i, 'receivers']));
    config.segmentChanges.forEach((route, i) => known(route.receivers, ['segmentChanges', i, 'receivers']));
  });

export type NotifierConfig = z.output<typeof notifierConfigSchema>;
export type ReceiverConfig = NotifierConfig['receivers'][number];
export type AlertRoute = NotifierConfig['routes'][number];
export type SegmentChangeRoute = NotifierConfig['segmentChanges'][number];
export type RetrySettings = NotifierConfig['retry'];

/** Reads and validates the notifier file; every problem becomes one ConfigError naming the setting, the receiver or route, and the field. */
export function loadNotifierConfig(path: string, env: Record<string, string | undefined>): NotifierConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`${SETTING}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return parseNotifierConfig(text, env, path);
}

/** The same from the file's text: tests parse their own. */
export function parseNotifierConfig(text: string, env: Record<string, string | undefined>, source = '(inline)'): NotifierConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => `line ${e.linePos?.[0].line ?? '?'}: ${e.code}`);
    throw new ConfigError(`${SETTING} ${source}: not valid YAML (${problems.join('; ')})`);
  }
  const raw: unknown = doc.toJS() ?? {};
  const result = notifierConfigSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${describeDocumentPath(raw, i.path, '(file)')}: ${i.message}`);
    throw new ConfigError(`${SETTING} ${source}: invalid notifier configuration:\n  ${problems.join('\n  ')}`);
  }
  const config = result.data;
  const problems: string[] = [];
  config.receivers = config.receivers.map((r, i) => {
    const where = describeDocumentPath(raw, ['receivers', i], '(file)');
    let unset = false;
    const expand = (field: 'url' | 'secret', value: string) =>
      expandEnv(value, env, (name) => {
        unset = true;
        problems.push(`${where}.${field}: environment variable ${name} is not set`);
      });
    const url = expand('url', r.url);
    const secret = r.secret === undefined ? undefined : expand('secret', r.secret);
    const why = unset ? undefined : urlProblem(url);
    if (why) problems.push(`${where}.url: ${why}`);
    return { ...r, url, secret };
  });
  if (config.consoleUrl !== undefined) {
    let unset = false;
    config.consoleUrl = expandEnv(config.consoleUrl, env, (name) => {
      unset = true;
      problems.push(`consoleUrl: environment variable ${name} is not set`);
    });
    const why = unset ? undefined : urlProblem(config.consoleUrl);
    if (why) problems.push(`consoleUrl: ${why}`);
  }
  if (problems.length > 0) throw new ConfigError(`${SETTING} ${source}: invalid notifier configuration:\n  ${problems.join('\n  ')}`);
  return config;
}

/** Replaces every `${NAME}` with the variable's value; an unset or empty one is reported, never guessed. */
export function expandEnv(value: string, env: Record<string, string | undefined>, missing: (name: string) => void): string {
  return value.replace(ENV_REFERENCE, (_, name: string) => {
    const v = env[name];
    if (v === undefined || v.trim() === '') {
      missing(name);
      return '';
    }
    return v.trim();
  });
}

/** Why a receiver URL is unusable, in words that do not repeat it (it may hold a token). */
function urlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'not a URL (write http://… or https://…, or ${ENV_NAME})';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `must be http or https, not ${parsed.protocol.replace(':', '')}`;
  return undefined;
}
