#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Every API route: success with the right role, 401 without a token, 403 with a weaker role,
404 for an unknown object, 400 naming the field for a bad body or parameter, 413 for an
oversized body. Printed as a table; one failing cell fails the test."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import (ADMIN_TOKEN, OFFICIAL_TOKEN, VIEWER_TOKEN, Gateway, Sim, Suite, check,  # noqa: E402
                     modem_conf, wait_for)

suite = Suite("integration_api_routes")
TOKENS = {"viewer": VIEWER_TOKEN, "official": OFFICIAL_TOKEN, "admin": ADMIN_TOKEN}
WEAKER = {"official": "viewer", "admin": "official"}
CAMPAIGN = {"text": "Tin thu", "recipients": ["0912000101"]}

# (method, path, body, role needed, success status, bad body or query -> field, unknown path)
ROUTES = [
    ("GET", "/v1/campaigns", None, "viewer", 200, ("GET", "/v1/campaigns?limit=0", None, "limit"), None),
    ("POST", "/v1/campaigns", CAMPAIGN, "official", 201, ("POST", "/v1/campaigns", {"text": ""}, "text"), None),
    ("POST", "/v1/campaigns/preview", CAMPAIGN, "official", 200,
     ("POST", "/v1/campaigns/preview", {"text": "x", "recipients": ["1"]}, "recipients[0]"), None),
    ("GET", "/v1/campaigns/{cid}", None, "viewer", 200, None, "/v1/campaigns/999999"),
    ("POST", "/v1/campaigns/{cid2}/pause", None, "official", 200, None, "/v1/campaigns/999999/pause"),
    ("POST", "/v1/campaigns/{cid2}/resume", None, "official", 200, None, "/v1/campaigns/999999/resume"),
    ("POST", "/v1/campaigns/{cid2}/cancel", None, "official", 200, None, "/v1/campaigns/999999/cancel"),
    ("GET", "/v1/campaigns/{poll}/poll", None, "viewer", 200, None, "/v1/campaigns/999999/poll"),
    ("GET", "/v1/modems", None, "viewer", 200, None, None),
    ("GET", "/v1/modems/sim1", None, "viewer", 200, None, "/v1/modems/nope"),
    ("POST", "/v1/modems/sim1/ussd", {"code": "*101#"}, "admin", 200,
     ("POST", "/v1/modems/sim1/ussd", {"code": "abc"}, "code"), "/v1/modems/nope/ussd"),
    ("GET", "/v1/reports", None, "viewer", 200, ("GET", "/v1/reports?status=done", None, "status"), None),
    ("GET", "/v1/reports/{ticket}", None, "viewer", 200, None, "/v1/reports/ZZZZZZ"),
    ("POST", "/v1/reports/{ticket}", {"status": "reviewing"}, "official", 200,
     ("POST", "/v1/reports/{ticket}", {"status": "done"}, "status"), "/v1/reports/ZZZZZZ"),
    ("GET", "/v1/optouts", None, "viewer", 200, None, None),
    ("POST", "/v1/optouts", {"number": "0912000199"}, "admin", 201,
     ("POST", "/v1/optouts", {"number": "12"}, "number"), None),
    ("GET", "/v1/audit", None, "admin", 200, ("GET", "/v1/audit?limit=x", None, "limit"), None),
    ("POST", "/v1/contacts", {"contacts": [{"number": "0912000301", "name": "An"}]}, "admin", 200,
     ("POST", "/v1/contacts", {"contacts": "x"}, "contacts"), None),
    ("GET", "/v1/contacts", None, "official", 200, ("GET", "/v1/contacts?group=a=", None, "group"), None),
    ("GET", "/v1/contacts/count", None, "official", 200, ("GET", "/v1/contacts/count?group=Bad", None, "group"), None),
    ("GET", "/v1/groups", None, "official", 200, None, None),
    ("POST", "/v1/groups", {"name": "g1", "query": "commune=son-nam"}, "admin", 201,
     ("POST", "/v1/groups", {"name": "g2", "query": "x y"}, "query"), None),
]


@suite.test
def every_route(tmp, cleanup):
    sim = Sim(tmp, "sim1")
    cleanup.append(sim.stop)
    sim.ctl({"cmd": "set", "ussd_reply": "TK goc: 1.000d"})
    gw = Gateway(tmp, [modem_conf("sim1", sim.link)])
    cleanup.append(gw.stop)
    gw.start(wait_ready=1)
    # objects the routes refer to
    code, c1 = gw.post("/v1/campaigns", CAMPAIGN)
    code, c2 = gw.post("/v1/campaigns", {"text": "Sau", "recipients": ["0912000102"],
                                         "start_at": int(time.time()) + 3600})
    code, poll = gw.post("/v1/campaigns", {"text": "CO hay KHONG?", "recipients": ["0912000103"],
                                           "poll": {"answers": ["CO", "KHONG"],
                                                    "closes_at": int(time.time()) + 3600}})
    sim.inject("+84912000104", "BAO tin gia")
    rep = wait_for(lambda: (gw.get("/v1/reports")[1]["reports"] or [None])[0], 30, "a report")
    ids = {"cid": c1["id"], "cid2": c2["id"], "poll": poll["id"], "ticket": rep["ticket"]}
    failures = []

    def cell(ok, what, got):
        if not ok:
            failures.append(what)
        return "ok " if ok else "BAD"

    print("     %-6s %-32s %-7s %-7s %-7s %-7s %-7s" % ("", "route", "success", "401", "403",
                                                        "404", "400"))
    for method, path, body, role, status, bad, unknown in ROUTES:
        p = path.format(**ids)
        marks = []
        code, ans = gw.request(method, p, body, token=None)
        marks.append(cell(code == 401, "%s %s 401" % (method, path), code))
        if role in WEAKER:
            code, ans = gw.request(method, p, body, token=TOKENS[WEAKER[role]])
            marks.insert(0, cell(code == 403, "%s %s 403" % (method, path), code))
        else:
            marks.insert(0, "-  ")
        code, ans = gw.request(method, p, body, token=TOKENS[role])
        marks.insert(0, cell(code == status, "%s %s %d (got %d %s)" % (method, path, status, code,
                                                                        json.dumps(ans)[:80]), code))
        if unknown:
            code, ans = gw.request(method, unknown, body, token=ADMIN_TOKEN)
            marks.append(cell(code == 404, "%s %s 404 (got %d)" % (method, unknown, code), code))
        else:
            marks.append("-  ")
        if bad:
            bm, bp, bb, field = bad
            code, ans = gw.request(bm, bp.format(**ids), bb, token=ADMIN_TOKEN)
            got = ans.get("error", {}).get("field") if isinstance(ans, dict) else None
            marks.append(cell(code == 400 and got == field,
                              "%s %s 400 %s (got %d %r)" % (bm, bp, field, code, got), code))
        else:
            marks.append("-  ")
        s, x401, x403, x404, x400 = marks[0], marks[2], marks[1], marks[3], marks[4]
        print("     %-6s %-32s %-7s %-7s %-7s %-7s %-7s" % (method, path, s, x401, x403, x404, x400))
    for method, path in (("POST", "/v1/campaigns"), ("POST", "/v1/contacts"), ("POST", "/v1/groups"),
                         ("POST", "/v1/reports/" + rep["ticket"])):
        code, _ = gw.request(method, path, raw=b"{" + b" " * 70000 + b"}", token=ADMIN_TOKEN)
        print("     %-6s %-32s oversized body: %d" % (method, path, code))
        if code != 413:
            failures.append("%s %s 413 (got %d)" % (method, path, code))
    check(not failures, "cells failed: %r" % failures)


if __name__ == "__main__":
    sys.exit(suite.run(sys.argv))
