// Ingest's message counters, kept so that consumed = applied + dead-lettered + erased holds per
// process, also after retries: a batch handled again (its commit failed, or it came back after a
// rebalance) is counted only for offsets not counted before, and a batch is counted only once it
// has been handled (a failed attempt counts nothing, its retry counts it all).
import { Counter, type Registry } from 'prom-client';
import type { ConsumedBatch, DeadLetterCause } from '@segmentation/kafka';

/** `ignored`: deliberately not forwarded (a delete, a change that changes nothing read): applied, as DESIGN.md invariant 5 counts it. */
export type MessageOutcome = 'forwarded' | 'ignored' | 'erased' | { deadLettered: DeadLetterCause['reason'] };

export class IngestTally {
  private readonly countedUpTo = new Map<string, bigint>();
  private readonly consumed: Counter<'topic'>;
  private readonly applied: Counter<'topic'>;
  private readonly erased: Counter<'topic'>;
  private readonly deadLettered: Counter<'topic' | 'reason'>;

  constructor(metrics: Registry) {
    const labelNames = ['topic'] as const;
    this.consumed = new Counter({
      name: 'ingest_messages_consumed_total',
      help: 'Source messages handled by ingest (each offset once per process)',
      labelNames,
      registers: [metrics],
    });
    this.applied = new Counter({
      name: 'ingest_messages_applied_total',
      help: 'Source messages forwarded into customer-events, or deliberately not (a change event that changes nothing read)',
      labelNames,
      registers: [metrics],
    });
    this.erased = new Counter({
      name: 'ingest_messages_erased_total',
      help: 'Source messages about customers on the erasure list, dropped (neither forwarded nor dead-lettered: a dead letter would keep their data)',
      labelNames,
      registers: [metrics],
    });
    this.deadLettered = new Counter({
      name: 'ingest_messages_dead_lettered_total',
      help: 'Source messages sent to their dead-letter topic, by reason',
      labelNames: ['topic', 'reason'],
      registers: [metrics],
    });
  }

  /** A batch handled (its forwards and dead letters acknowledged), with each message's outcome in order. */
  handled(batch: ConsumedBatch, outcomes: readonly MessageOutcome[]): void {
    const key = `${batch.topic}:${batch.partition}`;
    const before = this.countedUpTo.get(key) ?? -1n;
    const topic = batch.topic;
    batch.messages.forEach((m, i) => {
      if (BigInt(m.offset) <= before) return;
      const outcome = outcomes[i]!;
      this.consumed.inc({ topic });
      if (outcome === 'forwarded' || outcome === 'ignored') this.applied.inc({ topic });
      else if (outcome === 'erased') this.erased.inc({ topic });
      else this.deadLettered.inc({ topic, reason: outcome.deadLettered });
    });
    const last = batch.messages.at(-1);
    if (last !== undefined && BigInt(last.offset) > before) this.countedUpTo.set(key, BigInt(last.offset));
  }
}
