export * from './client.ts';
export * from './migrations.ts';
export * from './segment-changes-table.ts';
