#!/usr/bin/env bash
# Installs what tests/suite/accessibility.rs needs: Debian's Chromium and the npm packages
# of tests/a11y (playwright-core drives the system Chromium; no browser is downloaded).
# Idempotent; runs as root on a fresh Debian machine.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [ ! -x /usr/bin/chromium ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium
fi

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "a11y-setup: node and npm are needed (they come with the machine)" >&2
    exit 1
fi

cd "$root/tests/a11y"
if [ -f package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
else
    npm install --no-audit --no-fund --loglevel=error
fi

/usr/bin/chromium --version
node -e "console.log('playwright-core', require('playwright-core/package.json').version, '/ axe-core', require('axe-core').version)"
