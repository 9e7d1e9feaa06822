#!/usr/bin/env bash
# Installs what Couloir needs, builds it, creates a demo database (SQLite) and starts the server,
# with the INSi stand-in (couloir-insi-sim) on 127.0.0.1 as the identity teleservice: its mutual
# TLS certificates are made once under var/insi/ (openssl), it runs in the background and is
# stopped when the demo stops. etc/couloir.ini's [insi] section points Couloir at it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh build
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DCOULOIR_TESTS=OFF >/dev/null
cmake --build build/release -j "$(nproc)"
mkdir -p var
export COULOIR_STORE_URL=${COULOIR_STORE_URL:-sqlite:var/demo.db}

# --- INSi stand-in ------------------------------------------------------------------------------
# Port and IDAM must match etc/couloir.ini [insi] url / idam (or their COULOIR_INSI_* overrides).
insi_port=${COULOIR_DEMO_INSI_PORT:-18443}
export COULOIR_INSI_URL=${COULOIR_INSI_URL:-https://127.0.0.1:${insi_port}/lps}
insi_dir=var/insi
if [ ! -f "$insi_dir/client.pem" ] || [ ! -f "$insi_dir/server.pem" ] || [ ! -f "$insi_dir/ca.pem" ]; then
  echo "demo: certificats du simulateur INSi (openssl) dans $insi_dir/"
  mkdir -p "$insi_dir"
  (
    cd "$insi_dir"
    umask 077
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 3650 \
      -subj '/CN=Couloir demo INSi CA' >/dev/null 2>&1
    printf 'subjectAltName=IP:127.0.0.1\n' > san.ext
    openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj '/CN=127.0.0.1' >/dev/null 2>&1
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 3650 \
      -extfile san.ext >/dev/null 2>&1
    openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj '/CN=INSI-AUTO' >/dev/null 2>&1
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -days 3650 \
      >/dev/null 2>&1
    rm -f server.csr client.csr san.ext
  )
fi
build/release/sim/insi/couloir-insi-sim --cert "$insi_dir/server.pem" --key "$insi_dir/server.key" \
  --client-ca "$insi_dir/ca.pem" --port "$insi_port" --idam IDAM-COULOIR-DEMO --allowed-cn INSI-AUTO \
  --max-seconds 604800 >var/insi/sim.log 2>&1 &
insi_pid=$!
stop_insi() { kill "$insi_pid" 2>/dev/null || true; wait "$insi_pid" 2>/dev/null || true; }
trap stop_insi EXIT
trap 'exit 130' INT TERM
for _ in $(seq 1 100); do
  grep -q '^listening on' var/insi/sim.log 2>/dev/null && break
  if ! kill -0 "$insi_pid" 2>/dev/null; then
    echo "demo: le simulateur INSi n'a pas démarré (port $insi_port occupé ?) :" >&2
    cat var/insi/sim.log >&2
    exit 1
  fi
  sleep 0.1
done
echo "demo: simulateur INSi (couloir-insi-sim) sur https://127.0.0.1:${insi_port}/lps, journal var/insi/sim.log"

build/release/src/app/couloir demo --config etc/couloir.ini
echo "Identité d'essai connue du simulateur INSi : ECETINSI Pierre-Alain Muriel Floriant, M, né le 14/07/2009"
echo "à 63220 (réponse 00) ; JUMEAU Camille, F, 01/01/2001, 75056 (réponse 02)."
echo
# not exec: the trap stops the stand-in when the server stops
build/release/src/app/couloir serve --config etc/couloir.ini
