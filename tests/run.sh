#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Run every test suite and print one closing line "check: N passed, N failed".
#  - unit test binaries (build/tests/*) and shell tests (tests/unit/*.sh)
#  - integration tests against the real daemon (tests/integration/*.py)
#  - the libFuzzer targets from their seed corpus (tests/fuzz/run.sh)
#  - unit tests and the integration suites that exercise the most code again, built with
#    ASan + UBSan (build-asan/), unless LOA_NO_ASAN=1
# Suites run LOA_JOBS at a time (default 4): integration tests mostly wait on libgammu's own
# pauses and on simulated modems, so they overlap well on two cores. Each suite prints
# "<suite>: N passed, N failed"; this script adds them up. A suite that crashes, hangs past
# its time limit or prints no such line counts as one failure.
set -u
cd "$(dirname "$0")/.."
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
jobs_max=${LOA_JOBS:-4}
log_dir=$(mktemp -d /tmp/loa-check.XXXXXX)
labels=()
started=$SECONDS

# queue LABEL COMMAND... : run in the background, at most $jobs_max at once
queue() {
	local label=$1
	shift
	while [[ $(jobs -rp | wc -l) -ge $jobs_max ]]; do
		wait -n 2>/dev/null || true
	done
	labels+=("$label")
	local out="$log_dir/${label//\//_}"
	(
		s=$SECONDS
		timeout 1200 "$@" >"$out.out" 2>&1
		echo "$? $((SECONDS - s))" >"$out.rc"
	) &
}

unit_suites() { # build dir, bin dir, tag
	local build=$1 bin=$2 tag=$3
	for t in "$build"/tests/*_test; do
		[[ -x $t ]] && queue "$tag/unit/$(basename "$t")" "$t"
	done
	for t in tests/unit/*.sh; do
		[[ -f $t ]] && queue "$tag/unit/$(basename "$t")" env LOA_BIN="$bin" \
			LOA_MODEMSIM="$bin/loa-modemsim" bash "$t"
	done
}

integration() { # bin dir, tag, test file
	queue "$2/integration/$(basename "$3")" env LOA_BIN="$1" LOACTL="$1/loactl" python3 "$3"
}

# The slowest first, so they overlap with everything else.
integration bin plain tests/integration/test_crash.py
for t in tests/integration/test_*.py tests/integration/*_test.py; do
	[[ -f $t && $t != tests/integration/test_crash.py ]] && integration bin plain "$t"
done
unit_suites build bin plain
if [[ -x tests/fuzz/run.sh && ${LOA_NO_FUZZ:-0} != 1 ]]; then
	queue fuzz tests/fuzz/run.sh
fi
if [[ ${LOA_NO_ASAN:-0} != 1 ]]; then
	# Under the sanitizers: every unit test, and the integration suites that drive the daemon,
	# its modem workers and the API through the most code (the crash loop and the load test
	# only repeat paths these cover).
	unit_suites build-asan build-asan/bin asan
	for t in test_v0.py test_modems.py test_citizens.py test_faults.py test_bad_input.py \
		test_campaigns.py; do
		[[ -f tests/integration/$t ]] && integration build-asan/bin asan "tests/integration/$t"
	done
fi
wait

total_pass=0
total_fail=0
failed=()
summaries=()
for label in "${labels[@]}"; do
	f="$log_dir/${label//\//_}"
	read -r rc secs <"$f.rc"
	line=$(grep -E '^([A-Za-z0-9_.-]+: )?[0-9]+ passed, [0-9]+ failed' "$f.out" | tail -n 1)
	p=0
	n=0
	if [[ $line =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
		p=${BASH_REMATCH[1]}
		n=${BASH_REMATCH[2]}
	fi
	if [[ -z $line || ($rc -ne 0 && $n -eq 0) ]]; then
		n=$((n + 1)) # crashed, hung, or printed no count
	fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + n))
	printf '%-44s %4d passed, %d failed  (%ds)\n' "$label" "$p" "$n" "$secs"
	if [[ $n -ne 0 ]]; then
		failed+=("$label")
		sed 's/^/    | /' "$f.out" | tail -n 80
	fi
	while IFS= read -r s; do summaries+=("$label: ${s#*summary: }"); done \
		< <(grep -h "summary:" "$f.out" | grep -v '^fuzz: ' || true)
	if [[ $label == fuzz ]]; then
		while IFS= read -r s; do summaries+=("fuzz: $s"); done \
			< <(grep -E 'execs' "$f.out" | sed 's/^ *//' || true)
	fi
done
rm -rf "$log_dir"
echo
echo "summary (make check, $((SECONDS - started)) s):"
for s in "${summaries[@]}"; do echo "  $s"; done
asan_runs=0
for label in "${labels[@]}"; do [[ $label == asan/* ]] && asan_runs=$((asan_runs + 1)); done
echo "  sanitizer runs: $asan_runs suites under ASan+UBSan (modem workers included)"
if [[ ${#failed[@]} -gt 0 ]]; then
	echo "failed suites: ${failed[*]}"
fi
echo "check: $total_pass passed, $total_fail failed"
[[ $total_fail -eq 0 ]]
