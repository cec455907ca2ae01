export * from './client.ts';
export * from './topics-admin.ts';
export * from './producer.ts';
export * from './avro-codec.ts';
export * from './batch-consumer.ts';
export * from './dead-letter-queue.ts';
export type { Kafka } from 'kafkajs';
export * from './pipeline-topics.ts';
export * from './customer-event-log.ts';
