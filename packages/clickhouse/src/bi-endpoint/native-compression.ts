// ClickHouse's own compressed blocks (`compress=1`), which the official JDBC driver asks for by
// default: each block is a CityHash128 (CityHash v1.0.2, the version ClickHouse froze) of what
// follows, the method byte (0x82 = LZ4), the block's size with its 9-byte header, the size
// uncompressed, then the LZ4 block. The driver checks the hash. The LZ4 block written here holds
// its data as one run of literals: valid LZ4 that any decoder reads, no smaller than the input (the
// endpoint answers on loopback or a LAN; what the driver needs is the framing, not the saving).
//
// The hash works on 64-bit values as [high, low] pairs of uint32: BigInt arithmetic was six times
// slower (4 MiB/s), and this runs on the event loop, one block at a time.

type U64 = [number, number];
const k0: U64 = [0xc3a5c85c, 0x97cb3127];
const k1: U64 = [0xb492b66f, 0xbe98f273];
const k2: U64 = [0x9ae16a3b, 0x2f90404f];
const k3: U64 = [0xc949d7c7, 0x509e6557];
const kMul: U64 = [0x9ddfea08, 0xeb382d69];
const TWO32 = 4294967296;

const add = (a: U64, b: U64): U64 => {
  const lo = a[1] + b[1];
  return [(a[0] + b[0] + (lo >= TWO32 ? 1 : 0)) >>> 0, lo >>> 0];
};
const sub = (a: U64, b: U64): U64 => {
  const lo = a[1] - b[1];
  return [(a[0] - b[0] - (lo < 0 ? 1 : 0)) >>> 0, lo >>> 0];
};
const xor = (a: U64, b: U64): U64 => [(a[0] ^ b[0]) >>> 0, (a[1] ^ b[1]) >>> 0];
const mul = (a: U64, b: U64): U64 => {
  const al = a[1],
    bl = b[1];
  const a0 = al & 0xffff,
    a1 = al >>> 16,
    b0 = bl & 0xffff,
    b1 = bl >>> 16;
  const mid = a1 * b0 + a0 * b1;
  const low = a0 * b0 + (mid % 65536) * 65536;
  const hi = a1 * b1 + Math.floor(mid / 65536) + Math.floor(low / TWO32) + Math.imul(a[0], bl) + Math.imul(al, b[0]);
  return [hi >>> 0, low >>> 0];
};
const rotate = (v: U64, s: number): U64 => {
  if (s === 0) return v;
  const [h, l] = v;
  if (s === 32) return [l, h];
  if (s < 32) return [((h >>> s) | (l << (32 - s))) >>> 0, ((l >>> s) | (h << (32 - s))) >>> 0];
  const t = s - 32;
  return [((l >>> t) | (h << (32 - t))) >>> 0, ((h >>> t) | (l << (32 - t))) >>> 0];
};
const shiftMix = (v: U64): U64 => [v[0], (v[1] ^ (v[0] >>> 15)) >>> 0];
const fetch64 = (d: DataView, i: number): U64 => [d.getUint32(i + 4, true), d.getUint32(i, true)];
const fetch32 = (d: DataView, i: number): U64 => [0, d.getUint32(i, true)];
const num = (n: number): U64 => [Math.floor(n / TWO32) >>> 0, n >>> 0];

function hashLen16(u: U64, v: U64): U64 {
  let a = mul(xor(u, v), kMul);
  a = xor(a, [0, a[0] >>> 15]);
  let b = mul(xor(v, a), kMul);
  b = xor(b, [0, b[0] >>> 15]);
  return mul(b, kMul);
}

function hashLen0to16(d: DataView, s: number, len: number): U64 {
  if (len > 8) {
    const a = fetch64(d, s);
    const b = fetch64(d, s + len - 8);
    return xor(hashLen16(a, rotate(add(b, num(len)), len)), b);
  }
  if (len >= 4) {
    const a = fetch32(d, s);
    return hashLen16(add(num(len), [a[1] >>> 29, (a[1] << 3) >>> 0]), fetch32(d, s + len - 4));
  }
  if (len > 0) {
    const a = d.getUint8(s),
      b = d.getUint8(s + (len >> 1)),
      c = d.getUint8(s + len - 1);
    const y = num(a + (b << 8));
    const z = num(len + (c << 2));
    return mul(shiftMix(xor(mul(y, k2), mul(z, k3))), k2);
  }
  return k2;
}

function weak(d: DataView, i: number, a: U64, b: U64): [U64, U64] {
  const w = fetch64(d, i),
    x = fetch64(d, i + 8),
    y = fetch64(d, i + 16),
    z = fetch64(d, i + 24);
  a = add(a, w);
  b = rotate(add(add(b, a), z), 21);
  const c = a;
  a = add(add(a, x), y);
  b = add(b, rotate(a, 44));
  return [add(a, z), add(b, c)];
}

function cityMurmur(d: DataView, s: number, len: number, seedLow: U64, seedHigh: U64): [U64, U64] {
  let a = seedLow,
    b = seedHigh,
    c: U64,
    dd: U64;
  let l = len - 16;
  if (l <= 0) {
    a = mul(shiftMix(mul(a, k1)), k1);
    c = add(mul(b, k1), hashLen0to16(d, s, len));
    dd = shiftMix(add(a, len >= 8 ? fetch64(d, s) : c));
  } else {
    c = hashLen16(add(fetch64(d, s + len - 8), k1), a);
    dd = hashLen16(add(b, num(len)), add(c, fetch64(d, s + len - 16)));
    a = add(a, dd);
    let i = s;
    do {
      a = xor(a, mul(shiftMix(mul(fetch64(d, i), k1)), k1));
      a = mul(a, k1);
      b = xor(b, a);
      c = xor(c, mul(shiftMix(mul(fetch64(d, i + 8), k1)), k1));
      c = mul(c, k1);
      dd = xor(dd, c);
      i += 16;
      l -= 16;
    } while (l > 0);
  }
  a = hashLen16(a, c);
  b = hashLen16(dd, b);
  return [xor(a, b), hashLen16(b, a)];
}

function withSeed(d: DataView, s: number, len: number, seedLow: U64, seedHigh: U64): [U64, U64] {
  if (len < 128) return cityMurmur(d, s, len, seedLow, seedHigh);
  let x = seedLow,
    y = seedHigh,
    z = mul(num(len), k1);
  let v0 = add(mul(rotate(xor(y, k1), 49), k1), fetch64(d, s));
  let v1 = add(mul(rotate(v0, 42), k1), fetch64(d, s + 8));
  let w0 = add(mul(rotate(add(y, z), 35), k1), x);
  let w1 = mul(rotate(add(x, fetch64(d, s + 88)), 53), k1);
  let i = s;
  const round = () => {
    x = mul(rotate(add(add(add(x, y), v0), fetch64(d, i + 16)), 37), k1);
    y = mul(rotate(add(add(y, v1), fetch64(d, i + 48)), 42), k1);
    x = xor(x, w1);
    y = xor(y, v0);
    z = rotate(xor(z, w0), 33);
    [v0, v1] = weak(d, i, mul(v1, k1), add(x, w0));
    [w0, w1] = weak(d, i + 32, add(z, w1), y);
    [z, x] = [x, z];
    i += 64;
  };
  do {
    round();
    round();
    len -= 128;
  } while (len >= 128);
  y = add(add(y, mul(rotate(w0, 37), k0)), z);
  x = add(x, mul(rotate(add(v0, z), 49), k0));
  for (let tail = 0; tail < len;) {
    tail += 32;
    y = add(mul(rotate(sub(y, x), 42), k0), v1);
    w0 = add(w0, fetch64(d, i + len - tail + 16));
    x = add(mul(rotate(x, 49), k0), w0);
    w0 = add(w0, v0);
    [v0, v1] = weak(d, i + len - tail, v0, v1);
  }
  x = hashLen16(x, v0);
  y = hashLen16(y, w0);
  return [add(hashLen16(add(x, v1), w1), y), hashLen16(add(x, w1), add(y, v1))];
}

function cityHash128Pairs(s: Uint8Array): [U64, U64] {
  const d = new DataView(s.buffer, s.byteOffset, s.byteLength);
  const len = s.byteLength;
  if (len >= 16) return withSeed(d, 16, len - 16, xor(fetch64(d, 0), k3), fetch64(d, 8));
  if (len >= 8) return withSeed(d, 0, 0, xor(fetch64(d, 0), mul(num(len), k0)), xor(fetch64(d, len - 8), k1));
  return withSeed(d, 0, len, k0, k1);
}

/** CityHash128 v1.0.2 of `s`, as ClickHouse checks its compressed blocks with: [low 64 bits, high 64 bits]. */
export function cityHash128(s: Uint8Array): [bigint, bigint] {
  const [low, high] = cityHash128Pairs(s);
  return [(BigInt(low[0]) << 32n) | BigInt(low[1]), (BigInt(high[0]) << 32n) | BigInt(high[1])];
}

/** An LZ4 block holding `data` as literals only. */
function lz4Literals(data: Uint8Array): Uint8Array {
  const extra: number[] = [];
  if (data.byteLength >= 15) {
    let rest = data.byteLength - 15;
    while (rest >= 255) {
      extra.push(255);
      rest -= 255;
    }
    extra.push(rest);
  }
  const out = new Uint8Array(1 + extra.length + data.byteLength);
  out[0] = Math.min(data.byteLength, 15) << 4;
  out.set(extra, 1);
  out.set(data, 1 + extra.length);
  return out;
}

/** Uncompressed bytes per block, ClickHouse's max_compress_block_size default. */
const BLOCK_BYTES = 1024 * 1024;

function compressedBlock(chunk: Uint8Array): Uint8Array {
  const lz4 = lz4Literals(chunk);
  const block = new Uint8Array(16 + 9 + lz4.byteLength);
  const view = new DataView(block.buffer);
  block[16] = 0x82;
  view.setUint32(17, 9 + lz4.byteLength, true);
  view.setUint32(21, chunk.byteLength, true);
  block.set(lz4, 25);
  const [low, high] = cityHash128Pairs(block.subarray(16));
  view.setUint32(0, low[1], true);
  view.setUint32(4, low[0], true);
  view.setUint32(8, high[1], true);
  view.setUint32(12, high[0], true);
  return block;
}

/**
 * `data` as a sequence of ClickHouse compressed blocks (method LZ4). Hashing takes some 40 ms per
 * block, so the event loop gets a turn between blocks: a large answer never stalls the pipeline's
 * consumers in the same process.
 */
export async function nativeCompressed(data: Uint8Array): Promise<Uint8Array> {
  const blocks: Uint8Array[] = [];
  for (let at = 0; at < data.byteLength; at += BLOCK_BYTES) {
    if (at > 0) await new Promise((resolve) => setImmediate(resolve));
    blocks.push(compressedBlock(data.subarray(at, Math.min(at + BLOCK_BYTES, data.byteLength))));
  }
  return Buffer.concat(blocks);
}
