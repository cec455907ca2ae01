export * from './ingest.ts';
export * from './redrive.ts';
export * from './sources-file.ts';
export * from './carry-store.ts';
export * from './mapped-source.ts';
export * from './debezium-change.ts';
