import { redriveLedgerTopic } from '@segmentation/contracts';
import {
  ensureTopics,
  readTopicToEnd,
  type ConsumedMessage,
  type Kafka,
  type OutgoingMessage,
  type ReliableProducer,
} from '@segmentation/kafka';

export interface RedriveFilter {
  /** Only messages dead-lettered for one of these reasons (all when empty). */
  reasons: string[];
  /** Only messages dead-lettered at or after / before these times (ms). */
  since?: number;
  until?: number;
}

export interface RedriveReport {
  scanned: number;
  matched: number;
  alreadyRedriven: number;
  redriven: number;
  byTarget: Record<string, number>;
}

const ERROR_HEADER_PREFIX = '__connect.errors.';
const header = (m: ConsumedMessage, name: string) => m.headers[name]?.toString();

/**
 * Sends dead-lettered messages back to the topic they came from, after a fix (a new currency
 * rate, a corrected producer). Each message is re-driven once: its position is written to a
 * compacted ledger topic after the re-sent copy is acknowledged, and messages already in the
 * ledger are skipped on every later run, whatever the filter.
 */
export async function redrive(
  kafka: Kafka,
  producer: ReliableProducer,
  deadLetterTopic: string,
  filter: RedriveFilter,
  dryRun = false,
): Promise<RedriveReport> {
  const ledger = redriveLedgerTopic(deadLetterTopic);
  await ensureTopics(kafka, [{ topic: ledger, partitions: 1, config: { 'cleanup.policy': 'compact' } }]);
  const done = new Set<string>();
  await readTopicToEnd(kafka, ledger, (m) => {
    if (m.key) done.add(m.key.toString());
  });

  const report: RedriveReport = { scanned: 0, matched: 0, alreadyRedriven: 0, redriven: 0, byTarget: {} };
  const todo: ConsumedMessage[] = [];
  await readTopicToEnd(kafka, deadLetterTopic, (m) => {
    report.scanned++;
    const reason = header(m, `${ERROR_HEADER_PREFIX}exception.class.name`) ?? '';
    const at = Number(header(m, `${ERROR_HEADER_PREFIX}timestamp`) ?? m.timestamp);
    if (filter.reasons.length > 0 && !filter.reasons.includes(reason)) return;
    if ((filter.since !== undefined && at < filter.since) || (filter.until !== undefined && at >= filter.until)) return;
    report.matched++;
    if (done.has(`${m.partition}/${m.offset}`)) report.alreadyRedriven++;
    else todo.push(m);
  });
  if (dryRun) return report;

  for (let i = 0; i < todo.length; i += 500) {
    const chunk = todo.slice(i, i + 500);
    const byTarget = new Map<string, OutgoingMessage[]>();
    for (const m of chunk) {
      const target = header(m, `${ERROR_HEADER_PREFIX}topic`);
      if (!target)
        throw new Error(
          `${deadLetterTopic} ${m.partition}/${m.offset} has no ${ERROR_HEADER_PREFIX}topic header: not a dead-letter written by this pipeline`,
        );
      const headers: Record<string, string | Buffer | Array<string | Buffer>> = {};
      for (const [k, v] of Object.entries(m.headers)) if (v !== undefined && !k.startsWith(ERROR_HEADER_PREFIX)) headers[k] = v;
      headers['segmentation.redriven.from'] = `${deadLetterTopic}/${m.partition}/${m.offset}`;
      byTarget.set(target, [...(byTarget.get(target) ?? []), { key: m.key, value: m.value, headers }]);
    }
    for (const [target, messages] of byTarget) {
      await producer.send(target, messages);
      report.byTarget[target] = (report.byTarget[target] ?? 0) + messages.length;
    }
    // Only after the copies are acknowledged: a crash in between re-drives this chunk again,
    // which the segmenter's memory of event ids recognises (at least once, never lost).
    await producer.send(
      ledger,
      chunk.map((m) => ({ key: `${m.partition}/${m.offset}`, value: Buffer.from(JSON.stringify({ at: Date.now() })) })),
    );
    report.redriven += chunk.length;
  }
  return report;
}
