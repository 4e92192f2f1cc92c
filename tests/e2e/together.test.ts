import './support/togetherHooks.js';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RoomClient } from '../../client/lib/roomClient.js';
import { chromiumAvailable } from './support/chromium.js';
import { clickScrubberAt, framesDrawn, sample, waitClockVersion, waitReady } from './support/rooms.js';
import { bootStage, type Stage } from './support/stage.js';

// Watching together in real browsers: follow-the-instructor camera, chat and reactions, moment links.

const hasChromium = chromiumAvailable();

type View = { x: number; y: number; zoom: number };
const view = (p: Page): Promise<View | null> => p.evaluate(() => window.__wardroomCamera?.view() ?? null);

function close(a: View | null, b: View | null, scale = 1): boolean {
  if (!a || !b) return false;
  return Math.abs(a.x - b.x) * scale < 0.5 && Math.abs(a.y - b.y) * scale < 0.5 && Math.abs(Math.log(a.zoom / b.zoom)) < 1e-3;
}

async function drag(page: Page, dx: number, dy: number): Promise<void> {
  const box = await page.getByTestId('tactical-canvas').boundingBox();
  if (!box) throw new Error('no canvas');
  const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
  await page.mouse.move(x, y);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) await page.mouse.move(x + (dx * i) / 10, y + (dy * i) / 10);
  await page.mouse.up();
}

async function wheel(page: Page, dy: number): Promise<void> {
  const box = await page.getByTestId('tactical-canvas').boundingBox();
  if (!box) throw new Error('no canvas');
  await page.mouse.move(box.x + box.width * 0.4, box.y + box.height * 0.4);
  for (let i = 0; i < 4; i++) await page.mouse.wheel(0, dy / 4);
}

/** Seek the room by clicking the scrubber (instructor page); waits for the new clock on `also`. */
async function seekTo(page: Page, ms: number, also: Page): Promise<void> {
  const { version } = await sample(also);
  await clickScrubberAt(page, ms);
  await waitClockVersion(also, version + 1);
}

const selectedTab = (p: Page): Promise<string | null> =>
  p.evaluate(() => document.querySelector('.tabs button[aria-selected="true"]')?.getAttribute('data-tab') ?? null);

/** Wait until a follower's drawn view is `target` (it has taken the update carrying it and glided there). */
async function reachedView(page: Page, target: View): Promise<void> {
  await page.waitForFunction(
    (t) => {
      const v = window.__wardroomCamera?.view();
      return !!v && Math.abs(v.x - t.x) < 1e-6 && Math.abs(v.y - t.y) < 1e-6 && Math.abs(v.zoom - t.zoom) < 1e-6;
    },
    target,
    { timeout: 5000 },
  );
}

/** Wait until the presenter's view stops moving and has been sent; return it. */
async function settled(page: Page): Promise<View> {
  await page.waitForFunction(() => {
    const c = window.__wardroomCamera;
    const v = c?.view();
    const t = c?.target();
    return !!v && !!t && Math.abs(v.x - t.x) < 1e-6 && Math.abs(v.y - t.y) < 1e-6 && Math.abs(v.zoom - t.zoom) < 1e-9;
  });
  return (await view(page))!;
}

describe.runIf(hasChromium)('watching together in the browser', () => {
  let stage: Stage | undefined;
  let instructor: Page;
  let viewer: Page;

  beforeAll(async () => {
    stage = await bootStage();
    ({ page: instructor } = await stage.open({ name: 'Sisko', instructorKey: stage.instructorKey }));
    ({ page: viewer } = await stage.open({ name: 'Odo' }));
    for (const p of [instructor, viewer])
      await p.waitForFunction(() => window.__wardroom?.timelineLoaded === true && !!window.__wardroomCamera && !!window.__wardroomChat);
    // Record Content-Security-Policy violations from here on (bursts, overlays, peeks all run under the CSP).
    for (const p of [instructor, viewer]) {
      await p.evaluate(() => {
        const w = window as unknown as { __csp: string[] };
        w.__csp = [];
        document.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
      });
    }
  });

  afterAll(async () => {
    await stage?.close();
  });

  it('the follower matches the presenter within a frame after the motion stops; free camera and follow; late joiner', async () => {
    await instructor.getByTestId('camera-present').click();
    await viewer.waitForFunction(() => window.__wardroomCamera?.state()?.presenting === true);
    expect(await viewer.getByTestId('camera-badge').textContent()).toBe('Following Sisko');
    expect(await instructor.getByTestId('camera-badge').textContent()).toBe('You are presenting');

    await drag(instructor, 180, -90);
    await wheel(instructor, -600);
    await drag(instructor, -60, 40);
    const target = await settled(instructor);
    const t0 = Date.now();
    await viewer.waitForFunction(
      (t) => {
        const v = window.__wardroomCamera?.view();
        return !!v && Math.abs(v.x - t.x) < 1e-6 && Math.abs(v.y - t.y) < 1e-6 && Math.abs(v.zoom - t.zoom) < 1e-6;
      },
      target,
      { timeout: 5000 },
    );
    console.log(`camera: follower reached the presenter's final view ${Date.now() - t0} ms after it was sent`);
    // Same view, drawn: one frame later the follower is still exactly there (no drift, no overshoot).
    await viewer.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    expect(close(await view(viewer), target, 1e3)).toBe(true);

    // The presenter's open tab follows too, but only when the presenter changes it: a follower may look elsewhere.
    await instructor.locator('button.tab[data-tab="branches"]').click();
    await drag(instructor, 10, 0);
    await viewer.waitForFunction(
      () => document.querySelector('.tabs button[aria-selected="true"]')?.getAttribute('data-tab') === 'branches',
    );
    await viewer.locator('button.tab[data-tab="overview"]').click();
    await drag(instructor, 20, 20);
    // The follower has taken the presenter's last update (it glided to its view): any tab it carried is applied.
    await reachedView(viewer, await settled(instructor));
    expect(await selectedTab(viewer)).toBe('overview');

    // Free camera: the follower steps out; the presenter moves on without them; Follow brings them back.
    await viewer.getByTestId('camera-follow').click();
    expect(await viewer.evaluate(() => window.__wardroomCamera?.following())).toBe(false);
    expect(await viewer.getByTestId('camera-follow').textContent()).toBe('Follow');
    const freeView = await view(viewer);
    await drag(instructor, 120, 120);
    const moved = await settled(instructor);
    // The free viewer has received the presenter's last view, and drawn two frames since: it did not move.
    await viewer.waitForFunction((t) => {
      const v = window.__wardroomCamera?.state()?.view;
      return !!v && Math.abs(v.x - t.x) < 1e-6 && Math.abs(v.y - t.y) < 1e-6 && Math.abs(v.zoom - t.zoom) < 1e-9;
    }, moved);
    await framesDrawn(viewer, 2);
    expect(close(await view(viewer), freeView)).toBe(true);
    expect(close(await view(viewer), moved)).toBe(false);
    await viewer.getByTestId('camera-follow').click();
    await viewer.waitForFunction((t) => {
      const v = window.__wardroomCamera?.view();
      return !!v && Math.abs(v.x - t.x) < 1e-6 && Math.abs(v.zoom - t.zoom) < 1e-6;
    }, moved);
    // Panning by hand also steps out.
    await drag(viewer, 50, 0);
    expect(await viewer.evaluate(() => window.__wardroomCamera?.following())).toBe(false);
    await viewer.getByTestId('camera-follow').click();

    // A late joiner starts in the presented view.
    const late = await stage!.open({ name: 'Kira' });
    await late.page.waitForFunction((t) => {
      const v = window.__wardroomCamera?.view();
      return !!v && Math.abs(v.x - t.x) < 1e-6 && Math.abs(v.zoom - t.zoom) < 1e-6;
    }, moved);
    await late.context.close();

    // The presenter clicks a unit: it is ringed on the follower's map too.
    const canvas = await instructor.getByTestId('tactical-canvas').boundingBox();
    const units = await instructor.evaluate(() => window.__wardroom!.drawnUnits());
    const unit = units
      .filter((u) => u.x > 60 && u.y > 60 && u.x < canvas!.width - 60 && u.y < canvas!.height - 60)
      .sort((a, b) => b.r - a.r)[0];
    expect(unit).toBeDefined();
    await instructor.mouse.click(canvas!.x + unit.x, canvas!.y + unit.y);
    await instructor.waitForFunction((id) => window.__wardroomCamera?.highlighted() === id, unit.id);
    await viewer.waitForFunction((id) => window.__wardroomCamera?.state()?.view?.unitId === id, unit.id);
    await viewer.waitForFunction((id) => window.__wardroomCamera?.highlighted() === id, unit.id);

    await instructor.getByTestId('camera-present').click();
    await viewer.waitForFunction(() => window.__wardroomCamera?.state()?.presenting === false);
  });

  it('chat shows text literally with author and role; reactions burst for everyone; mute and clear', async () => {
    for (const p of [instructor, viewer]) await p.locator('button.tab[data-tab="chat"]').click();
    const evil = '<img src=x onerror=window.__pwned=1> <b>bold</b>';
    await viewer.getByTestId('chat-input').fill(evil);
    await viewer.getByTestId('chat-input').press('Enter');
    await instructor.waitForFunction((t) => window.__wardroomChat?.messages().includes(t), evil);
    const item = instructor.getByTestId('chat-message').last();
    expect(await item.locator('.text').textContent()).toBe(evil);
    expect(await item.locator('strong').textContent()).toBe('Odo');
    expect(await item.locator('.role').textContent()).toBe('viewer');
    expect(
      await instructor.evaluate(() => ({
        p: (window as unknown as { __pwned?: number }).__pwned,
        img: document.querySelectorAll('.chat-list img, .chat-list b').length,
      })),
    ).toEqual({ p: undefined, img: 0 });

    // A message's time opens that moment like a link: a private look for the viewer, the room stays.
    const roomBefore = await sample(instructor);
    await viewer.getByTestId('chat-moment').last().click();
    await viewer.getByTestId('moment-back').waitFor();
    await viewer.getByTestId('moment-back').click();
    expect(await viewer.getByTestId('preview-overlay').count()).toBe(0);
    expect((await sample(instructor)).version).toBe(roomBefore.version);

    await seekTo(instructor, 20_000, viewer);
    const reactedAt = await viewer.evaluate(() => window.__wardroom!.positionMs());
    const before = await Promise.all([instructor, viewer].map((p) => p.evaluate(() => window.__wardroomChat!.bursts())));
    await viewer.getByTestId('react-fire').click();
    await viewer.getByTestId('react-applause').click();
    for (const [i, p] of [instructor, viewer].entries()) await p.waitForFunction((n) => window.__wardroomChat!.bursts() > n, before[i]);
    expect(await instructor.locator('.reaction-bursts .burst').count()).toBeGreaterThan(0);
    await instructor.waitForFunction(() => window.__wardroomChat!.reactions() >= 2);

    // Later viewings: playing through that second bursts its reactions again (here and for everyone).
    const bucket = Math.floor(reactedAt / 1000) * 1000;
    await seekTo(instructor, bucket - 1500, viewer);
    const replayBefore = await viewer.evaluate(() => window.__wardroomChat!.bursts());
    const v = (await sample(viewer)).version;
    await instructor.getByTestId('play-pause').click();
    await waitClockVersion(viewer, v + 1);
    await viewer.waitForFunction((n) => window.__wardroomChat!.bursts() >= n + 2, replayBefore, { timeout: 10_000 });
    const v2 = (await sample(viewer)).version;
    await instructor.getByTestId('play-pause').click();
    await waitClockVersion(viewer, v2 + 1);

    await instructor.getByTestId('chat-mute').last().click();
    await viewer.waitForFunction(() => window.__wardroomChat!.muted().length === 1);
    expect(await viewer.getByTestId('chat-input').isDisabled()).toBe(true);
    expect(await viewer.getByTestId('react-fire').isDisabled()).toBe(true);
    expect(await viewer.getByTestId('chat-note').textContent()).toContain('muted');
    await instructor.getByTestId('chat-mute').last().click();
    await viewer.waitForFunction(() => window.__wardroomChat!.muted().length === 0);

    // Someone joining now gets the kept messages and the room's reactions from the history.
    const late = await stage!.open({ name: 'Quark' });
    await late.page.waitForFunction((t) => window.__wardroomChat?.messages().includes(t), evil);
    expect(await late.page.evaluate(() => window.__wardroomChat!.reactions())).toBeGreaterThanOrEqual(2);
    await late.context.close();

    await instructor.getByTestId('chat-clear').click();
    await viewer.waitForFunction(() => window.__wardroomChat!.messages().length === 0);
    expect(await viewer.getByTestId('chat-message').count()).toBe(0);
  });

  it('moment links: a viewer peeks without moving the room; the instructor may seek the room; the lobby takes them', async () => {
    const duration = await instructor.evaluate(() => window.__wardroom!.durationMs);
    const t = Math.round(duration * 0.4);
    const r = await instructor.evaluate(async (ms) => {
      const res = await fetch('/api/rooms/' + location.pathname.split('/')[2]);
      return { ok: res.ok, ms };
    }, t);
    expect(r.ok).toBe(true);
    // The instructor seeks by the scrubber, then copies the link to this moment.
    const box = await instructor.getByTestId('scrubber').boundingBox();
    const { version } = await sample(instructor);
    await instructor.mouse.click(box!.x + box!.width * 0.4, box!.y + box!.height / 2);
    await waitClockVersion(viewer, version + 1);
    await instructor.getByTestId('moment-copy').click();
    const link = await instructor.getByTestId('moment-link').inputValue();
    expect(link).toMatch(new RegExp(`/room/${stage!.roomId}\\?t=\\d+&branch=[^&]+`));
    const linkT = Number(new URL(link).searchParams.get('t'));
    await instructor.getByTestId('moment-copy').click();

    // Move the room elsewhere, then a viewer opens the link: a private peek at linkT, the room stays.
    const v2 = (await sample(instructor)).version;
    await instructor.mouse.click(box!.x + box!.width * 0.1, box!.y + box!.height / 2);
    await waitClockVersion(viewer, v2 + 1);
    const room = await sample(viewer);
    const peekCtx = stage!.track(await stage!.browser.newContext({ viewport: { width: 1280, height: 800 } }));
    const peek = await peekCtx.newPage();
    await peek.goto(link);
    await waitReady(peek);
    await peek.getByTestId('moment-back').waitFor();
    await peek.waitForFunction(() => window.__wardroomCompare?.ready === true);
    expect(Math.abs((await peek.evaluate(() => window.__wardroomCompare!.positionMs())) - linkT)).toBeLessThan(50);
    expect(new URL(peek.url()).search).toBe('');
    expect((await sample(viewer)).version).toBe(room.version);
    await peek.getByTestId('moment-back').click();
    expect(await peek.getByTestId('preview-overlay').count()).toBe(0);

    // With an annotation id, the peek shows that annotation's text (as text).
    const teacher = new RoomClient({
      url: stage!.server.url,
      roomId: stage!.roomId,
      name: 'Dax',
      instructorKey: stage!.instructorKey,
      resyncMs: 0,
    });
    await teacher.ready;
    const note = await teacher.addAnnotation({ id: 'moment-note-0001', positionMs: linkT, text: 'The <b>line</b> breaks here' });
    teacher.close();
    expect(note.ok).toBe(true);
    await peek.goto(`${link}&annotation=moment-note-0001`);
    await peek.getByTestId('moment-annotation').waitFor();
    expect(await peek.getByTestId('moment-annotation').textContent()).toBe('“The <b>line</b> breaks here” — Dax');
    await peek.getByTestId('moment-back').click();

    // The lobby's "Join a room" accepts the link and keeps the moment.
    await peek.goto(stage!.server.url + '/');
    await peek.locator('#join-input').fill(link);
    await peek.getByTestId('join-form').locator('button[type=submit]').click();
    await peek.getByTestId('moment-back').waitFor({ timeout: 30_000 });

    // The instructor opening it is offered to take the room there.
    const inst2 = await instructor.context().newPage();
    await inst2.goto(link);
    await waitReady(inst2);
    await inst2.getByTestId('moment-seek').click();
    await viewer.waitForFunction((ms) => Math.abs(window.__wardroom!.positionMs() - ms) < 1500, linkT);
    await inst2.close();
  });

  it('ran all of the above without a CSP violation', async () => {
    for (const p of [instructor, viewer]) expect(await p.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([]);
  });
});
