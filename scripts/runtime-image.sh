#!/usr/bin/env bash
# Builds the runtime image the demo and the tests swap into: FROM scratch, Debian's static busybox (a
# shell and coreutils, like ollama's Ubuntu image has), and the ollama-mini fixture as /usr/bin/ollama.
# No registry is needed. Skipped when an image built from the same fixture content already exists.
# `runtime-image.sh IMAGE openssl` adds this machine's `openssl` and the libraries it links: ollama's image
# (Ubuntu with ca-certificates) has it, and hotswap hashes with it when it is there (the bench uses this one).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/image-lib.sh
IMAGE="${1:-hotswap-test/runtime:latest}"
WITH="${2:-}"
FIXTURE=test/fixtures/ollama-mini
RECIPE=2  # bump when this recipe changes, so existing images are rebuilt
HASH_LABEL=hotswap.test.fixture-hash

hash=$( { echo "recipe $RECIPE $WITH"; cd "$FIXTURE" && find . -type f -print0 | sort -z | xargs -0 sha256sum; } | sha256sum | cut -c1-64)
image_is_current "$IMAGE" "$HASH_LABEL" "$hash" && exit 0

new_rootfs runtime sh sha256sum cp mv rm chmod ls cat mkdir sleep stat test [ ln find echo head tail wc env kill ps \
  true false touch readlink realpath dirname basename sync tar grep sed xargs printf date id cmp du df pidof \
  uname which mktemp rmdir sort tr cut tee
mkdir -p "$root/usr/bin"
if [ "$WITH" = openssl ]; then
  openssl=$(command -v openssl) || { echo "runtime-image: no openssl on this machine" >&2; exit 1; }
  for f in "$openssl" $(ldd "$openssl" | grep -o '/[^ ]*'); do install -D -m 0755 "$(readlink -f "$f")" "$root$f"; done
fi
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
build_image "$IMAGE" "$ctx" "$HASH_LABEL"
