#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""loactl against a real loagw (one dummy modem): the sample contacts imported in batches with
the bad rows reported by their CSV row, a saved group, a preview and a campaign to the group
watched until done, the campaign list, the audit log and the opt-out count. The fake-server test
(loactl_fake_test.py) checks the details; this one checks that loactl and loagw agree."""
import csv
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import ROOT, Gateway, Suite, check, dummy_gateway, modem_conf  # noqa: E402

suite = Suite("integration_loactl")
SAMPLE = os.path.join(ROOT, "tests", "data", "contacts.sample.csv")


def slug(s):
    import unicodedata
    s = unicodedata.normalize("NFD", s.replace("đ", "d").replace("Đ", "D"))
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).lower()
    return re.sub(r"[^a-z0-9_]+", "-", s).strip("-")


@suite.test
def contacts_groups_campaign_watch(tmp, cleanup):
    gw = dummy_gateway(tmp, cleanup, rate=60000)
    run = gw.loactl_runner(home=tmp)

    out = run("contacts", "import", SAMPLE, "--batch", "100")
    check(out.returncode == 1, "import with bad rows exits 1: %r" % (out,))
    rows = sorted(int(m) for m in re.findall(r":row (\d+): ", out.stderr))
    check(set(rows) <= set(range(482, 492)) and {482, 483, 485, 486, 487} <= set(rows),
          "bad rows named by their CSV row: %r" % out.stderr)
    check("%s:row 487: empty number" % SAMPLE in out.stderr, "row 487: %r" % out.stderr)
    m = re.fullmatch(r"(\d+) contacts imported \((\d+) new, (\d+) updated\), (\d+) rows "
                     r"rejected\n", out.stdout)
    check(m is not None, "summary line: %r" % out.stdout)
    imported, new, _, rejected = (int(x) for x in m.groups())
    check(imported + rejected == 491 and rejected == len(rows),
          "every data row imported or rejected: %r" % out.stdout)

    out = run("contacts", "count")
    check(out.returncode == 0 and out.stdout == "%d contacts\n" % new, "count: %r" % (out,))
    with open(SAMPLE, encoding="utf-8") as f:
        communes = {slug(r["commune"]) for r in csv.DictReader(f)}
    check("son-nam" in communes, "the sample has Sơn Nam")
    out = run("contacts", "count", "--group", "commune=son-nam")
    m = re.fullmatch(r"(\d+) contacts in commune=son-nam\n", out.stdout)
    check(out.returncode == 0 and m and int(m.group(1)) > 0, "group count: %r" % (out,))
    in_group = int(m.group(1))
    out = run("--json", "contacts", "list", "--group", "commune=son-nam", "--limit", "3")
    listed = json.loads(out.stdout)["contacts"] if out.returncode == 0 else []
    check(len(listed) == min(3, in_group) and
          all(c["tags"].get("commune") == "son-nam" for c in listed), "list: %r" % (out,))

    out = run("group", "save", "sn", "commune=son-nam")
    check(out.returncode == 0, "group save: %r" % (out,))
    out = run("--json", "groups")
    groups = json.loads(out.stdout).get("groups", []) if out.returncode == 0 else []
    check({"name": "sn", "query": "commune=son-nam", "count": in_group} in groups,
          "groups: %r" % (out,))

    text = "Họp thôn lúc 8 giờ sáng mai tại nhà văn hoá."
    out = run("campaign", "create", "--text", text, "--group", "sn", "--preview")
    check(out.returncode == 0 and re.search(r"^to send:\s+%d$" % in_group, out.stdout, re.M),
          "preview: %r" % (out,))
    check(gw.db_query("SELECT COUNT(*) FROM campaigns")[0][0] == 0, "preview stores nothing")
    out = run("campaign", "create", "--text", text, "--group", "sn", "--name", "Họp thôn")
    m = re.match(r"campaign (\d+) created: (\d+) recipients", out.stdout)
    check(out.returncode == 0 and m and int(m.group(2)) == in_group, "create: %r" % (out,))
    cid = m.group(1)
    out = run("campaign", "watch", cid, "--interval", "0.2")
    check(out.returncode == 0 and out.stdout.splitlines()[-1].startswith(
        "campaign %s done:" % cid), "watch until done: %r" % (out,))
    out = run("campaign", "list")
    check(out.returncode == 0 and re.search(r"^\s*%s\s+done\b" % cid, out.stdout, re.M),
          "list: %r" % (out,))
    out = run("audit", "--action", "contacts.import")
    check(out.returncode == 0 and out.stdout.count("contacts.import") == 5,
          "audit: one entry a batch: %r" % (out,))
    out = run("optouts", "--count")
    check(out.returncode == 0 and out.stdout == "0 numbers opted out\n", "optouts: %r" % (out,))


@suite.test
def every_other_command(tmp, cleanup):
    """The commands the first test does not use, once each against the daemon."""
    from harness import Sim, wait_for
    import time as _t
    sim = Sim(tmp, "sim1")
    cleanup.append(sim.stop)
    sim.ctl({"cmd": "set", "ussd_reply": "TK goc: 2.000d"})
    gw = Gateway(tmp, [modem_conf("sim1", sim.link)])
    cleanup.append(gw.stop)
    gw.start(wait_ready=1)
    run = gw.loactl_runner(home=tmp)

    def ok(out, what, pattern=None):
        check(out.returncode == 0 and (pattern is None or re.search(pattern, out.stdout, re.M)),
              "%s: %r" % (what, out))

    ok(run("health"), "health", r"2|1")
    ok(run("modems"), "modems", r"^sim1\s+ready")
    ok(run("modem", "show", "sim1"), "modem show", r"sim1")
    ok(run("modem", "ussd", "sim1", "*101#"), "modem ussd", r"TK goc: 2\.000d")
    ok(run("campaign", "create", "--text", "Tin sau", "--to", "0912000401",
           "--start-at", str(int(_t.time()) + 3600)), "campaign create later", r"campaign 1 created")
    ok(run("campaign", "pause", "1"), "pause", r"paused")
    ok(run("campaign", "resume", "1"), "resume")
    ok(run("campaign", "cancel", "1"), "cancel", r"cancel")
    ok(run("campaign", "show", "1"), "show", r"cancelled")
    out = run("campaign", "create", "--text", "CO hay KHONG?", "--to", "0912000402",
              "--poll", "CO,KHONG", "--poll-closes", "+2h")
    ok(out, "poll campaign", r"campaign 2 created")
    gw.wait_campaign_done(2, 60)
    sim.inject("+84912000402", "co")
    wait_for(lambda: gw.db_query("SELECT COUNT(*) FROM inbound WHERE action = 'vote'")[0][0], 30,
             "the vote")
    ok(run("campaign", "poll", "2"), "poll tally", r"CO\s+1")
    sim.inject("+84912000403", "BAO tin gia ve lu")
    wait_for(lambda: gw.db_query("SELECT ticket FROM reports"), 30, "a report")
    ticket = gw.db_query("SELECT ticket FROM reports")[0][0]
    ok(run("reports", "--status", "new"), "reports --status", ticket)
    ok(run("report", "show", ticket), "report show", ticket)
    ok(run("report", "update", ticket, "--status", "resolved", "--note", "xong"), "report update",
       r"resolved")
    out = run("reports", "--export", "csv")
    ok(out, "reports --export csv", r"^id,ticket,created_at,pseudonym")
    check("+84912000403" not in out.stdout, "the export shows a pseudonym, not the number")
    out = run("reports", "--export", "csv", "--numbers")
    ok(out, "reports --export csv --numbers", r"\+84912000403")
    ok(run("optout", "add", "0912000404"), "optout add")
    ok(run("optouts"), "optouts", r"\+84912000404")
    ok(run("audit", "--limit", "50"), "audit", r"optout\.add")
    out = run("campaign", "show", "99")
    check(out.returncode == 1, "unknown campaign exits 1: %r" % (out,))


if __name__ == "__main__":
    sys.exit(suite.run(sys.argv))
