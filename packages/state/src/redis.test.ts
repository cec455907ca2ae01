import { describe, expect, it } from 'vitest';
import { ConfigError } from '@segmentation/runtime';
import { isClusterUrl, parseClusterUrl, withoutPassword } from './redis.ts';

describe('a Redis Cluster URL', () => {
  it('names the nodes, the ACL user and TLS', () => {
    expect(isClusterUrl('rediss+cluster://10.0.0.1:7000')).toBe(true);
    expect(parseClusterUrl('redis+cluster://10.0.0.1:7000,10.0.0.2:7001')).toEqual({
      tls: false,
      seeds: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
      ],
    });
    expect(parseClusterUrl('rediss+cluster://segmentation:p%40ss%3Aword@10.0.0.1:7000')).toEqual({
      tls: true,
      username: 'segmentation',
      password: 'p@ss:word',
      seeds: [{ host: '10.0.0.1', port: 7000 }],
    });
    expect(parseClusterUrl('redis+cluster://:secret@10.0.0.1:7000')).toEqual({
      tls: false,
      password: 'secret',
      seeds: [{ host: '10.0.0.1', port: 7000 }],
    });
  });

  it('is refused with a message that never shows the password', () => {
    for (const url of [
      'redis+cluster://user:s3cret@10.0.0.1',
      'redis+cluster://user:s3cret@',
      'redis+cluster://s3cret@10.0.0.1:7000',
      'redis+cluster://user:s3cret%zz@10.0.0.1:7000',
    ]) {
      let err: unknown;
      try {
        parseClusterUrl(url);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).not.toContain('s3cret');
    }
    expect(withoutPassword('redis+cluster://user:s3cret@10.0.0.1:7000')).toBe('redis+cluster://user:***@10.0.0.1:7000');
  });
});
