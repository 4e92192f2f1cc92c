// Pure helpers for the statistics view: equal-width bins shared by two distributions, so history's
// and the branch's histograms are drawn on one scale.

export interface Bins {
  /** Lower edge of each bin (inclusive); the last bin ends at `max`. */
  edges: number[];
  width: number;
  counts: number[][];
}

export function sharedBins(series: readonly (readonly number[])[], maxBins = 8): Bins {
  const max = Math.max(0, ...series.flat());
  const width = Math.max(1, Math.ceil((max + 1) / maxBins));
  const n = Math.max(1, Math.ceil((max + 1) / width));
  const edges = Array.from({ length: n }, (_, i) => i * width);
  const counts = series.map((values) => {
    const c = new Array<number>(n).fill(0);
    for (const v of values) c[Math.min(n - 1, Math.floor(v / width))]++;
    return c;
  });
  return { edges, width, counts };
}

export const share = (n: number, of: number): string => `${of ? Math.round((100 * n) / of) : 0}%`;
