export * from './config.ts';
export * from './pipeline.ts';
export * from './schema-check.ts';
