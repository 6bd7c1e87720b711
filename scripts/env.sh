#!/usr/bin/env bash
# Prepares this machine for hotswap's tests and demo: apt packages, a running Docker engine,
# node_modules and a fresh dist/. Idempotent, and quick when everything is already in place.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { echo "env: $*"; }
die() { echo "env: ERROR: $*" >&2; exit 1; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# --- apt packages ---------------------------------------------------------------------------------
# package -> a command that proves it is there ("" = ask dpkg only). busybox-static is checked with
# dpkg because Debian's dynamic `busybox` also ships /bin/busybox, which cannot run in a scratch image.
# golang-go is skipped whenever some `go` is on PATH: Debian 12's Go 1.19 must never shadow a newer toolchain
# (this machine has Go 1.26 in /usr/local/go), and the builder image copies whichever `go` is first.
# podman (with its dependencies conmon and runc) is for test/e2e/podman.test.ts; the test writes its own
# containers.conf and storage.conf in a temp dir (test/support/podman.ts), so nothing in /etc is changed.
declare -A PROBE=(
  [docker.io]=dockerd [golang-go]=go [busybox-static]="" [git]=git [gcc]=gcc [libc6-dev]=""
  [dbus-x11]=dbus-launch [xvfb]=Xvfb [dunst]=dunst [libnotify-bin]=notify-send [tmux]=tmux [podman]=podman
  [openssh-server]=/usr/sbin/sshd [openssl]=openssl
)
installed() { dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null | grep -q '^ii'; }
missing=()
for pkg in docker.io golang-go busybox-static git gcc libc6-dev dbus-x11 xvfb dunst libnotify-bin tmux podman openssh-server openssl; do
  cmd="${PROBE[$pkg]}"
  if [ -n "$cmd" ] && command -v "$cmd" >/dev/null 2>&1; then continue; fi
  installed "$pkg" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing ${missing[*]}"
  # Keep package scripts from starting services (a docker.service with its default bridge and
  # iptables rules); we start dockerd ourselves below with networking off.
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod 755 "$policy"
    trap '$SUDO rm -f "$policy"' EXIT
  fi
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed: the tests need every one of them (openssh-server and openssl: the remote-engine tests)"
else
  say "apt packages present"
fi

# --- Docker engine --------------------------------------------------------------------------------
docker_ok() { timeout 10 docker info >/dev/null 2>&1; }
if docker_ok; then
  say "docker is up"
else
  PIDFILE=/var/run/docker.pid SOCK=/var/run/docker.sock LOG=/tmp/hotswap-dockerd.log
  live="" started=""
  if [ -f "$PIDFILE" ]; then
    pid="$(cat "$PIDFILE" 2>/dev/null || true)"
    if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" = "dockerd" ]; then live="$pid"; fi
  fi
  if [ -n "$live" ]; then
    say "dockerd (pid $live) is running but not answering yet; waiting"
  else
    # A killed dockerd leaves its pid file and socket behind; both would confuse a new one.
    $SUDO rm -f "$PIDFILE"
    [ -S "$SOCK" ] && $SUDO rm -f "$SOCK"
    say "starting dockerd (no bridge, no iptables; log: $LOG)"
    # Detached in its own session so it outlives this script and the test run.
    $SUDO setsid nohup dockerd --bridge=none --iptables=false --ip6tables=false >"$LOG" 2>&1 </dev/null &
    started=$!
  fi
  for _ in $(seq 1 60); do
    docker_ok && break
    # Stop waiting as soon as the dockerd we started has died.
    if [ -n "$started" ] && ! kill -0 "$started" 2>/dev/null; then break; fi
    sleep 1
  done
  if ! docker_ok; then
    echo "env: ERROR: Docker did not come up (dockerd exited or no answer within 60 s). Last lines of $LOG:" >&2
    tail -n 20 "$LOG" >&2 2>/dev/null || true
    exit 1
  fi
  say "docker is up"
fi

# --- Podman ---------------------------------------------------------------------------------------
# test/e2e/podman.test.ts starts its own rootful service on a private socket; here, only that podman runs.
podman --version >/dev/null 2>&1 || die "podman does not run (podman --version failed): test/e2e/podman.test.ts needs it"
say "$(podman --version)"

# --- Node -----------------------------------------------------------------------------------------
if [ ! -d node_modules ]; then
  if [ -f package-lock.json ]; then say "npm ci"; npm ci --no-audit --no-fund
  else say "npm install"; npm install --no-audit --no-fund; fi
fi
say "building dist/"
npm run -s build || die "npm run build (tsc) failed"
say "ready"
