# wharf with the two example services, as a container. Build: docker build -t wharf .
# Run: docker run -e WHARF_TOKEN=... -p 8080:8080 -p 9901:9901 wharf  (or `docker compose up`, see compose.yaml)

# Stage 1: build the npm package from source (TypeScript -> dist/), exactly what `npm pack` ships.
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY scripts ./scripts
COPY schema ./schema
COPY src ./src
RUN npm run build && npm pack --pack-destination /tmp && mv /tmp/wharf-*.tgz /tmp/wharf.tgz

# Stage 2: the runtime: node, tini (reaps what apps leave behind, forwards signals), wharf from its tarball.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /tmp/wharf.tgz /tmp/wharf.tgz
RUN npm install --global --omit=dev --no-audit --no-fund /tmp/wharf.tgz && rm /tmp/wharf.tgz
WORKDIR /srv/wharf
COPY --chown=node:node deploy/container/wharf.yaml ./wharf.yaml
COPY --chown=node:node examples/books ./books
COPY --chown=node:node examples/accounts ./accounts
COPY --chown=node:node examples/public ./public
COPY --chown=node:node examples/package.json ./package.json
# Non-root; wharf writes its state and app logs under /srv/wharf (.wharf/, logs/).
RUN mkdir -p /srv/wharf/.wharf /srv/wharf/logs && chown node:node /srv/wharf /srv/wharf/.wharf /srv/wharf/logs
USER node
EXPOSE 8080 9901
# `wharf status` exits 0 only when the control API of this wharf answers.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 CMD ["wharf", "status", "-c", "/srv/wharf/wharf.yaml"]
# SIGTERM: stop accepting, drain in-flight requests (timeouts.shutdown), stop the apps. Give
# `docker stop -t` at least timeouts.shutdown + the slowest stop_timeout.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--", "wharf"]
CMD ["up", "-c", "/srv/wharf/wharf.yaml"]
