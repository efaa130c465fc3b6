#!/usr/bin/env bash
# Headless Chromium for the browser tests (Debian's package; Playwright drives it, never downloads one).
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium is not installed and cannot be installed here (needs root + apt-get): browser tests will skip" >&2
  exit 0
fi
echo "installing Debian chromium for the browser tests" >&2
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
