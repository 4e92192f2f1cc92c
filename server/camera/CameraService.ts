import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { CameraState, Member } from '../../shared/protocol/events.js';
import type { CameraView } from '../../shared/protocol/schemas.js';
import { AppError } from '../errors.js';
import { NO_CAMERA, presentCamera, updateCamera } from './camera.js';
import type { CameraStore } from './store.js';

// Camera use cases: read-modify-CAS over the CameraStore (a lost race re-reads and re-applies).

const RETRIES = 5;

export class CameraService {
  /** Store writes per presenter: their client sends <= 10 per second; the broadcast is coalesced anyway. */
  private readonly limiter = new RateLimiterMemory({ points: 20, duration: 1 });

  constructor(private readonly store: CameraStore) {}

  async get(roomId: string): Promise<CameraState> {
    return (await this.store.getCamera(roomId)) ?? NO_CAMERA;
  }

  present(roomId: string, member: Member, on: boolean): Promise<CameraState> {
    return this.apply(roomId, (cur) => presentCamera(cur, member, on));
  }

  async update(roomId: string, member: Member, view: CameraView): Promise<CameraState> {
    try {
      await this.limiter.consume(`${roomId}:${member.memberId}`);
    } catch {
      throw new AppError('RATE_LIMITED', 'camera updates are limited to 20 per second');
    }
    return this.apply(roomId, (cur) => updateCamera(cur, member, view));
  }

  private async apply(roomId: string, fn: (cur: CameraState) => CameraState): Promise<CameraState> {
    for (let i = 0; i < RETRIES; i++) {
      const cur = await this.get(roomId);
      const next = fn(cur);
      if (await this.store.casCamera(roomId, cur.version, next)) return next;
    }
    throw new AppError('CONFLICT', 'the room camera changed concurrently; try again');
  }
}
