import { BatchConsumer, createKafka, type ConsumedMessage } from '@segmentation/kafka';
import { createLogger } from '@segmentation/runtime';
import { uniqueName } from './unique.ts';
import { waitFor } from './wait-for.ts';

/** Reads a topic from its beginning in a fresh consumer group and keeps every message. */
export class TopicReader {
  readonly messages: ConsumedMessage[] = [];
  private readonly consumer: BatchConsumer;

  private constructor(brokers: string[], topic: string) {
    const logger = createLogger({ service: 'test-reader' }, 'error');
    this.consumer = new BatchConsumer(
      createKafka({ brokers, clientId: 'test-reader' }, logger),
      {
        groupId: uniqueName('test-reader'),
        topics: [topic],
        sessionTimeoutMs: 6000,
        stallTimeoutMs: 60_000,
        partitionsConcurrently: 1,
      },
      logger,
    );
  }

  static async open(brokers: string[], topic: string): Promise<TopicReader> {
    const reader = new TopicReader(brokers, topic);
    await reader.consumer.connect((batch) => {
      reader.messages.push(...batch.messages);
      return Promise.resolve();
    });
    return reader;
  }

  /** Waits until at least `count` messages matching `filter` arrived, and returns them. */
  async waitForMessages(
    count: number,
    filter: (m: ConsumedMessage) => boolean = () => true,
    timeoutMs = 30_000,
  ): Promise<ConsumedMessage[]> {
    return waitFor(
      `${count} message(s) on the topic`,
      () => {
        const found = this.messages.filter(filter);
        return found.length >= count ? found : undefined;
      },
      timeoutMs,
    );
  }

  close(): Promise<void> {
    return this.consumer.disconnect();
  }
}
