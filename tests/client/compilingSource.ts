import { eventIndexAfter } from '../../shared/battle/seek.js';
import { PART_MS, type BranchManifest, type PartInfo, type PartPayload } from '../../shared/battle/segments.js';
import type { Timeline } from '../../shared/battle/timeline.js';
import { HttpError } from '../../client/src/api.js';
import { MemorySegmentSource } from './segmentSource.js';

// A branch compiling in parts, in memory (what the server publishes while a fork compiles; docs/protocol.md): the
// test moves the frontier (advance), and the manifest lists the segments compiled whole by then, the parts of the
// segment in progress (PART_MS steps from its start, compiledMs at the last one's end) and those of the last listed
// segment when it was compiled in parts (it starts at or after `partsFromMs`, the fork point). Parts are cut from the
// real timeline's events; one no longer listed answers 404, as the server's. A manifest request with `after` is held
// until the frontier moves (or holdMs).

export class CompilingSegmentSource extends MemorySegmentSource {
  /** `after` of every manifest request (undefined: a plain one). */
  readonly afters: (number | undefined)[] = [];
  /** How long a long-poll is held at most. */
  holdMs = 4_000;
  private wake: (() => void)[] = [];

  constructor(
    tl: Timeline,
    frontierMs: number,
    readonly partsFromMs: number,
    segmentMs = 10_000,
  ) {
    super(tl, segmentMs, frontierMs);
  }

  /** The worker compiled up to ms: held long-polls answer. */
  advance(ms: number): void {
    this.frontierMs = ms;
    const wake = this.wake;
    this.wake = [];
    for (const fn of wake) fn();
  }

  override async getManifest(battleId: string, branchId: string, opts: { after?: number } = {}): Promise<BranchManifest> {
    this.afters.push(opts.after);
    const after = opts.after;
    if (after !== undefined) {
      const until = Date.now() + this.holdMs;
      for (
        let m = this.manifestAt(battleId, branchId);
        !m.complete && m.compiledMs <= after && Date.now() < until;
        m = this.manifestAt(battleId, branchId)
      )
        await new Promise<void>((r) => {
          const t = setTimeout(r, until - Date.now());
          this.wake.push(() => {
            clearTimeout(t);
            r();
          });
        });
    }
    this.requests.push('manifest');
    return this.manifestAt(battleId, branchId);
  }

  async getPart(battleId: string, branchId: string, index: number, part: number): Promise<PartPayload> {
    this.requests.push(`part:${index}/${part}`);
    await this.gate;
    const info = this.manifestAt(battleId, branchId).parts?.find((p) => p.index === index && p.part === part);
    if (!info) throw new HttpError(404, 'NOT_FOUND', `part ${index}/${part} is not held`);
    const events = this.tl.events.slice(info.firstSeq, info.firstSeq + info.eventCount);
    const { startMs, endMs, firstSeq } = info;
    return JSON.parse(JSON.stringify({ battleId, index, part, startMs, endMs, firstSeq, events })) as PartPayload;
  }

  /** The manifest as the server would answer it now. */
  override manifestAt(battleId: string, branchId: string): BranchManifest {
    const m = super.manifestAt(battleId, branchId);
    if (m.complete) return m;
    const bounds = this.bounds();
    const n = m.segments.length;
    const lastEnd = n > 0 ? m.segments[n - 1].endMs : 0;
    const parts: PartInfo[] = [];
    if (n > 0 && m.segments[n - 1].startMs >= this.partsFromMs) parts.push(...this.partsOf(n - 1, lastEnd));
    const inProgress = n < bounds.length && bounds[n][0] >= this.partsFromMs ? this.partsOf(n, m.compiledMs) : [];
    parts.push(...inProgress);
    // compiledMs moves in parts past the last listed segment (never to a point no part ends at).
    const compiledMs = inProgress.at(-1)?.endMs ?? lastEnd;
    return { ...m, compiledMs, durationMs: compiledMs, parts };
  }

  /** Parts of segment `index` ending by `upTo`: PART_MS each from its start, the last one ending at its end. */
  private partsOf(index: number, upTo: number): PartInfo[] {
    const [s, e] = this.bounds()[index];
    const events = this.tl.events;
    const out: PartInfo[] = [];
    for (let a = s, part = 0; a < e; a += PART_MS, part++) {
      const b = Math.min(e, a + PART_MS);
      if (b > upTo) break;
      const firstSeq = eventIndexAfter(events, a);
      const eventCount = eventIndexAfter(events, b) - firstSeq;
      out.push({ index, part, startMs: a, endMs: b, firstSeq, eventCount, bytes: 0, hash: `p${index}.${part}` });
    }
    return out;
  }
}
