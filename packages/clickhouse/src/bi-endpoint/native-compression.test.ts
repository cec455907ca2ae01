import { describe, expect, it } from 'vitest';
import { cityHash128, nativeCompressed } from './native-compression.ts';

/** Bytes 0..len-1 of a fixed pattern. */
const pattern = (len: number) => Uint8Array.from({ length: len }, (_, i) => (i * 131 + 7) & 255);

describe('ClickHouse compressed blocks', () => {
  // Reference values from the official JDBC driver's own CityHash128 (com.clickhouse.data.ClickHouseCityHash
  // 0.10.0) on the same bytes: each length takes another path through the hash (empty, under 16,
  // the 16-byte seed, the 128-byte loop, its tail).
  it.each([
    [0, '3df09dfc64c09a2b', '3cb540c392e51e29'],
    [15, '5ebbb7bb47c1913d', 'e253579b35462d5f'],
    [17, '6720305af95ff5e3', 'f08e523be5cc574c'],
    [129, '6c509bdceebd97c4', 'bfa9ccd551e7ca43'],
    [300, '20960ed077b5e071', '9a7f28ce83b402f0'],
    [4096, 'f62c7ee600f37137', 'a857044c360a0949'],
  ])('hashes %i bytes as ClickHouse does (CityHash128 v1.0.2)', (len, low, high) => {
    const [l, h] = cityHash128(pattern(len));
    expect([l.toString(16), h.toString(16)]).toEqual([low, high]);
  });

  it('frames the data in blocks of at most 1 MiB: hash, LZ4 method, sizes, and the data as LZ4 literals', async () => {
    const data = pattern(1024 * 1024 + 20);
    const out = await nativeCompressed(data);
    const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
    const blocks: Array<{ compressed: number; plain: number }> = [];
    for (let at = 0; at < out.byteLength;) {
      expect(out[at + 16]).toBe(0x82);
      const compressed = view.getUint32(at + 17, true);
      const plain = view.getUint32(at + 21, true);
      const [low, high] = cityHash128(out.subarray(at + 16, at + 16 + compressed));
      expect([view.getBigUint64(at, true), view.getBigUint64(at + 8, true)]).toEqual([low, high]);
      blocks.push({ compressed, plain });
      at += 16 + compressed;
    }
    expect(blocks.map((b) => b.plain)).toEqual([1024 * 1024, 20]);
    // 20 literals: a token of 15 << 4, one length byte of 5, then the bytes themselves.
    const last = out.subarray(out.byteLength - 22);
    expect([last[0], last[1]]).toEqual([0xf0, 5]);
    expect([...last.subarray(2)]).toEqual([...data.subarray(1024 * 1024)]);
    expect((await nativeCompressed(new Uint8Array(0))).byteLength).toBe(0);
  });
});
