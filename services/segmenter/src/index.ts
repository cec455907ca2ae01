export * from './segmenter.ts';
export * from './apply-batch.ts';
export * from './partition-clock.ts';
export * from './customer-reader.ts';
export * from './rules-registry.ts';
export * from './rules-dry-run.ts';
export * from './rules-population.ts';
export * from './stored-customers.ts';
