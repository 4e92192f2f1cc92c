FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build:client
ENV NODE_ENV=production PORT=3000
# glibc: two malloc arenas, large buffers mapped and returned on free (deploy/malloc.ts; docs/architecture.md:
# per-thread arenas kept ~300 MB of freed memory in the forkload bench).
ENV MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072 MALLOC_TRIM_THRESHOLD_=131072
EXPOSE 3000
CMD ["npx", "tsx", "server/index.ts"]
