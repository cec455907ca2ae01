// The read side of what the segmenter keeps, for every role that reads it (console, notifier,
// commands): customers' state in Redis and the rules versions in Kafka. The segmenter writes them;
// the others only read, so none of them depends on the segmenter service.
export * from './customer-reader.ts';
export * from './record-codec.ts';
export * from './rules-history.ts';
