import express from 'express';
import { z } from 'zod';
import type { ChatHistoryResponse } from '../../shared/protocol/http.js';
import { ChatHistoryQuerySchema } from '../../shared/protocol/schemas.js';
import type { ChatService } from '../chat/ChatService.js';
import { AppError } from '../errors.js';

const idParam = z.string().min(1).max(128);

/** `GET /api/rooms/:roomId/chat[?branch=ID]`: the kept messages, mutes and reaction counts (late joiners, replays). */
export function chatRouter(chat: ChatService): express.Router {
  const r = express.Router();
  r.get('/api/rooms/:roomId/chat', async (req, res) => {
    const roomId = idParam.safeParse(req.params.roomId);
    const q = ChatHistoryQuerySchema.safeParse(req.query);
    if (!roomId.success || !q.success) throw new AppError('BAD_REQUEST', 'bad room id or query');
    res.json((await chat.history(roomId.data, q.data.branch)) satisfies ChatHistoryResponse);
  });
  return r;
}
