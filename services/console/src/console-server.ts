import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import cors from '@fastify/cors';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { healthReport, ServiceUnavailableError, type HealthCheck, type Logger } from '@segmentation/runtime';
import type { EpisodeQueries } from './alert-episodes.ts';
import type { AlertInbox } from './alert-inbox.ts';
import { registerAlertWorkflowRoutes } from './alert-workflow-routes.ts';
import { WorkflowUnavailableError, type AlertWorkflowStore } from './alert-workflow-store.ts';
import { ApiError, parse } from './api-request.ts';
import { createAuthenticator, defaultRole, requiresRole, type ConsoleAccess } from './console-access.ts';
import { AuditUnavailableError, type AuditTrail } from './console-audit.ts';
import { roleAllows, type ConsoleRole, type ConsoleUser } from './console-users.ts';
import type { CustomerDetails } from './customer-details.ts';
import type { HistoryQueries } from './history-queries.ts';
import type { FeedItem, LiveFeed } from './live-feed.ts';
import type { MeasureQueries } from './measures.ts';
import { registerMeasureRoutes } from './measures-routes.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The least role the route needs (requiresRole); unset: viewer to read, admin to change. */
    role?: ConsoleRole;
  }
  interface FastifyRequest {
    /** Who sent an /api/ request, once the access check passed. */
    consoleUser?: ConsoleUser;
  }
}

export interface ConsoleServerSettings {
  host: string;
  port: number;
  /** Personal users with roles, or the shared CONSOLE_TOKEN of before (one admin). */
  access: ConsoleAccess;
  /** Origins allowed to call the API from another site; empty = CORS off (the page is same-origin). */
  corsOrigins: string[];
  timeZone: string;
  /** Open live streams at most; one more is refused with 503 (each holds a socket and a filter). */
  maxStreams: number;
  /** Milliseconds between SSE comment lines that keep idle proxies from closing the stream. */
  heartbeatMs?: number;
}

export interface ConsoleServerDeps {
  history: HistoryQueries;
  episodes: EpisodeQueries;
  /** The work on alert episodes: acknowledged, assigned, actions, outcomes (the alert-workflow topic). */
  workflow: AlertWorkflowStore;
  /** Alert episodes with their work, per account manager or for the team (alert_episode_facts). */
  inbox: AlertInbox;
  customers: CustomerDetails;
  /** Alert outcomes and CRM measures (the measures pages), from ClickHouse. */
  measures: MeasureQueries;
  feed: LiveFeed;
  /** Who opened which customer, who changed what. */
  audit: AuditTrail;
  /** Puts customers on the erasure list (every role then forgets them); `requestedBy` names the person. */
  eraseCustomers: (customerIds: string[], by: { requestedBy: string; reason: string }) => Promise<void>;
  dimensions: () => Promise<Array<{ name: string; segments: string[] }>>;
  /** The churn model in force: its rules version and whether it was fitted on the company's history. */
  churnModel: () => Promise<{ rulesVersion: string; fitted: boolean }>;
  registry: Registry;
  checks: () => HealthCheck[];
  logger: Logger;
}

const webDir = join(import.meta.dirname, '..', 'web');
const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  // ES modules must come as JavaScript: browsers refuse a module script of another type (nosniff).
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * The page's files by URL path: index.html at `/`, every other .js, .css and .html file of web/
 * (its ES modules under lib/ and views/ included) at its path. Read once at start-up: the page has
 * no build step, and nothing outside web/ can be reached.
 */
export function pageFiles(dir = webDir): Record<string, { body: Buffer; type: string }> {
  const files: Record<string, { body: Buffer; type: string }> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const type = contentTypes[extname(entry.name)];
    if (!entry.isFile() || type === undefined) continue;
    const path = join(entry.parentPath, entry.name);
    const url = `/${path
      .slice(dir.length + 1)
      .split(/[\\/]/)
      .join('/')}`;
    files[url === '/index.html' ? '/' : url] = { body: readFileSync(path), type };
  }
  return files;
}

const name = z.string().min(1).max(128);
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');
const limit = (max: number, fallback: number) => z.coerce.number().int().min(1).max(max).default(fallback);
const querySchemas = {
  alerts: z.object({ level: z.enum(['watch', 'warning', 'critical']).optional(), limit: limit(500, 100) }).strict(),
  episodes: z
    .object({
      state: z.enum(['open', 'closed']).default('open'),
      level: z.enum(['watch', 'warning', 'critical']).optional(),
      limit: limit(500, 100),
    })
    .strict(),
  search: z.object({ q: z.string().min(1, 'must not be empty').max(128), limit: limit(100, 20) }).strict(),
  customer: z.object({ id: name }).strict(),
  trends: z.object({ dimension: name, from: date.optional(), to: date.optional() }).strict(),
  stream: z
    .object({
      dimension: name.optional(),
      segment: name.optional(),
      level: z.enum(['watch', 'warning', 'critical', 'cleared']).optional(),
      valueTier: name.optional(),
    })
    .strict(),
  // At most 100 per request: an erasure is deliberate, one ticket's customers at a time.
  erasure: z
    .object({
      customerIds: z.array(name).min(1).max(100),
      reason: z.string().trim().min(1, 'must name a reference such as a ticket number').max(256),
    })
    .strict(),
};

/** The business day `days` before today in `timeZone`, as YYYY-MM-DD. */
function businessDay(timeZone: string, daysAgo = 0): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    Date.now() - daysAgo * 86_400_000,
  );
}

/**
 * The console's HTTP API and page. Everything under /api/ needs a signed-in user (401 otherwise)
 * with the role its route needs (403 otherwise); the page, /healthz, /readyz and /metrics need
 * none (operators choose where it listens). Every /api/ request is logged with its user.
 */
export async function createConsoleServer(settings: ConsoleServerSettings, deps: ConsoleServerDeps): Promise<FastifyInstance> {
  // Fastify's own request log would write URLs (customer ids) and headers: the console logs its
  // own events instead, without personal data or secrets.
  // forceCloseConnections: open live streams would otherwise hold a shutdown forever.
  const app = Fastify({ logger: false, bodyLimit: 16 * 1024, forceCloseConnections: true });
  const authenticate = createAuthenticator(settings.access);
  // CORS stays GET-only: what changes state is done from the console's own page.
  if (settings.corsOrigins.length > 0)
    await app.register(cors, { origin: settings.corsOrigins, methods: ['GET'], allowedHeaders: ['Authorization'] });
  const pages = pageFiles();

  app.addHook('onSend', async (_req, reply) => {
    reply.header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer').header('cache-control', 'no-store');
    reply.header(
      'content-security-policy',
      "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
    );
  });
  app.addHook('onRequest', async (req) => {
    if (!req.url.startsWith('/api/')) return;
    const result = await authenticate(req.headers.authorization);
    if (!result.ok) throw new ApiError(401, result.error);
    req.consoleUser = result.user;
  });
  // After routing, so the route's own role (requiresRole) is known; unknown routes get the default.
  app.addHook('preHandler', (req, _reply, done) => {
    const user = req.consoleUser;
    const needed = req.routeOptions.config.role ?? defaultRole(req.method);
    if (user !== undefined && !roleAllows(user.role, needed)) {
      // no user: not /api/, open
      done(
        new ApiError(
          403,
          `${req.method} ${req.routeOptions.url ?? 'this endpoint'} needs the role ${needed}; ${user.name} is ${user.role} (an admin changes roles in the console users file)`,
          { requiredRole: needed },
        ),
      );
    } else {
      done();
    }
  });
  // The request log: who asked for which route (the pattern: URLs carry customer ids), with what result.
  // A live stream is logged when it opens (stream below): it may stay open for hours.
  const streams = new WeakSet<FastifyRequest>();
  app.addHook('onResponse', async (req, reply) => {
    if (!req.url.startsWith('/api/') || streams.has(req)) return;
    logRequest(req, reply.statusCode, reply.elapsedTime);
  });
  function logRequest(req: FastifyRequest, status: number, ms: number): void {
    deps.logger.info('console_request', {
      user: req.consoleUser?.name ?? null,
      role: req.consoleUser?.role ?? null,
      method: req.method,
      route: req.routeOptions.url ?? 'unknown',
      status,
      ms: Math.round(ms),
    });
  }
  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    if (err instanceof ApiError) return reply.code(err.status).send({ error: err.message, ...err.extra });
    if (err instanceof AuditUnavailableError) {
      deps.logger.error('console_audit_failed', { route: req.routeOptions.url, user: req.consoleUser?.name, err });
      return reply.code(503).send({
        error:
          'the audit trail could not be written (Kafka unavailable): nothing is shown or changed that it cannot record; try again later',
      });
    }
    if (err instanceof WorkflowUnavailableError) {
      deps.logger.error('console_workflow_write_failed', { route: req.routeOptions.url, user: req.consoleUser?.name, err });
      return reply
        .code(503)
        .send({ error: `${err.message}: nothing was recorded; try again (the same request is recognised if it did arrive)` });
    }
    if (err instanceof ServiceUnavailableError) return reply.code(503).send({ error: err.message });
    if (err.statusCode !== undefined && err.statusCode < 500) return reply.code(err.statusCode).send({ error: err.message });
    deps.logger.error('console_request_failed', { route: req.routeOptions.url, err });
    return reply
      .code(503)
      .send({ error: `the console could not answer (${err.name}): ClickHouse or Redis may be unavailable; see /readyz` });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: `no such endpoint: ${req.method} ${req.url.split('?')[0]}` }));

  for (const [path, page] of Object.entries(pages)) app.get(path, (_req, reply) => reply.type(page.type).send(page.body));
  for (const kind of ['healthz', 'readyz'] as const) {
    app.get(`/${kind}`, (_req, reply) => {
      const r = healthReport(deps.checks(), kind);
      return reply.code(r.ok ? 200 : 503).send(r);
    });
  }
  app.get('/metrics', async (_req, reply) => reply.type(deps.registry.contentType).send(await deps.registry.metrics()));

  app.get('/api/me', (req) => req.consoleUser);
  app.get('/api/dimensions', async () => ({ dimensions: await deps.dimensions(), churnModel: await deps.churnModel() }));
  app.get('/api/segment-sizes', async () => ({ asOf: new Date().toISOString(), dimensions: await deps.history.segmentSizes() }));
  app.get('/api/alerts', async (req) => {
    const q = parse(querySchemas.alerts, req.query, 'query');
    return { alerts: await deps.history.currentAlerts(q.level, q.limit) };
  });
  app.get('/api/episodes', async (req) => {
    const q = parse(querySchemas.episodes, req.query, 'query');
    return { episodes: await deps.episodes.episodes(q.state, q.level, q.limit) };
  });
  app.get('/api/customers', async (req) => {
    const q = parse(querySchemas.search, req.query, 'query');
    return { customers: await deps.history.searchCustomers(q.q, q.limit) };
  });
  app.get('/api/customers/:id', async (req) => {
    const { id } = parse(querySchemas.customer, req.params, 'path');
    const details = await deps.customers.details(id);
    if (details === undefined) throw new ApiError(404, `no customer ${id}: no event of theirs has been applied yet`);
    // Recorded before it is shown (PIPL: who looked at which customer): no record, no data.
    await audit(req, 'customer_viewed', [id]);
    return details;
  });
  app.post('/api/erasures', requiresRole('admin'), async (req, reply) => {
    if (typeof req.body !== 'object' || req.body === null)
      throw new ApiError(400, 'send a JSON body {"customerIds": [...], "reason": "<ticket>"} with Content-Type: application/json');
    const body = parse(querySchemas.erasure, req.body, 'body');
    const customerIds = [...new Set(body.customerIds)];
    const user = req.consoleUser!;
    // Recorded first: a change the trail does not know of must not happen (a failed erasure after
    // the record overstates, as a refused drill-down can).
    await audit(req, 'customers_erased', customerIds, body.reason);
    await deps.eraseCustomers(customerIds, { requestedBy: `console:${user.name}`, reason: body.reason });
    // Accepted: every role removes them as it reads the erasure list (docs/operations.md).
    return reply.code(202).send({ customerIds, requestedBy: `console:${user.name}`, reason: body.reason });
  });
  registerAlertWorkflowRoutes(app, deps.workflow, deps.inbox, audit);
  registerMeasureRoutes(app, { measures: deps.measures, dimensions: deps.dimensions, timeZone: settings.timeZone });
  app.get('/api/trends', async (req) => {
    const q = parse(querySchemas.trends, req.query, 'query');
    const to = q.to ?? businessDay(settings.timeZone);
    const from = q.from ?? businessDay(settings.timeZone, 29);
    if (from > to) throw new ApiError(400, `query parameter from (${from}) is after to (${to})`);
    return { dimension: q.dimension, from, to, days: await deps.history.trend(q.dimension, from, to) };
  });
  app.get('/api/stream', (req, reply) => stream(req, reply, parse(querySchemas.stream, req.query, 'query')));

  function stream(req: FastifyRequest, reply: FastifyReply, filter: z.output<typeof querySchemas.stream>): void {
    if (deps.feed.viewerCount >= settings.maxStreams) {
      throw new ApiError(
        503,
        `the console already serves ${settings.maxStreams} live streams (CONSOLE_MAX_STREAMS); close one or try again later`,
      );
    }
    reply.hijack(); // the response is ours from here: the onSend headers are written by hand
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-accel-buffering': 'no', // nginx: do not buffer the stream
      connection: 'keep-alive',
      ...corsHeaders(req),
    });
    const send = (item: FeedItem) => {
      const { kind, ...data } = item;
      res.write(`event: ${kind}\nid: ${kind === 'segment_change' ? item.changeId : item.alertId}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    streams.add(req);
    logRequest(req, 200, reply.elapsedTime);
    const viewer = deps.feed.subscribe(filter, send);
    res.write(': connected\n\n');
    for (const item of viewer.backlog) send(item);
    const heartbeat = setInterval(() => res.write(': ping\n\n'), settings.heartbeatMs ?? 15_000);
    res.on('close', () => {
      clearInterval(heartbeat);
      viewer.unsubscribe();
    });
  }

  async function audit(req: FastifyRequest, action: string, customerIds: string[], detail = ''): Promise<void> {
    const user = req.consoleUser!;
    await deps.audit.record({ user: user.name, role: user.role, action, customerIds, route: req.routeOptions.url ?? 'unknown', detail });
  }

  function corsHeaders(req: FastifyRequest): Record<string, string> {
    const origin = req.headers.origin;
    return origin !== undefined && settings.corsOrigins.includes(origin) ? { 'access-control-allow-origin': origin, vary: 'Origin' } : {};
  }

  await app.listen({ host: settings.host, port: settings.port });
  return app;
}
