#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The citizens' side end to end: multipart reports out of order across two modems, polls,
a USSD session, opt-out honoured mid-campaign, reports handled by officials, privacy in logs."""
import os
import sys
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from harness import (ADMIN_TOKEN, OFFICIAL_TOKEN, VIEWER_TOKEN, Gateway, Sim, Suite, check,  # noqa: E402
                     modem_conf, wait_for, two_sims)

suite = Suite("integration_citizens")

USSD_CONF = """
ussd = {
  service_code = "*123#";
  max_screen_chars = 160;
  session_timeout_s = 180;
  menu = {
    title = "Phan anh tin gia";
    options = (
      { key = "1"; label = "Phan anh tin gia"; kind = "menu"; title = "Chon loai";
        options = (
          { key = "1"; label = "Lua dao tien"; kind = "input"; category = "lua-dao";
            title = "Nhap noi dung"; action = "report"; text = "Da ghi nhan. Ma so: {ticket}"; },
          { key = "2"; label = "Khac"; kind = "input"; category = "khac";
            title = "Nhap noi dung"; action = "report"; text = "Da ghi nhan. Ma so: {ticket}"; }
        ); },
      { key = "2"; label = "Huy nhan tin"; kind = "action"; action = "optout";
        text = "Ban da huy nhan tin."; }
    );
  };
};
"""


def sent_to(sims, number):
    return [r for s in sims for r in s.submits() if r["to"] == number]


LONG_REPORT = ("BAO 1 Co mot tai khoan tu xung la can bo xa dang keu goi moi nguoi gop tien xay cau "
               "qua so tai khoan ca nhan, toi thay so tai khoan khong phai cua xa. Ho con gui tin "
               "nhan cho nhieu nguoi trong thon va hua se hoan tien neu cau khong duoc xay. "
               "Nho can bo kiem tra giup, cam on nhieu. Nguoi bao: mot nguoi dan thon 5, xa Son Nam.")


@suite.test
def three_part_report_out_of_order_through_two_modems(tmp, cleanup):
    sims, gw = two_sims(tmp, cleanup)
    citizen = "+84912000020"
    check(len(LONG_REPORT) > 306 and len(LONG_REPORT) <= 459, "three GSM-7 parts")
    # parts 3 and 1 arrive on sim1, part 2 on sim2, all with concatenation reference 77
    sims[0].inject(citizen, LONG_REPORT, order=[3, 1], ref=77)
    time.sleep(1.0)
    check(not gw.db_query("SELECT id FROM reports"), "not routed before the message is whole")
    sims[1].inject(citizen, LONG_REPORT, order=[2], ref=77)
    wait_for(lambda: gw.db_query("SELECT text, category FROM reports"), 30, "the report")
    rows = gw.db_query("SELECT text, category, ticket FROM reports")
    check(len(rows) == 1, "one report: %r" % rows)
    check(rows[0][0] == LONG_REPORT, "the parts joined in order: %r" % rows[0][0][:80])
    check(rows[0][1] == "1", "category from 'BAO 1': %r" % rows[0][1])
    acks = wait_for(lambda: sent_to(sims, citizen) or None, 30, "the ticket SMS")
    time.sleep(1)
    acks = sent_to(sims, citizen)
    check(len(acks) == 1 and rows[0][2] in acks[0]["text"], "one ticket SMS: %r" % acks)
    parts = gw.db_query("SELECT part, action FROM inbound ORDER BY part")
    check([p for p, _ in parts] == [1, 2, 3] and all(a == "report" for _, a in parts),
          "three parts stored once, all routed: %r" % parts)


@suite.test
def incomplete_multipart_is_routed_after_the_timeout(tmp, cleanup):
    sims, gw = two_sims(tmp, cleanup, inbound_extra="reassembly_timeout_s = 5;")
    citizen = "+84912000021"
    sims[0].inject(citizen, LONG_REPORT, order=[1, 2], ref=91)  # part 3 never comes
    wait_for(lambda: gw.db_query("SELECT text FROM reports"), 40, "the report, routed as-is")
    text = gw.db_query("SELECT text FROM reports")[0][0]
    check(text.startswith("BAO 1 Co mot") and text.endswith("\u2026"), "parts 1-2 then '…': %r"
          % text[-40:])


@suite.test
def poll_tally_one_vote_per_number(tmp, cleanup):
    sims, gw = two_sims(tmp, cleanup)
    voters = ["+8491200%04d" % i for i in range(4)] + ["+8498600%04d" % i for i in range(3)]
    closes = int(time.time()) + 3600
    code, body = gw.post("/v1/campaigns", {"text": "Ban co nhan duoc tin gia ve lu lut khong? "
                                                   "Tra loi CO hoac KHONG.",
                                           "recipients": voters,
                                           "poll": {"answers": ["CO", "KHONG"], "closes_at": closes}})
    check(code == 201, "poll campaign: %s %r" % (code, body))
    gw.wait_campaign_done(body["id"], 60)
    answers = ["co", "Có", "KHONG", "khong ", "CO", "co", "khong"]  # voter 0 changes their mind
    for v, a in zip(voters, answers):
        sims[0].inject(v, a)
    wait_for(lambda: len(gw.db_query("SELECT id FROM inbound WHERE action IS NOT NULL")) == 7, 40,
             "the first votes filed")
    sims[1].inject(voters[0], "KHONG")  # voter 0 changes their mind, later
    sims[1].inject("+84912999999", "CO")  # not a recipient: not a vote
    wait_for(lambda: len(gw.db_query("SELECT id FROM inbound WHERE action IS NOT NULL")) == 9, 40,
             "all replies filed")
    code, tally = gw.get("/v1/campaigns/%d/poll" % body["id"])
    check(code == 200, "tally: %s %r" % (code, tally))
    check(tally["tally"] == {"CO": 3, "KHONG": 4} and tally["votes"] == 7,
          "one vote per number, the last one counts: %r" % tally)


@suite.test
def ussd_session_files_a_report(tmp, cleanup):
    sims, gw = two_sims(tmp, cleanup, extra_conf=USSD_CONF)
    url = "http://127.0.0.1:%d/v1/ussd?token=%s" % (gw.port, OFFICIAL_TOKEN)

    def step(text, sid="s-1", phone="0912000031"):
        data = urllib.parse.urlencode({"sessionId": sid, "serviceCode": "*123#",
                                       "phoneNumber": phone, "text": text}).encode()
        req = urllib.request.Request(url, data=data, method="POST")
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.read().decode()
    s = step("")
    check(s.startswith("CON ") and "1" in s and "Phan anh" in s, "main menu: %r" % s)
    s = step("1")
    check(s.startswith("CON ") and "Lua dao" in s, "categories: %r" % s)
    s = step("1*9")
    check(s.startswith("CON ") and "Lua dao" in s, "invalid choice shows the menu again: %r" % s)
    s = step("1*1")
    check(s.startswith("CON "), "asks for the text: %r" % s)
    s = step("1*1*Co nguoi goi mao danh *cong an* doi tien")
    check(s.startswith("END ") and "Ma so:" in s, "ends with the ticket: %r" % s)
    rows = gw.db_query("SELECT ticket, text, category, sender FROM reports")
    check(len(rows) == 1 and rows[0][0] in s, "one report with the ticket shown: %r" % rows)
    check(rows[0][1] == "Co nguoi goi mao danh *cong an* doi tien", "text with '*': %r" % rows[0][1])
    check(rows[0][2] == "lua-dao" and rows[0][3] == "+84912000031", "category and number: %r" % rows)
    s2 = step("1*1*Co nguoi goi mao danh *cong an* doi tien")  # the aggregator retries
    check(s2 == s and len(gw.db_query("SELECT id FROM reports")) == 1, "a retry files nothing twice")
    s = step("2", sid="s-2", phone="0912000032")
    check(s.startswith("END "), "opt out by USSD: %r" % s)
    check(gw.db_query("SELECT number FROM optouts") == [("+84912000032",)], "opted out")
    s = step("1", sid="s-1", phone="0912000099")
    check(s.startswith("END "), "a session id of another number is refused: %r" % s)


@suite.test
def optout_while_queued_suppresses_the_rest(tmp, cleanup):
    sims, gw = two_sims(tmp, cleanup)
    for s in sims:
        s.ctl({"cmd": "set", "latency_ms": 800})
    citizen = "+84912000040"
    rcpts = ["+8491200%04d" % (100 + i) for i in range(8)] + [citizen]
    code, body = gw.post("/v1/campaigns", {"text": "Tin 1: Hay chia se thong tin chinh thong.",
                                           "recipients": rcpts, "priority": "bulk"})
    code2, body2 = gw.post("/v1/campaigns", {"text": "Tin 2: Khong tung tin gia.",
                                             "recipients": [citizen], "priority": "bulk",
                                             "start_at": int(time.time()) + 8})
    check(code == 201 and code2 == 201, "two campaigns")
    sims[1].inject(citizen, "HUY")
    wait_for(lambda: gw.db_query("SELECT number FROM optouts"), 20, "the opt-out")
    gw.wait_campaign_done(body["id"], 60)
    gw.wait_campaign_done(body2["id"], 60)
    c2 = gw.campaign(body2["id"])
    check(c2["counts"]["suppressed"] == 1, "the later campaign skipped it: %r" % c2["counts"])
    texts = [r["text"] for r in sent_to(sims, citizen)]
    check(not any(t.startswith("Tin 2") for t in texts), "nothing after the opt-out: %r" % texts)
    confirmations = [t for t in texts if "huy" in t.lower()]
    check(len(confirmations) == 1, "confirmed once: %r" % texts)
    sims[1].inject(citizen, "HUY")  # again: no second confirmation
    time.sleep(3)
    texts = [r["text"] for r in sent_to(sims, citizen)]
    check(len([t for t in texts if "huy" in t.lower()]) == 1, "not confirmed twice: %r" % texts)


@suite.test
def officials_handle_reports_and_logs_hide_numbers(tmp, cleanup):
    sims, gw = two_sims(tmp, cleanup)
    citizen = "+84912000050"
    sims[0].inject(citizen, "Bao: link la http://example.invalid/nhanqua")
    rep = wait_for(lambda: (gw.get("/v1/reports")[1]["reports"] or [None])[0], 30, "report")
    check(rep["sender"] != citizen and rep["pseudonym"].startswith("p"), "masked: %r" % rep)
    code, ans = gw.post("/v1/reports/%s" % rep["ticket"], {"status": "reviewing", "note": "dang xem"})
    check(code == 200 and ans["status"] == "reviewing", "reviewing: %s %r" % (code, ans))
    code, ans = gw.post("/v1/reports/%d" % rep["id"], {"status": "new"})
    check(code == 400 and ans["error"]["field"] == "status", "no going back to new: %r" % ans)
    code, ans = gw.post("/v1/reports/%d" % rep["id"], {"status": "resolved", "note": "da xu ly",
                                                       "notify": True})
    check(code == 200 and ans["status"] == "resolved" and ans["note"] == "da xu ly", "%r" % ans)
    wait_for(lambda: [r for r in sent_to(sims, citizen) if "da duoc xu ly" in r["text"]], 30,
             "the citizen told it is resolved")
    code, ans = gw.post("/v1/reports/%d" % rep["id"], {"status": "reviewing"}, token=VIEWER_TOKEN)
    check(code == 403, "a viewer cannot change reports")
    req = urllib.request.Request("http://127.0.0.1:%d/v1/reports?format=csv" % gw.port)
    req.add_header("Authorization", "Bearer " + OFFICIAL_TOKEN)
    csv = urllib.request.urlopen(req, timeout=10).read().decode()
    check(citizen not in csv and rep["pseudonym"] in csv and "resolved" in csv, "CSV export: %r" % csv)
    req = urllib.request.Request("http://127.0.0.1:%d/v1/reports?format=csv&numbers=1" % gw.port)
    req.add_header("Authorization", "Bearer " + ADMIN_TOKEN)
    csv = urllib.request.urlopen(req, timeout=10).read().decode()
    check(citizen in csv, "an admin who asks gets numbers")
    code, audit = gw.get("/v1/audit")
    actions = [a["action"] for a in audit["audit"]]
    check("report.update" in actions and "reports.export_numbers" in actions, "audited: %r" % actions)
    gw.stop()
    import re
    full = re.findall(r"\+84\d{9}", gw.log_text())
    check(not full, "no full number in the logs: %r" % full[:3])


@suite.test
def spelled_keyword_and_reply_flood_bound(tmp, cleanup):
    sims, gw = two_sims(tmp, cleanup)
    sims[0].inject("+84912000005", "b a o tin nhan gia mao ngan hang")
    wait_for(lambda: gw.db_query("SELECT text FROM reports"), 30, "a report from 'b a o'")
    flooder = "+84912000077"
    for i in range(7):
        sims[1].inject(flooder, "HD %d" % i)
    wait_for(lambda: len(gw.db_query("SELECT id FROM inbound WHERE sender = ? AND action IS NOT NULL",
                                     (flooder,))) == 7, 40, "all seven filed")
    wait_for(lambda: len(sent_to(sims, flooder)) >= 5, 30, "five answers")
    time.sleep(4)
    answers = sent_to(sims, flooder)
    check(len(answers) == 5, "at most 5 answers an hour (max_replies_per_hour): %d" % len(answers))


@suite.test
def multipart_reassembled_across_a_restart(tmp, cleanup):
    sims, gw = two_sims(tmp, cleanup)
    citizen = "+84912000022"
    sims[0].inject(citizen, LONG_REPORT, order=[2], ref=55)
    wait_for(lambda: gw.db_query("SELECT id FROM inbound"), 30, "part 2 stored")
    check(gw.stop() == 0, "clean stop")
    gw.start(wait_ready=2)
    sims[1].inject(citizen, LONG_REPORT, order=[3, 1], ref=55)
    wait_for(lambda: gw.db_query("SELECT text FROM reports"), 30, "the report after the restart")
    rows = gw.db_query("SELECT text FROM reports")
    check(len(rows) == 1 and rows[0][0] == LONG_REPORT, "one whole report: %r" % rows)


if __name__ == "__main__":
    sys.exit(suite.run(sys.argv))
