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


def bank(tmp, cleanup, extra1="", extra2="", n=2, sim_args=None):
    sims = [Sim(tmp, "sim%d" % (i + 1), *(sim_args or [])) for i in range(n)]
    for s in sims:
        cleanup.append(s.stop)
    extras = [extra1, extra2] + [""] * n
    gw = Gateway(tmp, [modem_conf(s.name, s.link, extra=extras[i]).replace(
        "health_interval_s = 30", "health_interval_s = 5") for i, s in enumerate(sims)])
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
    ussd = sims[0].records("ussd")
    check([r["code"] for r in ussd][:2] == ["*101#", "*102#"], "dialled on the modem: %r" % ussd)


if __name__ == "__main__":
    sys.exit(suite.run(sys.argv))
