#!/usr/bin/env bash
# Installs the toolchain (Node.js, pnpm) and the workspace's packages. Idempotent.
# Uses the machine's Node.js when it is new enough; otherwise installs a pinned one from the
# npm registry (package node-linux-<arch>, which ships bin/node) into .local/node.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

install_node() {
  local arch
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64) arch=arm64 ;;
    *) die "no pinned Node.js for $(uname -m): install Node.js >= $NODE_MIN yourself" ;;
  esac
  command -v npm >/dev/null || die "npm not found: install Node.js and npm (apt-get install nodejs npm), then re-run"
  say "installing Node.js $NODE_VERSION into $LOCAL/node (log: $LOGS/bootstrap-node.log)"
  rm -rf "$LOCAL/node-pkg" "$LOCAL/node"
  npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$LOCAL/node-pkg" \
    "node-linux-$arch@$NODE_VERSION" >"$LOGS/bootstrap-node.log" 2>&1 \
    || die "Node.js install failed; read $LOGS/bootstrap-node.log"
  mkdir -p "$LOCAL/node/bin"
  ln -sf "$LOCAL/node-pkg/node_modules/node-linux-$arch/bin/node" "$LOCAL/node/bin/node"
}

current_node=$(node --version 2>/dev/null | sed 's/^v//' || true)
if [ -z "$current_node" ] || ! version_ge "$current_node" "$NODE_MIN"; then
  install_node
  current_node=$(node --version | sed 's/^v//')
fi

if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  say "installing pnpm $PNPM_VERSION into $LOCAL/pnpm"
  npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$LOCAL/pnpm" "pnpm@$PNPM_VERSION" \
    >"$LOGS/bootstrap-pnpm.log" 2>&1 || die "pnpm install failed; read $LOGS/bootstrap-pnpm.log"
fi

cd "$ROOT"
lock_flag=--frozen-lockfile
[ -f pnpm-lock.yaml ] || lock_flag=
say "node $current_node, pnpm $(pnpm --version): installing workspace packages"
pnpm install $lock_flag --reporter=append-only >"$LOGS/bootstrap-pnpm-install.log" 2>&1 \
  || { tail -n 30 "$LOGS/bootstrap-pnpm-install.log" >&2; die "pnpm install failed; read $LOGS/bootstrap-pnpm-install.log"; }
