#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# modemsim_gammu — end-to-end check of loa-modemsim against the real gammu CLI (libgammu's AT
# driver over the simulator's pseudo-terminal): identify, send a 3-part Vietnamese UCS-2 text
# and compare the reassembled record with the original, read injected messages back with
# getallsms, delete one, ask a USSD code, and stop the simulator cleanly.
#
# Binary: $LOA_MODEMSIM, else bin/loa-modemsim, else built from modem/sim/ into the temp dir.
# Needs gammu and python3 (for reading the JSON record). Each gammu run costs about 3.5 s
# (libgammu's AT connect); the whole check takes about 30 s.
# Prints "modemsim_gammu: N passed, N failed"; exits non-zero when anything failed.

set -u
cd "$(dirname "$0")/../.." || exit 2

passed=0
failed=0
tmp=$(mktemp -d /tmp/modemsim_gammu.XXXXXX)
sim_pid=

cleanup() {
	if [ -n "$sim_pid" ] && kill -0 "$sim_pid" 2>/dev/null; then
		kill -TERM "$sim_pid" 2>/dev/null
		wait "$sim_pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

pass() { passed=$((passed + 1)); echo "ok   $1" >&2; }
fail() { failed=$((failed + 1)); echo "FAIL $1" >&2; }
# check NAME COMMAND... : run COMMAND, count it as passed when it succeeds
check() {
	local name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}
contains() { grep -qF -- "$2" <<<"$1"; }
finish() {
	echo "modemsim_gammu: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}
# wait_for SECONDS COMMAND... : poll COMMAND until it succeeds or time runs out
wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.05
	done
}

for tool in gammu python3; do
	if ! command -v "$tool" >/dev/null; then
		fail "$tool is installed"
		finish
	fi
done

sim=${LOA_MODEMSIM:-}
if [ -z "$sim" ] && [ -x bin/loa-modemsim ]; then
	sim=bin/loa-modemsim
fi
if [ -z "$sim" ]; then
	sim=$tmp/loa-modemsim
	# shellcheck disable=SC2046
	if ! gcc -std=gnu11 -O1 -g -I. modem/sim/*.c common/*.c \
		$(pkg-config --cflags --libs jansson) -o "$sim"; then
		fail "build loa-modemsim"
		finish
	fi
fi

link=$tmp/modem
sock=$tmp/ctl.sock
rec=$tmp/record.jsonl
"$sim" --link "$link" --control "$sock" --record "$rec" --log-level debug 2>"$tmp/sim.log" &
sim_pid=$!
if ! wait_for 10 test -L "$link" -a -S "$sock"; then
	fail "simulator starts"
	cat "$tmp/sim.log" >&2
	finish
fi
pass "simulator starts"

cat >"$tmp/gammurc" <<EOF
[gammu]
device = $link
connection = at
model = at
EOF
gm() { timeout 120 gammu -c "$tmp/gammurc" "$@" 2>&1; }
ctl() { "$sim" ctl "$sock" "$1"; }

# --- identify -------------------------------------------------------------------------------------
out=$(gm identify)
rc=$?
check "identify exits 0" test "$rc" -eq 0
check "identify: manufacturer" contains "$out" "Loa"
check "identify: IMEI" contains "$out" "356938035643809"
check "identify: IMSI" contains "$out" "452040000000001"

# --- send a 3-part UCS-2 text ------------------------------------------------------------------
text="Kính gửi bà con: từ ngày 1/12 hãy cảnh giác với cuộc gọi mạo danh công an, không chuyển tiền \
cho người lạ. Mọi thắc mắc xin liên hệ UBND xã để được hướng dẫn chi tiết và kịp thời 🙏."
out=$(gm sendsms TEXT +84912345678 -unicode -autolen 1000 -textutf8 "$text")
rc=$?
check "sendsms exits 0" test "$rc" -eq 0
check "sendsms: three parts sent" test "$(grep -c 'OK, message reference=' <<<"$out")" -eq 3
check "sendsms: part 3/3" contains "$out" "Sending SMS 3/3"

verdict=$(python3 - "$rec" "$text" <<'EOF'
import json, sys
subs = [json.loads(l) for l in open(sys.argv[1])]
subs = [s for s in subs if s["event"] == "submit"]
problems = []
if len(subs) != 3:
    problems.append("%d submit records" % len(subs))
if any(s["to"] != "+84912345678" or s["encoding"] != "ucs2" or s["dcs"] != 8 for s in subs):
    problems.append("wrong to/encoding/dcs")
if any(s["concat"] is None for s in subs):
    problems.append("a part without concatenation header")
else:
    if len({s["concat"]["ref"] for s in subs}) != 1:
        problems.append("references differ")
    if sorted(s["concat"]["part"] for s in subs) != [1, 2, 3]:
        problems.append("parts are not 1..3")
    if any(s["concat"]["parts"] != 3 for s in subs):
        problems.append("parts count is not 3")
    joined = "".join(s["text"] for s in sorted(subs, key=lambda s: s["concat"]["part"]))
    if joined != sys.argv[2]:
        problems.append("reassembled text differs: %r" % joined)
if [s["mr"] for s in subs] != [1, 2, 3]:
    problems.append("message references %r" % [s["mr"] for s in subs])
print("; ".join(problems) or "ok")
EOF
)
check "record: reassembled text equals the original ($verdict)" test "$verdict" = ok

# --- inject, then read with getallsms ------------------------------------------------------------
single="Xin chào, tôi muốn đăng ký nhận tin"
out=$("$sim" inject "$sock" +84912000001 "$single")
rc=$?
check "inject exits 0" test "$rc" -eq 0
check "inject answers ok" contains "$out" '"ok":true'
long2=$(printf 'BAO %.0s' {1..40})"cuoc goi mao danh cong an"
out=$(ctl "{\"cmd\":\"inject\",\"from\":\"+84912000002\",\"text\":\"$long2\",\"order\":[2,1]}")
check "inject 2 parts out of order" contains "$out" '"indexes":[3,2],"parts":2'
ctl '{"cmd":"nonsense"}' >/dev/null
check "ctl exits 1 on an error answer" test $? -eq 1

out=$(gm getallsms)
rc=$?
check "getallsms exits 0" test "$rc" -eq 0
check "getallsms: injected text" contains "$out" "$single"
check "getallsms: sender" contains "$out" '"+84912000001"'
check "getallsms: part 2 of 2" contains "$out" "part 2 of 2"
check "getallsms: 3 parts" contains "$out" "3 SMS parts"

# --- delete ---------------------------------------------------------------------------------------
out=$(gm deletesms 1 1)
rc=$?
check "deletesms exits 0" test "$rc" -eq 0
check "record: delete of index 1" grep -q '"event":"delete","index":1}' "$rec"
out=$(ctl '{"cmd":"status"}')
check "status: 2 messages left" contains "$out" '"inbox":2'
out=$(gm getallsms)
check "getallsms: deleted message gone" test "$(grep -cF -- "$single" <<<"$out")" -eq 0

# --- USSD -----------------------------------------------------------------------------------------
ctl '{"cmd":"set","ussd_reply":"Tai khoan: 12345d"}' >/dev/null
out=$(gm getussd '*101#')
check "getussd: reply" contains "$out" "Tai khoan: 12345d"
check "record: ussd code" grep -q '"code":"\*101#"' "$rec"

# --- shutdown -------------------------------------------------------------------------------------
kill -TERM "$sim_pid"
wait "$sim_pid"
rc=$?
sim_pid=
check "simulator exits 0 on SIGTERM" test "$rc" -eq 0
check "symlink removed" test ! -e "$link" -a ! -L "$link"
check "socket removed" test ! -e "$sock"
check "no sanitizer report" test "$(grep -c 'Sanitizer\|runtime error' "$tmp/sim.log")" -eq 0
info_leaks=$(grep '"level":"info"' "$tmp/sim.log" | grep -c 84912345678)
check "INFO log masks numbers" test "$info_leaks" -eq 0

finish
