// The pipeline process: one role per process in production (ROLES=ingest, ...), or all of them
// in one process on a single machine (ROLES=all, the default, which the embedded ClickHouse needs).
import {
  ConfigError,
  createLogger,
  createMetricsRegistry,
  onShutdown,
  ServiceUnavailableError,
  startOpsServer,
} from '@segmentation/runtime';
import { loadConfig } from './config.ts';
import { startPipeline } from './pipeline.ts';

let config;
try {
  config = loadConfig();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(`segmentation: ${err.message}`);
  process.exit(2);
}
const logger = createLogger({ service: 'segmentation' }, config.LOG_LEVEL);
const metrics = createMetricsRegistry();

try {
  const pipeline = await startPipeline(config, logger, metrics);
  const ops = await startOpsServer({ host: config.OPS_HOST, port: config.OPS_PORT, registry: metrics, checks: () => pipeline.checks });
  logger.info('ops_listening', { url: `http://${config.OPS_HOST}:${ops.port}`, endpoints: ['/healthz', '/readyz', '/metrics'] });
  onShutdown(logger, [
    ['pipeline', () => pipeline.stop()],
    ['ops server', () => ops.close()],
  ]);
} catch (err) {
  const message = err instanceof ServiceUnavailableError ? err.message : ((err as Error).stack ?? String(err));
  logger.error('start_failed', { message });
  console.error(`segmentation: could not start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
