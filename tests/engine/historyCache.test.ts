import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BranchCatalog } from '../../replays/engine/branches.js';
import { compileBattle, resumeFromCheckpoint } from '../../replays/engine/compiler.js';
import { HistoryCache, sourcesDigest } from '../../replays/engine/historyCache.js';
import { skirmish } from '../fixtures/skirmish.js';

// Compiled histories on disk (servers with HISTORY_CACHE_DIR, the test suite): what is read back is the history
// that was stored, forks resume from it as from a fresh compile, and anything else in the directory is ignored.

const dir = mkdtempSync(join(tmpdir(), 'wardroom-history-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('HistoryCache', () => {
  const history = compileBattle(skirmish);
  const { battleId, branchId } = history.timeline;

  it('keys files on a digest of the compile sources', () => {
    expect(sourcesDigest()).toMatch(/^[0-9a-f]{64}$/);
    expect(new HistoryCache(dir).get(battleId, branchId)).toBeUndefined();
  });

  it('reads back the stored history: same events, keyframes and checkpoints', () => {
    const cache = new HistoryCache(dir);
    cache.put(history);
    const back = cache.get(battleId, branchId);
    expect(back).toEqual(history);
    expect(back).not.toBe(history);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a fork resumed from the stored history equals one resumed from the compiled history', () => {
    const back = new HistoryCache(dir).get(battleId, branchId)!;
    const choice = { decisionId: 'escort', optionId: 'hold' };
    const a = resumeFromCheckpoint(skirmish, history, 'escort', choice, [choice]).timeline;
    const b = resumeFromCheckpoint(skirmish, back, 'escort', choice, [choice]).timeline;
    expect(b.eventsSha256).toBe(a.eventsSha256);
  });

  it('ignores another branch id, and a file that is not a history', () => {
    const cache = new HistoryCache(dir);
    expect(cache.get(battleId, 'not-this-branch')).toBeUndefined();
    for (const f of readdirSync(dir)) writeFileSync(join(dir, f), 'not v8');
    expect(cache.get(battleId, branchId)).toBeUndefined();
  });

  it('a corrupt or truncated file is a miss and is reported; the catalog recompiles the same history and replaces it', async () => {
    const own = mkdtempSync(join(dir, 'corrupt-'));
    const lookup = (id: string) => (id === skirmish.info.id ? skirmish : undefined);
    await new BranchCatalog(lookup, { historyCacheDir: own }).history(skirmish.info.id);
    const [name] = readdirSync(own);
    const file = join(own, name);
    const good = readFileSync(file);
    const reports: string[] = [];
    const cache = new HistoryCache(own, (_f, reason) => reports.push(reason));
    expect(cache.get(battleId, branchId)?.timeline.eventsSha256).toBe(history.timeline.eventsSha256);
    // One byte changed in the middle of the payload: the v8 bytes may still deserialize, the hash catches it.
    const flipped = Buffer.from(good);
    flipped[Math.floor(flipped.length / 2)] ^= 0xff;
    writeFileSync(file, flipped);
    expect(cache.get(battleId, branchId)).toBeUndefined();
    expect(reports).toEqual(['checksum mismatch']);
    // Truncated (a writer killed mid-way on a file system without atomic rename), and bare v8 without the header.
    writeFileSync(file, good.subarray(0, Math.floor(good.length * 0.6)));
    expect(cache.get(battleId, branchId)).toBeUndefined();
    writeFileSync(file, good.subarray(38));
    expect(cache.get(battleId, branchId)).toBeUndefined();
    expect(reports).toEqual(['checksum mismatch', 'checksum mismatch', 'no header']);
    // A valid checksum over something that is not this history (a hand-made file) fails the shape check.
    const other = new HistoryCache(join(own, 'other'));
    other.put({ ...history, timeline: { ...history.timeline, events: 'no' as unknown as [] } });
    const forged = readFileSync(join(own, 'other', readdirSync(join(own, 'other'))[0]));
    writeFileSync(file, forged);
    expect(cache.get(battleId, branchId)).toBeUndefined();
    expect(reports.at(-1)).toBe('not this history');
    // The catalog reads the corrupt file as a miss: compiles, gets the same bytes, and writes a good file back.
    writeFileSync(file, flipped);
    const again = await new BranchCatalog(lookup, { historyCacheDir: own }).history(skirmish.info.id);
    expect(again.timeline.eventsSha256).toBe(history.timeline.eventsSha256);
    expect(again).toEqual(history);
    expect(readFileSync(file).equals(good)).toBe(true);
  });

  it('BranchCatalog stores its history there and a second catalog reads it back', async () => {
    const own = mkdtempSync(join(dir, 'catalog-'));
    const lookup = (id: string) => (id === skirmish.info.id ? skirmish : undefined);
    const first = await new BranchCatalog(lookup, { historyCacheDir: own }).history(skirmish.info.id);
    expect(readdirSync(own)).toHaveLength(1);
    const second = await new BranchCatalog(lookup, { historyCacheDir: own }).history(skirmish.info.id);
    expect(second).toEqual(first);
    expect(second.timeline.eventsSha256).toBe(history.timeline.eventsSha256);
  });
});
