// A record that deterministically breaks a role (a bug, a value no code path expected) must not
// stall its partition for ever while the rest of the process looks fine. A failure is first
// retried in place, as any: a dependency that is away (Redis, Kafka, the registry, ClickHouse) is
// waited for without limit. A failure that is not a dependency's and repeats `attempts` times is
// isolated: the batch is applied in halves, in log order, each half starting from the offset
// metadata the one before returned, down to the single record that keeps failing, which is
// dead-lettered with reason `processing_failed` and skipped. Its neighbours going through is what
// shows the fault is that record's, not a dependency's. Records dead-lettered one after another
// with none applied in between show the opposite, a fault of the role itself (a bug deployed on
// every record): then the role stops isolating and holds the partition (PoisonStreak).
import { ServiceUnavailableError } from '@segmentation/runtime';
import type { BatchContext, BatchDone, ConsumedBatch, ConsumedMessage } from './batch-consumer.ts';
import { isRetriable } from './retry.ts';

export interface PoisonHandling {
  /** Failures of one batch (or part) before it is split; at least 1. */
  attempts: number;
  /** Sends the record to its dead-letter topic (reason processing_failed); it is skipped after. */
  deadLetter: (message: ConsumedMessage, err: unknown) => Promise<void>;
}

const DEPENDENCY_CODES = /^(E[A-Z]+|ECONN\w+|LOADING|READONLY|CLUSTERDOWN|TRYAGAIN|MASTERDOWN|BUSY|NOREPLICAS|OOM)$/;
const DEPENDENCY_MESSAGES =
  /Connection is closed|Stream isn't writeable|MaxRetriesPerRequest|ECONNREFUSED|ECONNRESET|ETIMEDOUT|socket hang up|LOADING|READONLY|CLUSTERDOWN|TRYAGAIN/;

/**
 * A failure of something the role depends on, never of the record: retried without limit. Kafka
 * (kafkajs errors), the registry and ClickHouse (ServiceUnavailableError), Redis (ioredis
 * connection and cluster errors), and system errors of any socket.
 */
export function isDependencyFailure(err: unknown): boolean {
  for (let e: unknown = err; typeof e === 'object' && e !== null; e = (e as { cause?: unknown }).cause) {
    if (e instanceof ServiceUnavailableError || isRetriable(e)) return true;
    const { name, code, message } = e as { name?: unknown; code?: unknown; message?: unknown };
    if (
      typeof name === 'string' &&
      (name.startsWith('KafkaJS') || name === 'MaxRetriesPerRequestError' || name === 'ClusterAllFailedError')
    )
      return true;
    if (typeof code === 'string' && DEPENDENCY_CODES.test(code)) return true;
    if (typeof message === 'string' && DEPENDENCY_MESSAGES.test(message)) return true;
  }
  return false;
}

export interface Attempts {
  /** Runs the handler on a batch or part until it succeeds, or fails `attempts` times other than by a dependency. */
  run(batch: ConsumedBatch, ctx: BatchContext): Promise<{ done: BatchDone | void } | { failed: unknown }>;
  /** Runs it until it succeeds, retrying every failure in place: what a systemic fault gets. */
  runUntilDone(batch: ConsumedBatch, ctx: BatchContext): Promise<BatchDone | void>;
  /** The role's streak of records dead-lettered with none applied in between. */
  streak: PoisonStreak;
}

/**
 * A poison record is rare and stands alone. When `limit` records in a row are dead-lettered with
 * none applied in between (on any partition of the role), the fault is the role's, not theirs —
 * a bug that breaks every record, a setting — and dead-lettering the whole stream would strip
 * every customer of their events: the role then retries in place without limit instead, holding
 * the partition (not ready; PartitionNotCommitting fires) until the fix is deployed.
 */
export class PoisonStreak {
  private length = 0;
  readonly limit: number;
  constructor(limit: number) {
    this.limit = limit;
  }
  applied(): void {
    this.length = 0;
  }
  deadLettered(): void {
    this.length++;
  }
  get systemic(): boolean {
    return this.length >= this.limit;
  }
}

/** Records dead-lettered in a row, none applied between, after which a role stops isolating. */
export const POISON_STREAK_LIMIT = 10;

/**
 * Applies `batch`, which has failed `attempts` times with `failure`, with its poison records
 * isolated and dead-lettered. Returns what the batch's commit carries: the metadata of the last
 * part that went through (or the committed one, if none did).
 */
export async function isolatePoison(
  batch: ConsumedBatch,
  ctx: BatchContext,
  failure: unknown,
  attempts: Attempts,
  handling: PoisonHandling,
): Promise<BatchDone | void> {
  let metadata = ctx.committedMetadata;
  const split = async (messages: ConsumedMessage[], err: unknown): Promise<void> => {
    if (messages.length === 1) {
      if (!attempts.streak.systemic) {
        attempts.streak.deadLettered();
        return handling.deadLetter(messages[0]!, err);
      }
      const done = await attempts.runUntilDone({ ...batch, messages }, { ...ctx, committedMetadata: metadata });
      if (done?.metadata !== undefined) metadata = done.metadata;
      return;
    }
    const half = messages.length >> 1;
    await apply(messages.slice(0, half));
    await apply(messages.slice(half));
  };
  const apply = async (messages: ConsumedMessage[]): Promise<void> => {
    const result = await attempts.run({ ...batch, messages }, { ...ctx, committedMetadata: metadata });
    if ('failed' in result) return split(messages, result.failed);
    if (result.done?.metadata !== undefined) metadata = result.done.metadata;
  };
  await split(batch.messages, failure);
  return metadata === null ? undefined : { metadata };
}

/** The one line and the headers a poison record carries: the error's class and message, no record content. */
export function describeFailure(err: unknown): string {
  const e = err as { name?: unknown; message?: unknown };
  const text = `${typeof e?.name === 'string' ? e.name : 'Error'}: ${typeof e?.message === 'string' ? e.message : String(err)}`;
  return text.length > 500 ? `${text.slice(0, 497)}...` : text;
}
