#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Run one libFuzzer target (called by tests/fuzz/fuzz.mk):  fuzz-one.sh smoke|long TARGET SECONDS
#   smoke: fuzz for SECONDS from the seed corpus in a fresh working corpus, then replay every file
#          of tests/fuzz/regressions/TARGET/;
#   long:  fuzz for SECONDS on the persistent working corpus build-fuzz/corpus/TARGET/.
# Prints one line "TARGET: N execs in S s, corpus A -> B: ok|FAILED (...)" and writes
# build-fuzz/logs/TARGET.result ("pass N" or "fail N"); exits 1 when the target failed, that is
# when libFuzzer reported a crash, a leak, undefined behaviour, a timeout or running out of memory.
set -u
mode=$1 target=$2 seconds=$3
cd "$(dirname "$0")/../.."
build=${FUZZ_BUILD:-build-fuzz}
bin=$build/$target
seeds=tests/fuzz/corpus/$target
regress=tests/fuzz/regressions/$target
dict=tests/fuzz/dict/$target.dict
logs=$build/logs
artifacts=$build/artifacts/$target
mkdir -p "$logs" "$artifacts"
log=$logs/$target.$mode.log
result=$logs/$target.result
rm -f "$result"

if [[ $mode == smoke ]]; then
	work=$build/smoke/$target
	rm -rf "$work"
else
	work=$build/corpus/$target
fi
mkdir -p "$work" "$seeds"

export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1:handle_abort=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0"

opts=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024
      -print_final_stats=1 -artifact_prefix="$artifacts/")
[[ -f $dict ]] && opts+=(-dict="$dict")
count_files() { find "$1" -maxdepth 1 -type f 2>/dev/null | wc -l; }
before=$(( $(count_files "$work") + $(count_files "$seeds") ))

"$bin" "${opts[@]}" "$work" "$seeds" >"$log" 2>&1
rc=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
if [[ -z $execs ]]; then	# died before the final stats: take the last status line
	execs=$(grep -oE '^#[0-9]+' "$log" | tail -n 1 | tr -d '#')
fi
execs=${execs:-0}
after=$(count_files "$work")
why=""
if [[ $rc -ne 0 ]]; then
	why=$(grep -m1 -oE -e 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)[^(]*' \
		  -e 'runtime error:.*' -e 'invariant failed:.*' "$log")
	why="${why:-exit status $rc}; see $log"
fi

# Regression inputs: each is run once; any report fails the target.
replayed=0
if [[ -z $why && $mode == smoke && -d $regress ]]; then
	mapfile -t files < <(find "$regress" -maxdepth 1 -type f ! -name '*.md' ! -name '.*' | sort)
	if [[ ${#files[@]} -gt 0 ]]; then
		"$bin" -timeout=10 -rss_limit_mb=2048 "${files[@]}" >"$logs/$target.regress.log" 2>&1
		rc=$?
		replayed=${#files[@]}
		execs=$((execs + replayed))
		if [[ $rc -ne 0 ]]; then
			why=$(grep -m1 -oE 'Running: .*' "$logs/$target.regress.log")
			why="regression input fails (${why:-exit $rc}); see $logs/$target.regress.log"
		fi
	fi
fi

line="$target: $execs execs in $seconds s, corpus $before -> $((after + $(count_files "$seeds")))"
[[ $replayed -gt 0 ]] && line+=", $replayed regression inputs replayed"
if [[ -z $why ]]; then
	echo "pass $execs" >"$result"
	echo "$line: ok"
	exit 0
fi
echo "fail $execs" >"$result"
echo "$line: FAILED ($why)"
crash=$(grep -m1 -oE 'Test unit written to [^ ]*' "$log" | sed 's/Test unit written to //')
[[ -n $crash ]] && echo "    input saved as $crash; keep it with: cp $crash $regress/"
# the report: its first line, the top frames of the first stack, the summary
awk '/^==[0-9]+==ERROR|runtime error|invariant failed/ { print; n = 0; next }
     /^    #[0-9]+ / && n < 4 && !done { print; n++; next }
     /^$/ && n { done = 1 }
     /^SUMMARY/ { print }' "$log" | head -n 12 | cut -c1-160 | sed 's/^/    | /'
exit 1
