import type { CameraState } from '../../shared/protocol/events.js';
import type { RedisClient } from '../store/redis.js';
import type { CameraStore } from './store.js';

// room:<id>:camera  hash { v: version, json: CameraState } (CAS by Lua on v; missing counts as 0)
const CAS = `
if (redis.call('HGET', KEYS[1], 'v') or '0') == ARGV[1] then
  redis.call('HSET', KEYS[1], 'v', ARGV[2], 'json', ARGV[3])
  return 1
end
return 0`;

export class RedisCameraStore implements CameraStore {
  constructor(
    private readonly client: RedisClient,
    private readonly prefix = 'wardroom:',
  ) {}

  private key(roomId: string): string {
    return `${this.prefix}room:${roomId}:camera`;
  }

  async getCamera(roomId: string): Promise<CameraState | null> {
    const json = await this.client.hGet(this.key(roomId), 'json');
    return json ? (JSON.parse(json) as CameraState) : null;
  }

  async casCamera(roomId: string, expectedVersion: number, next: CameraState): Promise<boolean> {
    const res = await this.client.eval(CAS, {
      keys: [this.key(roomId)],
      arguments: [String(expectedVersion), String(next.version), JSON.stringify(next)],
    });
    return res === 1;
  }

  async close(): Promise<void> {}
}
