#!/usr/bin/env bash
# Build and run `salesgauge demo` (the emulated portal; sync and the web UI join as they land).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/salesgauge/target}"
cargo build --release --workspace --all-targets
exec "$CARGO_TARGET_DIR/release/salesgauge" demo "$@"
