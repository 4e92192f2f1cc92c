import { ChatClearSchema, ChatMuteSchema, ChatReactSchema, ChatSendSchema } from '../../shared/protocol/schemas.js';
import { bind, type HandlerTable } from './bind.js';
import type { HandlerDeps } from './deps.js';

export function registerChatHandlers(table: HandlerTable, d: HandlerDeps): void {
  // Idempotent: a retried send (same id) is stored and broadcast once, and acked with the stored message.
  bind(table, d, 'chat:send', ChatSendSchema, async (p, ctx) => {
    const { roomId, member } = ctx.member();
    const { created, message } = await d.chat.send(roomId, member, p);
    if (created) {
      d.io.to(roomId).emit('chat:message', message);
      d.metrics.broadcasts.inc({ kind: 'chat' });
    }
    return { message };
  });

  // Counted at once; broadcast later in a coalesced chat:reaction batch (ReactionBatcher).
  bind(table, d, 'chat:react', ChatReactSchema, async (p, ctx) => {
    const { roomId, member } = ctx.member();
    return { reaction: await d.chat.react(roomId, member, p) };
  });

  bind(table, d, 'chat:mute', ChatMuteSchema, async (p, ctx) => {
    const { roomId, member } = ctx.member();
    await d.chat.mute(roomId, member, p);
    d.io.to(roomId).emit('chat:muted', { memberId: p.memberId, muted: p.muted });
    d.metrics.broadcasts.inc({ kind: 'chat' });
    return { memberId: p.memberId, muted: p.muted };
  });

  bind(table, d, 'chat:clear', ChatClearSchema, async (_p, ctx) => {
    const { roomId, member } = ctx.member();
    await d.chat.clear(roomId, member);
    d.io.to(roomId).emit('chat:cleared', { at: d.now() });
    d.metrics.broadcasts.inc({ kind: 'chat' });
    return {};
  });
}
