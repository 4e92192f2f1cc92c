import { appendFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

// TEMPORARY per-hop trace of clock changes (issue #12 part 6): CLOCK_TRACE_DIR=dir writes one line per stage.
const dir = process.env.CLOCK_TRACE_DIR;
const lines: string[] = [];
const file = dir ? `${dir}/server-${process.env.PORT}.log` : '';
if (dir) {
  const flush = () => {
    if (lines.length) appendFileSync(file, `${lines.splice(0).join('\n')}\n`);
  };
  setInterval(flush, 500).unref();
  process.on('exit', flush);
  process.on('SIGTERM', flush);
}
export const traceOn = !!dir;
export function trace(stage: string, roomId: string, version: number | string = ''): void {
  if (dir) lines.push(`${stage} ${process.env.PORT} ${roomId} ${version} ${(performance.timeOrigin + performance.now()).toFixed(3)}`);
}
export function traceAt(stage: string, roomId: string, version: number, t: number, note = ''): void {
  if (dir) lines.push(`${stage}${note} ${process.env.PORT} ${roomId} ${version} ${(performance.timeOrigin + t).toFixed(3)}`);
}
