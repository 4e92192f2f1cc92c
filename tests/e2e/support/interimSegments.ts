import type { IncomingMessage, ServerResponse } from 'node:http';
import { buildSegment, segmentCount, strengthSeries, type BranchManifest, type SegmentInfo } from '../../../shared/battle/segments.js';
import type { Timeline } from '../../../shared/battle/timeline.js';
import type { App } from '../../../server/app.js';

// INTERIM, test-only: the manifest and segment routes built with buildSegment, installed by bootServer only
// while the server has no such routes of its own (they are the segments helper's, server/http). Remove once
// they land; it serves complete branches only (no progressive forks, no compression, no cache headers).

const ROUTE = /^\/api\/battles\/([^/?]+)\/branches\/([^/?]+)\/(manifest|segments\/(\d+))(?:\?(.*))?$/;
const SEGMENT_MS = 10_000;

export async function serveInterimSegments(app: App, url: string): Promise<boolean> {
  const probe = await fetch(`${url}/api/battles/x/branches/y/manifest`);
  const body = (await probe.json().catch(() => null)) as { error?: { message?: string } } | null;
  if (probe.status !== 404 || body?.error?.message !== 'no such API route') return false;
  const server = app.httpServer;
  const previous = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const m = ROUTE.exec(req.url ?? '');
    if (!m) {
      for (const l of previous) l.call(server, req, res);
      return;
    }
    void answer(app, m, res);
  });
  return true;
}

async function answer(app: App, m: RegExpExecArray, res: ServerResponse): Promise<void> {
  const [, battleId, branchId, what, index, query] = m;
  const room = new URLSearchParams(query ?? '').get('room');
  try {
    const tl: Timeline | null = room ? await app.rooms.timelineOf(room, battleId, branchId) : await app.rooms.timelines.get(battleId, branchId);
    if (!tl) throw new Error(`unknown branch ${branchId}`);
    const body = what === 'manifest' ? manifestOf(tl) : buildSegment({ battleId, branchId }, tl.events, tl.keyframes, Number(index), SEGMENT_MS);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  } catch (err) {
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error: { code: 'NOT_FOUND', message: String(err) } }));
  }
}

function manifestOf(tl: Timeline): BranchManifest {
  const n = segmentCount(tl.durationMs, SEGMENT_MS);
  const segments: SegmentInfo[] = Array.from({ length: n }, (_, i) => ({
    index: i, startMs: i * SEGMENT_MS, endMs: (i + 1) * SEGMENT_MS, firstSeq: 0, eventCount: 0, bytes: 0, hash: `${tl.eventsSha256.slice(0, 12)}-${i}`,
  }));
  return {
    battleId: tl.battleId, branchId: tl.branchId, parentBranchId: tl.parentBranchId, decisions: tl.decisions, fork: tl.fork,
    segmentMs: SEGMENT_MS, complete: true, compiledMs: tl.durationMs, durationMs: tl.durationMs, segments, phases: tl.phases,
    decisionPoints: tl.decisionPoints, outcome: tl.outcome, eventsSha256: tl.eventsSha256, strength: strengthSeries(tl.events, tl.durationMs),
  };
}
