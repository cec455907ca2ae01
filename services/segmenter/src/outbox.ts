// The outputs the segmenter decides, and the per-customer outbox that keeps each one until Kafka has
// acknowledged it (DESIGN.md invariant 4): encoded once when decided, written with the customer's
// state in one atomic operation, re-sent after a crash, cleared after the acknowledgement.
import type { ChurnAlert, FeatureSnapshot, SegmentChange } from '@segmentation/contracts';
import type { CustomerOutputs, CustomerRecord } from '@segmentation/segmentation';
import type { CustomerCommit, StoredCustomer } from '@segmentation/state';
import type { FoldedCommit } from './fold.ts';

/** What the segmenter decides. */
export type Output =
  { kind: 'change'; value: SegmentChange } | { kind: 'alert'; value: ChurnAlert } | { kind: 'snapshot'; value: FeatureSnapshot };

export const outputId = (o: Output): string =>
  o.kind === 'change' ? o.value.changeId : o.kind === 'alert' ? o.value.alertId : o.value.snapshotId;

/** An evaluation's outputs, stamped with the wall-clock time they were decided. */
export function decidedOutputs(outputs: CustomerOutputs, detectedAt: number): Output[] {
  return [
    ...outputs.changes.map((value): Output => ({ kind: 'change', value: { ...value, detectedAt } })),
    ...outputs.alerts.map((value): Output => ({ kind: 'alert', value: { ...value, detectedAt } })),
    ...outputs.snapshots.map((value): Output => ({ kind: 'snapshot', value: { ...value, detectedAt } })),
  ];
}

/** Encodes an output as its Kafka value (Avro, Confluent wire format). */
export type OutputEncoder = (o: Output) => Buffer;

/**
 * An output as it goes to Kafka, and as its customer's outbox keeps it until Kafka has acknowledged
 * it: encoded once, when decided, and the same bytes sent (and re-sent after a crash).
 */
export interface Outgoing {
  kind: Output['kind'];
  id: string;
  customerId: string;
  /** The Kafka value. */
  value: Buffer;
  /** What was decided; absent for one re-sent from an outbox, where only the bytes were kept. */
  decided?: Output;
}

export const outgoingOf = (o: Output, encode: OutputEncoder): Outgoing => ({
  kind: o.kind,
  id: outputId(o),
  customerId: o.value.customerId,
  value: encode(o),
  decided: o,
});

const KINDS: ReadonlyArray<Output['kind']> = ['change', 'alert', 'snapshot'];

/** An outbox entry: the output's kind in one byte (1 change, 2 alert, 3 snapshot), then its Kafka value. */
export const outboxPayload = (o: Outgoing): Buffer => Buffer.concat([Buffer.of(KINDS.indexOf(o.kind) + 1), o.value]);

/** An outbox entry back as what to send. Versions before 2026-11-23 kept the decided output as JSON. */
export function fromOutbox(customerId: string, id: string, payload: Buffer, encode: OutputEncoder): Outgoing {
  if (payload[0] === 0x7b) return outgoingOf(JSON.parse(payload.toString('utf8')) as Output, encode); // '{'
  const kind = KINDS[payload[0]! - 1];
  if (kind === undefined)
    throw new Error(`outbox entry ${id} of customer ${customerId} starts with ${payload[0]}, not an output kind (1-3)`);
  return { kind, id, customerId, value: payload.subarray(1) };
}

/**
 * What goes to Kafka and into the outboxes: outputs decided earlier but never acknowledged (a crash
 * after the state write) again, for every customer loaded: also one loaded only because its timer
 * was still due, which is exactly the customer whose timer fired before the crash and whose outbox
 * nothing else would resend; then the new ones, each encoded once. Without an encoder nothing is kept.
 */
export function keptOutputs(
  encode: OutputEncoder | undefined,
  stored: ReadonlyMap<string, StoredCustomer<CustomerRecord>>,
  commits: readonly FoldedCommit[],
) {
  if (encode === undefined) return { outgoing: [], commits: commits.map((c) => ({ ...c, outputs: [] })) };
  const outgoing: Outgoing[] = [];
  for (const s of stored.values()) for (const [id, payload] of s.pending) outgoing.push(fromOutbox(s.customerId, id, payload, encode));
  const kept = commits.map((c): CustomerCommit<CustomerRecord> => {
    const decided = c.outputs.map((o) => outgoingOf(o, encode));
    outgoing.push(...decided);
    return { ...c, outputs: decided.map((o) => [o.id, outboxPayload(o)]) };
  });
  return { outgoing, commits: kept };
}

/** The outbox entries to clear once Kafka has acknowledged these outputs, per customer. */
export function outboxEntries(outputs: readonly Outgoing[]): Array<{ customerId: string; ids: string[] }> {
  const byCustomer = new Map<string, string[]>();
  for (const o of outputs) byCustomer.set(o.customerId, [...(byCustomer.get(o.customerId) ?? []), o.id]);
  return [...byCustomer].map(([customerId, ids]) => ({ customerId, ids }));
}
