#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `make run`: start two simulated modems and loagw on the embedded default (conf/loa.conf:
# SQLite store in var/, modems sim1 and sim2 on pseudo-terminals var/sim1.tty, var/sim2.tty),
# show one broadcast going out and one citizen's reply coming back, then keep running until
# Ctrl-C. Everything it starts stops with it.
set -euo pipefail
cd "$(dirname "$0")/.."
# The demo starts from an empty store; the previous run's var/ is kept as var.prev/.
if [[ -d var ]]; then rm -rf var.prev && mv var var.prev; fi
mkdir -p var
export LOA_URL=http://127.0.0.1:8080
export LOA_TOKEN=loa-demo-admin # the demo token of conf/loa.conf; never use it in production

pids=()
cleanup() {
	trap - EXIT INT TERM
	echo
	echo "== stopping"
	[[ ${#pids[@]} -gt 0 ]] && kill -TERM "${pids[@]}" 2>/dev/null || true
	wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

wait_for() { # seconds, description, command...
	local t=$1 what=$2
	shift 2
	for ((i = 0; i < t * 10; i++)); do
		if "$@" >/dev/null 2>&1; then return 0; fi
		sleep 0.1
	done
	echo "run: timed out waiting for $what" >&2
	exit 1
}

for s in sim1 sim2; do
	bin/loa-modemsim --link var/$s.tty --control var/$s.sock --record var/$s.jsonl $([[ $s == sim2 ]] && echo "--operator 45202 --operator-name Vinaphone --own-number +84880000002") \
		--log-level warn 2>>var/$s.log &
	pids+=($!)
done
wait_for 10 "the simulated modems" test -S var/sim2.sock -a -e var/sim2.tty
bin/loagw -c conf/loa.conf 2>>var/loagw.log &
pids+=($!)
echo "== loagw started (logs: tail -f var/loagw.log); connecting to the simulated modems..."
ready() { bin/loactl --json health | grep -q '"modems_ready": 2'; }
wait_for 60 "two modems ready" ready
bin/loactl modems

text="Không tung tin giả, tin sai sự thật trên mạng xã hội. Nhận được tin nghi là giả, nhắn BAO <nội dung> gửi số này."
echo
echo "== an official broadcasts to three citizens"
echo "(priority alert: so the demo also runs during quiet hours, 21:00-07:00 in Viet Nam,"
echo " when normal broadcasts wait for the morning)"
echo "\$ loactl campaign create --priority alert --text \"$text\" --to 0912000001 --to 0385937050 --to 0900162993"
bin/loactl campaign create --priority alert --text "$text" --to 0912000001 --to 0385937050 --to 0900162993
done3() { bin/loactl --json campaign show 1 | grep -q '"done": 3'; }
wait_for 60 "the broadcast to go out" done3
bin/loactl campaign show 1
echo
echo "== what the simulated modems put on the air (their record, decoded):"
python3 - <<'PY'
import json
for sim in ("sim1", "sim2"):
    for line in open("var/%s.jsonl" % sim, encoding="utf-8"):
        r = json.loads(line)
        if r.get("event") == "submit":
            part = "%d/%d" % (r["concat"]["part"], r["concat"]["parts"]) if r.get("concat") else "1/1"
            print("  %s -> %s part %s (%s): %s" % (sim, r["to"], part, r["encoding"], r["text"]))
PY

echo
echo "== a citizen answers: an SMS arrives on sim1"
echo "\$ loa-modemsim inject var/sim1.sock +84912000001 \"Báo tin giả: trên Facebook nói nước máy xã Sơn Nam bị nhiễm độc\""
bin/loa-modemsim inject var/sim1.sock +84912000001 "Báo tin giả: trên Facebook nói nước máy xã Sơn Nam bị nhiễm độc"
has_report() { bin/loactl --json reports | grep -q '"ticket"'; }
wait_for 30 "the report" has_report
bin/loactl reports
acked() { grep -q '"to":"+84912000001".*Ma so' var/sim1.jsonl var/sim2.jsonl; }
wait_for 30 "the acknowledgement" acked
echo
echo "== the acknowledgement that went back to the citizen:"
grep -h '"to":"+84912000001"' var/sim1.jsonl var/sim2.jsonl | tail -n 1 | python3 -c \
	'import json,sys; r=json.loads(sys.stdin.read()); print("  ->", r["to"] + ":", r["text"])'

cat <<'TXT'

== loagw keeps running. In another terminal, from this directory:
   export LOA_TOKEN=loa-demo-admin
   bin/loactl modems
   bin/loactl contacts import tests/data/contacts.sample.csv     # its bad rows are named
   bin/loactl campaign create --group commune=son-nam --text "Hãy chia sẻ thông tin có nguồn chính thống." --preview
   bin/loa-modemsim inject var/sim2.sock +84912000007 HUY
   bin/loactl reports
Ctrl-C stops everything.
TXT
wait "${pids[2]}"
