import { createRequire } from 'node:module';
import type { ServerOptions, WebSocketServer as WsServer } from 'ws';

// Fair reads between sockets. ws by default emits every message of one TCP read synchronously: a socket that
// sends a thousand small frames at once (a flooder's read batch, about 64 KB) is decoded, budgeted and refused in
// one event-loop turn, and every other socket's message read in the same turn waits for all of it. With
// `allowSynchronousEvents: false` ws emits one message per turn (setImmediate), so the loop polls the other
// sockets between a batch's messages and a well-behaved client's ping is answered in between. The cost is one
// setImmediate per message, small next to socket.io's decoding of it.
//
// The class is the `ws` that engine.io itself depends on (resolved from socket.io's engine.io, as socket.io loads
// it): no second copy and no new dependency; engine.io constructs it with its own options (noServer, maxPayload...).

const fromSocketIo = createRequire(createRequire(import.meta.url).resolve('socket.io'));
const fromEngine = createRequire(fromSocketIo.resolve('engine.io'));
const { WebSocketServer } = fromEngine('ws') as { WebSocketServer: typeof WsServer };

export class FairWebSocketServer extends WebSocketServer {
  constructor(options?: ServerOptions, callback?: () => void) {
    super({ ...options, allowSynchronousEvents: false }, callback);
  }
}
