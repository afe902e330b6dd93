# One image for every Parkealo live process; the compose file picks the entry point per service.
# TypeScript runs through tsx (a runtime dependency), so there is no build step.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY src ./src
COPY actors ./actors
COPY gateway ./gateway
COPY workers ./workers
COPY devstack/demo-data.ts devstack/seeded-random.ts ./devstack/
COPY tsconfig.json ./
# Where the gateways keep space images (a volume in docker-compose.yml); the node user must own it.
RUN mkdir -p /var/lib/parkealo/objects && chown node:node /var/lib/parkealo/objects
USER node
CMD ["node", "--import", "tsx", "workers/gateway.ts"]
