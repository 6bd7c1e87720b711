#!/usr/bin/env bash
# Builds the runtime image the demo and the tests swap into: FROM scratch, Debian's static busybox (a
# shell and coreutils, like ollama's Ubuntu image has), and the ollama-mini fixture as /usr/bin/ollama.
# No registry is needed. Skipped when an image built from the same fixture content already exists.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
IMAGE="${1:-hotswap-test/runtime:latest}"
FIXTURE=test/fixtures/ollama-mini
RECIPE=2  # bump when this recipe changes, so existing images are rebuilt
HASH_LABEL=hotswap.test.fixture-hash

hash=$( { echo "recipe $RECIPE"; cd "$FIXTURE" && find . -type f -print0 | sort -z | xargs -0 sha256sum; } | sha256sum | cut -c1-64)
have=$(docker image inspect --format "{{ index .Config.Labels \"$HASH_LABEL\" }}" "$IMAGE" 2>/dev/null || true)
[ "$have" = "$hash" ] && exit 0

ctx=$(mktemp -d /tmp/hotswap-runtime.XXXXXX)
trap 'rm -rf "$ctx"' EXIT
root="$ctx/rootfs"
mkdir -p "$root/bin" "$root/usr/bin" "$root/tmp"
chmod 1777 "$root/tmp"
install -m 0755 /bin/busybox "$root/bin/busybox"
for applet in sh sha256sum cp mv rm chmod ls cat mkdir sleep stat test [ ln find echo head tail wc env kill ps \
  true false touch readlink realpath dirname basename sync tar grep sed xargs printf date id cmp du df pidof \
  uname which mktemp rmdir sort tr cut tee; do
  ln -s busybox "$root/bin/$applet"
done
# A cache dir even when CI runs without HOME.
export GOCACHE="${GOCACHE:-$(go env GOCACHE 2>/dev/null || echo /tmp/hotswap-gocache)}"
(cd "$FIXTURE" && CGO_ENABLED=0 GOOS=linux GOPROXY=off go build -trimpath -buildvcs=false -o "$root/usr/bin/ollama" .)
cat > "$ctx/Dockerfile" <<DOCKERFILE
FROM scratch
COPY rootfs/ /
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
LABEL hotswap.test="1" $HASH_LABEL="$hash"
ENTRYPOINT ["/usr/bin/ollama"]
CMD ["serve"]
DOCKERFILE
# Legacy builder (no buildx plugin here); nothing in it needs the network.
out=$(DOCKER_BUILDKIT=0 docker build --network none -q -t "$IMAGE" "$ctx" 2>&1) || { echo "$out" >&2; exit 1; }
# The previous build of the tag is now dangling; drop it (kept while a container still uses it).
docker image prune -f --filter "label=$HASH_LABEL" >/dev/null
echo "env: built $IMAGE"
