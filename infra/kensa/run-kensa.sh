#!/usr/bin/env bash
# Runs Heroku's legacy add-on tester kensa against a running `npm start`. kensa is not on
# npm or Debian, so this is a manual check, not part of `npm test`:
#   1. a checkout of github.com/heroku/kensa (KENSA_DIR, default ../kensa beside the repo);
#   2. Debian's Ruby: apt-get install ruby ruby-rest-client ruby-launchy ruby-mechanize \
#      ruby-netrc ruby-colored ruby-webrick
#   3. the platform started with https production URLs, which kensa's manifest check
#      demands (they only go into the manifest; kensa calls the api.test URLs):
#      GATEWAY_PUBLIC_URL=https://addon.example.com DASHBOARD_PUBLIC_URL=https://addon.example.com npm start
# Then: infra/kensa/run-kensa.sh [plan] [other-plan]  (default: the first two plans)
# Exit status: the number of kensa commands that failed.
set -uo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
KENSA_DIR="${KENSA_DIR:-$here/../kensa}"
manifest="$here/.data/addon-manifest.json"
[ -f "$KENSA_DIR/bin/kensa" ] || { echo "kensa not found in $KENSA_DIR (set KENSA_DIR)"; exit 2; }
[ -f "$manifest" ] || { echo "$manifest is missing: start the platform with npm start"; exit 2; }
plan="${1:-hobby}"
other="${2:-standard}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$manifest" "$work/addon-manifest.json"
cd "$work"
kensa () { ruby -I"$KENSA_DIR/lib" "$KENSA_DIR/bin/kensa" -f addon-manifest.json "$@" 2>&1 | sed 's/\x1b\[[0-9;]*m//g'; return "${PIPESTATUS[0]}"; }
fails=0
step () { echo "== kensa $*"; kensa "$@" | tee "$work/last.out" | grep -E '^Testing|FAIL|WARN|\[PASS\]$' | grep -vE '^  Check .*\[PASS\]$' ; local rc=${PIPESTATUS[0]}; echo "   exit $rc"; [ "$rc" = 0 ] || fails=$((fails + 1)); }
step test all --plan "$plan"
step test provision --plan "$plan"
id="$(grep -o '(id [0-9a-f-]*)' "$work/last.out" | tr -d '()' | cut -d' ' -f2)"
if [ -n "$id" ]; then
  step test planchange "$id" "$other"
  step test sso "$id"
  step test deprovision "$id"
else
  echo "no provider id from test provision"; fails=$((fails + 1))
fi
echo "kensa: $fails command(s) failed"
exit "$fails"
