import type { AppSocket } from '../types.js';

// Refusing a flood message by message still costs the event loop a parse and a reply each. Over budget, a
// websocket stops being read until its window ends: TCP flow control then holds the flood in the sender's
// buffers, so the server handles at most what one read already brought in. (Polling transports are paced by
// their own HTTP requests.) ws's pause()/resume() are public; engine.io's transport exposes the ws socket.

interface Pausable {
  pause(): void;
  resume(): void;
  terminate(): void;
  readyState: number;
}

const paused = new WeakSet<AppSocket>();

function wsOf(socket: AppSocket): Pausable | null {
  const transport = socket.conn.transport as unknown as { name?: string; socket?: Partial<Pausable> };
  const ws = transport.name === 'websocket' ? transport.socket : undefined;
  return ws && typeof ws.pause === 'function' && typeof ws.resume === 'function' && typeof ws.terminate === 'function'
    ? (ws as Pausable)
    : null;
}

/** How long a dropped socket's last packets (socket.io's DISCONNECT) get to reach the client. */
export const DROP_GRACE_MS = 200;

/**
 * Drop a cut-off socket's TCP connection after `graceMs` (time for the socket.io DISCONNECT already written to
 * reach the client). A websocket close handshake would keep the connection, and the flood still queued in its
 * kernel buffers (MBs), until the client's close frame, which waits behind that flood, or ws's 30 s close timer.
 */
export function dropConnection(socket: AppSocket, graceMs = DROP_GRACE_MS): void {
  const ws = wsOf(socket);
  if (!ws) return;
  // Read nothing more meanwhile: the flood queued behind the cut would be parsed (ws frames, engine.io packets) only
  // to be thrown away. Writes still go out, so the DISCONNECT reaches the client.
  ws.pause();
  setTimeout(() => ws.terminate(), graceMs).unref();
}

/** Stop reading `socket` for `ms` (once per window: further calls while paused do nothing). */
export function holdReads(socket: AppSocket, ms: number): void {
  if (paused.has(socket)) return;
  const ws = wsOf(socket);
  if (!ws) return;
  paused.add(socket);
  ws.pause();
  // Disconnected while held (the server closing, or a cut-off): its close handshake could not read the client's
  // close frame until ws's 30 s close timer, so app.close() and shutdown waited that long. Drop it instead, after
  // the grace that lets the DISCONNECT already written reach the client.
  const onDisconnect = () => {
    if (paused.delete(socket)) dropConnection(socket, DROP_GRACE_MS);
  };
  socket.once('disconnect', onDisconnect);
  setTimeout(
    () => {
      socket.off('disconnect', onDisconnect);
      paused.delete(socket);
      if (socket.connected) ws.resume();
    },
    Math.max(1, ms),
  ).unref();
}
