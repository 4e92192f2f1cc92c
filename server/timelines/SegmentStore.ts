import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { segmentIndexAt, type BranchManifest } from '../../shared/battle/segments.js';
import { ByteLru } from '../../shared/cache/ByteLru.js';
import { encodedBytes, type EarlySegment, type EncodedPart, type EncodedSegment } from './segments/encode.js';
import type { BranchRecipe, SegmentProgress, SegmentSource } from './segments/types.js';
import type { SharedSegments } from './shared/SharedSegments.js';

// The main thread's view of every branch's segments: manifests, and encoded segments in a byte-bounded LRU
// keyed by content hash (a fork's prefix segments are its parent's, held once). Segments arrive pushed by the
// builder (a compile in progress publishes them as it goes) or are asked for on a miss; either way the HTTP
// routes answer from memory. Also the compile frontier of every branch for the playback loop (FrontierSource).

/** How far a branch is compiled: the playback loop never plays past compiledMs. */
export interface Frontier {
  compiledMs: number;
  complete: boolean;
  /** Final duration when complete; compiledMs until then. */
  durationMs: number;
}

/** The compile frontier of branches, for the playback loop (implemented by SegmentStore). */
export interface FrontierSource {
  /** Known frontier of a branch on this process (synchronous); undefined when this process has not loaded it. */
  frontier(battleId: string, branchId: string): Frontier | undefined;
  /**
   * Load the branch's manifest if needed (a branch another process forked is resumed here from `recipe`, the
   * room's record) and return its frontier; null for an unknown branch. After it resolves, frontier() and
   * subscribe() know the branch.
   */
  track(battleId: string, branchId: string, recipe?: BranchRecipe): Promise<Frontier | null>;
  /** Called on each advance of the branch's frontier (last call has complete: true). Returns unsubscribe. */
  subscribe(battleId: string, branchId: string, fn: (f: Frontier) => void): () => void;
}

export interface ManifestEntry {
  manifest: BranchManifest;
  etag: string;
  json: Buffer;
  /** The JSON gzipped, made when first served: a compiling fork's manifest is replaced at every part. */
  readonly gzip: Buffer;
}

export type SegmentLookup =
  | { ok: true; segment: EncodedSegment }
  | { ok: false; reason: 'branch' | 'index' | 'frontier'; manifest?: BranchManifest };

/** What the route serves: the full encoding, or a segment someone waits on gzipped only while its brotli is made. */
/** A branch's record in a room (a fork another process made), or its read still under way. */
export type RecipeArg = BranchRecipe | Promise<BranchRecipe | undefined> | undefined;

export type ServedLookup = { ok: true; segment: EncodedSegment | EarlySegment } | Extract<SegmentLookup, { ok: false }>;

/** Gzip-only segments kept until their full encoding arrives (a few: forks' first segments in flight). */
const EARLY_MAX = 16;

export interface SegmentStoreOptions {
  /** Byte budget of encoded segments (TIMELINE_CACHE_MB). */
  maxBytes: number;
  /**
   * Segments and complete manifests shared with other processes (Redis): written as they are built here, read
   * before asking the builder for a branch or segment this process does not hold.
   */
  shared?: SharedSegments;
  /** A shared read or write failed (the builder answers instead). */
  onSharedError?: (err: unknown) => void;
  /** Manifests of finished branches kept (each a few KB). */
  maxManifests?: number;
}

export class SegmentStore implements FrontierSource {
  /** Manifests: a compile in progress is pinned (its frontier is live); finished or failed ones past maxManifests go. */
  private readonly manifests: ByteLru<ManifestEntry>;
  private readonly segments: ByteLru<EncodedSegment>;
  private readonly loading = new Map<string, Promise<ManifestEntry | null>>();
  private readonly fetching = new Map<string, Promise<EncodedSegment | null>>();
  private readonly listeners = new Map<string, Set<(f: Frontier) => void>>();
  /** Requests waiting on a manifest / an encoded segment the builder is about to push (see manifest(), segment()). */
  private readonly manifestArrivals = new Map<string, Set<(e: ManifestEntry) => void>>();
  private readonly segmentArrivals = new Map<string, Set<(s: EncodedSegment) => void>>();
  private readonly early = new Map<string, EarlySegment>();
  private readonly earlyArrivals = new Map<string, Set<(s: EarlySegment) => void>>();
  private readonly shared: SharedSegments | null;
  private readonly sharedReads = new Map<string, Promise<EncodedSegment | null>>();
  private readonly sharedError: (err: unknown) => void;
  /**
   * Parts of branches compiling here, by branch, then `index/part`: only those the branch's latest manifest lists
   * (its segment in progress's and its last PARTS_KEPT listed ones', a few MB at 20,000 units), none once it is complete.
   */
  private readonly parts = new Map<string, Map<string, EncodedPart>>();

  constructor(
    private readonly source: SegmentSource,
    opts: SegmentStoreOptions,
  ) {
    this.segments = new ByteLru({ maxBytes: opts.maxBytes, sizeOf: encodedBytes });
    this.manifests = new ByteLru({ maxEntries: opts.maxManifests ?? 2048 });
    this.shared = opts.shared ?? null;
    this.sharedError = opts.onSharedError ?? (() => {});
    source.onProgress((p) => this.ingest(p));
    source.onReset?.(() => this.dropIncomplete());
    source.onFailed?.((battleId, branchId) => this.unpinFailed(battleId, branchId));
  }

  /**
   * A compile in progress failed: its growing manifest no longer needs its pin (it will not grow) and goes like a
   * finished branch's, LRU. Not deleted at once: an unknown frontier reads as complete (FrontierSource), so a room
   * still on the branch until it is taken back to the parent (RoomService) stays held at the frozen frontier.
   */
  private unpinFailed(battleId: string, branchId: string): void {
    const k = this.key(battleId, branchId);
    this.parts.delete(k); // a failed run's parts: a new run cuts them again
    if (this.manifests.peek(k)?.manifest.complete === false) this.manifests.pin(k, false);
  }

  /** The builder lost its compiles in progress: forget their growing manifests (the next ask restarts them). */
  private dropIncomplete(): void {
    for (const [k, e] of [...this.manifests.entries()]) if (!e.manifest.complete) this.manifests.delete(k);
    this.parts.clear();
  }

  /** Bytes of encoded segments held. */
  get bytes(): number {
    return this.segments.bytes;
  }

  private key(battleId: string, branchId: string): string {
    return `${battleId}/${branchId}`;
  }

  /** New segments and manifest from the builder. */
  ingest(p: SegmentProgress): void {
    for (const e of p.early ?? []) {
      if (this.segments.peek(e.info.hash)) continue;
      this.early.set(e.info.hash, e);
      for (const k of this.early.keys()) if (this.early.size > EARLY_MAX) this.early.delete(k);
      notify(this.earlyArrivals, e.info.hash, e);
    }
    for (const s of p.segments) {
      this.segments.set(s.info.hash, s);
      this.early.delete(s.info.hash);
      notify(this.segmentArrivals, s.info.hash, s);
    }
    const k = this.key(p.manifest.battleId, p.manifest.branchId);
    if (p.parts?.length) {
      let held = this.parts.get(k);
      if (!held) this.parts.set(k, (held = new Map()));
      for (const part of p.parts) held.set(`${part.info.index}/${part.info.part}`, part);
    }
    const entry = this.setManifest(p.manifest, true);
    this.keepListedParts(k, entry.manifest);
    this.share(p.segments, p.manifest);
  }

  /** Drop the parts a branch's manifest no longer lists (older segments'; all once complete or failed). */
  private keepListedParts(k: string, m: BranchManifest): void {
    const held = this.parts.get(k);
    if (!held) return;
    const listed = new Set((m.complete ? [] : (m.parts ?? [])).map((p) => `${p.index}/${p.part}`));
    for (const key of held.keys()) if (!listed.has(key)) held.delete(key);
    if (held.size === 0) this.parts.delete(k);
  }

  /** A part of a branch compiling here, while its manifest lists it; undefined otherwise (then fetch the segment). */
  part(battleId: string, branchId: string, index: number, part: number): EncodedPart | undefined {
    return this.parts.get(this.key(battleId, branchId))?.get(`${index}/${part}`);
  }

  /** Hand what was built here to the other processes (in the background: a slow Redis never holds a fork). */
  private share(segments: readonly EncodedSegment[], m: BranchManifest | null): void {
    const shared = this.shared;
    if (!shared) return;
    void (async () => {
      for (const s of segments) await shared.putSegment(s);
      if (m?.complete) await shared.putManifest(m);
    })().catch(this.sharedError);
  }

  /** A read from the shared cache; a failure counts as a miss. */
  private async fromShared<T>(read: (s: SharedSegments) => Promise<T | null>): Promise<T | null> {
    if (!this.shared) return null;
    try {
      return await read(this.shared);
    } catch (err) {
      this.sharedError(err);
      return null;
    }
  }

  /** A segment from the shared cache, kept here when found; one read per hash at a time. */
  private sharedSegment(hash: string): Promise<EncodedSegment | null> {
    let p = this.sharedReads.get(hash);
    if (!p) {
      p = this.fromShared((sh) => sh.segment(hash)).then((s) => {
        if (s && s.info.hash === hash) this.segments.set(hash, s);
        return s;
      });
      const done = () => this.sharedReads.delete(hash);
      p.then(done, done);
      this.sharedReads.set(hash, p);
    }
    return p;
  }

  /** `pushed`: by the builder as it compiles the branch (never after it reported the compile failed). */
  private setManifest(m: BranchManifest, pushed = false): ManifestEntry {
    const k = this.key(m.battleId, m.branchId);
    const old = this.manifests.peek(k);
    // A late copy of an older state (a fetch racing the pushes) must not move the frontier back.
    if (old && (old.manifest.complete || old.manifest.compiledMs > m.compiledMs) && !m.complete) {
      // A fork compiled again after its compile failed (unpinFailed) pushes from its fork point, behind the frozen
      // frontier, which stands (the same segments follow: deterministic) until the new run passes it. That run is
      // live from its first push: pinned again, or the manifest could be evicted while it compiles (an unknown
      // frontier reads as complete to the playback loop). Only a push says so: a fetch may answer for the failed run.
      if (pushed && !old.manifest.complete) this.manifests.pin(k);
      return old;
    }
    if (old?.manifest.complete) return old;
    const json = Buffer.from(JSON.stringify(m));
    const etag = `"m-${createHash('sha256').update(json).digest('hex').slice(0, 32)}"`;
    let gzip: Buffer | null = null;
    const entry: ManifestEntry = {
      manifest: m,
      etag,
      json,
      get gzip() {
        gzip ??= gzipSync(json);
        return gzip;
      },
    };
    this.manifests.set(k, entry, { pinned: !m.complete });
    notify(this.manifestArrivals, k, entry);
    if (!old || old.manifest.compiledMs !== m.compiledMs || old.manifest.complete !== m.complete) {
      const f = frontierOf(m);
      for (const fn of this.listeners.get(k) ?? []) fn(f);
    }
    return entry;
  }

  peekManifest(battleId: string, branchId: string): ManifestEntry | undefined {
    return this.manifests.peek(this.key(battleId, branchId));
  }

  /**
   * The manifest, from memory, the shared cache or the builder; null for an unknown battle/branch. `recipe` may still
   * be being read (the route's room-record read runs beside the shared cache's): only the builder waits for it.
   */
  async manifest(battleId: string, branchId: string, recipe?: RecipeArg): Promise<ManifestEntry | null> {
    const k = this.key(battleId, branchId);
    const hit = this.manifests.get(k);
    if (hit) return hit;
    let p = this.loading.get(k);
    if (!p) {
      // The builder pushes a fork's manifest as soon as its first segment is listed, then compresses that segment
      // before its answer to this ask goes out: the push answers first (another process rebuilding a fork it never
      // compiled serves the manifest without waiting on the compression).
      const pushed = arrival(this.manifestArrivals, k);
      const load = (async () => {
        const held = await this.fromShared((s) => s.manifest(battleId, branchId));
        const m = held ?? (await this.source.manifest(battleId, branchId, await recipe));
        if (!m) return null;
        const entry = this.setManifest(m);
        // Another process's fork, read from the shared cache: its first reader asks for the fork-point segment
        // next, so read that from the cache now, beside the manifest's answer and the client's next request.
        if (held?.fork) {
          const i = segmentIndexAt(held.segments, held.fork.atMs);
          if (held.segments[i] && !this.segments.peek(held.segments[i].hash)) void this.sharedSegment(held.segments[i].hash);
        }
        return entry;
      })();
      p = Promise.race([load, pushed.promise]);
      const done = () => {
        pushed.cancel();
        this.loading.delete(k);
      };
      p.then(done, done);
      this.loading.set(k, p);
    }
    return p;
  }

  async segment(battleId: string, branchId: string, index: number, recipe?: RecipeArg): Promise<SegmentLookup> {
    const entry = await this.manifest(battleId, branchId, recipe);
    if (!entry) return { ok: false, reason: 'branch' };
    const m = entry.manifest;
    const info = m.segments[index];
    if (!info) return { ok: false, reason: m.complete ? 'index' : 'frontier', manifest: m };
    const hit = this.segments.get(info.hash);
    if (hit) return { ok: true, segment: hit };
    const fk = `${this.key(battleId, branchId)}#${index}`;
    let p = this.fetching.get(fk);
    if (!p) {
      const manifestRecipe: BranchRecipe = { decisions: m.decisions, ...(m.fork ? { forkDecisionId: m.fork.decisionId } : {}) };
      // A segment listed but not yet pushed (the builder is compressing it: a fork's first, just acked) arrives by
      // push while an ask to the builder would wait behind that same work: whichever comes first answers.
      const pushed = m.complete ? null : arrival(this.segmentArrivals, info.hash);
      const load = (async () => {
        const held = await this.sharedSegment(info.hash);
        const s = held ?? (await this.source.segment(battleId, branchId, index, (await recipe) ?? manifestRecipe));
        if (s && s.info.hash !== info.hash) throw new Error(`segment ${index} of ${branchId} rebuilt with different bytes`);
        if (s) this.segments.set(s.info.hash, s);
        if (s && !held) this.share([s], null);
        return s;
      })();
      p = pushed ? Promise.race([load, pushed.promise]) : load;
      if (pushed) load.catch(() => {}); // the push answered; a late failure of the ask is moot
      const done = () => {
        pushed?.cancel();
        this.fetching.delete(fk);
      };
      p.then(done, done);
      this.fetching.set(fk, p);
    }
    const s = await p;
    return s ? { ok: true, segment: s } : { ok: false, reason: 'frontier', manifest: m };
  }

  /**
   * segment() for the route: a segment someone waits on is served gzipped as soon as that is out (its brotli
   * follows; later requests get the full encoding). Same JSON, same hash, same (weak) ETag.
   */
  async serve(battleId: string, branchId: string, index: number, recipe?: RecipeArg): Promise<ServedLookup> {
    const entry = await this.manifest(battleId, branchId, recipe);
    const info = entry?.manifest.segments[index];
    if (!info || this.segments.peek(info.hash)) return this.segment(battleId, branchId, index, recipe);
    const early = this.early.get(info.hash);
    if (early) return { ok: true, segment: early };
    const pushed = entry.manifest.complete ? null : arrival(this.earlyArrivals, info.hash);
    if (!pushed) return this.segment(battleId, branchId, index, recipe);
    const full = this.segment(battleId, branchId, index, recipe);
    full.catch(() => {});
    try {
      return await Promise.race([full, pushed.promise.then((segment): ServedLookup => ({ ok: true, segment }))]);
    } finally {
      pushed.cancel();
    }
  }

  frontier(battleId: string, branchId: string): Frontier | undefined {
    const e = this.manifests.peek(this.key(battleId, branchId));
    return e ? frontierOf(e.manifest) : undefined;
  }

  async track(battleId: string, branchId: string, recipe?: RecipeArg): Promise<Frontier | null> {
    const e = await this.manifest(battleId, branchId, recipe);
    return e ? frontierOf(e.manifest) : null;
  }

  subscribe(battleId: string, branchId: string, fn: (f: Frontier) => void): () => void {
    const k = this.key(battleId, branchId);
    let set = this.listeners.get(k);
    if (!set) this.listeners.set(k, (set = new Set()));
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0 && this.listeners.get(k) === set) this.listeners.delete(k);
    };
  }

  /**
   * Resolves once `ms` is compiled on the branch (or it is complete), with the frontier then. `wait`: give up after
   * `timeoutMs` or when `signal` aborts (then null): a blocking manifest reload (`?after=`, low-latency HLS's
   * `_HLS_msn`), which hears of each part at once and never holds a request (or its listener) for long.
   */
  whenCompiled(battleId: string, branchId: string, ms: number): Promise<Frontier>;
  whenCompiled(battleId: string, branchId: string, ms: number, wait: { timeoutMs: number; signal?: AbortSignal }): Promise<Frontier | null>;
  whenCompiled(
    battleId: string,
    branchId: string,
    ms: number,
    wait?: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<Frontier | null> {
    const now = this.frontier(battleId, branchId);
    if (now && (now.complete || now.compiledMs >= ms)) return Promise.resolve(now);
    if (wait?.signal?.aborted) return Promise.resolve(null);
    return new Promise((resolve) => {
      const done = (f: Frontier | null) => {
        off();
        clearTimeout(timer);
        wait?.signal?.removeEventListener('abort', gaveUp);
        resolve(f);
      };
      const gaveUp = () => done(null);
      const off = this.subscribe(battleId, branchId, (f) => {
        if (f.complete || f.compiledMs >= ms) done(f);
      });
      const timer = wait ? setTimeout(gaveUp, wait.timeoutMs) : undefined;
      wait?.signal?.addEventListener('abort', gaveUp);
    });
  }
}

function frontierOf(m: BranchManifest): Frontier {
  return { compiledMs: m.compiledMs, complete: m.complete, durationMs: m.durationMs };
}

/** A promise resolved by the next notify(map, key, value); cancel() forgets it (it then never settles). */
function arrival<T>(map: Map<string, Set<(v: T) => void>>, key: string): { promise: Promise<T>; cancel(): void } {
  let fn!: (v: T) => void;
  const promise = new Promise<T>((resolve) => (fn = resolve));
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(fn);
  return {
    promise,
    cancel() {
      const s = map.get(key);
      if (!s) return;
      s.delete(fn);
      if (s.size === 0) map.delete(key);
    },
  };
}

function notify<T>(map: Map<string, Set<(v: T) => void>>, key: string, value: T): void {
  const set = map.get(key);
  if (!set) return;
  map.delete(key);
  for (const fn of set) fn(value);
}
