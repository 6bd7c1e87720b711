# Sourced by the scripts that build the test images FROM scratch (no registry is needed).

# image_is_current IMAGE LABEL HASH: was IMAGE built from the same recipe and inputs (its LABEL holds HASH)?
image_is_current() {
  [ "$(docker image inspect --format "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null || true)" = "$3" ]
}

# build_image IMAGE CONTEXT LABEL: the legacy builder (no buildx plugin here), nothing in it needs the network;
# the previous build of the tag is then dangling and dropped (kept while a container still uses it).
build_image() {
  local out
  out=$(DOCKER_BUILDKIT=0 docker build --network none -q -t "$1" "$2" 2>&1) || { echo "$out" >&2; return 1; }
  docker image prune -f --filter "label=$3" >/dev/null
  echo "env: built $1"
}

# new_rootfs NAME APPLET...: sets ctx (a temp build context, removed on exit) and root ($ctx/rootfs) holding a
# world-writable /tmp and Debian's static busybox in /bin with a link per APPLET.
new_rootfs() {
  ctx=$(mktemp -d "/tmp/hotswap-$1.XXXXXX")
  trap 'rm -rf "$ctx"' EXIT
  root="$ctx/rootfs"
  mkdir -p "$root/bin" "$root/tmp"
  chmod 1777 "$root/tmp"
  install -m 0755 /bin/busybox "$root/bin/busybox"
  shift
  for applet in "$@"; do ln -s busybox "$root/bin/$applet"; done
}
