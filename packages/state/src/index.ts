export * from './redis.ts';
export * from './customer-state-store.ts';
export * from './evaluation-timers.ts';
export * from './log-identity.ts';
export { groupByNode, runByNode } from './node-batches.ts';
