#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make bench: install what the benchmarks need if missing (gammu-smsd, time, as root), build the bare
# GSM_SendSMS loop (tests/bench/bare_send.c), run every figure and print one table on stdout.
# Not part of make check. About 9 minutes on 2 cores; every wait inside is bounded.
# Options are passed to bench.py: figure names (f 1 2 3 4 5) to run only those.
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}

scripts/deps.sh bench # gammu-smsd and GNU time; a quick check when make bench ran it already

mkdir -p "$BUILD/bench"
if [ ! -x "$BUILD/bench/bare_send" ] || [ tests/bench/bare_send.c -nt "$BUILD/bench/bare_send" ]; then
	${CC:-cc} -std=gnu11 -O2 -g -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
		-Wno-unused-parameter -o "$BUILD/bench/bare_send" tests/bench/bare_send.c \
		$(pkg-config --cflags --libs gammu)
fi

export LOA_BARE_SEND="$PWD/$BUILD/bench/bare_send"
export LOA_BENCH_OUT="$PWD/$BUILD/bench"
exec timeout --kill-after=30 900 python3 tests/bench/bench.py "$@"
