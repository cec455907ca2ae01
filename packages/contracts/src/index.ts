export * from './topics.ts';
export * from './avro-schemas.ts';
export * from './records.ts';
export * from './dead-letter.ts';
export * from './money.ts';
export * from './order-validation.ts';
