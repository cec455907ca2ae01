import { describe, expect, it } from 'vitest';
import { createMetricsRegistry } from './metrics.ts';
import { healthReport, registerHealthMetrics, type HealthCheck } from './ops-server.ts';

const check = (name: string, healthy: boolean, ready: boolean): HealthCheck => ({ name, isHealthy: () => healthy, isReady: () => ready });

describe('health checks', () => {
  it('report every check by name, and ok only when all pass', () => {
    const checks = [check('consumer', true, true), check('redis', true, false)];
    expect(healthReport(checks, 'healthz')).toEqual({
      ok: true,
      checks: [
        { name: 'consumer', ok: true },
        { name: 'redis', ok: true },
      ],
    });
    expect(healthReport(checks, 'readyz')).toEqual({
      ok: false,
      checks: [
        { name: 'consumer', ok: true },
        { name: 'redis', ok: false },
      ],
    });
  });

  it('appear as metrics read at scrape time, registered once per registry', async () => {
    const registry = createMetricsRegistry(false);
    let redisReady = false;
    const checks = () => [check('consumer', true, true), { name: 'redis', isHealthy: () => true, isReady: () => redisReady }];
    registerHealthMetrics(registry, checks);
    registerHealthMetrics(registry, checks);
    expect(await registry.metrics()).toContain('segmentation_check_ready{check="redis"} 0');
    redisReady = true;
    const text = await registry.metrics();
    expect(text).toContain('segmentation_check_ready{check="redis"} 1');
    expect(text).toContain('segmentation_check_healthy{check="consumer"} 1');
  });
});
