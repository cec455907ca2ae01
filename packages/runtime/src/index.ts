export * from './logger.ts';
export * from './backoff.ts';
export * from './errors.ts';
export * from './config.ts';
export * from './metrics.ts';
export * from './ops-server.ts';
export * from './shutdown.ts';
export * from './hash.ts';
