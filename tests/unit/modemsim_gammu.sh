#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# modemsim_gammu — end-to-end check of loa-modemsim against the real gammu CLI (libgammu's AT
# driver over the simulator's pseudo-terminal). Several actions share one connection through
# `gammu batch`, since each connect costs about 3.5 s:
#   1. identify; send with -report and get the status report (+CDSI, stored, read back by
#      libgammu with AT+CMGR) with the right reference and status; send a 3-part Vietnamese
#      UCS-2 text and compare the reassembled record with the original; read injected messages
#      with getallsms, delete one; ask a USSD code and get a Vietnamese UCS-2 answer.
#   2. with Huawei-style URC noise inside every answer: identify, and a report that arrives
#      whole (+CDS, atgen_setcnmi <ds> = 1) saying "failed".
#   3. without network registration: networkinfo says so and a send fails with error 331.
#   4. unplug: the link disappears; replug: identify again through the same link, and the SIM
#      inbox is still there.
# Then stop the simulator cleanly.
#
# Binary: $LOA_MODEMSIM, else bin/loa-modemsim, else built from modem/sim/ into the temp dir.
# Needs gammu and python3 (for reading the JSON record). The whole check takes about 25 s.
# MODEMSIM_KEEP=1 keeps the temporary directory (gammu outputs, record, simulator log).
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
	if [ "${MODEMSIM_KEEP:-}" = 1 ]; then
		echo "kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
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

# gammu_bg OUT CONFIG ARGS... : run gammu in the background, its pid in $gpid
gammu_bg() {
	local out=$1 cfg=$2
	shift 2
	timeout 120 gammu -c "$cfg" "$@" >"$out" 2>&1 &
	gpid=$!
}
# section OUT N : the output of batch command N
section() {
	awk -v n="$2" '/^Executing batch .* - command [0-9]+:/ {
		split($0, a, "command "); split(a[2], b, ":"); cur = b[1] + 0 }
		cur == n { print }' "$1"
}
# record_py CODE ARGS... : run python code with the record lines in `recs`, ARGS in sys.argv[2:]
record_py() {
	local code=$1
	shift
	python3 -c "import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
$code" "$rec" "$@"
}
# stats_ok PYTHON-EXPRESSION : the expression over `s` (the stats answer) is true
stats_ok() {
	python3 -c 'import json, sys
s = json.loads(sys.argv[1])
sys.exit(0 if eval(sys.argv[2]) else 1)' "$(ctl '{"cmd":"stats"}')" "$1"
}

# --- 1. one connection: identify, report, 3-part send, inbox, USSD -------------------------------
text="Kính gửi bà con: từ ngày 1/12 hãy cảnh giác với cuộc gọi mạo danh công an, không chuyển tiền \
cho người lạ. Mọi thắc mắc xin liên hệ UBND xã để được hướng dẫn chi tiết và kịp thời 🙏."
single="Xin chào, tôi muốn đăng ký nhận tin"
long2=$(printf 'BAO %.0s' {1..40})"cuoc goi mao danh cong an"
ussd_vn="Tài khoản gốc: 10.000đ, HSD 31/12/2026"

out=$("$sim" inject "$sock" +84912000001 "$single")
rc=$?
check "inject exits 0" test "$rc" -eq 0
check "inject answers ok" contains "$out" '"ok":true'
out=$(ctl "{\"cmd\":\"inject\",\"from\":\"+84912000002\",\"text\":\"$long2\",\"order\":[2,1]}")
check "inject 2 parts out of order" contains "$out" '"indexes":[3,2],"parts":2'
ctl '{"cmd":"nonsense"}' >/dev/null
check "ctl exits 1 on an error answer" test $? -eq 1
out=$(ctl "{\"cmd\":\"set\",\"ussd_reply\":\"$ussd_vn\",\"ussd_delay_ms\":100}")
check "set ussd_reply" contains "$out" '"ok":true'

# the report (default dlr_delay_ms 500) arrives as +CDSI while the 3 parts are being sent;
# libgammu's callback gets only the location, gammu's monitor reads it with AT+CMGR
cat >"$tmp/batch1" <<EOF
identify
monitor 1
sendsms TEXT +84912345678 -report -text "Bao cao giao hang"
sendsms TEXT +84912345678 -unicode -autolen 1000 -textutf8 "$text"
monitor 1
getallsms
deletesms 1 1
getallsms
getussd *101#
EOF
gammu_bg "$tmp/out1" "$tmp/gammurc" batch "$tmp/batch1"
# getussd waits 10 s for more answers after the first: interrupt it once the answer is in
wait_for 90 grep -q "Service reply" "$tmp/out1"
kill -INT "$gpid" 2>/dev/null
wait "$gpid"
out=$(section "$tmp/out1" 1)
check "identify: manufacturer" contains "$out" "Loa"
check "identify: IMEI" contains "$out" "356938035643809"
check "identify: IMSI" contains "$out" "452040000000001"
out=$(section "$tmp/out1" 3)
check "sendsms -report: reference 1" contains "$out" "OK, message reference=1"
out=$(section "$tmp/out1" 4)
check "sendsms: three parts sent" test "$(grep -c 'OK, message reference=' <<<"$out")" -eq 3
check "sendsms: part 3/3" contains "$out" "Sending SMS 3/3"
out=$(section "$tmp/out1" 5)
check "monitor: status report received" contains "$out" "SMS status report"
check "monitor: report read from SIM location 4" contains "$out" 'Location 4, folder "Inbox"'
check "monitor: report reference 1" grep -qE '^Reference number +: 1$' <<<"$out"
check "monitor: report recipient" grep -qE '^Remote number +: "\+84912345678"$' <<<"$out"
check "monitor: report delivered" grep -qE '^Delivery status +: Delivered$' <<<"$out"
verdict=$(record_py '
d = [r for r in recs if r["event"] == "dlr"]
s = [r for r in recs if r["event"] == "submit" and r["mr"] == 1]
ok = len(d) == 1 and d[0]["mr"] == 1 and d[0]["to"] == "+84912345678" and \
     d[0]["status"] == "delivered" and d[0]["via"] == "cdsi" and d[0]["index"] == 4 and \
     len(s) == 1 and s[0]["srr"] is True
print("ok" if ok else "dlr %r submit %r" % (d, s))')
check "record: submit with srr and its dlr ($verdict)" test "$verdict" = ok
verdict=$(record_py '
subs = [s for s in recs if s["event"] == "submit" and s["concat"] is not None]
problems = []
if len(subs) != 3:
    problems.append("%d submit records" % len(subs))
if any(s["to"] != "+84912345678" or s["encoding"] != "ucs2" or s["dcs"] != 8 for s in subs):
    problems.append("wrong to/encoding/dcs")
if len({s["concat"]["ref"] for s in subs}) != 1:
    problems.append("references differ")
if sorted(s["concat"]["part"] for s in subs) != [1, 2, 3]:
    problems.append("parts are not 1..3")
if any(s["concat"]["parts"] != 3 for s in subs):
    problems.append("parts count is not 3")
joined = "".join(s["text"] for s in sorted(subs, key=lambda s: s["concat"]["part"]))
if joined != sys.argv[2]:
    problems.append("reassembled text differs: %r" % joined)
if [s["mr"] for s in subs] != [2, 3, 4]:
    problems.append("message references %r" % [s["mr"] for s in subs])
print("; ".join(problems) or "ok")' "$text")
check "record: reassembled text equals the original ($verdict)" test "$verdict" = ok
out=$(section "$tmp/out1" 6)
check "getallsms: injected text" contains "$out" "$single"
check "getallsms: sender" contains "$out" '"+84912000001"'
check "getallsms: part 2 of 2" contains "$out" "part 2 of 2"
check "getallsms: status report listed" contains "$out" "SMS status report"
check "getallsms: 4 parts" contains "$out" "4 SMS parts"
check "record: delete of index 1" grep -q '"event":"delete","index":1}' "$rec"
out=$(section "$tmp/out1" 8)
check "getallsms: deleted message gone" test "$(grep -cF -- "$single" <<<"$out")" -eq 0
out=$(section "$tmp/out1" 9)
check "getussd: Vietnamese UCS-2 reply" contains "$out" "Service reply        : \"$ussd_vn\""
check "getussd: status" contains "$out" "No action needed"
check "record: ussd code and dcs 72" grep -q '"code":"\*101#".*"dcs":72' "$rec"
check "status: 3 messages left" contains "$(ctl '{"cmd":"status"}')" '"inbox":3'

# --- 2. URC noise inside every answer; a failed report given whole (+CDS) ---------------------
cat >"$tmp/gammurc2" <<EOF
[gammu]
device = $link
connection = at
model = at
atgen_setcnmi = 2,1,2,1,0
EOF
noise='"urc_noise":["^RSSI: 12","^BOOT:1,0,0,0,0"],"urc_every":1'
out=$(ctl "{\"cmd\":\"set\",$noise,\"dlr_status\":\"failed\",\"dlr_delay_ms\":200}")
check "set urc_noise and dlr_status" contains "$out" '"ok":true'
cat >"$tmp/batch2" <<EOF
identify
monitor 1
sendsms TEXT +84912345679 -report -text "Bao cao that bai"
sendsms TEXT +84912345679 -text "Khong can bao cao"
monitor 1
EOF
out=$(timeout 120 gammu -c "$tmp/gammurc2" batch "$tmp/batch2" 2>&1)
rc=$?
check "noisy batch exits 0" test "$rc" -eq 0
echo "$out" >"$tmp/out2"
out=$(section "$tmp/out2" 1)
check "identify with urc_noise: IMEI" contains "$out" "356938035643809"
out=$(section "$tmp/out2" 3)
check "sendsms with urc_noise: reference 5" contains "$out" "OK, message reference=5"
out=$(section "$tmp/out2" 4)
check "report arrives while the next message is sent" contains "$out" "SMS message received"
out=$(section "$tmp/out2" 5)
check "monitor: +CDS report reference 5" grep -qE '^Reference number +: 5$' <<<"$out"
check "monitor: +CDS report failed" grep -qE '^Delivery status +: Failed$' <<<"$out"
check "record: dlr via cds" grep -qF \
	'"event":"dlr","mr":5,"to":"+84912345679","status":"failed","st":65,"via":"cds"' "$rec"
check "stats: noise, reports, submits" stats_ok \
	's["urc_emitted"] > 20 and s["dlrs_sent"] == 2 and s["submits"] == 6'
ctl '{"cmd":"set","urc_noise":[]}' >/dev/null

# --- 3. no network --------------------------------------------------------------------------------
ctl '{"cmd":"set","registered":false}' >/dev/null
printf 'networkinfo\nsendsms TEXT +84912345678 -text "Khong co mang"\n' >"$tmp/batch3"
out=$(gm batch "$tmp/batch3")
rc=$?
check "unregistered: networkinfo" contains "$out" "not logged into network"
check "unregistered: sendsms fails with 331" contains "$out" "error 331"
check "unregistered: gammu exits non-zero" test "$rc" -ne 0
check "record: refused with 331" grep -q '"event":"refused","cms_error":331' "$rec"
ctl '{"cmd":"set","registered":true}' >/dev/null

# --- 4. unplug and replug -------------------------------------------------------------------------
out=$(ctl '{"cmd":"unplug"}')
check "unplug answers ok" contains "$out" '"ok":true'
check "unplug: link removed" test ! -e "$link" -a ! -L "$link"
check "unplug: status says unplugged" contains "$(ctl '{"cmd":"status"}')" '"plugged":false'
gm identify >/dev/null
check "unplug: gammu finds no device" test $? -ne 0
out=$(ctl '{"cmd":"replug"}')
check "replug answers ok" contains "$out" '"ok":true'
check "replug: link back" test -L "$link"
out=$(gm identify)
check "replug: identify via the same link" contains "$out" "356938035643809"
check "replug: SIM inbox kept" contains "$(ctl '{"cmd":"status"}')" '"inbox":3'
check "record: unplug and replug" grep -q '"event":"replug","inbox":3' "$rec"
check "stats: one unplug" stats_ok 's["unplugs"] == 1 and s["replugs"] == 1'

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
