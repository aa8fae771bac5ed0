#!/usr/bin/env bash
# Chromium for the KPI pack's browser test (tests/integration/publication/test_pack_browser.py):
# the distribution's package at /usr/bin/chromium, installed when missing. Playwright drives it;
# `playwright install` (a browser download of its own) is never used. Needs root or sudo.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "ensure_chromium: /usr/bin/chromium is missing and apt-get is not available; install Chromium from your distribution" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
echo "ensure_chromium: installing the distribution's chromium package" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
test -x /usr/bin/chromium
