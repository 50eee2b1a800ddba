#!/usr/bin/env bash
# Makes a Docker engine reachable for berth (tests and the dashboard). On a fresh Debian machine, as root, it installs
# Debian's docker.io, busybox-static (the test fixture image), docker-registry, and openssh-server and openssl (the
# remote-engine tests), and python3-aiohttp and python3-pytest (the Python API client's tests against berth serve), then starts dockerd in the background. Without root it says what to install. Everything it does is said on stderr.
set -euo pipefail

say() { echo "berth setup: $*" >&2; }
PACKAGES=(docker.io busybox-static docker-registry openssh-server openssl python3-aiohttp python3-pytest)

ping_engine() {
  node --input-type=module -e '
    import http from "node:http";
    const host = process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock";
    const url = new URL(host);
    const opts = url.protocol === "unix:" ? { socketPath: url.pathname } : { host: url.hostname, port: url.port || 2375 };
    const req = http.get({ ...opts, path: "/_ping", timeout: 2000 }, (res) => process.exit(res.statusCode === 200 ? 0 : 1));
    req.on("error", () => process.exit(1));
    req.on("timeout", () => process.exit(1));
  ' 2>/dev/null
}

missing_packages() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  dpkg -s busybox-static >/dev/null 2>&1 || missing+=(busybox-static)
  command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
  # The remote-engine tests: sshd on 127.0.0.1 (ssh://) and openssl for the TLS certificates (tcp+TLS).
  [ -x /usr/sbin/sshd ] || missing+=(openssh-server)
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  # clients/python's pytest suite (test/server/server-python.test.ts), with Debian's own python3 (PyPI is not needed).
  dpkg -s python3-aiohttp >/dev/null 2>&1 || missing+=(python3-aiohttp)
  dpkg -s python3-pytest >/dev/null 2>&1 || missing+=(python3-pytest)
  echo "${missing[@]:-}"
}

if [ -n "${DOCKER_HOST:-}" ] && [[ "${DOCKER_HOST}" != unix://* ]]; then
  if ping_engine; then say "using the engine at DOCKER_HOST=${DOCKER_HOST}"; exit 0; fi
  say "DOCKER_HOST=${DOCKER_HOST} does not answer; unset it to use a local engine"; exit 1
fi

missing=$(missing_packages)
if [ -n "$missing" ]; then
  if [ "$(id -u)" != 0 ]; then
    say "a Docker engine and test fixtures are needed: run 'sudo apt-get install -y ${PACKAGES[*]}' and start dockerd"
    exit 1
  fi
  say "installing ${missing} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >&2
fi

if ping_engine; then
  say "Docker engine is reachable"
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  say "no Docker engine answers at ${DOCKER_HOST:-unix:///var/run/docker.sock}: start dockerd (sudo systemctl start docker) or set DOCKER_HOST"
  exit 1
fi

say "starting dockerd in the background (log: /var/log/berth-dockerd.log)"
nohup dockerd >/var/log/berth-dockerd.log 2>&1 </dev/null &
for _ in $(seq 1 120); do
  if ping_engine; then say "Docker engine is up"; exit 0; fi
  sleep 0.5
done
say "dockerd did not come up within 60s; last lines of /var/log/berth-dockerd.log:"
tail -n 20 /var/log/berth-dockerd.log >&2
exit 1
