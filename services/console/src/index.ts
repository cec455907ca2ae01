export * from './console.ts';
export * from './live-feed.ts';
export * from './access-token.ts';
