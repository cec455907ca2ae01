import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Gauge, type Registry } from 'prom-client';

/** Something that can say whether it is alive (`healthy`) and able to do its work (`ready`). */
export interface HealthCheck {
  name: string;
  isHealthy(): boolean;
  isReady(): boolean;
}

export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

/** `/healthz` (alive) or `/readyz` (ready): every check by name, and whether all pass. */
export function healthReport(
  checks: HealthCheck[],
  kind: 'healthz' | 'readyz',
): { ok: boolean; checks: Array<{ name: string; ok: boolean }> } {
  const results = checks.map((c) => ({ name: c.name, ok: kind === 'healthz' ? c.isHealthy() : c.isReady() }));
  return { ok: results.every((c) => c.ok), checks: results };
}

/**
 * `segmentation_check_healthy{check}` and `segmentation_check_ready{check}` (1 or 0): the checks
 * of /healthz and /readyz as metrics, so alert rules can say which one failed and for how long.
 */
export function registerHealthMetrics(registry: Registry, checks: () => HealthCheck[]): void {
  for (const kind of ['healthz', 'readyz'] as const) {
    const name = kind === 'healthz' ? 'segmentation_check_healthy' : 'segmentation_check_ready';
    if (registry.getSingleMetric(name)) continue;
    new Gauge({
      name,
      help:
        kind === 'healthz' ? '1 while the check is alive (/healthz), 0 when not' : '1 while the check is ready (/readyz), 0 when degraded',
      labelNames: ['check'],
      registers: [registry],
      collect() {
        this.reset();
        for (const c of healthReport(checks(), kind).checks) this.set({ check: c.name }, c.ok ? 1 : 0);
      },
    });
  }
}

/**
 * `/healthz` (alive: a stalled consumer loop is not), `/readyz` (all dependencies usable) and
 * `/metrics` (Prometheus). Operators choose where it listens; it exposes no personal data.
 */
export async function startOpsServer(opts: {
  host: string;
  port: number;
  registry: Registry;
  checks: () => HealthCheck[];
}): Promise<OpsServer> {
  registerHealthMetrics(opts.registry, opts.checks);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (path === '/healthz' || path === '/readyz') {
      const r = healthReport(opts.checks(), path === '/healthz' ? 'healthz' : 'readyz');
      json(r.ok ? 200 : 503, r);
    } else if (path === '/metrics') {
      opts.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': opts.registry.contentType }).end(text),
        (err: unknown) => json(500, { error: String(err) }),
      );
    } else {
      json(404, { error: `no such endpoint: ${path}; try /healthz, /readyz or /metrics` });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
