import { deleteKeysWithPrefix, runByNode, type RedisClient } from '@segmentation/state';
import type { AlertLabels } from './formats.ts';

// What the notifier has already done in the world, kept in Redis so that a redelivered Kafka
// batch (a crash or rebalance before the offset commit) sends nothing twice. This is a record of
// side effects, not state derived from the log, so unlike the segmenter's memory it may expire on
// the wall clock: redelivery happens within minutes, the TTL only bounds memory.

/** 30 days: far longer than any redelivery, and as long as the dead-letter topics keep a message to re-drive. */
export const LEDGER_TTL_SECONDS = 30 * 24 * 3600;

/** One hash per alert (or segment change): field = receiver name, value = when it was delivered. */
export const notifiedKey = (prefix: string, id: string): string => `${prefix}notified:{${id}}`;

/** One hash per customer: field = Alertmanager receiver name, value = the labels of the alert it has firing. */
export const firingKey = (prefix: string, customerId: string): string => `${prefix}alertmanager-firing:{${customerId}}`;

export function createDeliveryLedger(redis: RedisClient, prefix: string, ttlSeconds = LEDGER_TTL_SECONDS) {
  return {
    /** The receivers among `receivers` that already have notification `id`. */
    async deliveredTo(id: string, receivers: readonly string[]): Promise<Set<string>> {
      if (receivers.length === 0) return new Set();
      const marks = await redis.hmget(notifiedKey(prefix, id), ...receivers);
      return new Set(receivers.filter((_, i) => marks[i] !== null));
    },
    /** Called after the receiver's 2xx: one key, so one MULTI runs unchanged on Redis Cluster. */
    async markDelivered(id: string, receiver: string, atMs: number): Promise<void> {
      const key = notifiedKey(prefix, id);
      checked(await redis.multi().hset(key, receiver, new Date(atMs).toISOString()).expire(key, ttlSeconds).exec());
    },
    async firing(customerId: string, receiver: string): Promise<AlertLabels | undefined> {
      const stored = await redis.hget(firingKey(prefix, customerId), receiver);
      return stored === null ? undefined : (JSON.parse(stored) as AlertLabels);
    },
    /**
     * Forgets erased customers: their firing alerts, and the delivery marks of their alerts and
     * changes, whose ids begin with the customer id (`<customer>/churn/<n>`, `<customer>/<dimension>/<n>`).
     */
    async forget(customerIds: readonly string[]): Promise<void> {
      await runByNode(
        redis,
        customerIds,
        (id) => firingKey(prefix, id),
        (p, id) => {
          p.del(firingKey(prefix, id));
        },
      );
      const erased = new Set(customerIds);
      const head = notifiedKey(prefix, '').slice(0, -1); // up to and including the tag's '{'
      await deleteKeysWithPrefix(redis, head, (key) => erased.has(key.slice(head.length, -1).split('/').slice(0, -2).join('/')));
    },
    /** What the receiver now has firing for the customer; undefined once resolved. */
    async setFiring(customerId: string, receiver: string, labels: AlertLabels | undefined): Promise<void> {
      const key = firingKey(prefix, customerId);
      if (labels === undefined) await redis.hdel(key, receiver);
      else checked(await redis.multi().hset(key, receiver, JSON.stringify(labels)).expire(key, ttlSeconds).exec());
    },
  };
}

export type DeliveryLedger = ReturnType<typeof createDeliveryLedger>;

/** MULTI reports a failed command in its replies, not by rejecting: surface it. */
function checked(replies: Array<[Error | null, unknown]> | null): void {
  for (const [err] of replies ?? []) if (err) throw err;
}
