#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Store faults and shutdown: the store's disk fills up (or fails) under a running broadcast
and comes back; SIGTERM mid-broadcast drains and exits 0, and a restart resumes.

The disk is failed through the store's fault-injecting VFS (LOA_FAULT_STORE, queue/queue_fault.c):
while a flag file exists, every write, truncate and sync of the SQLite files fails."""
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import Gateway, Sim, Suite, check, modem_conf, reassemble, wait_for  # noqa: E402

suite = Suite("integration_faults")
TEXT = "Không tung tin giả, tin sai sự thật trên mạng xã hội."


def setup(tmp, cleanup, fault):
    flag = os.path.join(tmp, "disk-full")
    sims = [Sim(tmp, "sim1"), Sim(tmp, "sim2")]
    for s in sims:
        cleanup.append(s.stop)
        s.ctl({"cmd": "set", "latency_ms": 300})
    gw = Gateway(tmp, [modem_conf(s.name, s.link) for s in sims],
                 env={"LOA_FAULT_STORE": "%s-if-exists:%s" % (fault, flag)})
    cleanup.append(gw.stop)
    gw.start(wait_ready=2)
    return sims, gw, flag


def store_fault_run(tmp, cleanup, fault):
    sims, gw, flag = setup(tmp, cleanup, fault)
    rcpts = ["+8491%07d" % (3000000 + i) for i in range(30)]
    code, body = gw.post("/v1/campaigns", {"text": TEXT, "recipients": rcpts})
    check(code == 201, "create: %s" % code)
    cid = body["id"]
    wait_for(lambda: sum(len(s.submits()) for s in sims) >= 4, 30, "sending under way")
    open(flag, "w").close()  # the disk is full from now on
    code, ans = gw.post("/v1/campaigns", {"text": TEXT, "recipients": ["+84912999001"]})
    check(code in (500, 503), "a campaign is refused while the disk is full: %s %r" % (code, ans))
    if fault == "full":
        check(code == 503 and ans["error"]["code"] == "store_full", "says the disk is full: %r" % ans)
    sims[0].inject("+84912888001", "BAO co nguoi mao danh cong an")
    time.sleep(4)
    code, health = gw.get("/healthz")
    check(code == 200 and gw.proc.poll() is None, "loagw keeps running")
    frozen = sum(len(s.submits()) for s in sims)
    time.sleep(3)
    # nothing new can be claimed while no claim can be committed
    check(sum(len(s.submits()) for s in sims) <= frozen + 2, "no sends that were not recorded")
    os.unlink(flag)  # space comes back
    c = gw.wait_campaign_done(cid, 120)
    check(c["counts"]["sent"] == 30, "all sent once the disk is back: %r" % c["counts"])
    wait_for(lambda: gw.db_query("SELECT ticket FROM reports"), 60, "the citizen's report filed")
    check(len(gw.db_query("SELECT id FROM inbound")) == 1, "filed exactly once")
    got = reassemble([r for s in sims for r in s.submits() if r["to"] in rcpts])
    check(sorted(got) == sorted(rcpts), "every recipient got it")
    dups = sum(len(v) - 1 for v in got.values())
    check(dups == 0, "no duplicates: %d" % dups)
    code, body = gw.post("/v1/campaigns", {"text": TEXT, "recipients": ["+84912999001"]})
    check(code == 201, "accepted again: %s" % code)
    check(gw.stop() == 0, "clean exit")
    check(gw.db_query("PRAGMA integrity_check")[0][0] == "ok", "the store is intact")
    check(gw.db_query("SELECT COUNT(*) FROM campaigns")[0][0] == 2, "exactly the accepted campaigns")


@suite.test
def disk_full_under_a_broadcast(tmp, cleanup):
    store_fault_run(tmp, cleanup, "full")


@suite.test
def io_errors_under_a_broadcast(tmp, cleanup):
    store_fault_run(tmp, cleanup, "ioerr")


@suite.test
def sigterm_drains_and_restart_resumes(tmp, cleanup):
    sims = [Sim(tmp, "sim1"), Sim(tmp, "sim2")]
    for s in sims:
        cleanup.append(s.stop)
        s.ctl({"cmd": "set", "latency_ms": 2000})  # a send in flight when SIGTERM comes
    gw = Gateway(tmp, [modem_conf(s.name, s.link) for s in sims])
    cleanup.append(gw.stop)
    gw.start(wait_ready=2)
    rcpts = ["+8491%07d" % (4000000 + i) for i in range(12)]
    code, body = gw.post("/v1/campaigns", {"text": TEXT, "recipients": rcpts})
    cid = body["id"]
    wait_for(lambda: sum(len(s.submits()) for s in sims) >= 3, 60, "sending under way")
    t0 = time.monotonic()
    gw.proc.send_signal(signal.SIGTERM)
    rc = gw.proc.wait(45)
    gw.log.close()
    took = time.monotonic() - t0
    check(rc == 0, "exit status 0 after SIGTERM: %s" % rc)
    check(took < 40, "drained within the bound: %.1f s" % took)
    rows = dict(gw.db_query("SELECT state, COUNT(*) FROM messages GROUP BY state"))
    check("sending" not in rows, "nothing left in flight: %r" % rows)
    gw.start(wait_ready=2)
    c = gw.wait_campaign_done(cid, 120)
    check(c["counts"]["sent"] == 12, "resumed and finished: %r" % c["counts"])
    got = reassemble([r for s in sims for r in s.submits()])
    check(sorted(got) == sorted(rcpts) and all(len(v) == 1 for v in got.values()),
          "each recipient exactly once")
    print("     SIGTERM to exit: %.1f s" % took)


if __name__ == "__main__":
    sys.exit(suite.run(sys.argv))
