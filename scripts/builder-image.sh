#!/usr/bin/env bash
# Builds the Go builder image the tests use for `--builder container` and `--builder artifact`: FROM
# scratch, this machine's Go toolchain (`go env GOROOT`: /usr/local/go, or Debian's symlink tree, resolved), the glibc it links
# against, and Debian's static busybox for sh/sleep/rm/tar. No registry is needed. Skipped when an
# image built from the same recipe and toolchain already exists.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/image-lib.sh
IMAGE="${1:-hotswap-test/builder:latest}"
RECIPE=1  # bump when this recipe changes, so existing images are rebuilt
HASH_LABEL=hotswap.test.builder-hash
GOROOT_HOST=$(go env GOROOT)
GOROOT_IMG=/usr/local/go

hash=$( { echo "recipe $RECIPE"; go version; sha256sum "$GOROOT_HOST/bin/go" /bin/busybox; } | sha256sum | cut -c1-64)
image_is_current "$IMAGE" "$HASH_LABEL" "$hash" && exit 0

ctx=$(mktemp -d /tmp/hotswap-builder.XXXXXX)
trap 'rm -rf "$ctx"' EXIT
root="$ctx/rootfs"
mkdir -p "$root/bin" "$root/tmp" "$root$GOROOT_IMG" "$root/go/cache" "$root/go/mod" "$root/src"
chmod 1777 "$root/tmp" "$root/go/cache" "$root/go/mod"
# Debian's GOROOT is a tree of symlinks into /usr/share; -L copies what they point at. api/, misc/ and
# test/ are not needed to build.
for part in VERSION bin pkg src; do cp -rL "$GOROOT_HOST/$part" "$root$GOROOT_IMG/"; done
# The go tool and the compiler are dynamically linked to glibc: copy every library ldd names, at the
# same absolute path, plus the loader.
for bin in "$root$GOROOT_IMG/bin/"* "$root$GOROOT_IMG/pkg/tool/"*/*; do
  ldd "$bin" 2>/dev/null | grep -o '/[^ ]*' || true
done | sort -u | while read -r lib; do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
install -m 0755 /bin/busybox "$root/bin/busybox"
for applet in sh sleep rm mkdir tar cat cp mv ls chmod ln find echo env test [ true false touch head tail \
  wc sha256sum grep sed xargs printf date id dirname basename mktemp rmdir sort tr cut tee du stat; do
  ln -s busybox "$root/bin/$applet"
done
cat > "$ctx/Dockerfile" <<DOCKERFILE
FROM scratch
COPY rootfs/ /
ENV PATH=$GOROOT_IMG/bin:/usr/local/bin:/usr/bin:/bin GOROOT=$GOROOT_IMG \
    GOCACHE=/go/cache GOMODCACHE=/go/mod GOPATH=/go \
    GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local HOME=/tmp
WORKDIR /src
LABEL hotswap.test="1" $HASH_LABEL="$hash"
CMD ["sleep", "infinity"]
DOCKERFILE
build_image "$IMAGE" "$ctx" "$HASH_LABEL"
