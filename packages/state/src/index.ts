export * from './redis.ts';
export * from './customer-state-store.ts';
