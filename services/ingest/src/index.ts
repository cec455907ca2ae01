export * from './ingest.ts';
export * from './redrive.ts';
