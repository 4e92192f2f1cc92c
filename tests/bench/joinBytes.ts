import { RoomClient } from '../../client/lib/roomClient.js';
import { ensureClientBuilt } from '../e2e/support/buildClient.js';
import { launchChromium } from '../e2e/support/chromium.js';
import { createRoom, listBattles } from '../e2e/support/rooms.js';
import { bootServer } from '../e2e/support/server.js';
import type { Row } from './stats.js';

// First frame on join, in the browser: the bytes a page downloads (as sent: compressed) from opening a
// room until its first world is drawn, split into the app's data (HTTP /api: battle, manifest, segment),
// the socket (join ack, clock, presence) and the app bundle (JS/CSS, cached after the first visit).
// Each battle is joined at 0 and at mid-battle (the segment's start state is then the bulk).

interface Bytes {
  api: number;
  socket: number;
  bundle: number;
  requests: string[];
}

async function joinOnce(url: string, battleId: string, atMs: number, delivery: 'segments' | 'socket'): Promise<Bytes> {
  const { roomId, instructorKey } = await createRoom(url, battleId);
  const driver = new RoomClient({ url, roomId, name: 'Bench', instructorKey, resyncMs: 0, socket: { forceNew: true } });
  await driver.ready;
  if (atMs > 0) await driver.seek(atMs);
  const browser = await launchChromium();
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    const bytes: Bytes = { api: 0, socket: 0, bundle: 0, requests: [] };
    const urls = new Map<string, string>();
    cdp.on('Network.requestWillBeSent', (e) => urls.set(e.requestId, e.request.url));
    cdp.on('Network.loadingFinished', (e) => {
      const u = urls.get(e.requestId) ?? '';
      if (u.includes('/socket.io/')) return;
      if (u.includes('/api/')) {
        bytes.api += e.encodedDataLength;
        const path =
          new URL(u).pathname.replace(/^\/api\/battles\/[^/]+(\/branches\/[^/]+)?/, '').replace(/^\/api\/rooms\/[^/]+/, 'room') || 'battle';
        bytes.requests.push(`${path} ${(e.encodedDataLength / 1024).toFixed(1)} KB`);
      } else bytes.bundle += e.encodedDataLength;
    });
    cdp.on('Network.webSocketFrameReceived', (e) => (bytes.socket += e.response.payloadData.length));
    // The page's CDP session does not see its segment worker's fetches (client/src/segments): count them here.
    const seen = new Set<string>();
    cdp.on('Network.requestWillBeSent', (e) => seen.add(e.request.url));
    context.on('requestfinished', (req) => {
      if (seen.has(req.url()) || !req.url().includes('/segments/')) return;
      void req.sizes().then((z) => {
        bytes.api += z.responseBodySize;
        bytes.requests.push(`segment (worker) ${(z.responseBodySize / 1024).toFixed(1)} KB`);
      });
    });
    const q = delivery === 'socket' ? '?delivery=socket' : '';
    await page.goto(`${url}/room/${roomId}${q}`);
    await page.waitForFunction(() => window.__wardroom?.ready === true, undefined, { timeout: 120_000 });
    await page.waitForTimeout(300); // the frame drawn, stragglers (manifest-driven chart) counted
    await context.close();
    return bytes;
  } finally {
    driver.close();
    await browser.close();
  }
}

export async function benchJoinBytes(quick = false): Promise<Row[]> {
  await ensureClientBuilt();
  const server = await bootServer();
  const rows: Row[] = [];
  try {
    const battles = await listBattles(server.url);
    for (const b of battles) {
      for (const delivery of ['segments', 'socket'] as const) {
        if (quick && delivery === 'socket') continue;
        for (const at of quick ? [Math.floor(b.durationMs / 2)] : [0, Math.floor(b.durationMs / 2)]) {
          const r = await joinOnce(server.url, b.id, at, delivery);
          const where = at === 0 ? 'at 0' : 'mid-battle';
          rows.push({
            bench: `join-bytes ${delivery}`,
            battle: b.id,
            value: (r.api + r.socket) / 1024,
            unit: 'KB',
            note: `${where}: http ${(r.api / 1024).toFixed(1)} KB + socket ${(r.socket / 1024).toFixed(1)} KB (bundle ${(r.bundle / 1024).toFixed(0)} KB); ${r.requests.join(', ')}`,
          });
        }
      }
    }
  } finally {
    await server.close();
  }
  return rows;
}
