import type { z } from 'zod';
import { EmptySchema, PhaseSchema, RateSchema, SeekSchema } from '../../shared/protocol/schemas.js';
import { canControl, require } from '../rooms/access.js';
import { applyCommand, type PlaybackCommand } from '../rooms/playback.js';
import { bind, type Ctx, type HandlerTable } from './bind.js';
import type { HandlerDeps } from './deps.js';

export function registerPlaybackHandlers(table: HandlerTable, d: HandlerDeps): void {
  const command = async (ctx: Ctx, cmd: PlaybackCommand) => {
    const { roomId, member } = ctx.member();
    // The instructor always controls: no read of the room's settings. Others need them (openControl).
    if (member.role !== 'instructor') {
      require(canControl(member.role, (await d.rooms.room(roomId)).settings), 'only the instructor controls playback in this room');
    }
    // Written against the clock this process holds (no read first; a stale one costs a retry).
    const res = await d.rooms.updatePlayhead(
      roomId,
      (ph, tl) => ({ ...ph, clock: applyCommand(ph.clock, tl, d.now(), cmd) }),
      d.loop.held(roomId),
    );
    d.loop.applied(roomId, res.playhead, res.timeline);
    return { clock: res.playhead.clock };
  };

  bind(table, d, 'playback:play', EmptySchema, (_p, ctx) => command(ctx, { kind: 'play' }));
  bind(table, d, 'playback:pause', EmptySchema, (_p, ctx) => command(ctx, { kind: 'pause' }));
  bind(table, d, 'playback:seek', SeekSchema, (p: z.infer<typeof SeekSchema>, ctx) =>
    command(ctx, { kind: 'seek', positionMs: p.positionMs }),
  );
  bind(table, d, 'playback:rate', RateSchema, (p: z.infer<typeof RateSchema>, ctx) => command(ctx, { kind: 'rate', rate: p.rate }));
  bind(table, d, 'playback:phase', PhaseSchema, (p: z.infer<typeof PhaseSchema>, ctx) => command(ctx, { kind: 'phase', payload: p }));
}
