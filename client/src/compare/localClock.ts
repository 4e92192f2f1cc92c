import {
  clampPosition,
  initialClock,
  pause,
  play,
  positionAt,
  seek,
  setRate,
  withDuration,
  type PlaybackClock,
} from '../../../shared/clock/playback.js';

// A clock that only this page follows (preview and compare views that do not move the room):
// the same PlaybackClock math as the room's, evaluated against the local clock.

export interface PositionSource {
  positionNow(): number;
  playing(): boolean;
}

export class LocalClock implements PositionSource {
  private clock: PlaybackClock;

  constructor(durationMs: number, startMs = 0) {
    this.clock = seek(initialClock(durationMs, performance.now()), performance.now(), clampPosition(startMs, durationMs));
  }

  positionNow(): number {
    return positionAt(this.clock, performance.now());
  }

  playing(): boolean {
    return this.clock.state === 'playing';
  }

  get rate(): number {
    return this.clock.rate;
  }

  get durationMs(): number {
    return this.clock.durationMs;
  }

  play(): void {
    this.clock = play(this.clock, performance.now()); // from the very end it starts again, like the room clock
  }

  pause(): void {
    this.clock = pause(this.clock, performance.now());
  }

  seek(ms: number): void {
    this.clock = seek(this.clock, performance.now(), clampPosition(ms, this.clock.durationMs));
  }

  setRate(rate: number): void {
    this.clock = setRate(this.clock, performance.now(), rate);
  }

  setDuration(durationMs: number): void {
    this.clock = withDuration(this.clock, performance.now(), durationMs, this.positionNow());
  }
}
