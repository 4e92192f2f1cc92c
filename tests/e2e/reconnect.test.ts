import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable } from './support/chromium.js';
import { sample, waitClockVersion } from './support/rooms.js';
import { agreedUnitPositions } from './support/settle.js';
import type { BootedServer } from './support/server.js';
import { bootStage, type Stage } from './support/stage.js';

// A viewer whose connection drops shows "reconnecting…", and when it is back it has caught up with
// what the instructor did meanwhile: same position, same units.

const hasChromium = chromiumAvailable();

describe.runIf(hasChromium)('reconnecting browser', () => {
  let server: BootedServer;
  let stage: Stage | undefined;
  let instructor: Page;
  let viewer: Page;

  beforeAll(async () => {
    stage = await bootStage();
    ({ server } = stage);
    ({ page: instructor } = await stage.open({ name: 'Instructor', instructorKey: stage.instructorKey }));
    ({ page: viewer } = await stage.open({ name: 'Dropper' }));
  });

  afterAll(async () => {
    await stage?.close();
  });

  it('shows the badge while disconnected and catches up after', async () => {
    const badge = viewer.getByTestId('connection-badge');
    expect(await badge.isHidden()).toBe(true);
    // Cut the viewer's transport on the server side (like a dropped network or a killed process:
    // no socket.io goodbye, so the client reconnects by itself).
    const sockets = await server.app.io.fetchSockets();
    const dropper = sockets.filter((s) => s.data.name === 'Dropper');
    expect(dropper.length).toBe(1);
    // Hold the reconnect back a moment so the badge is observable, and let the room move on meanwhile.
    await viewer.context().setOffline(true);
    for (const s of server.app.io.of('/').sockets.values()) if (s.data.name === 'Dropper') s.conn.close();
    await viewer.waitForFunction(() => window.__wardroom?.connection !== 'connected', undefined, { timeout: 5000 });
    expect(await badge.isVisible()).toBe(true);
    expect(await badge.textContent()).toMatch(/reconnecting|connecting|offline/);

    const v = (await sample(instructor)).version;
    const dur = await instructor.evaluate(() => window.__wardroom?.durationMs ?? 0);
    const box = await instructor.getByTestId('scrubber').boundingBox();
    if (!box) throw new Error('no scrubber');
    await instructor.mouse.click(box.x + box.width * 0.7, box.y + box.height / 2);
    await waitClockVersion(instructor, v + 1);

    await viewer.context().setOffline(false);
    await viewer.waitForFunction(() => window.__wardroom?.connection === 'connected' && window.__wardroom.ready, undefined, {
      timeout: 20_000,
    });
    await waitClockVersion(viewer, v + 1, 20_000);
    expect(await badge.isHidden()).toBe(true);
    const [a, b] = await Promise.all([sample(instructor), sample(viewer)]);
    expect(b.pos).toBe(a.pos);
    expect(Math.abs(a.pos - dur * 0.7)).toBeLessThan(dur / box.width + 2);
    // The reconnected page folds the missed seek on its own time: its world must come to equal the instructor's.
    await agreedUnitPositions([instructor, viewer]);
  });
});
