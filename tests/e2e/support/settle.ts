import type { Page } from 'playwright-core';
import { expect, vi } from 'vitest';

// Condition waits for the browser tests: each page folds a new position on its own time (segments arrive,
// the fold budget spreads a large world over frames), so a test waits until the pages agree rather than
// for a guessed number of milliseconds. Vitest-only (the screenshot scripts do not import it).

type Positions = Record<string, { x: number; y: number }>;

/** Every page's dead-reckoned unit positions, once they are non-empty and equal on every page. */
export async function agreedUnitPositions(pages: Page[], timeout = 10_000): Promise<Positions[]> {
  return vi.waitFor(
    async () => {
      const all = await Promise.all(pages.map((p) => p.evaluate(() => window.__wardroom?.unitPositions() ?? {})));
      expect(Object.keys(all[0] ?? {}).length).toBeGreaterThan(0);
      for (const other of all.slice(1)) expect(other).toEqual(all[0]);
      return all;
    },
    { timeout, interval: 50 },
  );
}
