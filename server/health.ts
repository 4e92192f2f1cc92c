// What `/healthz` reports: 200 while every backend answers, 503 with the reasons while one does not
// (a load balancer or orchestrator stops sending new clients; the process itself stays up and recovers).

export type Check = { ok: true } | { ok: false; reason: string };
/** One backend's health; must answer quickly (it is asked on every /healthz). */
export type HealthProbe = () => Check | Promise<Check>;

export interface HealthReport {
  ok: boolean;
  /** Why not ok: one reason per failing probe, joined with '; '. */
  reason?: string;
  rooms: number;
  sockets: number;
}

/** A node-redis client: healthy while its connection is ready (node-redis reconnects by itself). */
export function redisProbe(name: string, client: { isReady: boolean }): HealthProbe {
  return () => (client.isReady ? { ok: true } : { ok: false, reason: `redis ${name} connection down` });
}

export async function healthReport(probes: HealthProbe[], counts: { rooms: number; sockets: number }): Promise<HealthReport> {
  const checks = await Promise.all(probes.map(async (p) => p()));
  const reasons = checks.flatMap((c) => (c.ok ? [] : [c.reason]));
  return reasons.length ? { ok: false, reason: reasons.join('; '), ...counts } : { ok: true, ...counts };
}
