#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The API under concurrent clients while a broadcast runs: bounded in time (LOA_LOAD_SECONDS,
default 8) and in clients (8 threads on loopback). No errors beyond 429/503 by design, no lost
request: every campaign answered 201 is in the store with its message, and nothing else is."""
import json
import os
import random
import sys
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from harness import (ADMIN_TOKEN, OFFICIAL_TOKEN, Gateway, Sim, Suite, check,  # noqa: E402
                     modem_conf)

suite = Suite("integration_load")


@suite.test
def api_under_concurrent_clients(tmp, cleanup):
    seconds = float(os.environ.get("LOA_LOAD_SECONDS", "8"))
    sims = [Sim(tmp, "sim1"), Sim(tmp, "sim2")]
    for s in sims:
        cleanup.append(s.stop)
    gw = Gateway(tmp, [modem_conf(s.name, s.link) for s in sims])
    cleanup.append(gw.stop)
    gw.start(wait_ready=2)
    code, body = gw.post("/v1/campaigns", {"text": "Hãy chia sẻ thông tin có nguồn chính thống.",
                                           "recipients": ["+8491%07d" % (5000000 + i) for i in range(40)]})
    check(code == 201, "the broadcast")
    base = "http://127.0.0.1:%d" % gw.port
    lock = threading.Lock()
    results = []  # (route, status, seconds)
    created = []
    stop_at = time.monotonic() + seconds

    def client(k):
        rnd = random.Random(k)
        n = 0
        while time.monotonic() < stop_at:
            n += 1
            pick = rnd.random()
            if pick < 0.25:
                route, method, data = "/v1/campaigns", "POST", json.dumps(
                    {"text": "Tin thu %d-%d" % (k, n), "recipients": ["+8497%03d%04d" % (k, n)]}).encode()
            elif pick < 0.5:
                route, method, data = "/v1/modems", "GET", None
            elif pick < 0.7:
                route, method, data = "/v1/campaigns/%d" % body["id"], "GET", None
            elif pick < 0.85:
                route, method, data = "/metrics", "GET", None
            else:
                route, method, data = "/healthz", "GET", None
            req = urllib.request.Request(base + route, data=data, method=method)
            req.add_header("Authorization", "Bearer " + (OFFICIAL_TOKEN if method == "POST" else ADMIN_TOKEN))
            t0 = time.monotonic()
            try:
                with urllib.request.urlopen(req, timeout=30) as resp:
                    status, text = resp.status, resp.read()
            except urllib.error.HTTPError as e:
                status, text = e.code, e.read()
            except OSError as e:
                status, text = 0, str(e).encode()
            dt = time.monotonic() - t0
            with lock:
                results.append((route.split("/")[2] if route.startswith("/v1/") else route, status, dt))
                if method == "POST" and status == 201:
                    created.append((json.loads(text)["id"], data))

    threads = [threading.Thread(target=client, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 60)
    bad = [r for r in results if r[1] not in (200, 201, 429, 503)]
    check(not bad, "%d unexpected answers, e.g. %r" % (len(bad), bad[:5]))
    lat = sorted(r[2] for r in results)
    p50 = lat[len(lat) // 2] * 1000
    p99 = lat[int(len(lat) * 0.99)] * 1000
    print("     %d requests in %.0f s by 8 clients (%.0f/s), %d campaigns created; latency p50 %.1f ms,"
          " p99 %.1f ms" % (len(results), seconds, len(results) / seconds, len(created), p50, p99))
    rows = dict(gw.db_query("SELECT id, (SELECT COUNT(*) FROM messages m WHERE m.campaign_id = c.id)"
                            " FROM campaigns c"))
    for cid, _ in created:
        check(rows.get(cid) == 1, "campaign %d answered 201 is stored with its message" % cid)
    check(len(rows) == len(created) + 1, "nothing stored that was not answered 201: %d vs %d"
          % (len(rows), len(created) + 1))
    check(gw.proc.poll() is None, "loagw still running")


if __name__ == "__main__":
    sys.exit(suite.run(sys.argv))
