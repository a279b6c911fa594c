#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Run every test suite and print one closing line "check: N passed, N failed".
#  - unit test binaries (build/tests/*), and shell tests (tests/unit/*.sh)
#  - integration tests against the real daemon (tests/integration/test_*.py)
#  - the same unit and integration suites again, built with ASan + UBSan (build-asan/),
#    unless LOA_NO_ASAN=1
# Each suite prints "<suite>: N passed, N failed"; this script adds them up. A suite that crashes
# or prints no such line counts as one failure.
set -u
cd "$(dirname "$0")/.."
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"
total_pass=0
total_fail=0
failed_suites=()
log_dir=$(mktemp -d /tmp/loa-check.XXXXXX)

run_suite() { # label, command...
	local label=$1
	shift
	local out="$log_dir/${label//\//_}.out"
	local start=$SECONDS
	timeout 900 "$@" >"$out" 2>&1
	local rc=$?
	local line
	line=$(grep -E '^([A-Za-z0-9_.-]+: )?[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
	local p=0 f=0
	if [[ $line =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
		p=${BASH_REMATCH[1]}
		f=${BASH_REMATCH[2]}
	fi
	if [[ -z $line || ($rc -ne 0 && $f -eq 0) ]]; then
		f=$((f + 1)) # crashed, hung, or printed no count
	fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	printf '%-44s %4d passed, %d failed  (%ds)\n' "$label" "$p" "$f" $((SECONDS - start))
	if [[ $f -ne 0 ]]; then
		failed_suites+=("$label")
		sed 's/^/    | /' "$out" | tail -n 60
	fi
}

run_all() { # build dir, bin dir, tag
	local build=$1 bin=$2 tag=$3
	for t in "$build"/tests/*_test; do
		[[ -x $t ]] || continue
		run_suite "$tag/unit/$(basename "$t")" "$t"
	done
	for t in tests/unit/*.sh; do
		[[ -f $t ]] || continue
		run_suite "$tag/unit/$(basename "$t")" env LOA_BIN="$bin" LOA_MODEMSIM="$bin/loa-modemsim" bash "$t"
	done
	for t in tests/integration/*_test.py tests/integration/test_*.py; do
		[[ -f $t ]] || continue
		run_suite "$tag/integration/$(basename "$t")" env LOA_BIN="$bin" LOACTL="$bin/loactl" python3 "$t"
	done
}

run_all build bin plain
# libFuzzer targets: ~10 s each from the seed corpus, then the regression inputs
if [[ -x tests/fuzz/run.sh && ${LOA_NO_FUZZ:-0} != 1 ]]; then
	run_suite fuzz tests/fuzz/run.sh
fi
if [[ ${LOA_NO_ASAN:-0} != 1 ]]; then
	run_all build-asan build-asan/bin asan
fi
rm -rf "$log_dir"
if [[ ${#failed_suites[@]} -gt 0 ]]; then
	echo "failed suites: ${failed_suites[*]}"
fi
echo "check: $total_pass passed, $total_fail failed"
[[ $total_fail -eq 0 ]]
