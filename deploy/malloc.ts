// glibc's malloc for a server process (docs/architecture.md, "Native memory"): two arenas, large buffers mapped and
// returned on free. glibc reads these at process start, so they are the launcher's, not settings of the app: npm
// start, the Dockerfile, the cluster's processes and the forkload bench all start the server with them. A value
// already in the environment wins.
export const GLIBC_MALLOC: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '131072',
  MALLOC_TRIM_THRESHOLD_: '131072',
};

/** `env` with the server's malloc settings filled in where it has none. */
export function withGlibcMalloc(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...GLIBC_MALLOC, ...env };
}
