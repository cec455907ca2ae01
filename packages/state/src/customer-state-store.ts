import type { Redis } from 'ioredis';

// All of one customer's keys share the hash tag {customerId}, so one script touches one slot and
// the same code runs on Redis Cluster.
const stateKey = (prefix: string, customerId: string) => `${prefix}{${customerId}}:state`;
const outboxKey = (prefix: string, customerId: string) => `${prefix}{${customerId}}:outbox`;

// Writes the customer's new state and the outputs it decided in one atomic step, but only if
// nobody committed since we read it (compare-and-set on `version`): a stale writer, such as an
// instance that lost the partition in a rebalance, changes nothing.
const COMMIT_SCRIPT = `
local current = redis.call('HGET', KEYS[1], 'version') or ''
if current ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'version', ARGV[2], 'state', ARGV[3])
for i = 4, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
return 1
`;

export interface StoredCustomer<S> {
  customerId: string;
  /** '' when the customer has no state yet. */
  version: string;
  state: S | undefined;
  /** Outputs decided but not yet acknowledged by Kafka, by id (the outbox). */
  pending: Map<string, string>;
}

export interface CustomerCommit<S> {
  customerId: string;
  expectedVersion: string;
  state: S;
  /** New outputs, by id, to keep until Kafka has acknowledged them. */
  outputs: Array<[id: string, payload: string]>;
}

type RedisWithCommit = Redis & {
  commitCustomer(stateKey: string, outboxKey: string, ...args: string[]): Promise<number>;
};

/**
 * The per-customer state: one hash holding the serialised state and its version, and one
 * holding the outbox. Reads and writes of a batch are pipelined: two round trips per batch.
 */
export class CustomerStateStore<S> {
  private readonly redis: RedisWithCommit;
  private readonly keyPrefix: string;

  constructor(redis: Redis, keyPrefix: string) {
    this.keyPrefix = keyPrefix;
    redis.defineCommand('commitCustomer', { numberOfKeys: 2, lua: COMMIT_SCRIPT });
    this.redis = redis as RedisWithCommit;
  }

  async load(customerIds: string[]): Promise<Map<string, StoredCustomer<S>>> {
    const pipeline = this.redis.pipeline();
    for (const id of customerIds) {
      pipeline.hgetall(stateKey(this.keyPrefix, id));
      pipeline.hgetall(outboxKey(this.keyPrefix, id));
    }
    const replies = await pipeline.exec();
    const result = new Map<string, StoredCustomer<S>>();
    customerIds.forEach((customerId, i) => {
      const [stateErr, state] = replies?.[2 * i] ?? [new Error('no reply'), null];
      const [outboxErr, outbox] = replies?.[2 * i + 1] ?? [new Error('no reply'), null];
      if (stateErr) throw stateErr;
      if (outboxErr) throw outboxErr;
      const hash = state as Record<string, string>;
      result.set(customerId, {
        customerId,
        version: hash.version ?? '',
        state: hash.state === undefined ? undefined : (JSON.parse(hash.state) as S),
        pending: new Map(Object.entries(outbox as Record<string, string>)),
      });
    });
    return result;
  }

  /** Commits every customer's update; returns the ids whose version had moved (nothing written). */
  async commit(commits: Array<CustomerCommit<S>>, newVersion: string): Promise<string[]> {
    const pipeline = this.redis.pipeline() as unknown as RedisWithCommit & { exec(): Promise<Array<[Error | null, unknown]> | null> };
    for (const c of commits) {
      void pipeline.commitCustomer(stateKey(this.keyPrefix, c.customerId), outboxKey(this.keyPrefix, c.customerId),
        c.expectedVersion, newVersion, JSON.stringify(c.state), ...c.outputs.flat());
    }
    const replies = await pipeline.exec();
    const conflicts: string[] = [];
    commits.forEach((c, i) => {
      const [err, applied] = replies?.[i] ?? [new Error('no reply'), 0];
      if (err) throw err;
      if (applied !== 1) conflicts.push(c.customerId);
    });
    return conflicts;
  }

  /** Removes outputs from the outbox once Kafka has acknowledged them. */
  async clearPending(entries: Array<{ customerId: string; ids: string[] }>): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const e of entries) if (e.ids.length > 0) pipeline.hdel(outboxKey(this.keyPrefix, e.customerId), ...e.ids);
    const replies = await pipeline.exec();
    for (const [err] of replies ?? []) if (err) throw err;
  }
}
