#!/usr/bin/env bash
# The browser tests drive Debian's Chromium (/usr/bin/chromium); Playwright cannot download one here.
# Also makes sure gettext's msgfmt is present to compile the French catalogue.
set -u
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v msgfmt >/dev/null || need+=(gettext)
command -v redis-cli >/dev/null || true
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "Installing ${need[*]} from Debian's packages."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  fi
fi
if [ ! -x /usr/bin/chromium ]; then
  echo "ERROR: Chromium is missing at /usr/bin/chromium. Install it: sudo apt-get install chromium" >&2
  exit 1
fi
echo "Chromium: $(/usr/bin/chromium --version 2>/dev/null | head -n 1)"
