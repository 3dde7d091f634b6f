#!/usr/bin/env bash
# The whole test suite: formatting, lints, every Rust test. CI (.ci/run) calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
# Compiled dependencies (DuckDB's C++ build takes ~30 min cold) live outside the clone.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/salesgauge/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

echo "== rustfmt"
cargo fmt --all -- --check
echo "== clippy"
cargo clippy --release --workspace --all-targets -- -D warnings
echo "== tests"
cargo test --release --workspace
