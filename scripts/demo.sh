#!/usr/bin/env bash
# Installs what Couloir needs, builds it, creates a demo database (SQLite) and starts the server.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh build
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DCOULOIR_TESTS=OFF >/dev/null
cmake --build build/release -j "$(nproc)"
mkdir -p var
export COULOIR_STORE_URL=${COULOIR_STORE_URL:-sqlite:var/demo.db}
build/release/src/app/couloir demo --config etc/couloir.ini
exec build/release/src/app/couloir serve --config etc/couloir.ini
