# syntax=docker/dockerfile:1
#
# The pipeline's one image. Every role (ingest, segmenter, sink) and the all-in-one mode run from
# it, chosen by ROLES. Node 24 runs the TypeScript sources directly (type stripping), so there is
# no compile step: the image holds the sources, the Avro/SQL schemas and the production dependencies.
#
#   docker build -t customer-segmentation .
#   docker run --rm -e ROLES=ingest -e KAFKA_BROKERS=broker:9092 -e SCHEMA_REGISTRY_URL=http://registry:8081 \
#     -p 9464:9464 customer-segmentation
#
# Without CLICKHOUSE_URL the sink uses the embedded engine (npm chdb) with its data in
# /app/.local/clickhouse; mount a volume there to keep it. The embedded engine ships only a
# linux/amd64 binary for the locked chdb version, so build and run this image as linux/amd64
# (docker-compose.yml sets that).

# Same major as infra/env.sh (NODE_VERSION); pin a patch release with --build-arg NODE_VERSION=24.21.0.
ARG NODE_VERSION=24

# ---- deps: production node_modules of the app and the workspace packages it uses ---------------
FROM node:${NODE_VERSION}-bookworm-slim AS deps
# Must equal package.json's "packageManager" (pnpm 10 would otherwise switch to that version).
ARG PNPM_VERSION=10.34.8
RUN npm install --global --no-audit --no-fund "pnpm@${PNPM_VERSION}" && npm cache clean --force
ENV CI=true
WORKDIR /app

# `pnpm fetch` needs only the lockfile, so this layer (the download, most of it the ~540 MB
# embedded ClickHouse engine) is rebuilt when pnpm-lock.yaml changes, not on every source edit.
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
RUN pnpm fetch --prod

COPY . .
# Offline from the store filled above. The filters keep the install to the pipeline (@segmentation/app),
# the simulator and the import command, and their
# workspace dependencies (the integration-test package would add testcontainers and friends);
# the node_modules that `fetch` linked for every package is dropped first so none of that remains.
# chdb's install script is a no-op (prebuilt binaries come as npm packages), so no build tools are needed.
RUN rm -rf node_modules \
 && pnpm install --offline --prod --frozen-lockfile --filter '@segmentation/app...' --filter '@segmentation/simulator...' --filter '@segmentation/importer...'

# ---- runtime ------------------------------------------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
    ROLES=all \
    OPS_HOST=0.0.0.0 \
    OPS_PORT=9464
WORKDIR /app

# node_modules first: it changes only with the lockfile, so its layer stays cached across source edits.
# The workspace packages' own node_modules are relative symlinks into it, copied as they are.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=deps /app/package.json /app/pnpm-workspace.yaml ./
# schemas/ is read at run time: Avro contracts (registered on start) and ClickHouse migrations.
COPY --from=deps /app/schemas ./schemas
# The default segmentation and churn rules (RULES_FILE); mount your own file and point RULES_FILE at it.
COPY --from=deps /app/config ./config
COPY --from=deps /app/packages ./packages
COPY --from=deps /app/services ./services

# The code stays root-owned and read-only; the process runs as the image's unprivileged `node`
# user and may write only where the embedded ClickHouse keeps its data (the CLICKHOUSE_PATH default).
RUN mkdir -p /app/.local/clickhouse && chown -R node:node /app/.local
USER node

# /healthz, /readyz and /metrics.
EXPOSE 9464
# Slim images have no curl; Node's fetch does the probe. Assumes the ops server answers on loopback
# (OPS_HOST 0.0.0.0 or 127.0.0.1) at a fixed OPS_PORT. Start-up waits for Kafka and the registry,
# provisions topics and schemas and joins consumer groups, hence the start period.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.OPS_PORT||9464)+'/healthz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# Node as PID 1 is fine here: the process handles SIGTERM/SIGINT itself (graceful stop of consumers,
# producer and stores) and starts no children.
CMD ["node", "services/app/src/main.ts"]
