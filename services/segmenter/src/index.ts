export * from './segmenter.ts';
export * from './apply-batch.ts';
export * from './partition-clock.ts';
export * from './customer-reader.ts';
