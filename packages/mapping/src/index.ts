// Mapping other systems' columns onto the project's contracts: shared by the history import and the live source adapters.
export * from './columns.ts';
export * from './mapping.ts';
export * from './carry-forward.ts';
export * from './row-validation.ts';
export * from './time.ts';
export * from './event-id.ts';
export * from './contract-schemas.ts';
export * from './reject-reason.ts';
