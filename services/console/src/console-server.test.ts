// The console's access rules through its real HTTP server, with everything behind it faked: who is
// let in (401), who may do what (403), what is logged per request and what goes to the audit trail.
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@segmentation/runtime';
import type { EpisodeQueries } from './alert-episodes.ts';
import type { AlertInbox } from './alert-inbox.ts';
import type { AlertWorkflowStore } from './alert-workflow-store.ts';
import type { ConsoleAccess } from './console-access.ts';
import { AuditUnavailableError, type AuditEntry } from './console-audit.ts';
import { createConsoleServer } from './console-server.ts';
import { hashSecret, newSecret, personalToken } from './console-users.ts';
import type { CustomerDetails } from './customer-details.ts';
import type { HistoryQueries } from './history-queries.ts';
import { LiveFeed } from './live-feed.ts';
import type { MeasureQueries } from './measures.ts';

const cheap = { N: 2 ** 14, r: 8, p: 1 };
const KNOWN_CUSTOMER = 'C-000042';

interface Harness {
  base: string;
  app: FastifyInstance;
  audit: AuditEntry[];
  erasures: Array<{ customerIds: string[]; requestedBy: string; reason: string }>;
  logLines: Array<Record<string, unknown>>;
  failAudit: { on: boolean };
}

async function startServer(access: ConsoleAccess): Promise<Harness> {
  const h = { audit: [], erasures: [], logLines: [], failAudit: { on: false } } as unknown as Harness;
  const history = { segmentSizes: () => Promise.resolve({ value_tier: { high: 1 } }) } as unknown as HistoryQueries;
  const customers = {
    details: (id: string) => Promise.resolve(id === KNOWN_CUSTOMER ? { customerId: id } : undefined),
  } as unknown as CustomerDetails;
  h.app = await createConsoleServer(
    { host: '127.0.0.1', port: 0, access, corsOrigins: [], timeZone: 'Asia/Shanghai', maxStreams: 2 },
    {
      history,
      episodes: {} as EpisodeQueries,
      workflow: {} as AlertWorkflowStore,
      inbox: {} as AlertInbox,
      customers,
      measures: {} as MeasureQueries,
      feed: new LiveFeed({ backlogSize: 10, maxCustomers: 10 }),
      audit: {
        record: (entry) => {
          if (h.failAudit.on) return Promise.reject(new AuditUnavailableError('Kafka away'));
          h.audit.push(entry);
          return Promise.resolve();
        },
      },
      eraseCustomers: (customerIds, by) => {
        h.erasures.push({ customerIds, ...by });
        return Promise.resolve();
      },
      dimensions: () => Promise.resolve([]),
      churnModel: () => Promise.resolve({ rulesVersion: 'v1', fitted: false }),
      registry: new Registry(),
      checks: () => [],
      logger: createLogger({}, 'info', (line) => {
        h.logLines.push(JSON.parse(line) as Record<string, unknown>);
        return true;
      }),
    },
  );
  const address = h.app.server.address();
  h.base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  return h;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
async function call(h: Harness, method: string, path: string, headers: Record<string, string>, body?: unknown) {
  const res = await fetch(`${h.base}${path}`, {
    method,
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
const erasure = { customerIds: ['C-1', 'C-2', 'C-1'], reason: 'TICKET-4711' };

describe('the console with personal users', () => {
  const secrets = { viewer: newSecret(), operator: newSecret(), admin: newSecret() };
  const tokens = {
    viewer: personalToken('li.wei', secrets.viewer),
    operator: personalToken('ops-zhang', secrets.operator),
    admin: personalToken('wang', secrets.admin),
  };
  let h: Harness;
  beforeAll(async () => {
    h = await startServer({
      kind: 'users',
      users: [
        { name: 'li.wei', role: 'viewer', secretHash: await hashSecret(secrets.viewer, cheap) },
        { name: 'ops-zhang', role: 'operator', secretHash: await hashSecret(secrets.operator, cheap) },
        { name: 'wang', role: 'admin', secretHash: await hashSecret(secrets.admin, cheap) },
      ],
    });
  });
  afterAll(async () => {
    await h?.app.close();
  });

  it('answers 401 without a token, with a wrong one, for an unknown user, and for a token in the URL', async () => {
    for (const headers of [{}, bearer(`li.wei:${secrets.admin}`), bearer(`nobody:${secrets.viewer}`), bearer(secrets.viewer)]) {
      const r = await call(h, 'GET', '/api/segment-sizes', headers);
      expect(r.status).toBe(401);
      expect(r.body.error).toContain('Bearer <name>:<secret>');
    }
    expect((await call(h, 'GET', `/api/segment-sizes?token=${encodeURIComponent(tokens.viewer)}`, {})).status).toBe(401);
    expect((await call(h, 'POST', '/api/erasures', bearer(`nobody:${secrets.admin}`), erasure)).status).toBe(401);
    expect(h.erasures).toEqual([]);
    // Operators' endpoints and the page stay open.
    expect((await fetch(`${h.base}/healthz`)).status).toBe(200);
    expect((await fetch(`${h.base}/metrics`)).status).toBe(200);
  });

  it('lets every role read, and says who is signed in', async () => {
    for (const [role, token] of Object.entries(tokens)) {
      expect((await call(h, 'GET', '/api/segment-sizes', bearer(token))).status, role).toBe(200);
    }
    expect((await call(h, 'GET', '/api/me', bearer(tokens.operator))).body).toEqual({ name: 'ops-zhang', role: 'operator' });
  });

  it('refuses a state change to a viewer and an operator with 403 naming the role it needs, and does it for an admin', async () => {
    for (const token of [tokens.viewer, tokens.operator]) {
      const r = await call(h, 'POST', '/api/erasures', bearer(token), erasure);
      expect(r.status).toBe(403);
      expect(r.body).toMatchObject({
        requiredRole: 'admin',
        error: expect.stringMatching(/POST \/api\/erasures needs the role admin; (li\.wei is viewer|ops-zhang is operator)/) as unknown,
      });
    }
    // Without a route of its own, a state change still needs admin.
    expect((await call(h, 'DELETE', '/api/customers/C-1', bearer(tokens.operator))).body).toMatchObject({ requiredRole: 'admin' });
    expect(h.erasures).toEqual([]);
    expect(h.audit).toEqual([]);

    const done = await call(h, 'POST', '/api/erasures', bearer(tokens.admin), erasure);
    expect(done).toEqual({ status: 202, body: { customerIds: ['C-1', 'C-2'], requestedBy: 'console:wang', reason: 'TICKET-4711' } });
    expect(h.erasures).toEqual([{ customerIds: ['C-1', 'C-2'], requestedBy: 'console:wang', reason: 'TICKET-4711' }]);
    expect(h.audit).toEqual([
      {
        user: 'wang',
        role: 'admin',
        action: 'customers_erased',
        customerIds: ['C-1', 'C-2'],
        route: '/api/erasures',
        detail: 'TICKET-4711',
      },
    ]);
    expect((await call(h, 'POST', '/api/erasures', bearer(tokens.admin), { customerIds: ['C-3'] })).body.error).toContain('reason');
    expect(h.erasures).toHaveLength(1);
  });

  it('records who opened which customer before showing them, and shows nothing it could not record', async () => {
    h.audit.length = 0;
    expect(await call(h, 'GET', `/api/customers/${KNOWN_CUSTOMER}`, bearer(tokens.viewer))).toEqual({
      status: 200,
      body: { customerId: KNOWN_CUSTOMER },
    });
    expect(h.audit).toEqual([
      { user: 'li.wei', role: 'viewer', action: 'customer_viewed', customerIds: [KNOWN_CUSTOMER], route: '/api/customers/:id', detail: '' },
    ]);
    expect((await call(h, 'GET', '/api/customers/C-nobody', bearer(tokens.viewer))).status).toBe(404); // nothing shown, nothing to record
    expect(h.audit).toHaveLength(1);

    h.failAudit.on = true;
    try {
      const r = await call(h, 'GET', `/api/customers/${KNOWN_CUSTOMER}`, bearer(tokens.viewer));
      expect(r.status).toBe(503);
      expect(r.body).not.toHaveProperty('customerId');
      expect(r.body.error).toContain('audit trail');
    } finally {
      h.failAudit.on = false;
    }
  });

  it('logs every API request with its user and route pattern, never the URL or the token', async () => {
    h.logLines.length = 0;
    await call(h, 'GET', `/api/customers/${KNOWN_CUSTOMER}`, bearer(tokens.operator));
    await call(h, 'GET', '/api/segment-sizes', bearer(`li.wei:${secrets.admin}`));
    await call(h, 'POST', '/api/erasures', bearer(tokens.viewer), erasure);
    const requests = h.logLines.filter((l) => l.event === 'console_request');
    expect(requests).toEqual([
      expect.objectContaining({ user: 'ops-zhang', role: 'operator', method: 'GET', route: '/api/customers/:id', status: 200 }),
      expect.objectContaining({ user: null, method: 'GET', route: '/api/segment-sizes', status: 401 }),
      expect.objectContaining({ user: 'li.wei', role: 'viewer', method: 'POST', route: '/api/erasures', status: 403 }),
    ]);
    const logged = JSON.stringify(h.logLines);
    expect(logged).not.toContain(KNOWN_CUSTOMER);
    for (const secret of Object.values(secrets)) expect(logged).not.toContain(secret);
  });

  it('logs the opening of a live stream with its user', async () => {
    h.logLines.length = 0;
    const controller = new AbortController();
    const res = await fetch(`${h.base}/api/stream`, { headers: bearer(tokens.viewer), signal: controller.signal });
    expect(res.status).toBe(200);
    controller.abort();
    expect(h.logLines.filter((l) => l.event === 'console_request')).toEqual([
      expect.objectContaining({ user: 'li.wei', route: '/api/stream', status: 200 }),
    ]);
  });
});

describe('the console with the shared CONSOLE_TOKEN of before', () => {
  const token = 'a-shared-console-token-of-some-length';
  let h: Harness;
  beforeAll(async () => {
    h = await startServer({ kind: 'shared-token', token });
  });
  afterAll(async () => {
    await h?.app.close();
  });

  it('takes the token as one admin user: it reads, changes state and is named admin in the audit', async () => {
    expect((await call(h, 'GET', '/api/segment-sizes', {})).status).toBe(401);
    expect((await call(h, 'GET', '/api/segment-sizes', bearer(`${token}x`))).body.error).toContain('CONSOLE_TOKEN');
    expect((await call(h, 'GET', '/api/me', bearer(token))).body).toEqual({ name: 'admin', role: 'admin' });
    expect((await call(h, 'POST', '/api/erasures', bearer(token), erasure)).status).toBe(202);
    expect(h.erasures).toEqual([{ customerIds: ['C-1', 'C-2'], requestedBy: 'console:admin', reason: 'TICKET-4711' }]);
    await call(h, 'GET', `/api/customers/${KNOWN_CUSTOMER}`, bearer(token));
    expect(h.audit.map((a) => [a.user, a.action])).toEqual([
      ['admin', 'customers_erased'],
      ['admin', 'customer_viewed'],
    ]);
  });
});
