// Live tallies without a broadcast per ballot: the first cast of a burst goes out at once, then at
// most one room broadcast per `intervalMs` per vote, with the latest tallies read when it fires.
// 1,000 viewers voting in the same second cost a handful of broadcasts, not 1,000.

export class TallyBroadcaster {
  private readonly timers = new Map<string, { timer: ReturnType<typeof setTimeout>; dirty: boolean }>();

  constructor(
    private readonly send: (roomId: string, voteId: string) => Promise<void>,
    private readonly intervalMs = 200,
  ) {}

  changed(roomId: string, voteId: string): void {
    const key = `${roomId}\0${voteId}`;
    const t = this.timers.get(key);
    if (t) {
      t.dirty = true;
      return;
    }
    void this.send(roomId, voteId).catch(() => {});
    this.arm(key, roomId, voteId);
  }

  private arm(key: string, roomId: string, voteId: string): void {
    const entry = {
      dirty: false,
      timer: setTimeout(() => {
        this.timers.delete(key);
        if (entry.dirty) {
          void this.send(roomId, voteId).catch(() => {});
          this.arm(key, roomId, voteId);
        }
      }, this.intervalMs),
    };
    entry.timer.unref?.();
    this.timers.set(key, entry);
  }

  stop(): void {
    for (const t of this.timers.values()) clearTimeout(t.timer);
    this.timers.clear();
  }
}
