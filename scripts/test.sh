#!/usr/bin/env bash
# The whole test suite: the web UI's lints, types and unit tests; rustfmt, clippy and every
# Rust test; then the UI tests in Debian's headless Chromium. CI (.ci/run) calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
# Compiled dependencies (DuckDB's C++ build takes ~30 min cold) live outside the clone.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/salesgauge/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

# The binary embeds web/dist, so the UI is built first.
./scripts/web.sh --check

echo "== rustfmt"
cargo fmt --all -- --check
echo "== clippy"
cargo clippy --release --workspace --all-targets -- -D warnings
echo "== tests"
cargo test --release --workspace

echo "== UI tests (Playwright, Debian chromium)"
if ! command -v chromium >/dev/null; then
  sudo_cmd=""
  if [[ "$(id -u)" != "0" ]]; then sudo_cmd="sudo"; fi
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >/dev/null
fi
(cd web && SG_BIN="$CARGO_TARGET_DIR/release/salesgauge" npx playwright test)
echo "UI screenshots and downloads: web/test-results/"
