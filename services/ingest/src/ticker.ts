import { avroSchemas, type CustomerEvent } from '@segmentation/contracts';
import { partitionCounts, type AvroCodec, type Kafka, type ReliableProducer } from '@segmentation/kafka';
import type { Logger } from '@segmentation/runtime';

/**
 * Time passes in the log, not on a clock: the segmenter's timers (a customer gone silent moves to
 * at-risk) fire when a partition's event time moves. A partition nobody writes to would freeze
 * them, so in live operation ingest writes a `tick` record, stamped with the wall clock, into
 * every `customer-events` partition it has not written to for a while. Replays and tests write
 * none (interval 0). Several ingest instances may each tick a partition: ticks only ever move
 * event time forward, so extra ones change nothing.
 */
export function createTicker(
  settings: { topic: string; intervalMs: number },
  deps: { kafka: Kafka; producer: ReliableProducer; codec: AvroCodec; logger: Logger; now: () => number },
) {
  const lastWritten = new Map<number, number>();
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  async function tickIdle(schemaId: number, partitions: number): Promise<void> {
    const now = deps.now();
    const idle = Array.from({ length: partitions }, (_, p) => p).filter((p) => now - (lastWritten.get(p) ?? 0) >= settings.intervalMs);
    for (const partition of idle) {
      const tick: CustomerEvent = {
        eventId: `tick-${partition}-${now}`,
        customerId: '',
        eventTime: now,
        source: null,
        body: { 'segmentation.log.Tick': { partition } },
      };
      await deps.producer.send(settings.topic, [
        { key: null, partition, value: deps.codec.encode(schemaId, avroSchemas.customerEvent, tick) },
      ]);
      lastWritten.set(partition, now);
    }
  }

  return {
    /** Records that real records just went to these partitions: they need no tick. */
    noteWritten(partitions: number[]): void {
      const now = deps.now();
      for (const p of partitions) lastWritten.set(p, now);
    },
    async start(schemaId: number): Promise<void> {
      if (settings.intervalMs <= 0) return;
      const partitions = (await partitionCounts(deps.kafka, [settings.topic])).get(settings.topic) ?? 0;
      const started = deps.now();
      for (let p = 0; p < partitions; p++) if (!lastWritten.has(p)) lastWritten.set(p, started);
      timer = setInterval(
        () => {
          inFlight = inFlight.then(() => tickIdle(schemaId, partitions)).catch((err: unknown) => deps.logger.warn('tick_failed', { err }));
        },
        Math.max(1000, settings.intervalMs / 4),
      );
      timer.unref();
    },
    async stop(): Promise<void> {
      clearInterval(timer);
      await inFlight;
    },
  };
}
