#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Campaigns for officials, end to end on simulated modems of two operators: contacts imported
with bad rows reported by row, groups, preview, on-net routing, pause/resume, end_by expiry,
quiet hours (normal held, alert sent), recurrence, the per-number daily cap."""
import csv
import datetime
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import (ADMIN_TOKEN, ROOT, Gateway, Sim, Suite, check, modem_conf,  # noqa: E402
                     wait_for, two_sims)

suite = Suite("integration_campaigns")
TEXT = "Hãy chia sẻ thông tin có nguồn chính thống, đáng tin cậy."


def import_csv(gw, path):
    """Import a contacts CSV through POST /v1/contacts in batches, as loactl does; returns the
    rejected rows {row: message} (the header is row 1)."""
    with open(path, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    rejected = {}
    for start in range(0, len(rows), 200):
        batch = rows[start:start + 200]
        body = {"contacts": [{"number": r["number"], "name": r["name"],
                              "tags": {k: v for k, v in r.items() if k not in ("number", "name")}}
                             for r in batch]}
        code, ans = gw.request("POST", "/v1/contacts", body, token=ADMIN_TOKEN)
        check(code == 200, "import batch: %s %r" % (code, ans))
        for e in ans["errors"]:
            rejected[start + e["index"] + 2] = e["message"]
    return rejected


@suite.test
def contacts_with_bad_rows_groups_and_on_net_routing(tmp, cleanup):
    sims, gw = two_sims(tmp, cleanup)
    rejected = import_csv(gw, os.path.join(ROOT, "tests/data/contacts.sample.csv"))
    print("     rejected rows: %s" % ", ".join("%d (%s)" % (k, v) for k, v in sorted(rejected.items())))
    # rows 482-487, 490 and 491 are bad (tests/data/contacts.sample.README); 484 is a foreign number
    # and is accepted; 488 and 489 are duplicates of rows 2 and 3 and merge into them
    check(sorted(rejected) == [482, 483, 485, 486, 487, 490, 491], "rejected by row: %r" % rejected)
    check("too short" in rejected[482] and "mobile" in rejected[490], "reasons: %r" % rejected)
    code, n = gw.get("/v1/contacts/count")
    # 491 data rows, 7 rejected, 2 duplicates merged
    check(n["count"] == 491 - 7 - 2, "contacts stored: %r" % n)
    code, son_nam = gw.get("/v1/contacts/count?group=commune=son-nam")
    check(code == 200 and son_nam["count"] > 0, "a commune group: %r" % son_nam)
    code, ans = gw.request("POST", "/v1/groups", {"name": "son-nam", "query": "commune=son-nam"},
                           token=ADMIN_TOKEN)
    check(code == 201, "save a group: %s %r" % (code, ans))
    code, pv = gw.post("/v1/campaigns/preview", {"text": TEXT, "group": "son-nam",
                                                 "recipients": ["0385937050"]})
    check(code == 200 and pv["to_send"] >= son_nam["count"] and pv["segments"] == 1,
          "preview: %r" % pv)
    check(gw.db_query("SELECT COUNT(*) FROM campaigns")[0][0] == 0, "a preview stores nothing")
    code, body = gw.post("/v1/campaigns", {"text": TEXT, "group": "son-nam"})
    check(code == 201 and body["recipients"] == son_nam["count"], "campaign by group: %r" % body)
    gw.wait_campaign_done(body["id"], 240)
    viettel = ("+8486", "+8496", "+8497", "+8498", "+843")
    vina = ("+8488", "+8491", "+8494", "+8481", "+8482", "+8483", "+8484", "+8485")
    for r in sims[0].submits():
        if r["to"].startswith(vina):
            raise AssertionError("a Vinaphone number went out on the Viettel modem: %s" % r["to"])
    for r in sims[1].submits():
        if r["to"].startswith(viettel):
            raise AssertionError("a Viettel number went out on the Vinaphone modem: %s" % r["to"])
    others = [r for s in sims for r in s.submits() if not r["to"].startswith(viettel + vina)]
    print("     on-net held; %d numbers of other operators went off-net" % len(others))


@suite.test
def pause_resume_cancel_and_end_by(tmp, cleanup):
    sims, gw = two_sims(tmp, cleanup)
    rcpts = ["+8491%07d" % (6000000 + i) for i in range(6)]
    code, body = gw.post("/v1/campaigns", {"text": TEXT, "recipients": rcpts,
                                           "start_at": int(time.time()) + 4})
    cid = body["id"]
    code, c = gw.request("POST", "/v1/campaigns/%d/pause" % cid)
    check(code == 200 and c["status"] == "paused", "paused: %r" % c)
    time.sleep(7)
    check(not sims[1].submits(), "a paused campaign sends nothing")
    code, c = gw.request("POST", "/v1/campaigns/%d/resume" % cid)
    check(code == 200, "resumed")
    gw.wait_campaign_done(cid, 60)
    check(len(sims[1].submits()) == 6, "sent after resuming")
    code, c = gw.request("POST", "/v1/campaigns/%d/cancel" % cid)
    check(code == 409, "a finished campaign cannot be cancelled: %s" % code)
    # end_by: a slow modem cannot finish before the end; the rest expires
    sims[1].ctl({"cmd": "set", "latency_ms": 2500})
    rc2 = ["+8491%07d" % (6100000 + i) for i in range(6)]
    code, body = gw.post("/v1/campaigns", {"text": TEXT, "recipients": rc2,
                                           "end_by": int(time.time()) + 4})
    c = gw.wait_campaign_done(body["id"], 60)
    check(c["counts"]["expired"] >= 2 and c["counts"]["sent"] + c["counts"]["expired"] == 6,
          "the rest expired at end_by: %r" % c["counts"])


@suite.test
def recipients_in_chunks_each_once_on_net_across_a_restart(tmp, cleanup):
    """Chunks of 4: a campaign of two operators' numbers, given mixed and with duplicates, is
    stored mostly in chunks; each modem sends only its operator's numbers, in the order given;
    a restart and a cancel of a second campaign with chunks left keep every count right."""
    sims, gw = two_sims(tmp, cleanup, store="chunk_recipients = 4;")
    vina = ["+8491%07d" % (7000000 + i) for i in range(13)][::-1]  # not in number order
    viettel = ["+8496%07d" % (7000000 + i) for i in range(11)]
    mixed = [n for pair in zip(vina, viettel) for n in pair] + vina[11:] + viettel[:3]
    code, body = gw.post("/v1/campaigns", {"text": TEXT, "recipients": mixed})
    check(code == 201 and body["recipients"] == 24 and body["duplicates"] == 3,
          "created: %s %r" % (code, body))
    stored = gw.db_query("SELECT COUNT(*) FROM messages")[0][0]
    chunked = gw.db_query("SELECT COALESCE(SUM(n), 0) FROM rcpt_chunks")[0][0]
    check(stored == 8 and chunked == 16, "4 per operator stored, 16 in chunks: %d, %d"
          % (stored, chunked))
    gw.stop()
    gw.start(wait_ready=2)
    c = gw.wait_campaign_done(body["id"], 120)
    check(c["counts"]["sent"] == 24 and c["total"] == 24, "all sent once: %r" % c["counts"])
    to1 = [r["to"] for r in sims[0].submits()]
    to2 = [r["to"] for r in sims[1].submits()]
    check(to1 == viettel and to2 == vina, "on-net, in the order given:\n%r\n%r" % (to1, to2))
    check(gw.db_query("SELECT COUNT(*) FROM rcpt_chunks")[0][0] == 0, "no chunk left")
    # cancel with recipients still in chunks: they count as cancelled
    code, body = gw.post("/v1/campaigns", {"text": TEXT, "recipients": vina + viettel,
                                           "start_at": int(time.time()) + 3600})
    code, c = gw.request("POST", "/v1/campaigns/%d/cancel" % body["id"])
    check(code == 200, "cancel: %s %r" % (code, c))
    code, c = gw.get("/v1/campaigns/%d" % body["id"])
    check(c["counts"]["cancelled"] == 24 and c["counts"]["queued"] == 0 and c["total"] == 24,
          "cancelled with chunks left: %r" % c["counts"])


@suite.test
def quiet_hours_hold_normal_not_alert(tmp, cleanup):
    now = datetime.datetime.utcnow() + datetime.timedelta(hours=7)  # Asia/Ho_Chi_Minh
    start = (now - datetime.timedelta(minutes=30)).strftime("%H:%M")
    end = (now + datetime.timedelta(minutes=30)).strftime("%H:%M")
    sims, gw = two_sims(tmp, cleanup, dispatch='quiet_hours = "%s-%s";' % (start, end))
    code, normal = gw.post("/v1/campaigns", {"text": "Tin thuong", "recipients": ["0912000061"]})
    code, alert = gw.post("/v1/campaigns", {"text": "CANH BAO lu", "recipients": ["0912000062"],
                                            "priority": "alert"})
    gw.wait_campaign_done(alert["id"], 30)
    time.sleep(3)
    c = gw.campaign(normal["id"])
    check(c["counts"]["queued"] == 1 and c["counts"]["sent"] == 0, "normal held: %r" % c["counts"])
    sims[1].inject("+84912000063", "HD")  # answers to citizens are not held
    wait_for(lambda: [r for r in sims[1].submits() if r["to"] == "+84912000063"], 30, "a reply")


@suite.test
def recurrence_starts_runs(tmp, cleanup):
    sims, gw = two_sims(tmp, cleanup)
    now = datetime.datetime.utcnow() + datetime.timedelta(hours=7)
    at = (now + datetime.timedelta(minutes=1)).strftime("%H:%M")
    code, body = gw.post("/v1/campaigns", {"text": TEXT, "recipients": ["0912000071"],
                                           "recurrence": "daily %s" % at})
    check(code == 201 and body.get("next_run_at"), "a template: %r" % body)
    tpl = gw.campaign(body["id"])
    check(tpl["status"] == "recurring" and tpl["total"] == 0, "sends nothing itself: %r" % tpl)
    wait_for(lambda: [r for r in sims[1].submits() if r["to"] == "+84912000071"], 100,
             "the first run at %s" % at, interval=0.5)
    tpl = gw.campaign(body["id"])
    check(tpl["next_run_at"] - body["next_run_at"] == 86400, "next run a day later: %r" % tpl)
    code, lst = gw.get("/v1/campaigns")
    check(any(c["parent_id"] == body["id"] for c in lst["campaigns"]), "the run is listed")


@suite.test
def daily_cap_defers_the_extra_broadcast(tmp, cleanup):
    sims, gw = two_sims(tmp, cleanup, dispatch="daily_cap = 1;")
    code, a = gw.post("/v1/campaigns", {"text": "Tin mot", "recipients": ["0912000081"]})
    gw.wait_campaign_done(a["id"], 30)
    code, b = gw.post("/v1/campaigns", {"text": "Tin hai", "recipients": ["0912000081"]})
    time.sleep(4)
    c = gw.campaign(b["id"])
    check(c["counts"]["queued"] == 1 and c["counts"]["sent"] == 0,
          "deferred, not lost: %r" % c["counts"])
    sims[1].inject("+84912000081", "HD")  # a reply is not a broadcast: not capped
    wait_for(lambda: len([r for r in sims[1].submits() if r["to"] == "+84912000081"]) == 2, 30,
             "the answer goes through")


if __name__ == "__main__":
    sys.exit(suite.run(sys.argv))
