#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian machine: npm dependencies, the CLI's build (when a source
# changed), Chromium and fonts (when no browser is found), and with --postgres a running local
# PostgreSQL for the tests.
# Quiet when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

need_postgres=0
for arg in "$@"; do [ "$arg" = "--postgres" ] && need_postgres=1; done

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else echo "setup: run as root: $*" >&2; return 1; fi; }

# 1. npm dependencies (Puppeteer's browser download is skipped by .puppeteerrc.cjs).
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies (npm ci)…" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi

# 2. The CLI's build in dist/ (scripts/build.mjs), made again only when a source changed since
#    the last one; herald runs the sources through tsx while there is no current build.
node scripts/build.mjs --if-stale || echo "setup: the build failed; herald runs the sources through tsx" >&2

# 3. A browser and the fonts the briefs name. CHROME_PATH / PUPPETEER_EXECUTABLE_PATH win.
have_browser=0
for p in "${CHROME_PATH:-}" "${PUPPETEER_EXECUTABLE_PATH:-}" /usr/lib/chromium/chromium-headless-shell /usr/lib/chromium/chromium; do
  if [ -n "$p" ] && [ -x "$p" ]; then have_browser=1; break; fi
done
missing=()
[ "$have_browser" = 1 ] || missing+=(chromium chromium-headless-shell)
[ -f /usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf ] || missing+=(fonts-liberation)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
if [ "$need_postgres" = 1 ] && ! command -v pdftoppm >/dev/null; then missing+=(poppler-utils); fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]} (apt)…" >&2
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# 4. PostgreSQL for the tests (trust auth on 127.0.0.1:5432, as on our machines).
if [ "$need_postgres" = 1 ]; then
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
      echo "setup: starting PostgreSQL…" >&2
      as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    fi
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
    pg_isready -q -h 127.0.0.1 -p 5432 || { echo "setup: PostgreSQL is not reachable on 127.0.0.1:5432 (set TEST_DATABASE_ADMIN_URL)" >&2; exit 1; }
  fi
fi
