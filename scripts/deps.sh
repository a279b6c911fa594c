#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Install the Debian packages Loa needs, if any is missing.
#   scripts/deps.sh          build and run (make run)
#   scripts/deps.sh check    also what the test suites use: clang and its fuzzer runtime,
#                            Chromium for the dashboard test, promtool (prometheus)
#   scripts/deps.sh bench    also gammu-smsd, the daemon the benchmarks compare with
set -e
PKGS="build-essential pkg-config libgammu-dev gammu libevent-dev libconfig-dev libsqlite3-dev
libjansson-dev libyajl-dev libutf8proc-dev libcurl4-openssl-dev libssl-dev python3 sqlite3 curl tzdata"
case "${1:-}" in
check)
	PKGS="$PKGS clang chromium fonts-dejavu-core prometheus"
	if command -v clang >/dev/null 2>&1; then
		major=$(clang --version | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -n 1)
	else
		major=14 # Debian 12's clang
	fi
	PKGS="$PKGS libclang-rt-$major-dev"
	;;
bench) PKGS="$PKGS gammu-smsd time" ;;
"") ;;
*) echo "usage: scripts/deps.sh [check|bench]" >&2; exit 2 ;;
esac
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages:$missing (run as root, or: sudo apt-get install$missing)" >&2
	exit 1
fi
echo "deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq $missing >/dev/null
