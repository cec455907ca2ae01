import { readFileSync } from 'node:fs';
import { Cluster, Redis } from 'ioredis';
import { ConfigError, ServiceUnavailableError } from '@segmentation/runtime';

/** A single Redis server or a Redis Cluster: the state store runs the same code on both. */
export type RedisClient = Redis | Cluster;

/** Evicting policies would let customer state vanish silently: refuse to run on them. */
const SAFE_POLICIES = new Set(['noeviction', 'volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl']);

/** `redis+cluster://[user:password@]host:port,host:port` names a Redis Cluster by some of its nodes; `rediss+cluster://` over TLS. */
const CLUSTER_SCHEMES = ['redis+cluster://', 'rediss+cluster://'] as const;

export const isClusterUrl = (url: string): boolean => CLUSTER_SCHEMES.some((scheme) => url.startsWith(scheme));

/** What a cluster URL says: TLS or not, the ACL user, and the nodes to start from. */
export interface ClusterUrl {
  tls: boolean;
  username?: string;
  password?: string;
  seeds: Array<{ host: string; port: number }>;
}

/** Parses a cluster URL; messages show it without the password. */
export function parseClusterUrl(url: string): ClusterUrl {
  const shown = withoutPassword(url);
  const rest = url.slice(url.indexOf('://') + 3);
  const at = rest.lastIndexOf('@');
  const decode = (part: string): string => {
    try {
      return decodeURIComponent(part);
    } catch {
      throw new ConfigError(`REDIS_URL: ${shown}: percent-encode : / ? # @ % in the user and password`);
    }
  };
  const credentials: Pick<ClusterUrl, 'username' | 'password'> = {};
  if (at !== -1) {
    const userinfo = rest.slice(0, at);
    const colon = userinfo.indexOf(':');
    if (colon === -1)
      throw new ConfigError(`REDIS_URL: ${shown}: give the user and password as user:password@ (or :password@ for the default user)`);
    if (colon > 0) credentials.username = decode(userinfo.slice(0, colon));
    credentials.password = decode(userinfo.slice(colon + 1));
  }
  const seeds = rest
    .slice(at + 1)
    .split(',')
    .filter((s) => s !== '')
    .map((hostPort) => {
      const [host, port] = hostPort.split(':');
      if (!host || !port || !/^\d+$/.test(port)) throw new ConfigError(`REDIS_URL: "${hostPort}" in ${shown} is not host:port`);
      return { host, port: Number(port) };
    });
  if (seeds.length === 0) throw new ConfigError(`REDIS_URL: ${shown} names no cluster node (redis+cluster://host:port,host:port)`);
  return { tls: url.startsWith('rediss+cluster://'), ...credentials, seeds };
}

/** How the client trusts the server's TLS certificate (the REDIS_TLS_CA_FILE setting). */
export interface RedisSecurity {
  /** PEM file of the CA that signed the server's certificate; needs a `rediss://` URL. */
  tlsCaFile?: string;
}

/**
 * Connects to Redis (`redis://`, `rediss://`, either with `user:password@` of an ACL user) or a
 * Redis Cluster (`redis+cluster://[user:password@]h1:p1,h2:p2`, `rediss+cluster://` over TLS) and checks it is usable: reachable (else an error
 * naming Redis and how to start it), accepting the credentials (else a ConfigError naming
 * REDIS_URL), trusted (else one naming REDIS_TLS_CA_FILE) and not configured to evict keys the state
 * has not marked as expiring (on every master of a cluster). Messages show the URL without its password.
 */
export async function connectRedis(url: string, security: RedisSecurity = {}): Promise<RedisClient> {
  const shown = withoutPassword(url);
  const redis = isClusterUrl(url) ? newCluster(url, security) : newRedis(url, security);
  // ioredis rejects connect() with "Connection is closed."; the reason came as an 'error' event.
  let reason: Error | undefined;
  redis.on('error', (err: Error) => {
    reason = err;
  }); // later ones: reported through failed commands and readiness, not as crashes
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    throw connectionError(shown, isClusterUrl(url) ? 'Redis Cluster' : 'Redis', reason ?? err);
  }
  const masters = redis instanceof Cluster ? redis.nodes('master') : [redis];
  for (const node of masters) {
    const policy = await maxMemoryPolicy(node);
    if (policy !== undefined && !SAFE_POLICIES.has(policy)) {
      redis.disconnect();
      throw new Error(
        `Redis at ${node.options.host ?? shown}:${node.options.port ?? ''} has maxmemory-policy ${policy}, which would evict customer state silently; set it to noeviction`,
      );
    }
  }
  return redis;
}

/** `scheme://user:***@host…`: a Redis URL as messages show it. */
export function withoutPassword(url: string): string {
  const start = url.indexOf('://') + 3;
  // The last '@' of the whole URL: a password with an unencoded '/' or '?' is hidden too.
  const at = url.lastIndexOf('@');
  if (start < 3 || at < start) return url;
  const userinfo = url.slice(start, at);
  const colon = userinfo.indexOf(':');
  return `${url.slice(0, start)}${colon === -1 ? '' : userinfo.slice(0, colon + 1)}***@${url.slice(at + 1)}`;
}

/** The CA of REDIS_TLS_CA_FILE, refused for a URL that is not TLS. */
function trustedCa(url: string, tls: boolean, security: RedisSecurity): string | undefined {
  if (security.tlsCaFile === undefined) return undefined;
  if (!tls)
    throw new ConfigError(
      `REDIS_TLS_CA_FILE is set, but REDIS_URL ${withoutPassword(url)} is not TLS: use rediss:// (rediss+cluster:// for a cluster)`,
    );
  try {
    return readFileSync(security.tlsCaFile, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `REDIS_TLS_CA_FILE: cannot read ${security.tlsCaFile} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
}

function newRedis(url: string, security: RedisSecurity): Redis {
  const ca = trustedCa(url, url.startsWith('rediss://'), security);
  try {
    return new Redis(url, {
      lazyConnect: true,
      maxRetriesPerRequest: 3,
      enableOfflineQueue: true,
      connectTimeout: 5000,
      ...(ca === undefined ? {} : { tls: { ca } }),
    });
  } catch {
    // The parser's error carries the whole URL (err.input): not a word of it is repeated.
    throw new ConfigError(
      'REDIS_URL is not a URL ioredis can read: redis://user:password@host:port, with : / ? # @ in the user and password percent-encoded',
    );
  }
}

/**
 * Why Redis could not be used, in words an operator can act on, never with the password. A refusal
 * of AUTH keeps the command, password included, on the error (`err.command.args`): such an error is
 * described, never attached as the cause.
 */
function connectionError(shown: string, service: string, failure: unknown): Error {
  // A cluster client reports that no node answered; the node's own refusal is its last error.
  const err = (failure as { lastNodeError?: unknown } | undefined)?.lastNodeError ?? failure;
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown }).code;
  if (/^(WRONGPASS|NOAUTH|NOPERM)\b/.test(message)) {
    return new ConfigError(
      `${service} at ${shown} refused the client (${message.replace(/\.$/, '')}): check the user and password in REDIS_URL (redis://user:password@host:port) and the user's ACL`,
    );
  }
  if (typeof code === 'string' && /CERT|UNABLE_TO_VERIFY|SELF_SIGNED/.test(code)) {
    return new ConfigError(
      `${service} at ${shown} presented a certificate this client does not trust (${message}): give the CA that signed it in REDIS_TLS_CA_FILE`,
      { cause: err },
    );
  }
  return new ServiceUnavailableError(
    service,
    shown,
    typeof err === 'object' && err !== null && 'command' in err ? new Error(message) : err,
  );
}

function newCluster(url: string, security: RedisSecurity): Cluster {
  const { tls, username, password, seeds } = parseClusterUrl(url);
  const ca = trustedCa(url, tls, security);
  return new Cluster(seeds, {
    lazyConnect: true,
    // State is written to masters only; reading a replica could return a version older than our last commit.
    scaleReads: 'master',
    // Every node the cluster redirects to is reached with the same user and the same trust.
    redisOptions: {
      maxRetriesPerRequest: 3,
      connectTimeout: 5000,
      username,
      password,
      ...(tls ? { tls: ca === undefined ? {} : { ca } } : {}),
    },
  });
}

async function maxMemoryPolicy(redis: Redis): Promise<string | undefined> {
  try {
    const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
    return reply[1];
  } catch {
    return undefined; // CONFIG may be disabled on managed Redis; nothing to check then
  }
}

/** A glob pattern matching `s` literally. */
export const escapeGlob = (s: string): string => s.replace(/[*?[\]\\]/g, '\\$&');

/** Deletes every key starting with `prefix` (those `select` accepts), on every master of a cluster; SCAN and UNLINK, never blocking Redis. */
export async function deleteKeysWithPrefix(
  redis: RedisClient,
  prefix: string,
  select: (key: string) => boolean = () => true,
): Promise<number> {
  const nodes = 'nodes' in redis ? redis.nodes('master') : [redis];
  let deleted = 0;
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, found] = await node.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 1000);
      cursor = next;
      const keys = found.filter(select);
      if (keys.length === 0) continue;
      // One UNLINK per key, pipelined: keys of different slots cannot share a command on a cluster node.
      const pipeline = node.pipeline();
      for (const key of keys) pipeline.unlink(key);
      for (const [err, n] of (await pipeline.exec()) ?? []) {
        if (err) throw err;
        deleted += Number(n);
      }
    } while (cursor !== '0');
  }
  return deleted;
}

/** Redis `used_memory`, summed over the masters of a cluster. */
export async function usedMemoryBytes(redis: RedisClient): Promise<number> {
  const nodes = 'nodes' in redis ? redis.nodes('master') : [redis];
  let total = 0;
  for (const node of nodes) total += Number(/used_memory:(\d+)/.exec(await node.info('memory'))?.[1] ?? 0);
  return total;
}

export type { Redis } from 'ioredis';
