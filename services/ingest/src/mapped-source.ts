import type { CustomerEvent, DeadLetterReason, SourceContract, SourcePosition, ValidationContext } from '@segmentation/contracts';
import { deadLetterReasons } from '@segmentation/contracts';
import type { ConsumedMessage, DeadLetterCause } from '@segmentation/kafka';
import {
  CarryAlong,
  carryFields,
  createRowMapper,
  entityField,
  leavesOut,
  meaningField,
  uuidV5,
  validateRecord,
  type ImportKind,
  type RejectReason,
  type RowDraft,
} from '@segmentation/mapping';
import { entityId, mergeCarry, type CarryEntry, type CarryStore, type EntityRef } from './carry-store.ts';
import { comparePositions, parseChange } from './debezium-change.ts';
import { importKindOf, type KindMapping, type SourceKind } from './sources-file.ts';

// A source in someone else's columns: a JSON topic (each message one row) or a table's Debezium
// change events (each message one change of one row). Each row is mapped onto the contract by
// the history import's code (columns, value maps, defaults, carry-forward), then validated by the
// same `normalise` as an Avro record. The event leaves with its source position (the message's
// topic, partition and offset), so the segmenter recognises a re-forward of the same message
// exactly as it does for Avro sources.

export type MappedOutcome =
  | { event: CustomerEvent; carry?: { entity: EntityRef; entry: CarryEntry } }
  /** Deliberately not forwarded (a delete, a change that changes nothing the segmenter reads, a change already forwarded). */
  | { ignored: string }
  | { cause: DeadLetterCause };

export interface MappedSourceSettings {
  format: 'json' | 'debezium';
  kind: SourceKind;
  mapping: KindMapping;
  /** Debezium: the column values a deleted row is read with; absent, deletes are ignored. */
  onDelete?: Record<string, string>;
  /** Times without an offset are the business's wall-clock times (docs/import.md). */
  timeZone: string;
}

/** The header that keeps a mapping reason the dead-letter list has no code for (no_earlier_row). */
export const REJECT_REASON_HEADER = 'segmentation.errors.reject_reason';

/** A message read as a row, before carry-forward and validation. */
interface Decoded {
  draft: RowDraft;
  /** Debezium: where the change is in the database's log, and the row before it. */
  change?: { position: number[]; before: Record<string, unknown> | null };
}

export function createMappedSource(settings: MappedSourceSettings, contract: SourceContract, store: CarryStore | undefined) {
  const kind: ImportKind = importKindOf[settings.kind];
  const mapper = createRowMapper(kind, { [kind]: settings.mapping }, settings.timeZone);
  const fields = carryFields(mapper.spec);
  const idField = entityField[kind];
  const meaning = meaningField[kind];
  const debezium = settings.format === 'debezium';

  const refuse = (step: string, reason: RejectReason, message: string): { cause: DeadLetterCause } => {
    const known = reason in deadLetterReasons;
    return {
      cause: {
        reason: known ? (reason as DeadLetterReason) : 'invalid_value',
        message,
        step,
        stage: 'ingest',
        ...(known ? {} : { headers: { [REJECT_REASON_HEADER]: reason } }),
      },
    };
  };

  /**
   * What ingest remembers a row by: its order, shipment or complaint. A table's change events
   * are remembered for profiles too (by customer), for their log position.
   */
  const entityOf = (draft: RowDraft): EntityRef | undefined => {
    const customerId = draft.values.customerId;
    if (typeof customerId !== 'string') return undefined;
    if (idField === null) return debezium ? { customerId, kind, id: customerId } : undefined;
    const id = draft.values[idField];
    return typeof id === 'string' && (debezium || fields.length > 0) ? { customerId, kind, id } : undefined;
  };

  return {
    /**
     * Maps the messages of one batch, in order. A row takes what it leaves out from the latest row
     * of its order, shipment or complaint: an earlier one of this batch, or else as the store has it.
     */
    async mapBatch(messages: ConsumedMessage[], ctx: ValidationContext): Promise<MappedOutcome[]> {
      const decoded = messages.map((m) => (debezium ? decodeChange(m) : decodeJson(m)));
      const wanted = new Map<string, EntityRef>();
      for (const d of decoded) {
        const e = 'draft' in d ? entityOf(d.draft) : undefined;
        if (e) wanted.set(entityId(e), e);
      }
      const known = store && wanted.size > 0 ? await store.load([...wanted.values()]) : new Map<string, CarryEntry>();
      return messages.map((message, i): MappedOutcome => {
        const d = decoded[i]!;
        if (!('draft' in d)) return d;
        const source = { topic: message.topic, partition: message.partition, offset: Number(message.offset) };
        const entity = entityOf(d.draft);
        const earlier = entity && known.get(entityId(entity));
        if (d.change && earlier?.position && comparePositions(d.change.position, earlier.position) <= 0)
          // Debezium sends changes again after a restart, as new messages: their log position tells them.
          return { ignored: 'already_forwarded' };
        const carried = entity && fields.length > 0 ? new CarryAlong(fields, earlier?.fields).next(d.draft) : undefined;
        const done = mapper.complete(d.draft, carried);
        // Without an id of its own, the event is named by where it was read: a re-delivery gives
        // the same id (a change: its place in the database's log; a message: its offset).
        if (done.record.eventId === null || done.record.eventId === undefined)
          done.record.eventId = d.change ? changeEventId(message.topic, d.change.position) : liveEventId(source);
        const outcome = validateRecord(kind, done.record, done.problems, contract, ctx);
        if (!outcome.ok) return refuse('map', outcome.reason, outcome.message);
        const event = { ...outcome.event, source };
        if (!entity) return { event };
        const read = Object.fromEntries(fields.flatMap((f) => (d.draft.values[f] === undefined ? [] : [[f, d.draft.values[f]]])));
        const entry: CarryEntry = { ...mergeCarry(earlier, event.eventTime, read), ...(d.change ? { position: d.change.position } : {}) };
        known.set(entityId(entity), entry);
        return { event, carry: { entity, entry } };
      });
    },
  };

  function decodeJson(message: ConsumedMessage): Decoded | { cause: DeadLetterCause } {
    if (message.value === null) return refuse('decode', 'undecodable', 'the message has no value');
    let row: unknown;
    try {
      row = JSON.parse(message.value.toString('utf8'));
    } catch (err) {
      return refuse('decode', 'undecodable', `the value is not JSON (${(err as Error).message})`);
    }
    if (typeof row !== 'object' || row === null || Array.isArray(row))
      return refuse('decode', 'undecodable', 'the value is JSON but not an object of columns');
    return { draft: mapper.read(row as Record<string, unknown>) };
  }

  function decodeChange(message: ConsumedMessage): Decoded | { cause: DeadLetterCause } | { ignored: string } {
    const parsed = parseChange(message.value);
    if ('tombstone' in parsed) return { ignored: 'tombstone' };
    if ('problem' in parsed) return refuse('decode', 'undecodable', parsed.problem);
    const { op, before, after, position, committedAt } = parsed.change;
    let row: Record<string, unknown>;
    if ((op === 'c' || op === 'r' || op === 'u') && after !== null) row = after;
    else if (op === 'd' && settings.onDelete && before !== null) row = { ...before, ...settings.onDelete };
    else return { ignored: op === 'd' ? 'delete' : `op_${op}` };
    const draft = mapper.read(row);
    // A table without a time column of its own: the event happened when its transaction committed.
    if (leavesOut(draft, 'eventTime') && committedAt !== undefined) draft.values.eventTime = committedAt;
    // An update that leaves what the event is unchanged (an order's amount corrected, a waybill's
    // note edited) is not a new event: forwarding it would count the order or the status twice.
    if (op === 'u' && meaning !== null && before !== null) {
      const was = mapper.read(before).values[meaning];
      if (was !== undefined && was === draft.values[meaning]) return { ignored: 'unchanged' };
    }
    return { draft, change: { position, before } };
  }
}

/** The id of a live event without an id column: a name-based UUID of its source position. */
export const liveEventId = (source: SourcePosition) => uuidV5(JSON.stringify([source.topic, source.partition, source.offset]));

/** The id of a change's event: a name-based UUID of its table's topic and its place in the database's log. */
export const changeEventId = (topic: string, position: readonly number[]) => uuidV5(JSON.stringify([topic, ...position]));
