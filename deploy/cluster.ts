import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { RedisServer, startNginx, startServer, type Nginx, type ServerProcess } from './processes.js';

// `npm run cluster`: the docker-compose.yml topology without Docker. One redis-server, N server processes
// (server/index.ts with REDIS_URL), nginx in front with deploy/nginx.conf (the compose file's configuration).

export interface ClusterOptions {
  processes?: number;
  /** Balancer port; default a free one. */
  port?: number;
  /** Extra environment for the server processes (e.g. COMPILE_ON_START=false). */
  env?: Record<string, string>;
  log?: (line: string) => void;
}

export interface Cluster {
  /** The one entry point (nginx). */
  url: string;
  redis: RedisServer;
  servers: ServerProcess[];
  nginx: Nginx;
  stop(): Promise<void>;
}

export async function startCluster(o: ClusterOptions = {}): Promise<Cluster> {
  const redis = await RedisServer.start();
  const servers: ServerProcess[] = [];
  let nginx: Nginx | null = null;
  const stop = async () => {
    await nginx?.stop().catch(() => {});
    await Promise.all(servers.map((s) => s.stop().catch(() => {})));
    await redis.close();
  };
  try {
    const env = { REDIS_URL: redis.url, REDIS_PREFIX: `wardroom-${randomUUID().slice(0, 8)}:`, ...o.env };
    servers.push(...(await Promise.all(Array.from({ length: o.processes ?? 3 }, () => startServer(env, o.log)))));
    nginx = await startNginx(
      servers.map((s) => s.port),
      o.port,
      o.log,
    );
    return { url: nginx.url, redis, servers, nginx, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

const Env = z.object({
  /** 0: a free port. */
  CLUSTER_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  CLUSTER_PROCESSES: z.coerce.number().int().min(1).max(16).default(3),
});

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const env = Env.parse(process.env);
  const cluster = await startCluster({ processes: env.CLUSTER_PROCESSES, port: env.CLUSTER_PORT || undefined, log: (l) => console.log(l) });
  console.log(`redis      ${cluster.redis.url}`);
  for (const s of cluster.servers) console.log(`server     ${s.url} (pid ${s.proc.pid})`);
  console.log(`balancer   ${cluster.url}  <- open this; Ctrl-C stops everything`);
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    void cluster.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}
