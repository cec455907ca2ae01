import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import cors from '@fastify/cors';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { healthReport, ServiceUnavailableError, type HealthCheck, type Logger } from '@segmentation/runtime';
import { bearerTokenMatches } from './access-token.ts';
import type { EpisodeQueries } from './alert-episodes.ts';
import type { CustomerDetails } from './customer-details.ts';
import type { HistoryQueries } from './history-queries.ts';
import type { FeedItem, LiveFeed } from './live-feed.ts';

export interface ConsoleServerSettings {
  host: string;
  port: number;
  token: string;
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
  customers: CustomerDetails;
  feed: LiveFeed;
  dimensions: () => Promise<Array<{ name: string; segments: string[] }>>;
  /** The churn model in force: its rules version and whether it was fitted on the company's history. */
  churnModel: () => Promise<{ rulesVersion: string; fitted: boolean }>;
  registry: Registry;
  checks: () => HealthCheck[];
  logger: Logger;
}

const webDir = join(import.meta.dirname, '..', 'web');
const staticFiles: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/i18n.js': { file: 'i18n.js', type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
};

/** A request the API refuses, with the status and a message that says what to send instead. */
class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const name = z.string().min(1).max(128);
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');
const limit = (max: number, fallback: number) => z.coerce.number().int().min(1).max(max).default(fallback);
const querySchemas = {
  alerts: z.object({ level: z.enum(['watch', 'warning', 'critical']).optional(), limit: limit(500, 100) }).strict(),
  episodes: z.object({ state: z.enum(['open', 'closed']).default('open'), level: z.enum(['watch', 'warning', 'critical']).optional(), limit: limit(500, 100) }).strict(),
  search: z.object({ q: z.string().min(1, 'must not be empty').max(128), limit: limit(100, 20) }).strict(),
  customer: z.object({ id: name }).strict(),
  trends: z.object({ dimension: name, from: date.optional(), to: date.optional() }).strict(),
  stream: z.object({ dimension: name.optional(), segment: name.optional(), level: z.enum(['watch', 'warning', 'critical', 'cleared']).optional(), valueTier: name.optional() }).strict(),
};

function parse<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : '');
  throw new ApiError(400, issue.code === 'unrecognized_keys' ? `unknown ${where} parameter ${field}` : `${where} parameter ${field}: ${issue.message}`);
}

/** The business day `days` before today in `timeZone`, as YYYY-MM-DD. */
function businessDay(timeZone: string, daysAgo = 0): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(Date.now() - daysAgo * 86_400_000);
}

/**
 * The console's HTTP API and page. Read-only. Everything under /api/ needs the bearer token;
 * the page, /healthz, /readyz and /metrics do not (operators choose where it listens).
 */
export async function createConsoleServer(settings: ConsoleServerSettings, deps: ConsoleServerDeps): Promise<FastifyInstance> {
  // Fastify's own request log would write URLs (customer ids) and headers: the console logs its
  // own events instead, without personal data or secrets.
  // forceCloseConnections: open live streams would otherwise hold a shutdown forever.
  const app = Fastify({ logger: false, bodyLimit: 16 * 1024, forceCloseConnections: true });
  if (settings.corsOrigins.length > 0) await app.register(cors, { origin: settings.corsOrigins, methods: ['GET'], allowedHeaders: ['Authorization'] });
  const pages = Object.fromEntries(Object.entries(staticFiles).map(([path, f]) => [path, { body: readFileSync(join(webDir, f.file)), type: f.type }]));

  app.addHook('onSend', async (_req, reply) => {
    reply.header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer').header('cache-control', 'no-store');
    reply.header('content-security-policy', "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'");
  });
  app.addHook('onRequest', (req, _reply, done) => {
    if (req.url.startsWith('/api/') && !bearerTokenMatches(req.headers.authorization, settings.token)) {
      done(new ApiError(401, 'missing or wrong access token: send it as the header "Authorization: Bearer <token>" (CONSOLE_TOKEN)'));
    } else {
      done();
    }
  });
  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    if (err instanceof ApiError) return reply.code(err.status).send({ error: err.message });
    if (err instanceof ServiceUnavailableError) return reply.code(503).send({ error: err.message });
    if (err.statusCode !== undefined && err.statusCode < 500) return reply.code(err.statusCode).send({ error: err.message });
    deps.logger.error('console_request_failed', { route: req.routeOptions.url, err });
    return reply.code(503).send({ error: `the console could not answer (${err.name}): ClickHouse or Redis may be unavailable; see /readyz` });
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
    return details;
  });
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
      throw new ApiError(503, `the console already serves ${settings.maxStreams} live streams (CONSOLE_MAX_STREAMS); close one or try again later`);
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
    const viewer = deps.feed.subscribe(filter, send);
    res.write(': connected\n\n');
    for (const item of viewer.backlog) send(item);
    const heartbeat = setInterval(() => res.write(': ping\n\n'), settings.heartbeatMs ?? 15_000);
    res.on('close', () => {
      clearInterval(heartbeat);
      viewer.unsubscribe();
    });
  }

  function corsHeaders(req: FastifyRequest): Record<string, string> {
    const origin = req.headers.origin;
    return origin !== undefined && settings.corsOrigins.includes(origin) ? { 'access-control-allow-origin': origin, vary: 'Origin' } : {};
  }

  await app.listen({ host: settings.host, port: settings.port });
  return app;
}
