import type { ChainableCommander } from 'ioredis';
import { runByNode } from './node-batches.ts';
import { escapeGlob, type RedisClient } from './redis.ts';

// One hash per customer holds everything about them: `v` (the version, for compare-and-set), `s`
// (the encoded state: features, offsets applied, memberships) and `o:<id>` (outputs decided but not
// yet acknowledged by Kafka: the outbox). One key means one slot, so the atomic commit runs
// unchanged on Redis Cluster, and one HGETALL reads it all. The hash tag is the customer id.
export const customerKey = (prefix: string, customerId: string): string => `${prefix}customer:{${customerId}}`;
const VERSION = 'v';
const STATE = 's';
const OUTBOX = 'o:';

// Writes the customer's new state and the outputs it decided in one atomic step, but only if
// nobody committed since we read it (compare-and-set on the version): a stale writer, such as an
// instance that lost the partition in a rebalance, changes nothing.
const COMMIT_SCRIPT = `
local current = redis.call('HGET', KEYS[1], '${VERSION}') or ''
if current ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], '${VERSION}', ARGV[2], '${STATE}', ARGV[3])
for i = 4, #ARGV, 2 do redis.call('HSET', KEYS[1], '${OUTBOX}' .. ARGV[i], ARGV[i + 1]) end
return 1
`;

/** How a customer's state is stored: the domain owns the format, the store only moves bytes. */
export interface StateCodec<S> {
  /** Bytes of the caller's own, never reused by the codec: the store sends them without a copy. */
  encode(state: S): Uint8Array;
  decode(bytes: Uint8Array): S;
}

export interface StoredCustomer<S> {
  customerId: string;
  /** '' when the customer has no state yet. */
  version: string;
  state: S | undefined;
  /** Outputs decided but not yet acknowledged by Kafka, by id (the outbox); the segmenter owns their format. */
  pending: Map<string, Buffer>;
}

export interface CustomerCommit<S> {
  customerId: string;
  expectedVersion: string;
  state: S;
  /** New outputs, by id, to keep until Kafka has acknowledged them. */
  outputs: Array<[id: string, payload: Buffer]>;
}

type WithCommit = ChainableCommander & { commitCustomer(key: string, ...args: Array<string | Buffer>): ChainableCommander };

/**
 * The per-customer state in Redis. Each call is one pipelined round trip per node (one on a single
 * Redis), whatever the number of customers.
 */
/** The encoded state as a Buffer over the same bytes (the codec's result is the caller's own): no copy. */
const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

export class CustomerStateStore<S> {
  private readonly redis: RedisClient;
  private readonly keyPrefix: string;
  private readonly codec: StateCodec<S>;

  constructor(redis: RedisClient, keyPrefix: string, codec: StateCodec<S>) {
    this.redis = redis;
    this.keyPrefix = keyPrefix;
    this.codec = codec;
    redis.defineCommand('commitCustomer', { numberOfKeys: 1, lua: COMMIT_SCRIPT });
  }

  async load(customerIds: string[]): Promise<Map<string, StoredCustomer<S>>> {
    const replies = await runByNode(
      this.redis,
      customerIds,
      (id) => customerKey(this.keyPrefix, id),
      (p, id) => {
        p.hgetallBuffer(customerKey(this.keyPrefix, id));
      },
    );
    const result = new Map<string, StoredCustomer<S>>();
    customerIds.forEach((customerId, i) => result.set(customerId, this.parse(customerId, replies[i] as Record<string, Buffer>)));
    return result;
  }

  /** One customer, for the console and for evaluation; undefined when nothing is stored. */
  async get(customerId: string): Promise<StoredCustomer<S> | undefined> {
    const stored = (await this.load([customerId])).get(customerId);
    return stored?.state === undefined ? undefined : stored;
  }

  /** Commits every customer's update; returns the ids whose version had moved (nothing written). */
  async commit(commits: Array<CustomerCommit<S>>, newVersion: string): Promise<string[]> {
    const replies = await runByNode(
      this.redis,
      commits,
      (c) => customerKey(this.keyPrefix, c.customerId),
      (p, c) => {
        (p as WithCommit).commitCustomer(
          customerKey(this.keyPrefix, c.customerId),
          c.expectedVersion,
          newVersion,
          asBuffer(this.codec.encode(c.state)),
          ...c.outputs.flat(),
        );
      },
    );
    return commits.filter((_, i) => replies[i] !== 1).map((c) => c.customerId);
  }

  /** Removes outputs from the outbox once Kafka has acknowledged them. */
  async clearPending(entries: Array<{ customerId: string; ids: string[] }>): Promise<void> {
    const nonEmpty = entries.filter((e) => e.ids.length > 0);
    await runByNode(
      this.redis,
      nonEmpty,
      (e) => customerKey(this.keyPrefix, e.customerId),
      (p, e) => {
        p.hdel(customerKey(this.keyPrefix, e.customerId), ...e.ids.map((id) => OUTBOX + id));
      },
    );
  }

  /** Deletes the customers' records, outboxes included (erasure): one round trip per node. */
  async erase(customerIds: readonly string[]): Promise<void> {
    await runByNode(
      this.redis,
      customerIds,
      (id) => customerKey(this.keyPrefix, id),
      (p, id) => {
        p.del(customerKey(this.keyPrefix, id));
      },
    );
  }

  /**
   * Every stored customer id, a page at a time, for backfills and rebuilds. Uses SCAN on every
   * master, so Redis keeps serving while it runs; a customer written during the scan may be missed
   * or (rarely) returned twice, as SCAN guarantees.
   */
  async *customerIds(pageSize = 1000): AsyncGenerator<string[]> {
    const head = customerKey(this.keyPrefix, '').slice(0, -1); // up to and including the tag's '{'
    const pattern = `${escapeGlob(head)}*`;
    const nodes = 'nodes' in this.redis ? this.redis.nodes('master') : [this.redis];
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', pageSize);
        cursor = next;
        if (keys.length > 0) yield keys.map((k) => k.slice(head.length, -1));
      } while (cursor !== '0');
    }
  }

  private parse(customerId: string, hash: Record<string, Buffer>): StoredCustomer<S> {
    const pending = new Map<string, Buffer>();
    for (const [field, value] of Object.entries(hash)) if (field.startsWith(OUTBOX)) pending.set(field.slice(OUTBOX.length), value);
    const state = hash[STATE];
    return {
      customerId,
      version: hash[VERSION]?.toString() ?? '',
      state: state === undefined ? undefined : this.codec.decode(state),
      pending,
    };
  }
}
