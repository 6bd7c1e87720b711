// mulberry32: a seeded PRNG in [0, 1), so a generated tree is the same on every run. Its own module so a
// bench child imports nothing else (the TypeScript twin for tests is test/support/random.ts).
export function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
