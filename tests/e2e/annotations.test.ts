import type { Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Annotation } from '../../shared/protocol/events.js';
import { chromiumAvailable } from './support/chromium.js';
import { clickScrubberAt, createRoom, roomBarrier, sample, waitClockVersion } from './support/rooms.js';
import type { BootedServer } from './support/server.js';
import { bootStage, type Stage } from './support/stage.js';

// Annotations in real browsers on a real server: an instructor annotates through the UI, a viewer
// and a player follow. Annotation text full of markup must show literally and run nothing.

const hasChromium = chromiumAvailable();

const PAYLOAD = [
  '<img src=x onerror=window.__pwned=1>',
  '<script>window.__pwned=2</script>',
  '"><svg onload=window.__pwned=3>',
  '<iframe srcdoc="<script>parent.__pwned=4</script>"></iframe> & &amp; <b>bold</b> \' --',
].join(' ');

async function openTab(page: Page): Promise<void> {
  await page.locator('button.tab[data-tab="annotations"]').click();
}

/** Nothing from the payload was turned into elements or ran. */
async function assertInert(page: Page): Promise<void> {
  const r = await page.evaluate(() => ({
    pwned: (window as unknown as { __pwned?: unknown }).__pwned,
    imgs: document.querySelectorAll('img').length,
    scripts: [...document.querySelectorAll('script')].filter((s) => !s.src).length,
    svgs: document.querySelectorAll('svg').length,
    iframes: document.querySelectorAll('iframe').length,
    bold: document.querySelectorAll('.side-panel b, .timeline-bar b, .autopause-banner b').length,
  }));
  expect(r).toEqual({ pwned: undefined, imgs: 0, scripts: 0, svgs: 0, iframes: 0, bold: 0 });
}

/** The payload's markup, unescaped: a string holds it only when the page hands the text itself to an HTML parser. */
const MARKUP = ['<img src=x onerror', '<script>window.__pwned', '<svg onload=window.__pwned', '<iframe srcdoc='];

/**
 * Record, in the page, each call of an HTML parsing sink (innerHTML and its kin) given the payload's markup. Exact,
 * with no timing: an element made from the text (an <img src=x> whose failed fetch would run its handler later,
 * attached or not) can only come from such a call, and the record is read in the page after the text is shown.
 * Installed at run time, before the text first enters the page.
 */
async function recordHtmlSinks(page: Page): Promise<void> {
  await page.evaluate((markup) => {
    const w = window as unknown as { __htmlSinks?: string[] };
    if (w.__htmlSinks) return;
    const hits: string[] = [];
    w.__htmlSinks = hits;
    const check = (sink: string, html: unknown) => {
      if (markup.some((m) => String(html).includes(m))) hits.push(sink);
    };
    const setter = (proto: object, prop: string) => {
      const d = Object.getOwnPropertyDescriptor(proto, prop);
      const set = d?.set;
      if (!d || !set) throw new Error(`no ${prop} setter to record`);
      Object.defineProperty(proto, prop, {
        ...d,
        set(this: unknown, v: unknown) {
          check(prop, v);
          set.call(this, v);
        },
      });
    };
    const method = (owner: object, name: string, arg: number) => {
      const o = owner as Record<string, unknown>;
      const f = o[name];
      if (typeof f !== 'function') return; // not in this Chromium (setHTMLUnsafe, parseHTMLUnsafe are recent)
      o[name] = function (this: unknown, ...args: unknown[]) {
        check(name, args[arg]);
        return f.apply(this, args);
      };
    };
    setter(Element.prototype, 'innerHTML');
    setter(Element.prototype, 'outerHTML');
    setter(ShadowRoot.prototype, 'innerHTML');
    setter(HTMLIFrameElement.prototype, 'srcdoc');
    method(Element.prototype, 'insertAdjacentHTML', 1);
    method(Element.prototype, 'setHTMLUnsafe', 0);
    method(ShadowRoot.prototype, 'setHTMLUnsafe', 0);
    method(Range.prototype, 'createContextualFragment', 0);
    method(DOMParser.prototype, 'parseFromString', 0);
    method(Document.prototype, 'write', 0);
    method(Document.prototype, 'writeln', 0);
    method(Document, 'parseHTMLUnsafe', 0);
  }, MARKUP);
}

/** The sinks `page` handed the payload's markup to since recordHtmlSinks (undefined: the page was reloaded). */
const htmlSinkHits = (page: Page) => page.evaluate(() => (window as unknown as { __htmlSinks?: string[] }).__htmlSinks);

let barriers = 0;

/**
 * Until `page` has reported a request for a probe image made now. Corroboration only: requests are reported in the
 * order the page sent them, but an image request still queued in the page's loader is not sent yet, so this can
 * miss one (recordHtmlSinks is the exact check).
 */
async function requestBarrier(page: Page): Promise<void> {
  const probe = `probe-barrier-${++barriers}`;
  await Promise.all([
    page.waitForRequest((r) => r.url().endsWith(probe), { timeout: 5000 }),
    page.evaluate((src) => {
      new Image().src = src;
    }, probe),
  ]);
}

describe.runIf(hasChromium)('annotations in the browser', () => {
  let server: BootedServer;
  let stage: Stage | undefined;
  let roomId = '';
  let instructor: Page;
  let viewer: Page;
  let player: Page;

  beforeAll(async () => {
    stage = await bootStage();
    ({ server } = stage);
    roomId = stage.roomId;
    const a = await stage.open({ name: 'Sisko', instructorKey: stage.instructorKey });
    const b = await stage.open({ name: 'Odo' });
    const c = await stage.open({ name: 'Nog', role: 'player' });
    instructor = a.page;
    viewer = b.page;
    player = c.page;
    for (const p of [instructor, viewer, player]) {
      await p.waitForFunction(() => window.__wardroom?.timelineLoaded === true && window.__wardroomAnnotations !== undefined);
      await openTab(p);
    }
  });

  afterAll(async () => {
    await stage?.close();
  });

  it('gives the add form, settings and import to the instructor only', async () => {
    expect(await instructor.getByTestId('annotation-form').isVisible()).toBe(true);
    expect(await instructor.getByTestId('room-settings').isVisible()).toBe(true);
    expect(await instructor.getByTestId('annotation-import').count()).toBe(1);
    for (const p of [viewer, player]) {
      expect(await p.getByTestId('annotation-form').isVisible()).toBe(false);
      expect(await p.getByTestId('annotation-input').isVisible()).toBe(false);
      expect(await p.getByTestId('room-settings').isVisible()).toBe(false);
      expect(await p.getByTestId('annotation-readonly').isVisible()).toBe(true);
    }
    expect(await viewer.locator('label:has([data-testid="annotation-import"])').isVisible()).toBe(false);
  });

  it('shows a markup-laden annotation literally everywhere and runs nothing; stops the room on it', async () => {
    const duration = await instructor.evaluate(() => window.__wardroom?.durationMs ?? 0);
    const atMs = Math.round(duration * 0.3);
    let v = (await sample(viewer)).version;
    await clickScrubberAt(instructor, atMs);
    await waitClockVersion(viewer, v + 1);

    // Type the text, pin it on the map (a click in the middle of the canvas), make it a stop.
    // Watch from before the text first enters any page (the instructor's input).
    const payloadRequests: string[] = [];
    const onRequest = (r: Request) => {
      if (new URL(r.url()).pathname.endsWith('/x')) payloadRequests.push(r.url()); // the payload's <img src=x>
    };
    for (const p of [instructor, viewer, player]) {
      await recordHtmlSinks(p);
      p.on('request', onRequest);
    }
    await instructor.getByTestId('annotation-input').fill(PAYLOAD);
    await instructor.getByTestId('annotation-pin').click();
    await instructor.getByTestId('annotation-picker').waitFor();
    const canvas = await instructor.getByTestId('tactical-canvas').boundingBox();
    if (!canvas) throw new Error('no canvas');
    await instructor.mouse.click(canvas.x + canvas.width / 2, canvas.y + canvas.height / 2);
    await instructor.getByTestId('annotation-stop').check();
    await instructor.getByTestId('annotation-submit').click();

    for (const p of [instructor, viewer, player]) {
      const item = p.getByTestId('annotation-item');
      await item.first().waitFor();
      expect(await item.count()).toBe(1);
      expect(
        await p
          .getByTestId('annotation-text')
          .first()
          .evaluate((n) => n.textContent),
      ).toBe(PAYLOAD);
      expect(await p.getByTestId('annotation-author').first().textContent()).toBe('Sisko');
      const markers = p.getByTestId('annotation-marker');
      expect(await markers.count()).toBe(1);
      expect(await markers.first().getAttribute('data-stop')).toBe('true');
      expect(await markers.first().getAttribute('title')).toContain(PAYLOAD.slice(0, 100));
    }
    const res = await fetch(`${server.url}/api/rooms/${roomId}/annotations`);
    const [stored] = ((await res.json()) as { annotations: Annotation[] }).annotations;
    expect(stored).toMatchObject({ text: PAYLOAD, stop: true, author: 'Sisko', authorRole: 'instructor' });
    expect(stored.at).toBeDefined();
    expect(Math.abs(stored.positionMs - atMs)).toBeLessThan(duration / 200 + 50);
    // The id came from the page and fits the schema.
    expect(stored.id).toMatch(/^[A-Za-z0-9_-]{8,64}$/);

    // Seek 1.5 s before it and play: every page stops exactly there and shows the text in the banner.
    v = (await sample(viewer)).version;
    await clickScrubberAt(instructor, Math.max(0, stored.positionMs - 1500));
    // The instructor's page too: the viewer's can take the seek's clock before the page that sent it.
    for (const p of [viewer, instructor]) await waitClockVersion(p, v + 1);
    const before = (await sample(instructor)).pos;
    expect(before).toBeLessThan(stored.positionMs);
    await instructor.getByTestId('play-pause').click();
    for (const p of [instructor, viewer, player]) {
      await p.getByTestId('autopause-banner').waitFor({ timeout: 10_000 });
      expect(await p.getByTestId('autopause-text').evaluate((n) => n.textContent)).toBe(PAYLOAD);
      expect((await sample(p)).pos).toBe(stored.positionMs);
      // At its moment the pin is drawn on the map, on the canvas over the unit layer's (a fleet cannot hide it).
      expect(await p.evaluate(() => window.__wardroomAnnotations?.drawnPins().map((d) => d.id))).toEqual([stored.id]);
      const onTop = await p.evaluate(() => {
        const pin = window.__wardroomAnnotations!.drawnPins()[0];
        const top = document.querySelector<HTMLCanvasElement>('[data-testid="tactical-labels"]');
        if (!top) return { painted: 0, last: false };
        const k = top.width / top.getBoundingClientRect().width;
        const r = Math.round(6 * k);
        const d = top.getContext('2d')!.getImageData(Math.round(pin.x * k) - r, Math.round(pin.y * k) - r, 2 * r, 2 * r).data;
        let painted = 0;
        for (let i = 3; i < d.length; i += 4) if (d[i] > 0) painted++;
        return { painted, last: top === top.parentElement!.querySelector('canvas:last-of-type') };
      });
      expect(onTop.last).toBe(true);
      expect(onTop.painted).toBeGreaterThan(10);
    }
    // Only an <img> made from the text (attached or not) could still fire a handler later, after its fetch of `x`
    // fails; the other vectors run at once or need the element in the page (assertInert counts those). No HTML
    // parser was given the text (exact), and no request for `x` was seen up to a probe's (corroboration).
    for (const p of [instructor, viewer, player]) {
      expect(await htmlSinkHits(p)).toEqual([]);
      await requestBarrier(p);
      await assertInert(p);
    }
    expect(payloadRequests).toEqual([]);
    for (const p of [instructor, viewer, player]) p.off('request', onRequest);
  });

  it('a viewer clicking a marker peeks without moving the room; the instructor seeks', async () => {
    const far = await instructor.evaluate(() => Math.round((window.__wardroom?.durationMs ?? 0) * 0.8));
    let v = (await sample(viewer)).version;
    await clickScrubberAt(instructor, far);
    await waitClockVersion(viewer, v + 1);
    // The clock arrives first; the pin goes once a frame is drawn at the new moment (its segment fetched).
    await viewer.waitForFunction(() => window.__wardroomAnnotations?.drawnPins().length === 0, undefined, { timeout: 10_000 });
    v = (await sample(viewer)).version;

    // force: the scrubber is aria-disabled for a viewer (it cannot seek), which Playwright extends to
    // the markers inside it; the real mouse click still lands on the marker.
    await viewer.getByTestId('annotation-marker').first().click({ force: true });
    await viewer.getByTestId('annotation-peek').waitFor();
    const id = await viewer.getByTestId('annotation-item').first().getAttribute('data-id');
    expect(await viewer.evaluate(() => window.__wardroomAnnotations?.peekId())).toBe(id);
    // The peeked pin is drawn although the room is far from its moment.
    await viewer.waitForFunction((x) => window.__wardroomAnnotations?.drawnPins().some((d) => d.id === x), id);
    // The peek moved nothing: a room command after it (a seek 10 s back) is the only change the room sees.
    const after = await roomBarrier(instructor, [viewer]);
    expect(after).toBe(v + 1);
    expect(Math.abs((await sample(viewer)).pos - (far - 10_000))).toBeLessThan(2000);
    v = after;

    await instructor.getByTestId('annotation-marker').first().click();
    await waitClockVersion(viewer, v + 1);
    const pos = (await instructor.evaluate(() => fetch(location.pathname.replace('/room/', '/api/rooms/')).then((r) => r.json()))) as {
      clock: { positionMs: number };
    };
    const list = (await (await fetch(`${server.url}/api/rooms/${roomId}/annotations`)).json()) as { annotations: Annotation[] };
    expect(pos.clock.positionMs).toBe(list.annotations[0].positionMs);
  });

  it('lets players annotate once the instructor allows it; edits and deletes reach everyone', async () => {
    await instructor.getByTestId('setting-playersAnnotate').check();
    await player.getByTestId('annotation-form').waitFor();
    // Step mode is a room setting too; it reaches the server (the pause itself is tested server-side).
    await instructor.getByTestId('setting-stepMode').check();
    await instructor.waitForFunction(() => !(document.querySelector('[data-testid="setting-stepMode"]') as HTMLInputElement).disabled);
    const settings = (
      (await (await fetch(`${server.url}/api/rooms/${roomId}`)).json()) as { settings: { stepMode: boolean; playersAnnotate: boolean } }
    ).settings;
    expect(settings).toMatchObject({ stepMode: true, playersAnnotate: true });
    await instructor.getByTestId('setting-stepMode').uncheck();
    expect(await viewer.getByTestId('annotation-form').isVisible()).toBe(false);
    await player.getByTestId('annotation-input').fill('Nog: the wings turn here');
    // A drag on the map makes an arrow.
    await player.getByTestId('annotation-pin').click();
    const box = await player.getByTestId('tactical-canvas').boundingBox();
    if (!box) throw new Error('no canvas');
    await player.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.5);
    await player.mouse.down();
    await player.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.4, { steps: 5 });
    await player.mouse.up();
    expect(await player.getByTestId('annotation-picker').isVisible()).toBe(false);
    await player.getByTestId('annotation-submit').click();
    await viewer.waitForFunction(() => document.querySelectorAll('[data-testid="annotation-item"]').length === 2);
    expect(await viewer.getByTestId('annotation-marker').count()).toBe(2);
    const stored = ((await (await fetch(`${server.url}/api/rooms/${roomId}/annotations`)).json()) as { annotations: Annotation[] })
      .annotations;
    const arrow = stored.find((a) => a.author === 'Nog');
    expect(arrow?.at).toBeDefined();
    expect(arrow?.to).toBeDefined();
    expect(arrow!.to!.x).toBeGreaterThan(arrow!.at!.x); // dragged right on screen = +x on the map
    expect(arrow!.to!.y).toBeLessThan(arrow!.at!.y);
    const mineId = await player.locator('[data-testid="annotation-item"]', { hasText: 'Nog: the wings' }).getAttribute('data-id');
    const mine = player.locator(`[data-testid="annotation-item"][data-id="${mineId}"]`);
    expect(await mine.getByTestId('annotation-edit').count()).toBe(1);
    // The player may not touch the instructor's annotation; the viewer touches nothing.
    const theirs = player.locator('[data-testid="annotation-item"]', { hasText: 'window.__pwned' });
    expect(await theirs.getByTestId('annotation-edit').count()).toBe(0);
    expect(await viewer.getByTestId('annotation-edit').count()).toBe(0);

    await mine.getByTestId('annotation-edit').click();
    await mine.getByTestId('annotation-edit-input').fill('Nog: the attack wings turn here');
    await mine.getByTestId('annotation-save').click();
    await viewer.locator('[data-testid="annotation-text"]', { hasText: 'Nog: the attack wings turn here' }).waitFor();

    const inst = instructor.locator('[data-testid="annotation-item"]', { hasText: 'Nog: the attack' });
    await inst.getByTestId('annotation-delete').click();
    await viewer.waitForFunction(() => document.querySelectorAll('[data-testid="annotation-marker"]').length === 1);
    expect(await player.getByTestId('annotation-item').count()).toBe(1);
  });

  it('step mode pauses the room at the end of a phase and says so', async () => {
    const room = (await (await fetch(`${server.url}/api/rooms/${roomId}`)).json()) as { battleId: string };
    const info = (await (await fetch(`${server.url}/api/battles/${room.battleId}`)).json()) as {
      timeline: { phases: { endMs: number }[] };
    };
    const end = info.timeline.phases[0].endMs;
    await instructor.getByTestId('setting-stepMode').check();
    await instructor.waitForFunction(() => !(document.querySelector('[data-testid="setting-stepMode"]') as HTMLInputElement).disabled);
    const v = (await sample(viewer)).version;
    await clickScrubberAt(instructor, Math.max(0, end - 1500));
    await waitClockVersion(viewer, v + 1);
    await instructor.getByTestId('play-pause').click();
    await viewer.locator('[data-testid="autopause-banner"]', { hasText: 'step mode' }).waitFor({ timeout: 10_000 });
    expect((await sample(viewer)).pos).toBe(end);
    await instructor.getByTestId('setting-stepMode').uncheck();
  });

  it('exports JSON and Markdown, and imports a lesson into a new room', async () => {
    const json = await instructor.getByTestId('export-json').getAttribute('href');
    const md = await instructor.getByTestId('export-md').getAttribute('href');
    const exported = (await (await fetch(`${server.url}${json}`)).json()) as { annotations: Annotation[] };
    expect(exported.annotations.map((a) => a.text)).toEqual([PAYLOAD]);
    const debrief = await (await fetch(`${server.url}${md}`)).text();
    expect(debrief).toMatch(/^# Debrief/m);

    const battle = (await (await fetch(`${server.url}/api/rooms/${roomId}`)).json()) as { battleId: string };
    const fresh = await createRoom(server.url, battle.battleId);
    const page = await stage!.open({ name: 'Kira', instructorKey: fresh.instructorKey }, fresh.roomId);
    await openTab(page.page);
    await page.page
      .getByTestId('annotation-import')
      .setInputFiles({ name: 'lesson.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(exported)) });
    await page.page.getByTestId('annotation-item').first().waitFor();
    expect(await page.page.getByTestId('annotation-status').textContent()).toContain('Imported 1 annotation');
    expect(
      await page.page
        .getByTestId('annotation-text')
        .first()
        .evaluate((n) => n.textContent),
    ).toBe(PAYLOAD);
    const again = (await (await fetch(`${server.url}/api/rooms/${fresh.roomId}/annotations`)).json()) as { annotations: Annotation[] };
    const key = (a: Annotation) => JSON.stringify([a.id, a.positionMs, a.text, a.phaseId, a.at, a.to, a.stop]);
    expect(again.annotations.map(key)).toEqual(exported.annotations.map(key));
    // A file that is not a lesson is refused in the page, with a message.
    await page.page
      .getByTestId('annotation-import')
      .setInputFiles({ name: 'x.json', mimeType: 'application/json', buffer: Buffer.from('{"nope": 1}') });
    await page.page.locator('[data-testid="annotation-status"].error').waitFor();
    await assertInert(page.page);
  });
});
