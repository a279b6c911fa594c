#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The fuzz smoke test, as `make check` runs it: install clang and its fuzzer runtime if missing
# (as root, like scripts/deps.sh), build the libFuzzer targets, run each for FUZZ_SMOKE_SECONDS
# (10) from its seed corpus and replay its regression inputs (make fuzz-smoke, FUZZ_JOBS targets
# at a time, 2 by default), then print each target's executions and, last, the line
# "fuzz: N passed, N failed". A target passes when it ran without a crash, leak, UB report,
# timeout or failed invariant, and all its regression inputs pass.
set -u
cd "$(dirname "$0")/../.."
build=${FUZZ_BUILD:-build-fuzz}
targets=$(sed -n 's/^FUZZ_TARGETS *:= *//p' tests/fuzz/fuzz.mk)

# clang, and the runtime that holds libFuzzer (a separate package on Debian 12)
pkgs="clang"
if command -v clang >/dev/null 2>&1; then
	major=$(clang -dumpversion | cut -d. -f1)
	pkgs="$pkgs libclang-rt-$major-dev"
fi
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
if [[ -n $missing ]]; then
	if [[ $(id -u) != 0 ]]; then
		echo "fuzz: missing packages:$missing (run as root, or: sudo apt-get install$missing)"
		echo "fuzz: 0 passed, 1 failed"
		exit 1
	fi
	echo "fuzz: installing$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
	if ! command -v clang >/dev/null 2>&1; then
		echo "fuzz: clang could not be installed"
		echo "fuzz: 0 passed, 1 failed"
		exit 1
	fi
	major=$(clang -dumpversion | cut -d. -f1)
	if ! dpkg-query -W -f='${Status}' "libclang-rt-$major-dev" 2>/dev/null |
			grep -q "install ok installed"; then
		apt-get install -y -qq --no-install-recommends "libclang-rt-$major-dev" >/dev/null
	fi
fi

start=$SECONDS
for t in $targets; do
	rm -f "$build/logs/$t.result"
done
if ! make --no-print-directory -s fuzz-build >"/tmp/loa-fuzz-build.$$" 2>&1; then
	sed 's/^/    | /' "/tmp/loa-fuzz-build.$$" | tail -n 40
	echo "fuzz: the targets do not build"
fi
rm -f "/tmp/loa-fuzz-build.$$"
make --no-print-directory -s -k -j"${FUZZ_JOBS:-2}" fuzz-smoke \
	FUZZ_SMOKE_SECONDS="${FUZZ_SMOKE_SECONDS:-10}" 2>&1 | grep -v '^make.*Error\|^make.*not remade'

pass=0
fail=0
for t in $targets; do
	read -r status execs 2>/dev/null <"$build/logs/$t.result" || status=fail
	if [[ $status == pass ]]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		[[ -f $build/logs/$t.result ]] || echo "$t: did not run (build failed?)"
	fi
done
echo "fuzz: $((SECONDS - start)) s in all"
echo "fuzz: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
