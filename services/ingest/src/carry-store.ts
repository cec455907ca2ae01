import type { ImportKind } from '@segmentation/mapping';
import { ServiceUnavailableError } from '@segmentation/runtime';
import { groupByNode, runByNode, type RedisClient } from '@segmentation/state';

// What ingest remembers of each order, shipment and complaint of a JSON or Debezium source: the
// latest value of each carry-forward field a row gave, so that a later status row that leaves one
// out (a "delivered" row without its transport mode) takes it, as the history import does from
// earlier rows; and, for a table's change events, the log position of the latest one forwarded. One key per order, shipment or complaint, under the customer's hash tag, beside a set
// of the customer's keys so an erasure finds them all (same slot: one MULTI on Redis Cluster).

/** One order, shipment or complaint of one customer. */
export interface EntityRef {
  customerId: string;
  kind: ImportKind;
  id: string;
}

/** Its carry-forward fields as read from its rows, and the event time of the latest of them. */
export interface CarryEntry {
  eventTime: number;
  fields: Record<string, unknown>;
  /** Debezium sources: the log position of the latest change forwarded, to recognise one sent again. */
  position?: number[];
}

export interface CarryStore {
  /** The entries of `entities` known so far, by `entityId`. */
  load(entities: EntityRef[]): Promise<Map<string, CarryEntry>>;
  save(entries: Array<{ entity: EntityRef; entry: CarryEntry }>): Promise<void>;
  /** Removes everything kept of these customers (erasure). */
  forget(customerIds: string[]): Promise<void>;
}

export const entityId = (e: EntityRef) => JSON.stringify([e.kind, e.customerId, e.id]);

/**
 * The newer of what was known and what a row read, field by field: a row older (in event time)
 * than what is known fills only the fields nothing newer gave, as the import's CarryMemory does.
 */
export function mergeCarry(known: CarryEntry | undefined, eventTime: number, fields: Record<string, unknown>): CarryEntry {
  if (known === undefined) return { eventTime, fields };
  return eventTime >= known.eventTime
    ? { eventTime, fields: { ...known.fields, ...fields } }
    : { eventTime: known.eventTime, fields: { ...fields, ...known.fields } };
}

export function createRedisCarryStore(redis: RedisClient, keyPrefix: string): CarryStore {
  const customerKey = (customerId: string) => `${keyPrefix}ingest:carry:{${customerId}}`;
  const entityKey = (e: EntityRef) => `${customerKey(e.customerId)}:${e.kind}:${e.id}`;
  // Redis away is a dependency's failure, not the message's: the batch is retried, never dead-lettered.
  const unavailable = (err: unknown) => new ServiceUnavailableError('Redis', 'the carry-forward store', err);
  return {
    async load(entities) {
      const found = new Map<string, CarryEntry>();
      try {
        // One pipeline per Redis node for the whole batch: a round trip per entity made JSON sources
        // a third as fast as Avro ones.
        const replies = await runByNode(redis, entities, entityKey, (pipeline, e) => pipeline.get(entityKey(e)));
        entities.forEach((e, i) => {
          const text = replies[i];
          if (typeof text === 'string') found.set(entityId(e), JSON.parse(text) as CarryEntry);
        });
      } catch (err) {
        throw unavailable(err);
      }
      return found;
    },
    async save(entries) {
      try {
        const keys = entries.map(({ entity }) => entityKey(entity));
        await Promise.all(
          groupByNode(redis, keys).map(async (indexes) => {
            const pipeline = redis.pipeline();
            // The customer's index first, then the entry, in that order on one connection: a crash
            // between them leaves an index naming a key that does not exist (harmless to erasure),
            // never an entry erasure cannot find.
            for (const i of indexes) {
              const { entity, entry } = entries[i]!;
              pipeline.sadd(customerKey(entity.customerId), keys[i]!).set(keys[i]!, JSON.stringify(entry));
            }
            for (const [err] of (await pipeline.exec()) ?? []) if (err) throw err;
          }),
        );
      } catch (err) {
        throw unavailable(err);
      }
    },
    async forget(customerIds) {
      for (const customerId of customerIds) {
        const index = customerKey(customerId);
        const keys = await redis.smembers(index);
        await redis
          .multi()
          .del(...keys, index)
          .exec();
      }
    },
  };
}

/** A store in memory (unit tests). */
export function memoryCarryStore(): CarryStore & { entries: Map<string, CarryEntry> } {
  const entries = new Map<string, CarryEntry>();
  return {
    entries,
    load: (entities) =>
      Promise.resolve(new Map(entities.flatMap((e) => (entries.has(entityId(e)) ? [[entityId(e), entries.get(entityId(e))!]] : [])))),
    save: (saved) => {
      for (const { entity, entry } of saved) entries.set(entityId(entity), entry);
      return Promise.resolve();
    },
    forget: (customerIds) => {
      for (const id of [...entries.keys()]) if (customerIds.includes((JSON.parse(id) as string[])[1]!)) entries.delete(id);
      return Promise.resolve();
    },
  };
}
