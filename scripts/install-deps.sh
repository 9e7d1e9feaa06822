#!/usr/bin/env bash
# Installs the Debian packages Couloir needs, non-interactively and only those missing.
#   scripts/install-deps.sh build   packages to build and run (deps/apt/build-*.txt)
#   scripts/install-deps.sh test    those plus the test peers (deps/apt/test-*.txt) and npm packages
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-build}
lists=(deps/apt/build-*.txt)
[ "$what" = test ] && lists+=(deps/apt/test-*.txt)

wanted=$(cat "${lists[@]}" | sed 's/#.*//' | tr -s ' \t' '\n' | grep -v '^$' | sort -u)
missing=()
for p in $wanted; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# npm comes with the machine's Node.js (whose package may bundle it); Debian's npm package
# conflicts with such a build, so it is only installed when no npm command exists at all.
if [ "$what" = test ] && ! command -v npm >/dev/null 2>&1; then missing+=(npm); fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "install-deps: all ${what} packages present"
fi

if [ "$what" = test ] && [ -f tests/package.json ]; then
  if [ ! -d tests/node_modules ] || [ tests/package.json -nt tests/node_modules ]; then
    echo "install-deps: npm packages for the tests"
    (cd tests && npm install --no-audit --no-fund --loglevel=error >/dev/null)
    touch tests/node_modules
  fi
fi
