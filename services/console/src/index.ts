export * from './console.ts';
export * from './live-feed.ts';
export * from './access-token.ts';
export * from './console-access.ts';
export * from './console-audit.ts';
export * from './console-users.ts';
export * from './console-users-file.ts';
