#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""valgrind on the integration path: loagw and its modem workers (valgrind follows the exec)
run a campaign on Gammu's dummy phone and on a simulated AT modem, file a citizen's report and
stop with SIGTERM; every process must end with no memory error and no definite leak."""
import glob
import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import dummy_phone, Gateway, Sim, Suite, check, modem_conf, wait_for  # noqa: E402

suite = Suite("integration_valgrind")


@suite.test
def loagw_and_workers_are_valgrind_clean(tmp, cleanup):
    sim = Sim(tmp, "sim1")
    cleanup.append(sim.stop)
    d = dummy_phone(tmp, "d1")
    gw = Gateway(tmp, [modem_conf("sim1", sim.link),
                       modem_conf("d1", d, connection="none", model="dummy")], valgrind=True)
    cleanup.append(gw.stop)
    gw.start(wait_ready=2)
    code, body = gw.post("/v1/campaigns", {"text": "Không tung tin giả, tin sai sự thật trên "
                                                   "mạng xã hội. Nhận được tin nghi là giả, nhắn "
                                                   "BAO <nội dung> gửi số này.",
                                           "recipients": ["0912%06d" % i for i in range(6)]})
    check(code == 201, "create: %s" % code)
    sim.inject("+84912000001", "Báo tin giả: có người mạo danh cán bộ xã")
    gw.wait_campaign_done(body["id"], 180)
    wait_for(lambda: gw.db_query("SELECT ticket FROM reports"), 60, "the report")
    code, _ = gw.get("/v1/modems")
    check(code == 200, "modems")
    rc = gw.stop(timeout=120)
    logs = glob.glob(os.path.join(tmp, "valgrind.*.log"))
    check(len(logs) >= 3, "loagw and two workers ran under valgrind: %r" % logs)
    bad = []
    for path in logs:
        text = open(path, errors="replace").read()
        m = re.search(r"ERROR SUMMARY: (\d+) errors", text)
        if not m or m.group(1) != "0":
            bad.append((os.path.basename(path), m.group(0) if m else "no summary"))
    print("     %d processes under valgrind; loagw exit %s" % (len(logs), rc))
    check(not bad, "valgrind errors: %r" % bad)
    check(rc == 0, "loagw exit status %s" % rc)


if __name__ == "__main__":
    sys.exit(suite.run(sys.argv))
