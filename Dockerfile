# syntax=docker/dockerfile:1
# ivs-server image: built from this checkout on Debian bookworm, run as an unprivileged user.
#   docker build -t ivs-server .
#   docker run --rm -p 3000:3000 -e API_SECRET_KEY=change-me ivs-server
#   docker run --rm -p 4566:4566 ivs-server emulator --host 0.0.0.0 --port 4566
# deploy/compose.yaml runs two instances behind nginx with Redis, PostgreSQL and the emulator.
# The test suite has no Docker: tests/packaging checks this file's structure only.

# --- build: the compilers and -dev packages of scripts/install-deps.sh, then the release build
FROM debian:bookworm AS build
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config ca-certificates \
      libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev \
      libssl-dev libhiredis-dev libpq-dev libsqlite3-dev libjemalloc-dev nettle-dev \
      libspdlog-dev libfmt-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake --preset release -DIVS_BUILD_TESTS=OFF -DIVS_BUILD_BENCH=OFF \
 && cmake --build build -j "$(nproc)" --target ivs-server \
 && strip build/ivs-server \
 && build/ivs-server --version

# --- runtime: the shared libraries the binary links, nothing else
FROM debian:bookworm-slim AS runtime
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates libboost-json1.81.0 libboost-url1.81.0 libssl3 libhiredis0.14 libpq5 \
      libsqlite3-0 libjemalloc2 libspdlog1.10 libfmt9 libnettle8 libhogweed6 libgmp10 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 ivs \
 && useradd --system --uid 10001 --gid ivs --home-dir /var/lib/ivs-server --no-create-home \
      --shell /usr/sbin/nologin ivs \
 && install -d -o ivs -g ivs -m 0750 /var/lib/ivs-server
COPY --from=build /src/build/ivs-server /usr/local/bin/ivs-server

# SQLite history, generated keys and secrets live in DATA_DIR (embedded mode); keep it on a volume.
ENV API_HOST=0.0.0.0 \
    API_PORT=3000 \
    DATA_DIR=/var/lib/ivs-server
VOLUME ["/var/lib/ivs-server"]
WORKDIR /var/lib/ivs-server
# Numeric, so Kubernetes' runAsNonRoot can verify it.
USER 10001:10001
EXPOSE 3000
# SIGTERM drains: stop accepting, finish requests, close WebSockets, flush, exit within
# SHUTDOWN_GRACE_SECONDS (30 by default); give the container more than that to stop.
STOPSIGNAL SIGTERM
# Liveness without extra packages: bash's /dev/tcp asks GET /health (no dependency calls).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${API_PORT:-3000} && printf 'GET /health HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["/usr/local/bin/ivs-server"]
