#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Install the Debian packages Loa builds and tests with, if any is missing.
set -e
PKGS="build-essential pkg-config libgammu-dev gammu libevent-dev libconfig-dev libsqlite3-dev
libjansson-dev libutf8proc-dev libcurl4-openssl-dev libssl-dev python3 sqlite3 curl tzdata"
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
apt-get install -y -qq --no-install-recommends $missing >/dev/null
