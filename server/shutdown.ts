import type { Logger } from 'pino';
import type { App } from './app.js';

// Process-level safety: graceful SIGTERM/SIGINT and no crash on a stray rejection or exception.

export interface ShutdownOptions {
  app: App;
  logger: Logger;
  /** Backends to close after the app (Redis clients, the compile worker): pending writes are flushed. */
  closers: (() => Promise<unknown>)[];
  /** Hard deadline: exit even if something hangs (SHUTDOWN_GRACE_MS; below a 10 s orchestrator kill). */
  graceMs: number;
  exit?: (code: number) => void;
}

/**
 * Stop in order: refuse new connections and handshakes, close every socket's transport so its client
 * reconnects (to another process behind the balancer) and re-joins, then close the app and flush the stores.
 */
export function installShutdown(o: ShutdownOptions): (signal: string) => Promise<void> {
  const exit = o.exit ?? ((code: number) => process.exit(code));
  let stopping: Promise<void> | null = null;
  const shutdown = (signal: string): Promise<void> => {
    stopping ??= (async () => {
      const t0 = performance.now();
      o.logger.info({ signal }, 'shutting down: draining sockets');
      const deadline = setTimeout(() => {
        o.logger.error({ graceMs: o.graceMs }, 'shutdown took too long: exiting anyway');
        exit(1);
      }, o.graceMs);
      deadline.unref();
      let code = 0;
      try {
        await o.app.drain();
        await o.app.close();
      } catch (err) {
        code = 1;
        o.logger.error({ err }, 'close failed');
      }
      for (const c of o.closers) await c().catch((err: unknown) => o.logger.warn({ err }, 'closing a backend failed'));
      clearTimeout(deadline);
      o.logger.info({ ms: Math.round(performance.now() - t0) }, 'shut down');
      exit(code);
    })();
    return stopping;
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  return shutdown;
}

/**
 * A stray rejection or exception is logged and counted (wardroom_process_errors_total) instead of taking every
 * room on the process down; handlers already turn their own failures into error acks, so these are bugs to fix.
 */
export function installProcessGuards(logger: Logger, count: (kind: 'unhandledRejection' | 'uncaughtException') => void): void {
  process.on('unhandledRejection', (reason: unknown) => {
    count('unhandledRejection');
    logger.error({ err: reason }, 'unhandled promise rejection');
  });
  process.on('uncaughtException', (err: Error) => {
    count('uncaughtException');
    logger.error({ err }, 'uncaught exception');
  });
}
