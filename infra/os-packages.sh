#!/usr/bin/env bash
# Debian packages the console's browser test and the notifier's Alertmanager test use:
# chromium (driven by playwright-core through executablePath, no browser download), a Chinese
# font for its screenshots (fonts-wqy-microhei), prometheus-alertmanager (a real receiver of
# alerts), prometheus (its promtool checks and unit-tests infra/prometheus/alerts.yml) and
# postgresql (the change-data-capture test starts a private server from its binaries).
# Idempotent: installs only what is missing.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v prometheus-alertmanager >/dev/null || missing+=(prometheus-alertmanager)
[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing+=(fonts-wqy-microhei)
command -v promtool >/dev/null || missing+=(prometheus)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
[ ${#missing[@]} -eq 0 ] && exit 0

command -v apt-get >/dev/null || die "missing ${missing[*]} and no apt-get here: install them with your package manager, then re-run"
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo -n)
say "installing ${missing[*]} with apt-get (log: $LOGS/os-packages.log)"
{ "${sudo[@]}" apt-get update && DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"; } \
  >"$LOGS/os-packages.log" 2>&1 || { tail -n 20 "$LOGS/os-packages.log" >&2; die "apt-get install ${missing[*]} failed; read $LOGS/os-packages.log"; }
# The Debian packages start a system Prometheus, Alertmanager and PostgreSQL where systemd runs;
# the tests start their own Alertmanager and PostgreSQL on free ports and need no Prometheus
# server. Only what was installed just now is stopped: a server the machine already ran stays.
for unit in "${missing[@]}"; do
  [[ " prometheus-alertmanager prometheus postgresql " == *" $unit "* ]] || continue
  if command -v systemctl >/dev/null && systemctl is-active --quiet "$unit" 2>/dev/null; then
    "${sudo[@]}" systemctl stop "$unit" || true
  fi
done
