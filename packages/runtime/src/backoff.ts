// Capped exponential backoff: the wait before a retry, and a wait a shutdown can cut short.
//
// Hand-written rather than a library (exponential-backoff, p-retry): the shared part is a dozen
// lines, and each retry loop stays its own, because what it retries, when it gives up, what it does
// between attempts (heartbeats, readiness, logs) and what ends it (a stale batch, a stop) differ
// from one site to the next. A library would own the loop; this gives every loop the same numbers.

export interface BackoffPolicy {
  /** The wait before the first retry (attempt 0), in ms; doubled for each attempt after it. */
  initialMs: number;
  /** No wait is longer than this (ms). */
  maxMs: number;
  /**
   * `equal`: half the capped wait is fixed and half random, so the processes (or receivers, or
   * partitions) that failed together do not all retry at the same instant. `none` (the default):
   * the capped wait exactly, for loops of which one instance runs at a time.
   */
  jitter?: 'none' | 'equal';
}

/** Beyond this many doublings every policy is at its cap; it keeps `2 ** attempt` finite. */
const MAX_DOUBLINGS = 52;

/** The wait (ms) before retry `attempt` (0 for the first): `initialMs` doubled `attempt` times, capped at `maxMs`, jittered by the policy. */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const capped = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(Math.max(0, attempt), MAX_DOUBLINGS));
  return policy.jitter === 'equal' ? capped / 2 + random() * (capped / 2) : capped;
}

/**
 * Resolves after `ms`, or at once when `signal` aborts (a stop, a shutdown): the loop that waits
 * then checks why it woke. It never rejects, unlike `node:timers/promises`, whose AbortError every
 * such loop would have to catch and ignore.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const wake = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', wake);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    signal?.addEventListener('abort', wake, { once: true });
  });
}
