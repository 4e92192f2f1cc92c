import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileBattle, type CompiledBranch } from '../../replays/engine/compiler.js';
import { branchIdFor } from '../../replays/engine/decisions.js';
import { getBattle } from '../../replays/index.js';
import { HistoryCache } from '../../replays/engine/historyCache.js';
import type { BattleDefinition } from '../../replays/engine/types.js';

// Compiled battle histories for tests that need one but do not test the compile itself: each history is
// compiled once per source version and shared across test processes through a content-keyed directory
// (replays/engine/historyCache.ts: a changed battle or engine never reads a stale one), and once per process
// in memory. Tests of determinism compile for real (tests/engine/determinism*.test.ts).

/** Where the suite keeps compiled histories (pass it as historyCacheDir to engines and servers under test). */
export const TEST_HISTORY_CACHE = join(tmpdir(), 'wardroom-test-histories');

const onDisk = new HistoryCache(TEST_HISTORY_CACHE);
const inProcess = new Map<string, CompiledBranch>();

/** The battle's history (no decisions, its own seed), read from the shared cache or compiled and stored there. */
export function historyOf(def: BattleDefinition): CompiledBranch {
  // The cache key covers replays/ and shared/ only: a battle defined elsewhere (a test fixture) could go stale.
  if (getBattle(def.info.id) !== def) throw new Error(`historyOf: ${def.info.id} is not a registered battle`);
  const id = branchIdFor(def.info.id, def.seed, []);
  let b = inProcess.get(id) ?? onDisk.get(def.info.id, id);
  if (!b) {
    b = compileBattle(def);
    onDisk.put(b);
  }
  inProcess.set(id, b);
  return b;
}
