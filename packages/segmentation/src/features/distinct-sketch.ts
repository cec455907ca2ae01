// Small deterministic hashes and a bounded distinct-count sketch. The state must be a function of the
// customer's events alone (replays, other instances, shuffled input), so nothing here is seeded randomly.

/**
 * cyrb53 (public domain): a 53-bit hash that fits a JS number exactly. Used where a collision has a
 * cost (an event taken for a duplicate is dead-lettered): with 32 remembered ids the chance that a
 * new id collides is about 32 / 2^53.
 */
export function hash53(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/**
 * A bottom-k ("k minimum values") sketch: the k smallest distinct 32-bit hashes seen. Unlike a capped
 * set that stops at its first k members, the k smallest hashes of a set do not depend on the order
 * of arrival, so shuffled input gives the same sketch. Below k distinct values the count is exact;
 * above, the estimate (k-1)·2^32 / h_k has a relative standard error of about 1/√(k-2)
 * (≈ 18% for k = 32), which is plenty to tell "one lane" from "dozens of lanes".
 */
export function addToSketch(sketch: readonly number[], hash: number, k: number): readonly number[] {
  let i = 0;
  while (i < sketch.length && (sketch[i] as number) < hash) i += 1;
  if (sketch[i] === hash || i >= k) return sketch;
  const next = sketch.slice();
  next.splice(i, 0, hash);
  if (next.length > k) next.length = k;
  return next;
}

export function sketchEstimate(sketch: readonly number[], k: number): number {
  if (sketch.length < k) return sketch.length;
  const kth = sketch[k - 1] as number;
  return Math.round(((k - 1) * 4294967296) / (kth + 1));
}
