# Tickflow worker image. Built by docker-compose.yml (service `worker`);
# standalone: docker build -t tickflow-worker .
# Debian (glibc) base on purpose: @temporalio/worker ships glibc native binaries.
ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: full install, compile TypeScript, then drop devDependencies ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV npm_config_fund=false \
    npm_config_audit=false \
    npm_config_update_notifier=false
COPY package.json package-lock.json ./
# npm ci runs the `prepare` script; with no sources copied yet it only says so (the build is below).
COPY scripts/prepare.js scripts/
RUN npm ci
COPY . .
RUN npm run build \
 && npm prune --omit=dev

# ---- runtime: non-root ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# /app owned by the unprivileged `node` user (uid 1000) so the app can write
# local state (e.g. .tickflow/) next to itself.
RUN chown node:node /app
COPY --from=build --chown=node:node /app /app
USER node
CMD ["node", "bin/tickflow.js", "worker"]
