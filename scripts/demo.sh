#!/usr/bin/env bash
# `npm run demo`: a demo ollama (the ollama-mini fixture) in its own git repo under .demo/, its runtime
# image, and hotswap swapping into the container `ollama-demo` on 127.0.0.1:11500 (hotswap.config.json).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/runtime-image.sh hotswap-test/runtime:latest
demo=.demo/ollama
if [ ! -d "$demo/.git" ]; then
  mkdir -p .demo
  cp -r test/fixtures/ollama-mini "$demo"
  git -C "$demo" init -q -b main
  git -C "$demo" add -A
  git -C "$demo" -c user.name=hotswap-demo -c user.email=demo@hotswap.invalid commit -qm "demo ollama"
  echo "demo: created $demo (a git repo; edit it freely)"
fi
echo "demo: swapping into ollama-demo (created from hotswap-test/runtime:latest when missing)"
node dist/cli.js swap
cat <<MSG

demo: the container serves on 127.0.0.1:11500:
  curl -s 127.0.0.1:11500/api/hello; curl -s 127.0.0.1:11500/api/version
demo: edit $demo/server/message.go, then run: npx hotswap swap
MSG
