#!/usr/bin/env bash
# Builds the dev-container image of the postStart test: FROM scratch, this machine's node and git with the
# libraries they link, and Debian's static busybox (sh, env, sleep). Its PID 1 is `sleep infinity`, which never
# reaps an orphan, as in many dev containers. No registry is needed. Skipped when an image built from the same
# recipe and binaries already exists.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/image-lib.sh
IMAGE="${1:-hotswap-test/devcontainer:latest}"
RECIPE=1  # bump when this recipe changes, so existing images are rebuilt
HASH_LABEL=hotswap.test.devcontainer-hash
NODE=$(command -v node)
GIT=$(command -v git)

hash=$( { echo "recipe $RECIPE"; sha256sum "$NODE" "$GIT" /bin/busybox; } | sha256sum | cut -c1-64)
image_is_current "$IMAGE" "$HASH_LABEL" "$hash" && exit 0

new_rootfs devcontainer sh env sleep cat ls ps kill
mkdir -p "$root/usr/local/bin" "$root/usr/bin"
cp -L "$NODE" "$root/usr/local/bin/node"
cp -L "$GIT" "$root/usr/local/bin/git"
# Every library ldd names, at the same absolute path, plus the loader.
for bin in "$NODE" "$GIT"; do ldd "$bin" | grep -o '/[^ ]*'; done | sort -u | while read -r lib; do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
ln -s /bin/env "$root/usr/bin/env"  # the `#!/usr/bin/env node` of the installed command
cat > "$ctx/Dockerfile" <<DOCKERFILE
FROM scratch
COPY rootfs/ /
ENV PATH=/usr/local/bin:/usr/bin:/bin HOME=/tmp
LABEL hotswap.test="1" $HASH_LABEL="$hash"
CMD ["sleep", "infinity"]
DOCKERFILE
build_image "$IMAGE" "$ctx" "$HASH_LABEL"
