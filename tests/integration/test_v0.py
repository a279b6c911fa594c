#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The v0 slice end to end: the real loagw, libgammu's AT driver, two simulated modems on
pseudo-terminals (and Gammu's dummy driver); a broadcast goes out, citizens' replies come back."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import (dummy_phone, ADMIN_TOKEN, OFFICIAL_TOKEN, VIEWER_TOKEN, Gateway, Sim, Suite, check,  # noqa: E402
                     dummy_gateway, modem_conf, reassemble, wait_for, two_sims)

suite = Suite("integration_v0")

# Longer than one UCS-2 segment (70 units): goes out in parts with a UDH.
LONG_VI = ("Không tung tin giả, tin sai sự thật trên mạng xã hội. Nhận được tin nghi là giả, "
           "nhắn BAO <nội dung> gửi số này.")


def ucs2_parts(text):
    units = len(text.encode("utf-16-be")) // 2
    return 1 if units <= 70 else -(-units // 67)


def numbers(n, base=912300000):
    """n national numbers, alternating between Vinaphone (091...) and Viettel (098...) so that
    both simulated modems (sim1 on Viettel, sim2 on Vinaphone) get on-net work."""
    return ["0%d" % (base + i) if i % 2 == 0 else "0%d" % (base + 74000000 + i) for i in range(n)]


def e164(national):
    return "+84" + national[1:]


@suite.test
def campaign_50_multipart_over_two_sims(tmp, cleanup):
    sims, gw = two_sims(tmp, cleanup)
    rcpts = numbers(50)
    code, body = gw.post("/v1/campaigns", {"text": LONG_VI, "recipients": rcpts})
    check(code == 201, "create: %s %r" % (code, body))
    check(body["encoding"] == "ucs2", "encoding %r" % body)
    segs = body["segments"]
    check(segs == ucs2_parts(LONG_VI), "a %d-character text needs %d UCS-2 parts, got %d"
          % (len(LONG_VI), ucs2_parts(LONG_VI), segs))
    check(body["recipients"] == 50 and body["total_segments"] == 50 * segs, "counts %r" % body)
    c = gw.wait_campaign_done(body["id"], 240)
    check(c["counts"]["sent"] == 50, "all 50 sent: %r" % c["counts"])
    submits = sims[0].submits() + sims[1].submits()
    check(len(submits) == 50 * segs, "PDUs on the wire: %d, expected %d" % (len(submits), 50 * segs))
    by_rcpt = reassemble(submits)
    check(sorted(by_rcpt) == sorted(e164(n) for n in rcpts), "each recipient exactly once")
    for to, texts in by_rcpt.items():
        check(len(texts) == 1, "%s got %d messages" % (to, len(texts)))
        check(texts[0] == LONG_VI, "text for %s differs: %r" % (to, texts[0]))
    check(all(r["encoding"] == "ucs2" for r in submits), "UCS-2 on the wire")
    check(len(sims[0].submits()) > 0 and len(sims[1].submits()) > 0, "both modems carried work")
    # on-net routing: Viettel numbers (+8498...) went out on sim1, Vinaphone (+8491...) on sim2
    check(all(r["to"].startswith("+8498") for r in sims[0].submits()), "sim1 sent only on-net")
    check(all(r["to"].startswith("+8491") for r in sims[1].submits()), "sim2 sent only on-net")
    rows = gw.db_query("SELECT COUNT(*) FROM messages WHERE state = 'sent'")
    check(rows[0][0] == 50, "store says %r sent" % rows)


@suite.test
def report_reply_and_optout(tmp, cleanup):
    sims, gw = two_sims(tmp, cleanup)
    citizen = "+84912000002"
    text = "Báo tin giả: trên Facebook nói nước máy xã Sơn Nam bị nhiễm độc"
    sims[1].inject(citizen, text)

    def report():
        code, body = gw.get("/v1/reports?numbers=1")
        return body["reports"] if code == 200 and body["reports"] else None
    reports = wait_for(report, 30, "the report to be filed")
    check(len(reports) == 1, "one report: %r" % reports)
    rep = reports[0]
    check(rep["text"] == text, "report text %r" % rep["text"])
    check(rep["sender"] == citizen, "admin sees the number: %r" % rep["sender"])
    ticket = rep["ticket"]
    check(len(ticket) == 6, "ticket %r" % ticket)
    # a viewer sees a masked number
    code, body = gw.get("/v1/reports", token=VIEWER_TOKEN)
    check(code == 200 and body["reports"][0]["sender"] != citizen
          and "*" in body["reports"][0]["sender"], "viewer sees a masked number: %r" % body)
    check(body["reports"][0]["pseudonym"] == rep["pseudonym"], "a stable pseudonym")
    code, body = gw.get("/v1/reports?numbers=1", token=VIEWER_TOKEN)
    check(code == 403, "only an admin may ask for numbers: %s" % code)

    def ack():
        got = [r for s in sims for r in s.submits() if r["to"] == citizen]
        return got or None
    acks = wait_for(ack, 30, "the acknowledgement SMS")
    check(len(acks) == 1, "one acknowledgement: %r" % acks)
    check(ticket in acks[0]["text"], "ticket %s in %r" % (ticket, acks[0]["text"]))
    # deleted from the SIM once stored
    wait_for(lambda: sims[1].ctl({"cmd": "status"})["inbox"] == 0, 20, "SIM inbox emptied")
    check(len(gw.db_query("SELECT id FROM inbound")) == 1, "one inbound row")

    # HUY opts the number out; a later campaign skips it
    sims[0].inject(citizen, "HUY")
    wait_for(lambda: gw.db_query("SELECT number FROM optouts"), 30, "the opt-out")
    wait_for(lambda: len([r for s in sims for r in s.submits() if r["to"] == citizen]) == 2, 30,
             "the opt-out confirmation")
    other = "+84912000099"
    code, body = gw.post("/v1/campaigns", {"text": "Hãy chia sẻ thông tin có nguồn chính thống.",
                                           "recipients": [citizen, other]})
    check(code == 201 and body["suppressed"] == 1, "create: %s %r" % (code, body))
    c = gw.wait_campaign_done(body["id"], 60)
    check(c["counts"]["suppressed"] == 1 and c["counts"]["sent"] == 1, "counts %r" % c["counts"])
    to_citizen = [r for s in sims for r in s.submits() if r["to"] == citizen]
    check(len(to_citizen) == 2, "nothing more to the opted-out number: %r" % to_citizen)
    check(any(r["to"] == other for s in sims for r in s.submits()), "the other got it")
    # logs at INFO never show the full number
    check(citizen not in gw.log_text(), "the full number appears in the log")


@suite.test
def bad_input_is_rejected_and_nothing_stored(tmp, cleanup):
    sims, gw = two_sims(tmp, cleanup)
    cases = [
        ({"text": "Xin chào", "recipients": ["0912345678", "12345"]}, "recipients[1]"),
        ({"text": "", "recipients": ["0912345678"]}, "text"),
        ({"text": "   ", "recipients": ["0912345678"]}, "text"),
        ({"recipients": ["0912345678"]}, "text"),
        ({"text": "Xin chào", "recipients": []}, "recipients"),
        ({"text": "Xin chào", "recipients": "0912345678"}, "recipients"),
        ({"text": "Xin chào", "recipients": ["abc"]}, "recipients[0]"),
        ({"text": "Xin chào", "recipients": ["0912345678"], "priority": "urgent"}, "priority"),
        ({"text": "Xin chào", "recipients": ["0912345678"], "colour": "red"}, "colour"),
    ]
    for body, field in cases:
        code, ans = gw.post("/v1/campaigns", body)
        check(code == 400, "%r -> %s %r" % (body, code, ans))
        check(ans["error"]["field"] == field, "%r names %r, expected %r" % (body, ans, field))
        check(field.split("[")[0] in ans["error"]["message"], "message names the field: %r" % ans)
    code, ans = gw.request("POST", "/v1/campaigns", raw=b'{"text": "x", ', token=OFFICIAL_TOKEN)
    check(code == 400 and ans["error"]["code"] == "bad_json", "bad json: %s %r" % (code, ans))
    code, ans = gw.post("/v1/campaigns", {"text": "x", "recipients": ["0912345678"]}, token=None)
    check(code == 401, "no token: %s" % code)
    code, ans = gw.post("/v1/campaigns", {"text": "x", "recipients": ["0912345678"]},
                        token=VIEWER_TOKEN)
    check(code == 403, "viewer: %s" % code)
    code, ans = gw.post("/v1/campaigns", {"text": "x", "recipients": ["0912345678"]},
                        token="wrong")
    check(code == 401, "wrong token: %s" % code)
    code, ans = gw.request("POST", "/v1/campaigns", raw=b"x" * 70000, token=OFFICIAL_TOKEN)
    check(code == 413, "oversized body: %s" % code)
    check(gw.db_query("SELECT COUNT(*) FROM campaigns")[0][0] == 0, "no campaign stored")
    check(gw.db_query("SELECT COUNT(*) FROM messages")[0][0] == 0, "no message stored")
    code, ans = gw.get("/v1/campaigns/1")
    check(code == 404, "unknown campaign: %s" % code)


@suite.test
def campaign_on_gammu_dummy_driver(tmp, cleanup):
    dirs = []
    for i in (1, 2):
        d = dummy_phone(tmp, "dummy%d" % i)
        dirs.append(d)
    gw = Gateway(tmp, [modem_conf("d%d" % (i + 1), d, connection="none", model="dummy")
                       for i, d in enumerate(dirs)])
    cleanup.append(gw.stop)
    gw.start(wait_ready=2)
    rcpts = numbers(50, base=912100000)
    code, body = gw.post("/v1/campaigns", {"text": LONG_VI, "recipients": rcpts})
    check(code == 201, "create: %s %r" % (code, body))
    c = gw.wait_campaign_done(body["id"], 60)
    check(c["counts"]["sent"] == 50 and c["total"] == 50, "counts %r" % c)
    refs = gw.db_query("SELECT refs FROM messages")
    want = ",".join(["255"] * ucs2_parts(LONG_VI))
    check(all(r[0] == want for r in refs), "dummy references, one per part: %r" % refs[:3])
    code, body = gw.get("/v1/modems")
    check(sum(m["sent"] for m in body["modems"]) == 50, "modem counters %r" % body)
    check(all(m["signal_dbm"] == 42 or m["signal_dbm"] is None for m in body["modems"]),
          "dummy signal %r" % body)
    # an SMS written into the dummy phone's inbox is read, filed and deleted
    path = os.path.join(dirs[0], "sms", "1", "1")
    text = "BAO co nguoi goi dien mao danh cong an"
    hexucs = text.encode("utf-16-be").hex().upper()
    with open(path + ".tmp", "w") as f:
        f.write("[SMSBackup000]\nSMSC = \"+84980200030\"\nPDU = Deliver\nDateTime = 20261129T225500\n"
                "State = UnRead\nNumber = \"+84912000001\"\nCoding = Default_No_Compression\n"
                "Text00 = %s\n" % hexucs)
    os.rename(path + ".tmp", path)
    wait_for(lambda: gw.db_query("SELECT ticket FROM reports"), 30, "report from the dummy inbox")
    wait_for(lambda: not os.path.exists(path), 30, "the SMS deleted from the dummy phone")
    check(gw.stop() == 0, "clean exit")


@suite.test
def restart_recovers_sending_and_keeps_inbound(tmp, cleanup):
    sims, gw = two_sims(tmp, cleanup)
    code, body = gw.post("/v1/campaigns", {"text": "Hãy chia sẻ thông tin có nguồn chính thống.",
                                           "recipients": numbers(6, base=912400000)})
    check(code == 201, "create")
    cid = body["id"]
    wait_for(lambda: sum(len(s.submits()) for s in sims) >= 1, 30, "first sends")
    import signal as sig
    gw.proc.send_signal(sig.SIGKILL)
    gw.proc.wait()
    gw.log.close()
    gw.start(wait_ready=2)
    c = gw.wait_campaign_done(cid, 60)
    check(c["counts"]["sent"] == 6, "all sent after the restart: %r" % c["counts"])
    got = reassemble(sims[0].submits() + sims[1].submits())
    check(sorted(got) == sorted(e164(n) for n in numbers(6, base=912400000)),
          "every recipient got it")
    dups = sum(len(v) - 1 for v in got.values())
    check(dups <= 2, "at most the in-flight messages (one per modem) again: %d" % dups)


def worker_pid(gw, name):
    """pid of the loa-modem worker serving modem `name` (a child of loagw)."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                argv = f.read().split(b"\0")
            with open("/proc/%s/stat" % pid) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        if ppid == gw.proc.pid and b"--name" in argv and argv[argv.index(b"--name") + 1] == name.encode():
            return int(pid)
    return None


@suite.test
def worker_killed_mid_campaign_is_restarted(tmp, cleanup):
    sims, gw = two_sims(tmp, cleanup)
    rcpts = numbers(12, base=912500000)
    code, body = gw.post("/v1/campaigns", {"text": LONG_VI, "recipients": rcpts})
    check(code == 201, "create")
    wait_for(lambda: len(sims[0].submits()) >= 1, 30, "sim1 to start sending")
    pid = worker_pid(gw, "sim1")
    check(pid, "found the sim1 worker")
    os.kill(pid, 9)
    wait_for(lambda: (worker_pid(gw, "sim1") or pid) != pid, 30, "a new sim1 worker")
    c = gw.wait_campaign_done(body["id"], 120)
    check(c["counts"]["sent"] == 12, "all sent: %r" % c["counts"])
    got = reassemble(sims[0].submits() + sims[1].submits())
    check(sorted(got) == sorted(e164(n) for n in rcpts), "every recipient got it")
    complete = {to: [t for t in texts if t == LONG_VI] for to, texts in got.items()}
    check(all(len(v) >= 1 for v in complete.values()), "every recipient got the whole text")
    dups = sum(len(v) - 1 for v in complete.values())
    check(dups <= 1, "only the in-flight message may go twice: %d" % dups)
    code, mods = gw.get("/v1/modems")
    sim1 = [m for m in mods["modems"] if m["name"] == "sim1"][0]
    check(sim1["restarts"] >= 1 and sim1["state"] == "ready", "sim1 restarted: %r" % sim1)


@suite.test
def hung_modem_is_killed_at_its_deadline(tmp, cleanup):
    sims = [Sim(tmp, "sim1"), Sim(tmp, "sim2")]
    for s in sims:
        cleanup.append(s.stop)
    gw = Gateway(tmp, [modem_conf("sim1", sims[0].link).replace("command_timeout_s = 60",
                                                                "command_timeout_s = 8"),
                       modem_conf("sim2", sims[1].link)])
    cleanup.append(gw.stop)
    gw.start(wait_ready=2)
    check(sims[0].ctl({"cmd": "set", "hang": True}).get("ok"), "sim1 hangs")
    rcpts = numbers(6, base=912600000)
    code, body = gw.post("/v1/campaigns", {"text": "Hãy chia sẻ thông tin có nguồn chính thống.",
                                           "recipients": rcpts})
    check(code == 201, "create")
    c = gw.wait_campaign_done(body["id"], 90)
    check(c["counts"]["sent"] == 6, "the healthy modem carried the work: %r" % c["counts"])
    check(len(sims[1].submits()) == 6, "sim2 sent all six")
    code, mods = gw.get("/v1/modems")
    sim1 = [m for m in mods["modems"] if m["name"] == "sim1"][0]
    check(sim1["timeouts"] >= 1, "sim1 overran its deadline: %r" % sim1)
    check(gw.stop() == 0, "loagw stops cleanly with a hung modem")


@suite.test
def help_keyword_and_unknown_text_get_help(tmp, cleanup):
    sims, gw = two_sims(tmp, cleanup)
    sims[0].inject("+84912000012", "hd")
    sims[0].inject("+84912000018", "Toi khong hieu tin nhan nay la gi")
    sims[0].inject("Viettel", "Tai khoan cua quy khach con 10.000d")
    wait_for(lambda: len(gw.db_query("SELECT id FROM inbound WHERE action IS NOT NULL")) == 3, 30,
             "three SMS filed")
    wait_for(lambda: len([r for s in sims for r in s.submits()]) == 2, 30, "two answers")
    answers = {r["to"]: r["text"] for s in sims for r in s.submits()}
    check(answers.get("+84912000012", "").startswith("Nhan BAO"), "help text: %r" % answers)
    check("+84912000018" in answers, "unknown text answered with help")
    check(not any("Viettel" in to for to in answers), "an operator sender is never answered")
    # one health line per poll, as JSON
    health = [l for l in gw.log_lines() if l.get("msg") == "modem health"]
    check(health and all("signal_dbm" in l and "registration" in l for l in health),
          "JSON health lines: %r" % health[:1])


@suite.test
def config_check_names_file_and_line(tmp, cleanup):
    import subprocess
    from harness import BIN, ROOT
    good = subprocess.run([os.path.join(BIN, "loagw"), "-c", os.path.join(ROOT, "conf/loa.conf"),
                           "--check"], capture_output=True, text=True)
    check(good.returncode == 0 and "OK" in good.stdout, "good config: %r" % (good,))
    bad = os.path.join(tmp, "bad.conf")
    with open(bad, "w") as f:
        f.write('store = { path = "x.db"; };\nmodems = (\n  { name = "m1"; device = "/dev/null";\n'
                '    connection = "at"; model = "at"; rate_per_minute = 5; }\n);\n')
    out = subprocess.run([os.path.join(BIN, "loagw"), "-c", bad, "--check"], capture_output=True,
                         text=True)
    check(out.returncode == 1, "bad config exits 1: %r" % (out,))
    check(out.stderr.startswith(bad + ":4: ") and "rate_per_minute" in out.stderr,
          "error names file:line and key: %r" % out.stderr)


@suite.test
def loactl_against_the_daemon(tmp, cleanup):
    from harness import ROOT
    gw = dummy_gateway(tmp, cleanup, rate=60000)
    run = gw.loactl_runner(token=OFFICIAL_TOKEN, timeout=60)
    out = run("campaign", "create", "--text", "Hãy chia sẻ thông tin có nguồn chính thống.",
              "--csv", os.path.join(ROOT, "tests/data/contacts.sample.csv"))
    # the sample CSV has bad rows: loactl reports the first by row number and nothing is stored
    check(out.returncode in (1, 2), "bad CSV refused: %r" % (out,))
    check("row" in out.stderr, "names the row: %r" % out.stderr)
    check(gw.db_query("SELECT COUNT(*) FROM campaigns")[0][0] == 0, "nothing stored")
    good_csv = os.path.join(tmp, "good.csv")
    with open(os.path.join(ROOT, "tests/data/contacts.sample.csv"), encoding="utf-8") as f:
        lines = f.read().splitlines()
    with open(good_csv, "w", encoding="utf-8") as f:
        f.write("\n".join(lines[:481]) + "\n")  # header + the 480 good rows
    out = run("campaign", "create", "--text", "Hãy chia sẻ thông tin có nguồn chính thống.",
              "--csv", good_csv)
    check(out.returncode == 0 and "campaign 1 created: 480 recipients" in out.stdout,
          "create from CSV: %r" % (out,))
    gw.wait_campaign_done(1, 120)
    out = run("campaign", "show", "1")
    check(out.returncode == 0 and "480/480" in out.stdout, "show: %r" % out.stdout)
    out = run("--json", "modems")
    import json as _json
    check(out.returncode == 0 and _json.loads(out.stdout)["modems"][0]["sent"] == 480,
          "modems --json: %r" % out.stdout[:300])
    out = run("reports")
    check(out.returncode == 0, "reports: %r" % (out,))
    out = run("campaign", "show", "99")
    check(out.returncode == 1 and "99" in out.stderr, "unknown campaign: %r" % (out,))


if __name__ == "__main__":
    sys.exit(suite.run(sys.argv))
