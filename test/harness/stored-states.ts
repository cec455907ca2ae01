import { customerRecordCodec } from '@segmentation/readers';
import { connectRedis, CustomerStateStore } from '@segmentation/state';

/**
 * Every customer a run stored, as the JSON of their decoded record, and how many outputs wait in
 * their outbox: two runs that decided the same have equal maps.
 */
export async function storedStates(redisUrl: string, keyPrefix: string): Promise<Map<string, { state: string; pending: number }>> {
  const redis = await connectRedis(redisUrl);
  try {
    const store = new CustomerStateStore(redis, keyPrefix, customerRecordCodec);
    const states = new Map<string, { state: string; pending: number }>();
    for await (const ids of store.customerIds()) {
      for (const [id, s] of await store.load(ids)) states.set(id, { state: JSON.stringify(s.state), pending: s.pending.size });
    }
    return new Map([...states].sort(([a], [b]) => (a < b ? -1 : 1)));
  } finally {
    redis.disconnect();
  }
}
