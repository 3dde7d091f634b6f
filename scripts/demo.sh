#!/usr/bin/env bash
# Build the web UI and the binary, then run `salesgauge demo`: the emulated Bitrix24 portal,
# a full sync, live events and the web UI on the address it prints.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/salesgauge/target}"
./scripts/web.sh
cargo build --release --workspace --all-targets
exec "$CARGO_TARGET_DIR/release/salesgauge" demo "$@"
