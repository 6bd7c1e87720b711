#!/usr/bin/env bash
# `npm run demo`: a demo ollama (the ollama-mini fixture) in its own git repo under .demo/, its runtime
# image, and `hotswap watch` keeping the container `ollama-demo` (127.0.0.1:11500) up to date with every
# edit (see hotswap.config.json). Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/runtime-image.sh hotswap-test/runtime:latest
demo=.demo/ollama
if [ ! -d "$demo/.git" ]; then
  mkdir -p .demo
  cp -r test/fixtures/ollama-mini "$demo"
  printf '.hotswap/\n' > "$demo/.gitignore"
  git -C "$demo" init -q -b main
  git -C "$demo" add -A
  git -C "$demo" -c user.name=hotswap-demo -c user.email=demo@hotswap.invalid commit -qm "demo ollama"
  echo "demo: created $demo (a git repo; edit it freely)"
fi
cat <<MSG
demo: watching $demo; the container ollama-demo serves on 127.0.0.1:11500:
  curl -s 127.0.0.1:11500/api/hello; curl -s 127.0.0.1:11500/api/version
demo: edit $demo/server/message.go and save: hotswap builds, swaps, verifies and restarts. Ctrl-C stops.
MSG
exec node dist/cli.js watch "$@"
