export * from './customer-state.ts';
export * from './value-tier.ts';
