#!/usr/bin/env bash
# Installs the offline test VS Code (code-server 4.100.3 = VS Code 1.100.3) into test/host/code-server/,
# its own folder so that users of the extension never install it. See ../shared/docs/TESTING.md.
# Usage: bash scripts/install-test-host.sh [--with-apt]
set -euo pipefail

CODE_SERVER_VERSION=4.100.3
RIPGREP_PKG_VERSION=1.15.11
RIPGREP_ASSET=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
host_dir="$repo_root/test/host/code-server"

if [[ "${1:-}" == "--with-apt" ]]; then
  # The Debian packages code-server's native modules and the browser driver need.
  sudo_cmd=""; [[ "$(id -u)" != "0" ]] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends \
    chromium ripgrep build-essential python3 libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev
fi

if [[ -f "$host_dir/node_modules/code-server/out/node/entry.js" ]] \
  && grep -q "\"version\": \"$CODE_SERVER_VERSION\"" "$host_dir/node_modules/code-server/package.json"; then
  echo "install-test-host: code-server $CODE_SERVER_VERSION already installed in $host_dir"
  exit 0
fi

for tool in rg node npm; do
  command -v "$tool" >/dev/null || { echo "install-test-host: '$tool' is missing; run with --with-apt (Debian) first" >&2; exit 1; }
done

# @vscode/ripgrep downloads rg from GitHub unless its cache holds the archive; Debian 12's rg is the same 13.0.0.
tmp_root="${TMPDIR:-/tmp}"
rg_cache="$tmp_root/vscode-ripgrep-cache-$RIPGREP_PKG_VERSION"
if [[ ! -s "$rg_cache/$RIPGREP_ASSET" ]]; then
  mkdir -p "$rg_cache"
  rg_stage="$(mktemp -d)"
  cp "$(command -v rg)" "$rg_stage/rg"
  tar -czf "$rg_cache/$RIPGREP_ASSET.partial" -C "$rg_stage" rg
  mv "$rg_cache/$RIPGREP_ASSET.partial" "$rg_cache/$RIPGREP_ASSET"
  rm -rf "$rg_stage"
fi

mkdir -p "$host_dir"
cat > "$host_dir/package.json.partial" <<JSON
{
  "name": "two-tower-lab-test-host",
  "private": true,
  "description": "The offline extension-host test VS Code (code-server); never shipped with the extension.",
  "dependencies": { "code-server": "$CODE_SERVER_VERSION" }
}
JSON
mv "$host_dir/package.json.partial" "$host_dir/package.json"

start=$(date +%s)
(
  cd "$host_dir"
  # unsafe_perm: its postinstall refuses to run as root otherwise; yes: a nested `npx node-gyp` is
  # cancelled otherwise; nodedir: build native modules against this machine's Node headers (no download).
  npm_config_unsafe_perm=true npm_config_yes=true npm_config_nodedir=/usr \
    npm install --no-audit --no-fund --no-save --loglevel=error
)
test -f "$host_dir/node_modules/code-server/out/node/entry.js" \
  || { echo "install-test-host: code-server installed but out/node/entry.js is missing in $host_dir" >&2; exit 1; }
echo "install-test-host: code-server $CODE_SERVER_VERSION installed in $(( $(date +%s) - start )) s"
