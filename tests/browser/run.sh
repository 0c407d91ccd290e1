#!/usr/bin/env bash
# The browser stage of scripts/test.sh: the viewer tests in Debian's chromium,
# driven by playwright-core (tests/browser/package.json; never downloads a browser).
# Skips, saying why, only when /usr/bin/chromium is missing (CI installs it
# through scripts/install-deps.sh). Screenshots: build/test-artifacts/browser/.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
if [[ ! -x /usr/bin/chromium ]]; then
  echo "browser tests skipped: /usr/bin/chromium is missing (apt-get install chromium)"
  exit 0
fi
command -v node >/dev/null || { echo "error: node is missing (needed for the browser tests)"; exit 1; }
cd "$here"
if [[ ! -d node_modules/playwright-core ]]; then
  # playwright-core has no install script and fetches no browser; the variable is belt and braces.
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
fi
export ONNXKIT_BIN=${ONNXKIT_BIN:-$root/build/onnxkit}
export ONNXKIT_ARTIFACTS=${ONNXKIT_ARTIFACTS:-$root/build/test-artifacts/browser}
exec timeout 300 node --test --test-reporter=spec "$here/viewer.test.mjs"
