#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Modems in the field: faults injected into simulated modems while the real loagw runs.

Each test ends with a count from the simulators' records and the store: every accepted message
is in a final or queued state, none is lost, none went out twice except a message that was in
flight when its modem failed, and the healthy modem carried the work."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import (Gateway, Sim, Suite, check, modem_conf, reassemble, wait_for)  # noqa: E402

suite = Suite("integration_modems")
TEXT = "Hãy chia sẻ thông tin có nguồn chính thống, đáng tin cậy."
FINAL = ("sent", "delivered", "failed", "expired", "cancelled", "suppressed")


def numbers(n, base):
    return ["+84%d" % (base + i) for i in range(n)]


def bank(tmp, cleanup, extra1="", extra2="", n=2, sim_args=None, timeout1=60):
    sims = [Sim(tmp, "sim%d" % (i + 1), *(sim_args or [])) for i in range(n)]
    for s in sims:
        cleanup.append(s.stop)
    extras = [extra1, extra2] + [""] * n
    confs = [modem_conf(s.name, s.link, extra=extras[i]).replace(
        "health_interval_s = 30", "health_interval_s = 5") for i, s in enumerate(sims)]
    confs[0] = confs[0].replace("command_timeout_s = 60", "command_timeout_s = %d" % timeout1)
    gw = Gateway(tmp, confs)
    cleanup.append(gw.stop)
    gw.start(wait_ready=n)
    return sims, gw


def modem(gw, name):
    code, body = gw.get("/v1/modems/%s" % name)
    check(code == 200, "GET modem %s: %s" % (name, code))
    return body


def account(gw, sims, cid, rcpts, text=TEXT, allow_dups=0):
    """The closing count: every message final, each recipient got the whole text, at most
    allow_dups duplicates (messages in flight at a fault). Returns the campaign."""
    c = gw.campaign(cid)
    check(c["counts"]["queued"] == 0 and c["counts"]["sending"] == 0, "all settled: %r" % c)
    check(sum(c["counts"][s] for s in FINAL) == len(rcpts), "none lost: %r" % c["counts"])
    got = reassemble([r for s in sims for r in s.submits()])
    sent = [to for to in rcpts if to in got]
    for to in sent:
        check(all(t == text for t in got[to]), "whole text to %s" % to)
    dups = sum(len(got[to]) - 1 for to in sent)
    check(dups <= allow_dups, "%d duplicate(s), at most %d allowed" % (dups, allow_dups))
    rows = gw.db_query("SELECT recipient, state FROM messages WHERE campaign_id = ?", (cid,))
    for to, state in rows:
        if state in ("sent", "delivered"):
            check(to in got, "%s is %s in the store but no PDU reached a modem" % (to, state))
    print("     count: %d messages, %r, %d duplicate(s)" % (len(rcpts), c["counts"], dups))
    return c


@suite.test
def transient_cms_errors_retry_and_degrade(tmp, cleanup):
    sims, gw = bank(tmp, cleanup)
    check(sims[0].ctl({"cmd": "set", "fail_count": 3, "cms_error": 500}).get("ok"), "set")
    rcpts = numbers(10, 912700000)
    code, body = gw.post("/v1/campaigns", {"text": TEXT, "recipients": rcpts})
    check(code == 201, "create")
    wait_for(lambda: modem(gw, "sim1")["state"] == "degraded", 60, "sim1 degraded")
    m1 = modem(gw, "sim1")
    check("failed sends in a row" in (m1["degraded_reason"] or ""), "reason %r" % m1)
    check(m1["last_error"] == "+CMS ERROR: 500", "last error %r" % m1["last_error"])
    gw.wait_campaign_done(body["id"], 90)
    c = account(gw, sims, body["id"], rcpts)
    check(c["counts"]["sent"] == 10, "all sent: %r" % c["counts"])
    check(len(sims[1].submits()) >= 7, "the healthy modem carried the work")
    changes = [l for l in gw.log_lines() if l.get("msg") == "modem state change"
               and l.get("modem") == "sim1" and l.get("to") == "degraded"]
    check(changes, "a JSON log line for the state change")
    retried = gw.db_query("SELECT COUNT(*) FROM messages WHERE attempts > 1")[0][0]
    check(retried >= 1, "failed messages were retried: %d" % retried)


@suite.test
def permanent_cms_error_fails_the_message(tmp, cleanup):
    sims, gw = bank(tmp, cleanup, n=1)
    check(sims[0].ctl({"cmd": "set", "fail_count": 1, "cms_error": 1}).get("ok"), "set")
    rcpts = numbers(3, 912710000)
    code, body = gw.post("/v1/campaigns", {"text": TEXT, "recipients": rcpts})
    check(code == 201, "create")
    gw.wait_campaign_done(body["id"], 60)
    c = account(gw, sims, body["id"], rcpts)
    check(c["counts"]["failed"] == 1 and c["counts"]["sent"] == 2, "counts %r" % c["counts"])
    err = gw.db_query("SELECT last_error, attempts FROM messages WHERE state = 'failed'")
    check(err[0][0].startswith("+CMS ERROR: 1") and err[0][1] == 1, "failed at once: %r" % err)


@suite.test
def attempts_are_capped(tmp, cleanup):
    sims, gw = bank(tmp, cleanup, n=1, extra1="max_errors_in_row = 1000; ")
    check(sims[0].ctl({"cmd": "set", "fail_count": 100, "cms_error": 500}).get("ok"), "set")
    rcpts = numbers(1, 912720000)
    code, body = gw.post("/v1/campaigns", {"text": TEXT, "recipients": rcpts})
    check(code == 201, "create")
    gw.wait_campaign_done(body["id"], 60)
    row = gw.db_query("SELECT state, attempts, last_error FROM messages")[0]
    check(row[0] == "failed" and row[1] == 3 and "attempts exhausted" in row[2],
          "failed after max_attempts (3): %r" % (row,))


@suite.test
def lost_registration_and_weak_signal_degrade(tmp, cleanup):
    sims, gw = bank(tmp, cleanup)
    check(sims[0].ctl({"cmd": "set", "registered": False}).get("ok"), "set")
    wait_for(lambda: modem(gw, "sim1")["state"] == "degraded", 30, "sim1 degraded")
    check("not registered" in modem(gw, "sim1")["degraded_reason"], "reason")
    rcpts = numbers(6, 912730000)
    code, body = gw.post("/v1/campaigns", {"text": TEXT, "recipients": rcpts})
    gw.wait_campaign_done(body["id"], 60)
    account(gw, sims, body["id"], rcpts)
    check(len(sims[0].submits()) == 0 and len(sims[1].submits()) == 6, "all on sim2")
    check(sims[0].ctl({"cmd": "set", "registered": True}).get("ok"), "set")
    wait_for(lambda: modem(gw, "sim1")["state"] == "ready", 30, "sim1 ready again")
    check(sims[1].ctl({"cmd": "set", "signal": 2}).get("ok"), "set")  # CSQ 2 = -109 dBm
    wait_for(lambda: modem(gw, "sim2")["state"] == "degraded", 30, "sim2 degraded")
    m2 = modem(gw, "sim2")
    check("signal" in m2["degraded_reason"] and m2["signal_dbm"] < -105, "reason %r" % m2)
    health = [l for l in gw.log_lines() if l.get("msg") == "modem health" and l.get("modem") == "sim2"]
    check(health and health[-1]["state"] == "degraded" or health[-1]["signal_dbm"] < -105,
          "health lines carry the sample: %r" % health[-1:])


@suite.test
def ussd_balance_and_admin_ussd(tmp, cleanup):
    sims, gw = bank(tmp, cleanup, n=1, extra1='balance_ussd = "*101#"; '
                    'balance_pattern = "goc: ([0-9.]+)"; ')
    check(sims[0].ctl({"cmd": "set", "ussd_reply": "TK goc: 25.000d, HSD 31/12/2026"})["ok"], "set")
    wait_for(lambda: modem(gw, "sim1")["balance"], 30, "the scheduled balance check")
    m1 = modem(gw, "sim1")
    check(m1["balance"] == "25.000" and "HSD" in m1["balance_raw"], "balance %r" % m1)
    code, ans = gw.request("POST", "/v1/modems/sim1/ussd", {"code": "*102#"})
    check(code == 200 and ans["text"].startswith("TK goc"), "admin USSD: %s %r" % (code, ans))
    code, ans = gw.request("POST", "/v1/modems/sim1/ussd", {"code": "call me"})
    check(code == 400 and ans["error"]["field"] == "code", "bad code: %r" % ans)
    import subprocess
    from harness import ADMIN_TOKEN, BIN
    env = dict(os.environ, LOA_URL="http://127.0.0.1:%d" % gw.port, LOA_TOKEN=ADMIN_TOKEN)
    out = subprocess.run([os.environ.get("LOACTL", os.path.join(BIN, "loactl")), "modem", "ussd",
                          "sim1", "*103#"], capture_output=True, text=True, env=env, timeout=60)
    check(out.returncode == 0 and "TK goc: 25.000d" in out.stdout, "loactl modem ussd: %r" % (out,))
    out = subprocess.run([os.environ.get("LOACTL", os.path.join(BIN, "loactl")), "modem", "show",
                          "sim1"], capture_output=True, text=True, env=env, timeout=60)
    check(out.returncode == 0 and "25.000" in out.stdout, "loactl modem show: %r" % (out,))
    ussd = sims[0].records("ussd")
    check([r["code"] for r in ussd][:2] == ["*101#", "*102#"], "dialled on the modem: %r" % ussd)


@suite.test
def unplugged_modem_comes_back_without_restarting_loagw(tmp, cleanup):
    sims, gw = bank(tmp, cleanup, timeout1=15)
    pid = gw.proc.pid
    rcpts = numbers(16, 912740000)
    code, body = gw.post("/v1/campaigns", {"text": TEXT, "recipients": rcpts})
    check(code == 201, "create")
    wait_for(lambda: len(sims[0].submits()) >= 2, 30, "sim1 sending")
    check(sims[0].ctl({"cmd": "unplug", "seconds": 6}).get("ok"), "unplug")
    wait_for(lambda: modem(gw, "sim1")["state"] in ("down", "starting"), 60, "sim1 noticed gone")
    wait_for(lambda: modem(gw, "sim1")["state"] == "ready", 90, "sim1 back", interval=0.5)
    check(gw.proc.pid == pid and gw.proc.poll() is None, "the same loagw process")
    gw.wait_campaign_done(body["id"], 120)
    c = account(gw, sims, body["id"], rcpts, allow_dups=1)
    check(c["counts"]["sent"] == 16, "all sent: %r" % c["counts"])
    check(len(sims[1].submits()) >= 8, "the healthy modem carried the work meanwhile")
    check(modem(gw, "sim1")["restarts"] >= 1, "the worker was restarted")


@suite.test
def unsolicited_noise_mid_command(tmp, cleanup):
    noise = {"cmd": "set", "urc_noise": ["^RSSI: 12", "^BOOT:12345,0,0,0,72"], "urc_every": 1}
    sims, gw = bank(tmp, cleanup)
    for s in sims:
        check(s.ctl(noise).get("ok"), "noise on")
    rcpts = numbers(8, 912750000)
    long_text = TEXT + " " + TEXT  # two UCS-2 parts
    code, body = gw.post("/v1/campaigns", {"text": long_text, "recipients": rcpts})
    check(code == 201, "create")
    sims[0].inject("+84912000031", "BAO tin gia ve lu lut")
    gw.wait_campaign_done(body["id"], 90)
    c = account(gw, sims, body["id"], rcpts, text=long_text)
    check(c["counts"]["sent"] == 8, "all sent through the noise: %r" % c["counts"])
    wait_for(lambda: gw.db_query("SELECT ticket FROM reports"), 30, "the report through the noise")
    check(sum(s.ctl({"cmd": "stats"})["urc_emitted"] for s in sims) > 10, "noise was emitted")


@suite.test
def delivery_reports_are_matched(tmp, cleanup):
    sims, gw = bank(tmp, cleanup, extra1="delivery_reports = true; ",
                    extra2="delivery_reports = true; ")
    sims[0].ctl({"cmd": "set", "dlr_status": "delivered", "dlr_delay_ms": 200})
    sims[1].ctl({"cmd": "set", "dlr_status": "failed", "dlr_delay_ms": 200})
    rcpts = numbers(8, 912760000)
    long_text = TEXT + " " + TEXT  # two parts: delivered only when both parts are
    code, body = gw.post("/v1/campaigns", {"text": long_text, "recipients": rcpts})
    check(code == 201, "create")
    gw.wait_campaign_done(body["id"], 90)

    def settled():
        c = gw.campaign(body["id"])["counts"]
        return c if c["sent"] == 0 else None
    c = wait_for(settled, 60, "every status report matched")
    on1 = {r["to"] for r in sims[0].submits()}
    on2 = {r["to"] for r in sims[1].submits()}
    check(c["delivered"] == len(on1) and c["failed"] == len(on2), "by modem: %r" % c)
    rows = dict(gw.db_query("SELECT recipient, last_error FROM messages WHERE state = 'failed'"))
    check(all("TP-ST 0x41" in (e or "") for e in rows.values()), "reason kept: %r" % rows)
    check(len(sims[0].records("dlr")) == 2 * len(on1), "one report per part")
    # a report that matches nothing is logged, not dropped silently
    sims[0].ctl({"cmd": "dlr", "mr": 250, "status": "delivered", "to": "+84900000999"})
    wait_for(lambda: [l for l in gw.log_lines() if "matches no sent message" in l.get("msg", "")],
             30, "the unmatched report logged")
    check("+84900000999" not in gw.log_text(), "the number is masked in that line")


@suite.test
def network_latency_keeps_both_modems_busy(tmp, cleanup):
    sims, gw = bank(tmp, cleanup)
    for s in sims:
        s.ctl({"cmd": "set", "latency_ms": 1500})
    rcpts = numbers(8, 912770000)
    t0 = time.monotonic()
    code, body = gw.post("/v1/campaigns", {"text": TEXT, "recipients": rcpts})
    gw.wait_campaign_done(body["id"], 90)
    elapsed = time.monotonic() - t0
    account(gw, sims, body["id"], rcpts)
    n1, n2 = len(sims[0].submits()), len(sims[1].submits())
    check(abs(n1 - n2) <= 2, "work shared between the modems: %d / %d" % (n1, n2))
    print("     8 SMS with 1.5 s network time on 2 modems: %.1f s" % elapsed)


if __name__ == "__main__":
    sys.exit(suite.run(sys.argv))
