/**
 * A small deterministic 32-bit string hash: FNV-1a over the UTF-16 code units with murmur3's
 * finaliser (FNV alone mixes the last characters poorly into the high bits). Used where a value
 * must be a function of its input alone — seeds of the simulator, route sketches in the feature
 * state — so it must never change: stored feature state depends on it.
 */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
