#!/usr/bin/env bash
# Install the web UI's npm packages (exactly as locked) and build it into web/dist, which
# the binary embeds at compile time. Usage: scripts/web.sh [--check] (also lint, type-check
# and unit-test it).
set -euo pipefail
cd "$(dirname "$0")/../web"
if ! command -v npm >/dev/null; then
  echo "npm is missing: install Node.js 20 and npm (https://nodejs.org) and re-run" >&2
  exit 1
fi
npm ci --no-audit --no-fund --loglevel=error
if [[ "${1:-}" == "--check" ]]; then
  echo "== web: eslint"
  npm run --silent lint
  echo "== web: vue-tsc"
  npm run --silent typecheck
  echo "== web: vitest"
  npm run --silent test:unit
fi
echo "== web: vite build"
npm run --silent build
