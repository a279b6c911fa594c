#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Crash loop: loagw is killed with SIGKILL at random moments during a broadcast while
citizens' replies arrive, and restarted each time. At the end, from the simulators' records and
the store: every recipient got the message, duplicates only for messages that were in flight
at a kill (counted and printed), and every injected reply was filed exactly once.

LOA_CRASH_KILLS (default 20; `make soak` uses 200), LOA_CRASH_MESSAGES (default 600),
LOA_CRASH_SEED (default: random, printed) tune it."""
import os
import random
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import Gateway, Sim, Suite, check, modem_conf, reassemble, wait_for  # noqa: E402

suite = Suite("integration_crash")
TEXT = "CẢNH BÁO: đang có tin nhắn giả mạo cơ quan nhà nước yêu cầu chuyển tiền. Không làm theo."


@suite.test
def sigkill_loop_loses_nothing(tmp, cleanup):
    kills = int(os.environ.get("LOA_CRASH_KILLS", "20"))
    n_msgs = int(os.environ.get("LOA_CRASH_MESSAGES", "600"))
    seed = int(os.environ.get("LOA_CRASH_SEED", str(random.randrange(1 << 30))))
    rnd = random.Random(seed)
    n_sims = 6
    print("     seed %d, %d kills, %d messages, %d simulated modems" % (seed, kills, n_msgs, n_sims),
          flush=True)
    sims = [Sim(tmp, "sim%d" % (i + 1)) for i in range(n_sims)]
    for s in sims:
        cleanup.append(s.stop)
    gw = Gateway(tmp, [modem_conf(s.name, s.link).replace("command_timeout_s = 60",
                                                          "command_timeout_s = 20")
                       for s in sims])
    cleanup.append(gw.stop)
    gw.start(wait_ready=n_sims)
    rcpts = ["+8491%07d" % (2000000 + i) for i in range(n_msgs)]
    code, body = gw.post("/v1/campaigns", {"text": TEXT, "recipients": rcpts})
    check(code == 201, "create: %s %r" % (code, body))
    cid = body["id"]
    replies = []  # (sender, text)
    survived = 0
    for k in range(kills):
        # let it work a random while, inject a citizen's reply now and then, then kill
        for _ in range(rnd.randint(0, 2)):
            sender = "+8498%07d" % (1000 + len(replies))
            text = "BAO tin gia so %d: co nguoi mao danh can bo xa" % len(replies)
            rnd.choice(sims).inject(sender, text)
            replies.append((sender, text))
        time.sleep(rnd.uniform(0.2, 3.0))
        gw.proc.send_signal(signal.SIGKILL)
        gw.proc.wait()
        gw.log.close()
        survived += 1
        gw.start(wait_ready=None)
    print("     %d kills survived; draining" % survived, flush=True)
    wait_for(lambda: gw.ready_modems() >= n_sims - 1, 90, "modems back", interval=0.5)
    c = gw.wait_campaign_done(cid, 900)
    # every reply filed exactly once, each answered
    wait_for(lambda: len(gw.db_query("SELECT id FROM inbound WHERE action IS NOT NULL"))
             >= len(replies), 120, "all replies filed")
    rows = gw.db_query("SELECT sender, text, COUNT(*) FROM inbound GROUP BY sender, text")
    filed = {(s, t): n for s, t, n in rows}
    for r in replies:
        check(filed.get(r) == 1, "reply %r filed %s times" % (r, filed.get(r)))
    check(len(filed) == len(replies), "nothing filed that was not sent: %d vs %d"
          % (len(filed), len(replies)))
    reports = gw.db_query("SELECT COUNT(*) FROM reports")[0][0]
    check(reports == len(replies), "one report per reply: %d vs %d" % (reports, len(replies)))
    # every recipient got the whole message; duplicates only from in-flight messages
    got = reassemble([r for s in sims for r in s.submits()])
    check(c["counts"]["sent"] == n_msgs, "all sent per the store: %r" % c["counts"])
    missing = [to for to in rcpts if TEXT not in got.get(to, [])]
    check(not missing, "%d recipients never got the whole text, e.g. %r" % (len(missing), missing[:3]))
    dups = {to: len([t for t in got[to] if t == TEXT]) - 1 for to in rcpts}
    dup_total = sum(dups.values())
    bound = kills * n_sims  # at most one message in flight per modem at each kill
    retried = dict(gw.db_query("SELECT recipient, attempts FROM messages WHERE campaign_id = ?",
                               (cid,)))
    for to, d in dups.items():
        if d:
            check(retried[to] > 1, "%s got %d duplicate(s) but was never re-sent" % (to, d))
    check(dup_total <= bound, "%d duplicates > %d (in flight at kills)" % (dup_total, bound))
    acks = sum(1 for s in sims for r in s.submits() if r["to"].startswith("+8498"))
    print("     summary: kills survived %d, messages lost 0, duplicates %d (messages in flight "
          "at a kill, bound %d), replies filed once %d/%d, acknowledgements sent %d"
          % (survived, dup_total, bound, len(replies), len(replies), acks), flush=True)


if __name__ == "__main__":
    sys.exit(suite.run(sys.argv))
