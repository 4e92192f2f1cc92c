import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RoomClient } from '../../client/lib/roomClient.js';
import { createApi } from '../../client/src/api.js';
import { chromiumAvailable } from './support/chromium.js';
import { framesDrawn, playFor, sample, syncBoundMs, waitClockVersion } from './support/rooms.js';
import type { BootedServer } from './support/server.js';
import { bootStage, type Stage } from './support/stage.js';

// Segments delivery in real browsers: two pages in segments mode (the app's default) and one in socket
// delivery, in one room. Through play, seek, rate, phase and a branch switch, the segments pages stay within
// a frame of each other, and at one shared position every page (segments or socket) shows the same world.

const hasChromium = chromiumAvailable();
const FRAME_MS = 16;

type Units = Record<string, { x: number; y: number }>;
const units = (p: Page, at: number): Promise<Units> => p.evaluate((t) => window.__wardroom?.unitPositions(t) ?? {}, at);
const segs = (p: Page) => p.evaluate(() => window.__wardroom!.segments());

function expectSameWorld(a: Units, b: Units, what: string): void {
  expect(Object.keys(a).length, what).toBeGreaterThan(0);
  expect(Object.keys(b).sort(), what).toEqual(Object.keys(a).sort());
  for (const id of Object.keys(a)) {
    expect(Math.abs(a[id].x - b[id].x), `${what}: ${id}.x`).toBeLessThan(1e-6);
    expect(Math.abs(a[id].y - b[id].y), `${what}: ${id}.y`).toBeLessThan(1e-6);
  }
}

describe.runIf(hasChromium)('segments delivery in the browser', () => {
  let server: BootedServer;
  let stage: Stage | undefined;
  let a: Page; // instructor, segments
  let b: Page; // viewer, segments
  let s: Page; // viewer, socket delivery
  let driver: RoomClient;

  /** Wait until every page holds clock >= v and has its world at the play head. */
  async function settled(v: number): Promise<void> {
    for (const p of [a, b, s]) {
      await waitClockVersion(p, v);
      await p.waitForFunction(() => window.__wardroom?.ready === true && window.__wardroom.stateBranchId !== null);
    }
    // A frame for the segment (or keyframe) that arrived to be folded.
    for (const p of [a, b, s]) await framesDrawn(p);
  }

  /** Positions of the two segments pages within a frame (reads corrected by their wall-clock distance). */
  async function withinAFrame(what: string): Promise<void> {
    for (let i = 0; i < 3; i++) {
      const [x, y] = await Promise.all([sample(a), sample(b)]);
      const drift = x.pos - (y.pos + (x.wall - y.wall) * (driver.clock()?.state === 'playing' ? (driver.clock()?.rate ?? 1) : 0));
      // Within a frame of playback, plus what clock sync cannot tell apart, at the rate.
      const rate = Math.max(1, driver.clock()?.rate ?? 1);
      const syncBound = await syncBoundMs(a, b);
      expect(Math.abs(drift), `${what} (sync bound ${syncBound.toFixed(1)} ms)`).toBeLessThanOrEqual((FRAME_MS + syncBound) * rate);
    }
  }

  /** Every page's world at one shared position (a past instant all hold: the current one, paused). */
  async function sameWorldEverywhere(what: string): Promise<void> {
    const at = (await sample(a)).pos;
    const [ua, ub, us] = await Promise.all([units(a, at), units(b, at), units(s, at)]);
    expectSameWorld(ua, ub, `${what} (segments pages)`);
    expectSameWorld(ua, us, `${what} (socket page)`);
  }

  beforeAll(async () => {
    stage = await bootStage();
    ({ server } = stage);
    const { roomId, instructorKey } = stage;
    // The test drives the room from Node (same commands the UI sends), so each step is one known clock change.
    driver = new RoomClient({ url: server.url, roomId, name: 'Driver', instructorKey, resyncMs: 0, socket: { forceNew: true } });
    await driver.ready;
    ({ page: a } = await stage.open({ name: 'Instructor', instructorKey }));
    ({ page: b } = await stage.open({ name: 'Viewer' }));
    ({ page: s } = await stage.open({ name: 'Socket viewer', delivery: 'socket' }));
  });

  afterAll(async () => {
    driver?.close();
    await stage?.close();
  });

  it('joins in segments mode: manifest-drawn timeline, one segment, no socket timeline data', async () => {
    expect(await a.evaluate(() => window.__wardroom?.delivery)).toBe('segments');
    expect(await s.evaluate(() => window.__wardroom?.delivery)).toBe('socket');
    await a.waitForFunction(() => window.__wardroom?.timelineLoaded === true);
    await s.waitForFunction(() => window.__wardroom?.timelineLoaded === true); // the socket page charts from the manifest too
    expect((await segs(a)).fetched).toEqual([0]);
    await sameWorldEverywhere('at join');
  });

  it('play, rate: the segments pages stay within a frame and every page shows the same world', async () => {
    let r = await driver.seek(8_000);
    await settled(r.ok ? r.clock.version : Infinity);
    r = await driver.play();
    await settled(r.ok ? r.clock.version : Infinity);
    await playFor(a, 1200);
    await withinAFrame('playing at 1x');
    r = await driver.setRate(4);
    await settled(r.ok ? r.clock.version : Infinity);
    await playFor(a, 4000);
    await withinAFrame('playing at 4x');
    // Played across a segment boundary: the next segment was prefetched, not waited for.
    expect((await segs(a)).fetched).toContain(1);
    r = await driver.pause();
    await settled(r.ok ? r.clock.version : Infinity);
    await sameWorldEverywhere('paused after 4x');
    await driver.setRate(1);
  });

  it('a seek fetches at most one segment (none if cached) and lands every page on the same world', async () => {
    const before = (await segs(b)).fetched.length;
    const dur = driver.clock()!.durationMs;
    const target = Math.floor(dur * 0.7);
    let r = await driver.seek(target);
    await settled(r.ok ? r.clock.version : Infinity);
    const after = (await segs(b)).fetched;
    expect(after.length - before).toBeLessThanOrEqual(1);
    await sameWorldEverywhere('after a seek');
    await withinAFrame('paused after a seek');
    // Back into a segment the page holds: no request at all.
    const held = after.length;
    const { bounds } = await segs(b);
    const seg = bounds.find(([s0, e0]) => target > s0 && target <= e0)!;
    const inside = Math.floor((seg[0] + seg[1]) / 2) === target ? seg[0] + 1 : Math.floor((seg[0] + seg[1]) / 2);
    r = await driver.seek(inside);
    await settled(r.ok ? r.clock.version : Infinity);
    expect((await segs(b)).fetched.length).toBe(held);
    await sameWorldEverywhere('after a seek inside the held segment');
  });

  it('a phase jump: same position and world on every page', async () => {
    const r = await driver.stepPhase(-1);
    expect(r.ok).toBe(true);
    await settled(r.ok ? r.clock.version : Infinity);
    const [x, y, z] = await Promise.all([sample(a), sample(b), sample(s)]);
    expect(y.pos).toBe(x.pos);
    expect(z.pos).toBe(x.pos);
    await sameWorldEverywhere('after a phase jump');
  });

  it('a branch switch: every page follows to the fork and shows the same world', async () => {
    const { battle } = await createApi(server.url).getBattle(stage!.battle.id);
    const decision = battle.decisions[0];
    const option = decision.options.find((o) => !o.historical) ?? decision.options[0];
    const fork = await driver.fork({ decisionId: decision.id, optionId: option.id, value: option.param?.default });
    expect(fork.ok).toBe(true);
    if (!fork.ok) return;
    const branchId = fork.branch.branchId;
    // A progressive fork joins the room's branches once complete (branch:created); then the room may switch.
    await vi.waitFor(() => expect(driver.room()?.branches.some((x) => x.branchId === branchId)).toBe(true), {
      timeout: 30_000,
      interval: 50,
    });
    const sw = await driver.switchBranch(branchId);
    expect(sw.ok).toBe(true);
    await settled(sw.ok ? sw.clock.version : Infinity);
    for (const p of [a, b, s]) await p.waitForFunction((id) => window.__wardroom?.stateBranchId === id, branchId, { timeout: 10_000 });
    expect((await segs(a)).branchId).toBe(branchId);
    await a.waitForFunction(() => window.__wardroom?.timelineLoaded === true);
    const late = (fork.branch.fork?.atMs ?? 0) + 5_000;
    const r = await driver.seek(Math.min(late, driver.clock()!.durationMs));
    await settled(r.ok ? r.clock.version : Infinity);
    await sameWorldEverywhere('on the fork');
    await driver.play();
    await playFor(a, 800);
    await withinAFrame('playing the fork');
    await driver.pause();
  });
});
