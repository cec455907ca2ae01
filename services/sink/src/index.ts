export * from './sink.ts';
export * from './routes.ts';
export * from './row-buffer.ts';
export * from './insert-failures.ts';
