export * from './redis.ts';
export * from './customer-state-store.ts';
export * from './log-identity.ts';
