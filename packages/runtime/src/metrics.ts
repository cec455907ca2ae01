import { collectDefaultMetrics, Registry } from 'prom-client';

/** One registry per process, handed to every component; tests pass a fresh one each. */
export function createMetricsRegistry(withDefaults = true): Registry {
  const registry = new Registry();
  if (withDefaults) collectDefaultMetrics({ register: registry });
  return registry;
}

export type { Registry } from 'prom-client';
