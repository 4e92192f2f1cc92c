import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The simulation, compiler and battles may use only the seeded RNG and simulated time.

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('determinism hygiene', () => {
  it('no wall clock or unseeded randomness in replays/ (battles and the engine)', () => {
    const offenders: string[] = [];
    for (const f of files('replays')) {
      const src = readFileSync(f, 'utf8');
      for (const re of [/Math\.random\s*\(/, /Date\.now\s*\(/, /performance\.now\s*\(/, /new Date\s*\(/])
        if (re.test(src)) offenders.push(`${f}: ${re.source}`);
    }
    expect(offenders).toEqual([]);
  });
});
