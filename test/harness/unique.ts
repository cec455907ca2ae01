import { randomBytes } from 'node:crypto';

/** A name no other test (or earlier run) uses: topics, groups and key prefixes isolate tests. */
export const uniqueName = (label: string) => `${label}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
