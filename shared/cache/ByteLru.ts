// The one least-recently-used map of the project (server caches, the compile worker's branch catalogue).
// Pure and isomorphic: no Node or DOM types. Bounded in bytes (a large battle's branch weighs a hundred times a
// small one's) and in entries; pinned entries (history, branches in use) are never evicted but count toward
// both bounds. The entry just written is never evicted by its own write, so a get right after a set hits; it
// goes at the next write if it alone is over the budget.

export interface ByteLruOptions<V> {
  /** Byte budget (default: unbounded). */
  maxBytes?: number;
  /** Entry budget (default: unbounded). */
  maxEntries?: number;
  /** Bytes of a value (default: 0, i.e. bounded by entries only). set() may give the bytes instead. */
  sizeOf?: (value: V) => number;
  /** Called for each entry evicted to make room (not for delete() or a replacing set()). */
  onEvict?: (key: string, value: V) => void;
  /**
   * Entries spared by every eviction (set, resize, unpin, evictTo) while it says so: kept like pinned ones, without
   * changing their pin (the compile worker's catalogue spares branches a queued fork resumes from).
   */
  spare?: (key: string) => boolean;
}

interface Entry<V> {
  value: V;
  bytes: number;
  pinned: boolean;
}

export class ByteLru<V> {
  readonly maxBytes: number;
  readonly maxEntries: number;
  private readonly map = new Map<string, Entry<V>>();
  private readonly sizeOf: (value: V) => number;
  private readonly onEvict: ((key: string, value: V) => void) | undefined;
  private readonly spared: (key: string) => boolean;
  private total = 0;

  constructor(opts: ByteLruOptions<V> = {}) {
    this.maxBytes = opts.maxBytes ?? Number.POSITIVE_INFINITY;
    this.maxEntries = opts.maxEntries ?? Number.POSITIVE_INFINITY;
    this.sizeOf = opts.sizeOf ?? (() => 0);
    this.onEvict = opts.onEvict;
    this.spared = opts.spare ?? (() => false);
  }

  /** Bytes held, pinned entries included. */
  get bytes(): number {
    return this.total;
  }

  get size(): number {
    return this.map.size;
  }

  /** The value, made most recently used. */
  get(key: string): V | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    this.map.delete(key);
    this.map.set(key, e);
    return e.value;
  }

  /** The value, recency unchanged (hot paths that must not reorder). */
  peek(key: string): V | undefined {
    return this.map.get(key)?.value;
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  /**
   * Write (or replace) an entry as most recently used, then evict least recently used unpinned entries until
   * both budgets hold (or only pinned entries and this one are left). A replaced entry keeps its pin unless
   * `pinned` is given.
   */
  set(key: string, value: V, o: { bytes?: number; pinned?: boolean } = {}): void {
    const old = this.map.get(key);
    if (old) {
      this.map.delete(key);
      this.total -= old.bytes;
    }
    const bytes = o.bytes ?? this.sizeOf(value);
    this.map.set(key, { value, bytes, pinned: o.pinned ?? old?.pinned ?? false });
    this.total += bytes;
    this.trim(key);
  }

  /** Change an entry's bytes (a value that grew, or whose size became known), then trim. Recency unchanged. */
  resize(key: string, bytes: number): void {
    const e = this.map.get(key);
    if (!e || e.bytes === bytes) return;
    this.total += bytes - e.bytes;
    e.bytes = bytes;
    this.trim(key);
  }

  /** Pin (never evicted) or unpin an entry; unpinning may evict at once if the budgets are exceeded. */
  pin(key: string, pinned = true): void {
    const e = this.map.get(key);
    if (!e || e.pinned === pinned) return;
    e.pinned = pinned;
    if (!pinned) this.trim(undefined);
  }

  /** An entry's counted bytes (undefined when absent), recency unchanged. */
  bytesOf(key: string): number | undefined {
    return this.map.get(key)?.bytes;
  }

  isPinned(key: string): boolean {
    return this.map.get(key)?.pinned ?? false;
  }

  delete(key: string): boolean {
    const e = this.map.get(key);
    if (!e) return false;
    this.map.delete(key);
    this.total -= e.bytes;
    return true;
  }

  /** Keys, least recently used first. */
  keys(): IterableIterator<string> {
    return this.map.keys();
  }

  /** [key, value] pairs, least recently used first. */
  *entries(): IterableIterator<[string, V]> {
    for (const [k, e] of this.map) yield [k, e.value];
  }

  /**
   * Evict least recently used unpinned entries until at most `bytes` are held (or only pinned and spared entries
   * are left): room made ahead of something the budget must also cover (a compile in progress). Returns the bytes
   * freed.
   */
  evictTo(bytes: number, spare: (key: string) => boolean = () => false): number {
    const before = this.total;
    for (const [k, e] of this.map) {
      if (this.total <= bytes) break;
      if (e.pinned || spare(k) || this.spared(k)) continue;
      this.map.delete(k);
      this.total -= e.bytes;
      this.onEvict?.(k, e.value);
    }
    return before - this.total;
  }

  private over(): boolean {
    return this.total > this.maxBytes || this.map.size > this.maxEntries;
  }

  private trim(keep: string | undefined): void {
    if (!this.over()) return;
    for (const [k, e] of this.map) {
      if (!this.over()) break;
      if (e.pinned || k === keep || this.spared(k)) continue;
      this.map.delete(k);
      this.total -= e.bytes;
      this.onEvict?.(k, e.value);
    }
  }
}
