// Feature snapshots as Kafka values, written by hand: byte for byte what avsc writes for
// schemas/avro/feature-snapshot.avsc in the Confluent wire format (snapshot-writer.test.ts compares
// the two on a simulated history and on edge cases). A snapshot carries ~70 named features; through
// avsc, enumerating and writing that map took a tenth of the fold's CPU. Here each map key is
// encoded once per process and copied after that. A change to the schema must change this file too:
// the test fails until it does.
import type { FeatureSnapshot } from '@segmentation/contracts';

const MAGIC_BYTE = 0;
/** Map keys kept encoded: feature names, profile attribute names and dimensions are a few dozen. */
const KEY_CACHE_LIMIT = 10_000;
/** The largest magnitude avsc writes as a long from a JavaScript number. */
const LARGEST_LONG = 2 ** 53 - 2;

export class SnapshotWriter {
  private buf = Buffer.allocUnsafe(4096);
  private pos = 0;
  private readonly keys = new Map<string, Buffer>();

  /** The snapshot's Kafka value under `schemaId`; throws, naming the field, on a value the schema cannot take. */
  write(schemaId: number, s: FeatureSnapshot): Buffer {
    this.pos = 0;
    this.room(5);
    this.buf[0] = MAGIC_BYTE;
    this.buf.writeUInt32BE(schemaId, 1);
    this.pos = 5;
    this.string(s.snapshotId, 'snapshotId');
    this.string(s.customerId, 'customerId');
    this.map(s.features, 'features', 'double');
    this.map(s.attributes, 'attributes', 'string');
    this.map(s.segments, 'segments', 'string');
    this.string(s.ruleVersion, 'ruleVersion');
    this.long(s.eventTime, 'eventTime');
    this.long(s.detectedAt, 'detectedAt');
    return Buffer.from(this.buf.subarray(0, this.pos));
  }

  /** One block with the entry count, then the end marker: how avsc writes a map. */
  private map(m: Record<string, unknown>, field: string, values: 'double' | 'string'): void {
    if (typeof m !== 'object' || m === null || Array.isArray(m)) throw invalid(field, m);
    const keys = Object.keys(m);
    if (keys.length > 0) {
      this.long(keys.length, field);
      for (const k of keys) {
        this.key(k);
        const v = m[k];
        if (values === 'double') this.double(v as number, field, k);
        else this.string(v as string, field, k);
      }
    }
    this.long(0, field);
  }

  private key(k: string): void {
    const encoded = this.keys.get(k);
    if (encoded === undefined) {
      const start = this.pos;
      this.string(k, 'map key');
      if (this.keys.size < KEY_CACHE_LIMIT) this.keys.set(k, Buffer.from(this.buf.subarray(start, this.pos)));
      return;
    }
    this.room(encoded.length);
    encoded.copy(this.buf, this.pos);
    this.pos += encoded.length;
  }

  private string(v: string, field: string, key?: string): void {
    if (typeof v !== 'string') throw invalid(field, v, key);
    const length = Buffer.byteLength(v);
    this.long(length, field);
    this.room(length);
    this.buf.write(v, this.pos, length, 'utf8');
    this.pos += length;
  }

  private double(v: number, field: string, key: string): void {
    if (typeof v !== 'number') throw invalid(field, v, key);
    this.room(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  /** Zigzag, then base-128 varint, least significant group first. */
  private long(v: number, field: string): void {
    if (!Number.isInteger(v) || Math.abs(v) > LARGEST_LONG) throw invalid(field, v);
    this.room(10);
    let z = v >= 0 ? v * 2 : -v * 2 - 1;
    while (z >= 128) {
      this.buf[this.pos++] = (z % 128) | 0x80;
      z = Math.floor(z / 128);
    }
    this.buf[this.pos++] = z;
  }

  private room(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.pos + bytes));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }
}

const invalid = (field: string, v: unknown, key?: string): Error =>
  new Error(
    `feature snapshot field ${field}${key === undefined ? '' : `[${key}]`} cannot be written as Avro: ${typeof v} ${String(v).slice(0, 40)}`,
  );
