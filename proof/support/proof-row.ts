/** One line of the proof table: what was done, the figure measured, and the verdict. */
export interface ProofRow {
  test: string;
  done: string;
  figure: string;
  pass: boolean;
}

export interface ProofOptions {
  /** The small subset `npm test` runs: fewer daemons, shorter faults. */
  quick: boolean;
  /** Seeds the random kill moments: the same seed gives the same schedule. */
  seed: number;
  log: (line: string) => void;
}

/** A repeatable random sequence in [0, 1) from a seed (mulberry32). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
