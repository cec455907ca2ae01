import { backoffDelay, ServiceUnavailableError, sleep } from '@segmentation/runtime';

/** A failure worth retrying: a service that did not answer, or a Kafka error kafkajs marks retriable. */
export function isRetriable(err: unknown): boolean {
  if (err instanceof ServiceUnavailableError) return true;
  return typeof err === 'object' && err !== null && (err as { retriable?: unknown }).retriable === true;
}

export interface RetryPolicy {
  retries: number;
  initialMs: number;
  maxMs: number;
}

/**
 * Runs `step`, retrying retriable failures with capped exponential backoff and jitter. Anything
 * else, or a retriable failure that outlasts the policy, is thrown: the batch is then not
 * committed and comes again (bad data never reaches here: it is dead-lettered, not thrown).
 */
export async function withRetry<T>(step: () => Promise<T>, policy: RetryPolicy = { retries: 6, initialMs: 200, maxMs: 5000 }): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await step();
    } catch (err) {
      if (!isRetriable(err) || attempt >= policy.retries) throw err;
      await sleep(backoffDelay(attempt, { ...policy, jitter: 'equal' }));
    }
  }
}
