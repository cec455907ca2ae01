export * from './config.ts';
export * from './pipeline.ts';
export * from './sample-orders.ts';
export * from './schema-check.ts';
