import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { eventIndexAfter } from '../../shared/battle/seek.js';
import { PART_MS, type BranchManifest, type PartInfo, type PartPayload } from '../../shared/battle/segments.js';
import type { SegmentProgress } from '../../server/timelines/segments/types.js';
import { gatedServer } from './fixtures/segmentGate.js';
import { smallestBattle } from './fixtures/smallestBattle.js';

// Parts: a compiling fork's newest events, published every PART_MS of simulation between its segments (no start
// states), so its frontier moves in small steps. They tile each segment exactly and equal the finished branch's events.

const def = smallestBattle;

describe('parts of a progressive fork', () => {
  // Each segment waits for a go-ahead from the test, so the fork stays mid-compile while the routes are exercised.
  const { gate, engine, server, fork } = gatedServer();
  const pushed: SegmentProgress[] = [];
  engine.onProgress((p) => pushed.push(p));

  it('tile each segment, move the frontier, are served while listed, and equal the final events', async () => {
    const s = server();
    const forked = await fork();
    const { branchId } = forked.branch;
    const base = `${s.url}/api/battles/${def.info.id}/branches/${branchId}`;
    const manifest = async (q = '') => {
      const r = await fetch(`${base}/manifest${q}`);
      expect(r.status).toBe(200);
      return (await r.json()) as BranchManifest;
    };

    // Let two segments through; the compile then waits in the hook with parts listed past the last segment.
    for (let i = 0; i < 2; i++) {
      const before = (await manifest()).compiledMs;
      gate.release();
      // A blocking reload: answered once the frontier passes what the client holds.
      const grown = await manifest(`?after=${before}`);
      expect(grown.compiledMs).toBeGreaterThan(before);
    }
    // Held after its next segment: the manifest still lists that segment's parts.
    while (!gate.holding) await new Promise((resolve) => setTimeout(resolve, 5));
    const mid = await manifest();
    expect(mid.complete).toBe(false);
    const parts = mid.parts ?? [];
    expect(parts.length).toBeGreaterThan(0);
    const last = mid.segments.at(-1)!;
    // The frontier is the newest part's end (or the last segment's): every event up to it is out.
    expect(mid.compiledMs).toBe(Math.max(last.endMs, parts.at(-1)!.endMs));

    // A listed part over HTTP: immutable, content-tagged, its events in (startMs, endMs].
    const p = parts.at(-1)!;
    const r = await fetch(`${base}/segments/${p.index}/parts/${p.part}?h=${p.hash}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toContain('immutable');
    expect(r.headers.get('etag')).toBe(`W/"${p.hash}"`);
    const body = (await r.json()) as PartPayload;
    expect(body).toMatchObject({ index: p.index, part: p.part, startMs: p.startMs, endMs: p.endMs, firstSeq: p.firstSeq });
    expect(body.events.length).toBe(p.eventCount);
    for (const ev of body.events) expect(ev.t > p.startMs && ev.t <= p.endMs).toBe(true);
    // Bad and unknown parts: clear errors, the server stays up.
    expect((await fetch(`${base}/segments/${p.index}/parts/${p.part}?h=${'0'.repeat(64)}`)).status).toBe(404);
    expect((await fetch(`${base}/segments/${p.index}/parts/999`)).status).toBe(404);
    expect((await fetch(`${base}/segments/${p.index}/parts/-1`)).status).toBe(400);
    expect((await fetch(`${base}/segments/0/parts/0`)).status).toBe(404); // a shared segment: never in parts
    expect((await fetch(`${base}/manifest?after=1.5`)).status).toBe(400);

    // A blocking reload that nothing answers (the compile held) waits, then answers the manifest as it is.
    const t0 = performance.now();
    const waitedFor = fetch(`${base}/manifest?after=${mid.compiledMs}`).then((x) => x.json() as Promise<BranchManifest>);
    await new Promise((resolve) => setTimeout(resolve, 100));
    gate.open();
    expect((await waitedFor).compiledMs).toBeGreaterThan(mid.compiledMs);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(90);

    const done = await s.app.segments.whenCompiled(def.info.id, branchId, Infinity);
    expect(done.complete).toBe(true);
    const final = await manifest();
    expect(final.parts).toBeUndefined();
    // Once complete its parts are gone (fetch the segments).
    expect((await fetch(`${base}/segments/${p.index}/parts/${p.part}`)).status).toBe(404);
    // A complete branch answers a blocking reload at once.
    expect((await manifest(`?after=${final.compiledMs}`)).complete).toBe(true);

    // Every part pushed: contiguous within its segment, at most PART_MS, its events the final branch's.
    const tl = await engine.timeline(def.info.id, branchId);
    if (!tl) throw new Error('no timeline');
    const bySegment = new Map<number, { info: PartInfo; events: PartPayload['events'] }[]>();
    for (const pr of pushed.filter((x) => x.manifest.branchId === branchId))
      for (const part of pr.parts ?? []) {
        const payload = JSON.parse(gunzipSync(part.gzip).toString()) as PartPayload;
        const list = bySegment.get(part.info.index) ?? [];
        list.push({ info: part.info, events: payload.events });
        bySegment.set(part.info.index, list);
      }
    expect(bySegment.size).toBeGreaterThan(1);
    // Every segment the fork simulated came in parts (but its last): a decision point inside a segment ends it there
    // and the parts go on in the next one (they stopped at the decision point until the grid boundary).
    const forkAt = forked.branch.fork!.atMs;
    const own = final.segments.filter((x) => x.startMs >= forkAt && x.index < final.segments.length - 1);
    expect(own.some((x) => x.endMs % 10_000 !== 0)).toBe(true); // a decision point inside the grid: the case above
    for (const x of own) expect(bySegment.has(x.index)).toBe(true);
    for (const [index, list] of bySegment) {
      const seg = final.segments[index];
      expect(list[0].info.startMs).toBe(seg.startMs);
      expect(list[0].info.firstSeq).toBe(seg.firstSeq);
      list.forEach(({ info, events }, n) => {
        expect(info.part).toBe(n);
        expect(info.endMs - info.startMs).toBeLessThanOrEqual(PART_MS);
        if (n > 0) expect(info.startMs).toBe(list[n - 1].info.endMs);
        const a = eventIndexAfter(tl.events, info.startMs);
        expect(info.firstSeq).toBe(a);
        expect(JSON.stringify(events)).toBe(JSON.stringify(tl.events.slice(a, eventIndexAfter(tl.events, info.endMs))));
      });
      // The last part ends with its segment: the parts hold exactly its events (but the branch's last segment, listed
      // when the compile is over: its end comes with the final timeline).
      if (index === final.segments.length - 1) continue;
      expect(list.at(-1)!.info.endMs).toBe(seg.endMs);
      expect(list.reduce((n, x) => n + x.events.length, 0)).toBe(seg.eventCount);
    }
  });
});
