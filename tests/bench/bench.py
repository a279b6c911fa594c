#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Loa benchmarks (make bench): Loa against gammu-smsd on Gammu's dummy phone and on simulated AT
modems (loa-modemsim). Prints each figure as it is measured and one table at the end.

Every figure is measured outside the daemons: at the modem side (the simulator's record of each
PDU it received, with its arrival time) where there is a modem, from the file system (gammu-smsd)
or the store's message states (Loa) on Gammu's dummy phone, which records nothing. CPU time and
memory come from /proc. What each figure means: docs/BENCH.md.

Usage: bench.py [FIGURE...]   figures: f 1 2 3 4 5 (6 is computed from 1 and 2); default: all.
Environment: LOA_BIN (binaries, default bin/), LOA_BARE_SEND (the bare GSM_SendSMS loop),
LOA_BENCH_OUT (directory for the table and the raw results), LOA_KEEP_TMP=1 keeps temp dirs.
"""
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from harness import (ADMIN_TOKEN, BIN, OFFICIAL_TOKEN, ROOT, VIEWER_TOKEN,  # noqa: E402
                     Gateway, Sim, sha256, wait_for)

BARE_SEND = os.environ.get("LOA_BARE_SEND", os.path.join(ROOT, "build", "bench", "bare_send"))
OUT_DIR = os.environ.get("LOA_BENCH_OUT", os.path.join(ROOT, "build", "bench"))
CLK_TCK = os.sysconf("SC_CLK_TCK")

N_THROUGHPUT = 5000          # figure 1
LOA_REPEATS = 3              # figure 1: Loa runs (fresh store each); the median is reported
GAMMU_DEFAULT_WINDOW_S = 30  # figure 1: gammu-smsd with defaults sends 1 SMS/s; watched this long
LATENCY_MS = 1000            # figure 2: L, network time per SMS added by each simulator
PER_MODEM = 20               # figure 2: a campaign of PER_MODEM x K messages
KS = (1, 4, 16)
GAMMU_REF_MSGS = 20          # figure 2: gammu-smsd on one simulated modem
PICKUP_TRIALS = 10           # figure 3 (Loa)
GAMMU_PICKUP_PHASES = (8, 10, 20)  # figure 3 (gammu-smsd): seconds idle before each message
REPLIES = 100                # figure 4
BIG = 1000000                # figure 5

# The bench's own inbound rules (figure 4 sends reports), independent of the tests' config.
RULES = """
inbound = {
  rules = (
    { keywords = ["BAO"]; action = "report"; reply = "Da nhan phan anh. Ma so: {ticket}."; },
    { keywords = ["HUY"]; action = "optout"; reply = "Ban da huy nhan tin."; }
  );
  unknown = { action = "help"; reply = "Nhan BAO <noi dung> de phan anh tin gia."; };
};
"""

TEXT = "Loa bench: hay chia se thong tin co nguon chinh thong."  # one GSM-7 segment


# ---- measurement helpers --------------------------------------------------------------------

def cpu_s(pid):
    """user + sys seconds of one live process; 0 if it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    except (OSError, IndexError, ValueError):
        return 0.0


def fsync_latency(directory, n=200):
    """Mean seconds of one 4 KiB write + fdatasync on the file system of `directory`."""
    path = os.path.join(directory, "fsync.probe")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        t = time.perf_counter()
        for i in range(n):
            os.pwrite(fd, b"x" * 4096, (i % 16) * 4096)
            os.fdatasync(fd)
        return (time.perf_counter() - t) / n
    finally:
        os.close(fd)
        os.unlink(path)


def children(pid):
    out = []
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                out += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return out


def cpu_tree(pid):
    """(the process's own CPU seconds, {child pid: CPU seconds})."""
    return cpu_s(pid), {c: cpu_s(c) for c in children(pid)}


def cpu_delta(before, after):
    """CPU seconds used between two cpu_tree() samples: (own, children)."""
    own = after[0] - before[0]
    kids = sum(v - before[1].get(c, 0.0) for c, v in after[1].items())
    return own, kids


def proc_status_kib(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def numbers(n, base=0):
    """n distinct Vietnamese mobile numbers as people type them: 09xxxxxxxx."""
    return ["09%08d" % (base + i) for i in range(n)]


def e164(national):
    return "+84" + national[1:]


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def pct(xs, p):
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = min(len(xs) - 1, max(0, int(round(p / 100.0 * len(xs) + 0.5)) - 1))
    return xs[k]


def say(*a):
    print(*a, flush=True)


# ---- the daemons ----------------------------------------------------------------------------

class BenchGateway(Gateway):
    """The harness's gateway with a bench configuration: big request bodies, Loa's defaults
    (WAL store, synchronous=FULL, default backoff) except two policies that would hold the
    benchmark's traffic back: quiet hours (off, so the figures do not depend on the hour in
    Viet Nam) and the per-number daily cap (off: the latency figures message the same numbers
    many times)."""

    def __init__(self, workdir, modems, max_body=64 << 20, log_level="info"):
        self.max_body = max_body
        self.log_level = log_level
        super().__init__(workdir, modems)

    def write_conf(self):
        with open(self.conf_path, "w") as f:
            f.write("# SPDX-License-Identifier: GPL-2.0-or-later\n# generated by tests/bench\n")
            f.write('log = { level = "%s"; format = "json"; };\n' % self.log_level)
            f.write('store = { path = "%s"; };\n' % self.db)
            f.write('dispatch = { quiet_hours = ""; daily_cap = 0; };\n')
            f.write('api = { listen = "127.0.0.1"; port = 0; max_body = %d; tokens = (\n'
                    '  { name = "admin"; sha256 = "%s"; role = "admin"; },\n'
                    '  { name = "official"; sha256 = "%s"; role = "official"; },\n'
                    '  { name = "viewer"; sha256 = "%s"; role = "viewer"; }\n); };\n'
                    % (self.max_body, sha256(ADMIN_TOKEN), sha256(OFFICIAL_TOKEN),
                       sha256(VIEWER_TOKEN)))
            f.write(RULES)
            f.write("modems = (\n  " + ",\n  ".join(self.modems) + "\n);\n")

    def post_big(self, path, raw, timeout=300):
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.port, path), data=raw,
                                     method="POST")
        req.add_header("Authorization", "Bearer " + OFFICIAL_TOKEN)
        req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return resp.status, json.loads(resp.read().decode() or "null")
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def counts(self):
        return dict(self.db_query("SELECT state, COUNT(*) FROM messages GROUP BY state"))


def bench_modem(name, device, connection="at", model="at", extra=""):
    """A modem entry with Loa's defaults except the rate limit, opened up so that it does not
    cap the benchmark (60000 parts a minute is the config's maximum)."""
    return ('{ name = "%s"; device = "%s"; connection = "%s"; model = "%s"; '
            'rate_per_min = 60000; %s}' % (name, device, connection, model, extra))


def dummy_dir(path):
    for sub in ("sms/1", "sms/2", "sms/3", "sms/4", "sms/5"):
        os.makedirs(os.path.join(path, sub), exist_ok=True)
    return path


class Smsd:
    """gammu-smsd in the foreground with its files backend, on one phone, in its own dir."""

    def __init__(self, workdir, name, device, connection, model, settings=None):
        self.dir = os.path.join(workdir, name)
        self.dirs = {k: os.path.join(self.dir, k) for k in ("inbox", "outbox", "sent", "error")}
        for d in self.dirs.values():
            os.makedirs(d, exist_ok=True)
        self.conf = os.path.join(self.dir, "smsdrc")
        self.logfile = os.path.join(self.dir, "smsd.log")
        with open(self.conf, "w") as f:
            f.write("# SPDX-License-Identifier: GPL-2.0-or-later\n# generated by tests/bench\n")
            f.write("[gammu]\ndevice = %s\nconnection = %s\nmodel = %s\n\n"
                    % (device, connection, model))
            f.write("[smsd]\nservice = files\nlogfile = %s\ndebuglevel = 0\n" % self.logfile)
            f.write("inboxpath = %s/\noutboxpath = %s/\nsentsmspath = %s/\nerrorsmspath = %s/\n"
                    % (self.dirs["inbox"], self.dirs["outbox"], self.dirs["sent"],
                       self.dirs["error"]))
            for k, v in (settings or {}).items():
                f.write("%s = %s\n" % (k, v))
        self.proc = None
        self.serial = 0

    def queue(self, recipients, text=TEXT):
        """Write one outbox file per recipient, each atomically (temp name, then rename)."""
        for r in recipients:
            self.serial += 1
            name = "OUTC20260101_000000_%06d_%s_bench.txt" % (self.serial, r)
            tmp = os.path.join(self.dir, ".tmp")
            with open(tmp, "w") as f:
                f.write(text)
            os.rename(tmp, os.path.join(self.dirs["outbox"], name))

    def start(self):
        self.out = open(os.path.join(self.dir, "stdout.log"), "w")
        self.proc = subprocess.Popen(["gammu-smsd", "-c", self.conf], stdout=self.out,
                                     stderr=self.out, stdin=subprocess.DEVNULL)
        return self

    def sent_times(self):
        """Completion time of each sent message: the ctime of its file in the sent dir (set when
        gammu-smsd renames it there after the phone's answer)."""
        out = []
        d = self.dirs["sent"]
        for name in os.listdir(d):
            try:
                out.append(os.stat(os.path.join(d, name)).st_ctime)
            except OSError:
                pass
        return sorted(out)

    def n_sent(self):
        return len(os.listdir(self.dirs["sent"]))

    def n_error(self):
        return len(os.listdir(self.dirs["error"]))

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.out.close()


# ---- the run --------------------------------------------------------------------------------

class Bench:
    def __init__(self):
        self.rows = []      # (figure, label, loa, gammu, ratio, goal, verdict)
        self.raw = {}
        self.f = None       # libgammu's floor per SMS on a simulated modem (s)
        self.f_submit = None  # from GSM_SendSMS to the PDU at the modem (s)
        self.tail_l = None  # from the PDU at the modem to the send's end, with latency L (s)
        self.f_l = None     # the bare loop's time per SMS with latency L (s)
        self.fsync_s = None

    def row(self, fig, label, loa, gammu="", ratio="", goal="", ok=None):
        verdict = "" if ok is None else ("met" if ok else "NOT MET")
        r = (fig, label, loa, gammu, ratio, goal, verdict)
        self.rows.append(r)
        say("  %-3s %-44s loa=%-14s gammu-smsd=%-14s ratio=%-8s goal=%s %s" % r)

    def table(self):
        head = ("#", "figure", "Loa", "gammu-smsd", "ratio", "goal", "")
        rows = [head] + [tuple(str(x) for x in r) for r in self.rows]
        w = [max(len(r[i]) for r in rows) for i in range(len(head))]
        lines = []
        for i, r in enumerate(rows):
            lines.append("| " + " | ".join(r[j].ljust(w[j]) for j in range(len(head))) + " |")
            if i == 0:
                lines.append("|" + "|".join("-" * (w[j] + 2) for j in range(len(head))) + "|")
        return "\n".join(lines)

    # -- f: libgammu's own floor per SMS --------------------------------------------------

    def bare_loop(self, tmp, sim, count):
        out = subprocess.run([BARE_SEND, sim.link, "at", "at", str(count)], capture_output=True,
                             text=True, timeout=60 + count * 5)
        if out.returncode != 0:
            raise RuntimeError("bare_send failed: %s" % out.stderr[-500:])
        sends = [json.loads(line) for line in out.stdout.splitlines()]
        return [s for s in sends if "i" in s]

    def fig_f(self, tmp, cleanup):
        say("f: libgammu's floor per SMS (bare GSM_SendSMS loop on one simulated modem)")
        sim = Sim(tmp, "bare")
        cleanup.append(sim.stop)
        t_rec = time.time() * 1000
        sends = self.bare_loop(tmp, sim, 10)
        subs = [r for r in sim.submits() if r["ts"] >= t_rec]
        if len(subs) != len(sends):
            raise RuntimeError("bare loop: %d sends, %d PDUs at the modem" % (len(sends), len(subs)))
        self.f = statistics.mean(s["s"] for s in sends)
        self.f_submit = statistics.mean(r["ts"] - s["start_ms"] for r, s in zip(subs, sends)) / 1e3
        self.raw["f"] = {"f_s": self.f, "f_submit_s": self.f_submit, "sends": sends}
        say("  f = %.3f s per SMS; of which %.3f s until the PDU reaches the modem"
            % (self.f, self.f_submit))
        # the same with the network time L: where does the simulator put it?
        st = sim.ctl({"cmd": "set", "latency_ms": LATENCY_MS})
        if st.get("ok"):
            t_rec = time.time() * 1000
            sends = self.bare_loop(tmp, sim, 3)
            subs = [r for r in sim.submits() if r["ts"] >= t_rec]
            if len(subs) == len(sends):
                self.tail_l = statistics.mean(s["end_ms"] - r["ts"] for r, s in zip(subs, sends)) / 1e3
                self.f_l = statistics.mean(s["s"] for s in sends)
                self.raw["f"]["with_latency"] = {"mean_s": statistics.mean(s["s"] for s in sends),
                                                 "tail_s": self.tail_l}
                say("  with L = %d ms: %.3f s per SMS; the send ends %.3f s after the PDU's record"
                    % (LATENCY_MS, statistics.mean(s["s"] for s in sends), self.tail_l))
        else:
            say("  the simulator has no latency_ms setting (%r)" % st)
        self.row("f", "libgammu floor per SMS, simulated modem", "%.3f s" % self.f,
                 "%.3f s" % self.f, "", "(reference)")
        if self.f_l is not None:
            self.row("f", "  the same with L = %d ms (f_L)" % LATENCY_MS, "%.3f s" % self.f_l,
                     "%.3f s" % self.f_l, "", "(reference)")
        self.fsync_s = fsync_latency(tmp)
        say("  this disk: write + fdatasync %.2f ms" % (self.fsync_s * 1e3))
        self.raw["fsync_s"] = self.fsync_s
        self.row("f", "disk: one write + fdatasync", "%.2f ms" % (self.fsync_s * 1e3), "", "",
                 "(reference)")

    # -- 1: throughput on Gammu's dummy phone ---------------------------------------------

    def fig_1(self, tmp, cleanup):
        say("1: throughput, %d single-segment messages, one dummy phone" % N_THROUGHPUT)
        runs = []
        for rep in range(LOA_REPEATS):
            runs.append(self.loa_dummy_run(os.path.join(tmp, "loa%d" % rep), cleanup))
            r = runs[-1]
            say("  Loa run %d: %d sent; %.0f msg/s first to last sent, %.0f msg/s from the "
                "request; CPU loagw %.2f s, worker %.2f s; fdatasync %.2f ms (one commit a "
                "message: at most %.0f msg/s); load %.1f"
                % (rep + 1, r["sent"], r["rate"], r["rate_e2e"], r["cpu_loagw_s"],
                   r["cpu_worker_s"], r["fsync_s"] * 1e3, 1 / r["fsync_s"], r["load"]))
        self.raw["1_loa"] = runs
        best = sorted(runs, key=lambda r: r["rate"])[len(runs) // 2]  # the median run
        loa_rate, sent = best["rate"], best["sent"]
        own, kids = best["cpu_loagw_s"], best["cpu_worker_s"]

        tuned = {"LoopSleep": 0, "StatusFrequency": 0, "CheckSecurity": 0, "CheckBattery": 0,
                 "CheckSignal": 0, "CheckNetwork": 0}
        res = {}
        for label, settings, window in (("tuned", tuned, None),
                                        ("defaults", {}, GAMMU_DEFAULT_WINDOW_S)):
            d = dummy_dir(os.path.join(tmp, "smsd-dummy-" + label))
            s = Smsd(tmp, "smsd-" + label, d, "none", "dummy", settings)
            cleanup.append(s.stop)
            n = N_THROUGHPUT
            s.queue(["+84%09d" % (900000000 + i) for i in range(n)])
            s.start()
            t0 = time.time()
            c0 = cpu_s(s.proc.pid)
            if window is None:
                wait_for(lambda: s.n_sent() + s.n_error() >= n, 600,
                         "gammu-smsd (%s) to send %d" % (label, n), interval=0.2)
            else:
                time.sleep(window)
            c1 = cpu_s(s.proc.pid)
            times = s.sent_times()
            s.stop()
            rate = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0
            res[label] = {"sent": len(times), "errors": s.n_error(), "rate": rate,
                          "cpu_s": c1 - c0, "wall_s": time.time() - t0}
            say("  gammu-smsd %s: %d sent%s; %.1f msg/s first to last sent; CPU %.2f s"
                % (label, len(times), " in %d s" % window if window else "", rate, c1 - c0))
        self.raw["1_gammu"] = res
        t = res["tuned"]["rate"]
        self.row("1", "throughput, dummy phone (msg/s)", "%.0f" % loa_rate, "%.1f" % t,
                 "%.1fx" % (loa_rate / t), ">= 20x tuned", loa_rate >= 20 * t)
        self.row("1", "  gammu-smsd with defaults (msg/s)", "", "%.2f" % res["defaults"]["rate"],
                 "%.0fx" % (loa_rate / res["defaults"]["rate"]) if res["defaults"]["rate"] else "",
                 "")
        self.cpu_rows("1", "dummy phone", own + kids, own, kids, sent,
                      [("tuned", res["tuned"]), ("defaults", res["defaults"])])

    def loa_dummy_run(self, wd, cleanup):
        """One Loa run of figure 1 in its own directory, store and dummy phone."""
        os.makedirs(wd)
        fsync_before = fsync_latency(wd)
        d = dummy_dir(os.path.join(wd, "dummy"))
        gw = BenchGateway(wd, [bench_modem("d1", d, "none", "dummy", "inbox_interval_s = 3600; ")])
        cleanup.append(gw.stop)
        gw.start(wait_ready=1)
        time.sleep(6.5)  # the token bucket fills to its burst (a tenth of a minute's worth)
        rcpts = numbers(N_THROUGHPUT)
        before = cpu_tree(gw.proc.pid)
        t0 = time.time()
        code, body = gw.post_big("/v1/campaigns", json.dumps({"text": TEXT,
                                                             "recipients": rcpts}).encode())
        if code != 201:
            raise RuntimeError("create: %s %r" % (code, body))

        def settled():
            c = gw.counts()
            return c.get("sent", 0) + c.get("failed", 0) >= N_THROUGHPUT
        wait_for(settled, 300, "the campaign to drain", interval=0.05)
        after = cpu_tree(gw.proc.pid)
        first, last = gw.db_query("SELECT MIN(updated_at), MAX(updated_at) FROM messages "
                                  "WHERE state = 'sent'")[0]
        sent = gw.counts().get("sent", 0)
        own, kids = cpu_delta(before, after)
        gw.stop()
        return {"sent": sent, "rate": (sent - 1) / ((last - first) / 1e3),
                "rate_e2e": sent / (last / 1e3 - t0), "cpu_loagw_s": own, "cpu_worker_s": kids,
                "fsync_s": (fsync_before + fsync_latency(wd)) / 2, "load": os.getloadavg()[0]}

    def cpu_rows(self, fig, where, total, own, kids, sent, gammu):
        per = lambda s, n: "%.0f us" % (1e6 * s / n) if n else "-"  # noqa: E731
        g = "; ".join("%s %s" % (per(r["cpu_s"], r["sent"]), lab) for lab, r in gammu)
        self.row("6", "CPU per message, %s (run %s)" % (where, fig),
                 "%s (gw %s + workers %s)" % (per(total, sent), per(own, sent), per(kids, sent)),
                 g, "", "")

    # -- 2: capacity use on simulated modems with network time L --------------------------

    def fig_2(self, tmp, cleanup):
        say("2: capacity use, K simulated modems, L = %d ms per SMS" % LATENCY_MS)
        if self.f is None:
            raise RuntimeError("needs f (run figure f first)")
        L = LATENCY_MS / 1e3
        if self.f_l is None:
            raise RuntimeError("the simulator has no latency_ms setting")
        tail = self.tail_l
        # libgammu sleeps 0.1 s after Ctrl-Z while the modem already counts its network time,
        # so a send with latency L costs f_L (measured) < L + f: the stricter ideal is f_L.
        per_sms = self.f_l
        cpu_total = {"own": 0.0, "kids": 0.0, "sent": 0}
        for K in KS:
            wd = os.path.join(tmp, "loa-k%d" % K)
            os.makedirs(wd)
            sims = [Sim(wd, "sim%d" % i) for i in range(K)]
            for s in sims:
                cleanup.append(s.stop)
                ans = s.ctl({"cmd": "set", "latency_ms": LATENCY_MS})
                if not ans.get("ok"):
                    raise RuntimeError("simulator without latency_ms: %r" % ans)
            gw = BenchGateway(wd, [bench_modem("sim%d" % i, s.link) for i, s in enumerate(sims)])
            cleanup.append(gw.stop)
            gw.start(wait_ready=K)
            time.sleep(1.0)
            n = PER_MODEM * K
            rcpts = numbers(n, base=10000 * K)
            before = cpu_tree(gw.proc.pid)
            t0 = time.time()
            code, body = gw.post("/v1/campaigns", {"text": TEXT, "recipients": rcpts})
            if code != 201:
                raise RuntimeError("create: %s %r" % (code, body))
            want = {e164(r) for r in rcpts}

            def arrived():
                return {r["to"] for s in sims for r in s.submits() if r["ts"] >= t0 * 1000} >= want
            wait_for(arrived, 60 + 5 * PER_MODEM * (L + self.f) * 2, "all PDUs at the modems",
                     interval=0.2)
            wait_for(lambda: gw.counts().get("sent", 0) >= n, 60, "all settled", interval=0.1)
            after = cpu_tree(gw.proc.pid)
            subs = [r for s in sims for r in s.submits() if r["ts"] >= t0 * 1000]
            last = max(r["ts"] for r in subs) / 1e3
            drain = last + tail - t0
            store_last = gw.db_query("SELECT MAX(updated_at) FROM messages")[0][0] / 1e3
            ideal = n * per_sms / K
            ideal_spec = n * (L + self.f) / K
            per_sim = [len([r for r in s.submits() if r["ts"] >= t0 * 1000]) for s in sims]
            own, kids = cpu_delta(before, after)
            cpu_total["own"] += own
            cpu_total["kids"] += kids
            cpu_total["sent"] += n
            gw.stop()
            for s in sims:
                s.stop()
            ratio = drain / ideal
            self.raw["2_loa_k%d" % K] = {"n": n, "drain_s": drain, "ideal_s": ideal,
                                        "ideal_l_plus_f_s": ideal_spec,
                                        "store_drain_s": store_last - t0, "per_modem": per_sim,
                                        "pdus": len(subs), "cpu_loagw_s": own,
                                        "cpu_workers_s": kids}
            say("  K=%d: %d PDUs (per modem %s); drain %.2f s (store: %.2f s); ideal n x f_L / K "
                "= %.2f s, ratio %.3f; ideal n x (L + f) / K = %.2f s, ratio %.3f; CPU loagw "
                "%.2f s, workers %.2f s" % (K, len(subs), per_sim, drain, store_last - t0, ideal,
                                            ratio, ideal_spec, drain / ideal_spec, own, kids))
            self.row("2", "capacity use K=%d (drain / ideal)" % K,
                     "%.3f (%.3f)" % (ratio, drain / ideal_spec), "", "", "<= 1.02",
                     ratio <= 1.02)
        # gammu-smsd on one simulated modem, for reference
        wd = os.path.join(tmp, "smsd-ref")
        os.makedirs(wd)
        sim = Sim(wd, "gsim")
        cleanup.append(sim.stop)
        sim.ctl({"cmd": "set", "latency_ms": LATENCY_MS})
        s = Smsd(wd, "smsd", sim.link, "at", "at")
        cleanup.append(s.stop)
        rcpts = ["+84%09d" % (910000000 + i) for i in range(GAMMU_REF_MSGS)]
        s.queue(rcpts)
        t0 = time.time()
        s.start()
        c0 = cpu_s(s.proc.pid)
        wait_for(lambda: len([r for r in sim.submits()]) >= GAMMU_REF_MSGS,
                 60 + GAMMU_REF_MSGS * 10, "gammu-smsd to send %d" % GAMMU_REF_MSGS, interval=0.5)
        c1 = cpu_s(s.proc.pid)
        subs = sim.submits()
        s.stop()
        sim.stop()
        first = min(r["ts"] for r in subs) / 1e3
        last = max(r["ts"] for r in subs) / 1e3
        # from its first PDU (its start-up and connection left out) to the end of its last send
        g_drain = last - first + per_sms
        g_ideal = GAMMU_REF_MSGS * per_sms
        self.raw["2_gammu"] = {"n": len(subs), "drain_s": g_drain, "ideal_s": g_ideal,
                               "cpu_s": c1 - c0, "since_start_s": last + tail - t0}
        say("  gammu-smsd, 1 modem: %d PDUs, first to last send %.2f s, ideal %.2f s, ratio %.2f"
            % (len(subs), g_drain, g_ideal, g_drain / g_ideal))
        self.row("2", "  gammu-smsd, 1 simulated modem", "", "%.3f (%.3f)"
                 % (g_drain / g_ideal, g_drain / (GAMMU_REF_MSGS * (L + self.f))), "",
                 "(reference)")
        self.cpu_rows("2", "simulated modems", cpu_total["own"] + cpu_total["kids"],
                      cpu_total["own"], cpu_total["kids"], cpu_total["sent"],
                      [("", {"cpu_s": c1 - c0, "sent": len(subs)})])

    # -- 3: pickup latency ----------------------------------------------------------------

    def fig_3(self, tmp, cleanup):
        say("3: pickup latency, idle gateway, first PDU at the modem (minus f_submit)")
        wd = os.path.join(tmp, "loa-pickup")
        os.makedirs(wd)
        sim = Sim(wd, "psim")
        cleanup.append(sim.stop)
        gw = BenchGateway(wd, [bench_modem("p1", sim.link)])
        cleanup.append(gw.stop)
        gw.start(wait_ready=1)
        time.sleep(2.0)
        lat = []
        for i in range(PICKUP_TRIALS):
            to = numbers(1, base=20000 + i)
            t0 = time.time()
            code, body = gw.post("/v1/campaigns", {"text": TEXT, "recipients": to})
            if code != 201:
                raise RuntimeError("create: %s %r" % (code, body))
            r = wait_for(lambda: [x for x in sim.submits() if x["to"] == e164(to[0])], 30,
                         "the PDU", interval=0.01)[0]
            lat.append(r["ts"] / 1e3 - t0 - self.f_submit)
            time.sleep(1.0 + 0.37 * (i % 3))  # idle again, at varying phases of its timers
        gw.stop()
        sim.stop()
        say("  Loa: " + " ".join("%.0f" % (x * 1e3) for x in lat) + " ms")

        sim = Sim(wd, "gpsim")
        cleanup.append(sim.stop)
        s = Smsd(wd, "smsd", sim.link, "at", "at")
        cleanup.append(s.stop)
        s.start()
        glat = []
        ref = time.time()
        for i, phase in enumerate(GAMMU_PICKUP_PHASES):
            time.sleep(max(0.0, ref + phase - time.time()))
            to = "+84%09d" % (930000000 + i)
            t0 = time.time()
            s.queue([to])
            r = wait_for(lambda: [x for x in sim.submits() if x["to"] == to], 70,
                         "gammu-smsd's PDU", interval=0.05)[0]
            glat.append(r["ts"] / 1e3 - t0 - self.f_submit)
            ref = time.time()
        s.stop()
        sim.stop()
        say("  gammu-smsd: " + " ".join("%.1f s" % x for x in glat))
        self.raw["3"] = {"loa_s": lat, "gammu_s": glat}
        m, gm = median(lat), median(glat)
        self.row("3", "pickup latency, median (ms)", "%.0f (max %.0f)" % (m * 1e3, max(lat) * 1e3),
                 "%.0f (max %.0f)" % (gm * 1e3, max(glat) * 1e3),
                 "%.0fx faster" % (gm / m) if m > 0 else "", "<= 100 ms", m <= 0.1)

    # -- 4: reply latency -----------------------------------------------------------------

    def fig_4(self, tmp, cleanup):
        say("4: reply latency, %d citizen reports, acknowledgement PDU at a modem" % REPLIES)
        wd = os.path.join(tmp, "loa-reply")
        os.makedirs(wd)
        sims = [Sim(wd, "rsim%d" % i) for i in range(2)]
        for s in sims:
            cleanup.append(s.stop)
        gw = BenchGateway(wd, [bench_modem("r%d" % i, s.link) for i, s in enumerate(sims)])
        cleanup.append(gw.stop)
        gw.start(wait_ready=2)
        time.sleep(1.0)
        lat = []
        for i in range(REPLIES):
            sender = "+8491%07d" % (3000000 + i)
            sim = sims[i % 2]
            t0 = time.time()
            sim.inject(sender, "BAO tin gia so %d: co nguoi mao danh can bo xa" % i)
            r = wait_for(lambda: [x for s in sims for x in s.submits() if x["to"] == sender], 60,
                         "the acknowledgement to report %d" % i, interval=0.01)[0]
            lat.append(r["ts"] / 1e3 - t0 - self.f_submit)
        tickets = gw.db_query("SELECT COUNT(*) FROM reports")[0][0]
        gw.stop()
        for s in sims:
            s.stop()
        self.raw["4"] = {"loa_s": lat, "reports": tickets}
        m, p99 = median(lat), pct(lat, 99)
        say("  Loa: median %.0f ms, p99 %.0f ms, max %.0f ms; %d reports filed"
            % (m * 1e3, p99 * 1e3, max(lat) * 1e3, tickets))
        self.row("4", "reply latency, median (ms)", "%.0f" % (m * 1e3), "", "", "<= 250 ms",
                 m <= 0.25)
        self.row("4", "reply latency, p99 (ms)", "%.0f" % (p99 * 1e3), "", "", "")

    # -- 5: enqueue and memory ------------------------------------------------------------

    def fig_5(self, tmp, cleanup):
        say("5: %d recipients in one request -> a durable campaign" % BIG)
        wd = os.path.join(tmp, "loa-big")
        os.makedirs(wd)
        nodev = os.path.join(wd, "no-such-modem")
        gw = BenchGateway(wd, [bench_modem("absent", nodev)])
        cleanup.append(gw.stop)
        gw.start()
        raw = json.dumps({"text": TEXT, "recipients": numbers(BIG)}).encode()
        rss0 = proc_status_kib(gw.proc.pid, "VmRSS")
        t0 = time.monotonic()
        code, body = gw.post_big("/v1/campaigns", raw)
        dt = time.monotonic() - t0
        if code != 201:
            raise RuntimeError("create: %s %r" % (code, str(body)[:300]))
        hwm = proc_status_kib(gw.proc.pid, "VmHWM")
        code, camp = gw.get("/v1/campaigns/%d" % body["id"])
        queued = camp["counts"]["queued"] if code == 200 else 0
        stored = gw.counts().get("queued", 0)
        chunks = gw.db_query("SELECT COUNT(*) FROM rcpt_chunks")[0][0]
        gw.stop()
        say("  %d recipients (%.1f MB request): 201 after %.2f s; loagw peak RSS %.1f MiB "
            "(%.1f MiB before); %d queued: %d as messages, the rest in %d chunks"
            % (BIG, len(raw) / 1e6, dt, hwm / 1024.0, rss0 / 1024.0, queued, stored, chunks))
        if queued != BIG:
            raise RuntimeError("%d queued, not %d" % (queued, BIG))
        # start-up with a million queued and no modem ready
        t0 = time.monotonic()
        gw.log_offset = os.path.getsize(gw.log_path)
        gw.start()

        def healthy():
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/healthz" % gw.port,
                                            timeout=5) as r:
                    return r.status == 200
            except (OSError, urllib.error.URLError):
                return False
        wait_for(healthy, 60, "/healthz", interval=0.005)
        t_up = time.monotonic() - t0
        time.sleep(1.0)
        rss = proc_status_kib(gw.proc.pid, "VmRSS")
        hwm2 = proc_status_kib(gw.proc.pid, "VmHWM")
        gw.stop()
        say("  restart with %d queued: /healthz answers after %.2f s; RSS %.1f MiB "
            "(peak %.1f MiB)" % (queued, t_up, rss / 1024.0, hwm2 / 1024.0))
        imp = self.fig_5_contacts(tmp, cleanup, nodev)
        self.raw["5"] = {"enqueue_s": dt, "peak_rss_kib": hwm, "queued": queued,
                         "startup_s": t_up, "rss_kib": rss, "startup_peak_kib": hwm2,
                         "body_bytes": len(raw), **imp}
        self.row("5", "enqueue 1,000,000 recipients (s)", "%.2f" % dt, "", "", "<= 3 s", dt <= 3)
        self.row("5", "  peak RSS while enqueueing (MiB)", "%.1f" % (hwm / 1024.0), "", "",
                 "<= 64 MiB", hwm <= 64 * 1024)
        self.row("5", "start-up with 1,000,000 queued (s)", "%.2f" % t_up, "", "", "")
        self.row("5", "  daemon RSS with 1,000,000 queued (MiB)", "%.1f" % (rss / 1024.0), "", "",
                 "")
        self.row("5", "loactl campaign create --csv, 1,000,000 rows (s)", "%.2f" % imp["csv_s"],
                 "", "", "<= 3 s", imp["csv_s"] <= 3)
        self.row("5", "  loagw peak RSS (MiB)", "%.1f" % (imp["csv_peak_kib"] / 1024.0), "", "",
                 "<= 64 MiB", imp["csv_peak_kib"] <= 64 * 1024)
        self.row("5", "  loactl peak RSS (MiB)", "%.1f" % (imp["csv_ctl_kib"] / 1024.0), "", "",
                 "")
        self.row("5", "import 1,000,000 contacts, loactl (s)", "%.1f" % imp["import_s"], "", "",
                 "seconds")
        self.row("5", "  loagw peak RSS while importing (MiB)",
                 "%.1f" % (imp["import_peak_kib"] / 1024.0), "", "", "")
        self.row("5", "campaign to all 1,000,000 contacts (s)", "%.2f" % imp["group_s"], "", "",
                 "<= 3 s", imp["group_s"] <= 3)
        self.row("5", "  peak RSS while enqueueing (MiB)", "%.1f" % (imp["group_peak_kib"] / 1024.0),
                 "", "", "<= 64 MiB", imp["group_peak_kib"] <= 64 * 1024)

    def fig_5_contacts(self, tmp, cleanup, nodev):
        """The officials' ways to a million recipients, each in a fresh loagw: a 1,000,000-row CSV
        (number, name and two tags) given to `loactl campaign create --csv`; the same CSV imported
        as contacts with `loactl contacts import`, then a campaign to every contact."""
        wd = os.path.join(tmp, "loa-contacts")
        os.makedirs(wd)
        path = os.path.join(wd, "contacts.csv")
        with open(path, "w") as f:
            f.write("number,name,commune,village\n")
            for i in range(BIG):
                f.write("0%d,Nguoi %d,xa-%02d,thon-%03d\n" % (910000000 + i, i, i % 20, i % 200))
        gw = BenchGateway(wd, [bench_modem("absent", nodev)])
        cleanup.append(gw.stop)
        # an official's way: the district's list as a CSV, straight into a campaign
        gw.start()
        url = "http://127.0.0.1:%d" % gw.port
        t0 = time.monotonic()
        p = subprocess.run(["/usr/bin/time", "-f", "%M", os.path.join(BIN, "loactl"), "--url", url,
                            "--token", OFFICIAL_TOKEN, "campaign", "create", "--text", TEXT,
                            "--csv", path], capture_output=True, text=True, timeout=600)
        dt_csv = time.monotonic() - t0
        if p.returncode != 0:
            raise RuntimeError("campaign --csv: exit %d: %s" % (p.returncode, p.stderr[-300:]))
        hwm_csv = proc_status_kib(gw.proc.pid, "VmHWM")
        ctl_kib = int(p.stderr.strip().splitlines()[-1])
        say("  loactl campaign create --csv (%d rows): %.2f s (%s); loagw peak RSS %.1f MiB, "
            "loactl's %.1f MiB" % (BIG, dt_csv, p.stdout.strip().splitlines()[-1], hwm_csv / 1024.0,
                                   ctl_kib / 1024.0))
        gw.stop()
        for suffix in ("", "-wal", "-shm"):  # the contacts start from an empty store
            if os.path.exists(gw.db + suffix):
                os.unlink(gw.db + suffix)
        gw.start()
        url = "http://127.0.0.1:%d" % gw.port  # a new port
        t0 = time.monotonic()
        p = subprocess.run([os.path.join(BIN, "loactl"), "--url", url, "--token", ADMIN_TOKEN,
                            "contacts", "import", path], capture_output=True, text=True,
                           timeout=600)
        dt_import = time.monotonic() - t0
        if p.returncode != 0:
            raise RuntimeError("import: exit %d: %s" % (p.returncode, p.stderr[-300:]))
        hwm_import = proc_status_kib(gw.proc.pid, "VmHWM")
        n = gw.db_query("SELECT COUNT(*) FROM contacts")[0][0]
        if n != BIG:
            raise RuntimeError("import: %d contacts stored, not %d" % (n, BIG))
        say("  %d contacts imported with loactl in %.1f s (%s); loagw peak RSS %.1f MiB"
            % (n, dt_import, p.stdout.strip().splitlines()[-1] if p.stdout.strip() else "",
               hwm_import / 1024.0))
        gw.stop()  # a fresh process, so that its peak is the campaign's alone
        gw.start()
        t0 = time.monotonic()
        code, body = gw.post_big("/v1/campaigns", json.dumps({"text": TEXT, "group": "*"}).encode())
        dt_group = time.monotonic() - t0
        if code != 201 or body.get("recipients") != BIG:
            raise RuntimeError("group campaign: %s %r" % (code, str(body)[:300]))
        hwm_group = proc_status_kib(gw.proc.pid, "VmHWM")
        gw.stop()
        say("  campaign to all %d contacts: 201 after %.2f s; loagw peak RSS %.1f MiB"
            % (BIG, dt_group, hwm_group / 1024.0))
        return {"csv_s": dt_csv, "csv_peak_kib": hwm_csv, "csv_ctl_kib": ctl_kib,
                "import_s": dt_import, "import_peak_kib": hwm_import, "group_s": dt_group,
                "group_peak_kib": hwm_group}

    def run(self, figures):
        order = [("f", self.fig_f), ("1", self.fig_1), ("2", self.fig_2), ("3", self.fig_3),
                 ("4", self.fig_4), ("5", self.fig_5)]
        failed = []
        for name, fn in order:
            if name not in figures:
                continue
            tmp = tempfile.mkdtemp(prefix="loa-bench-%s-" % name)
            cleanup = []
            t = time.monotonic()
            try:
                fn(tmp, cleanup)
                ok = True
            except Exception as e:  # noqa: BLE001 - one figure failing must not stop the rest
                ok = False
                failed.append(name)
                say("  figure %s could not be measured: %s: %s (files in %s)"
                    % (name, type(e).__name__, e, tmp))
                first = (str(e).splitlines() or [""])[0]
                self.row(name, "(not measured: %s)" % first[:60], "", "", "", "")
            finally:
                for c in reversed(cleanup):
                    try:
                        c()
                    except Exception:  # noqa: BLE001
                        pass
            say("  (%s: %.0f s; load average %.2f)" % (name, time.monotonic() - t,
                                                      os.getloadavg()[0]))
            if ok and not os.environ.get("LOA_KEEP_TMP"):
                shutil.rmtree(tmp, ignore_errors=True)
        return failed


def machine():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return "%d CPU(s), %s" % (os.cpu_count() or 0, cpu)


def main(argv):
    figures = argv[1:] or ["f", "1", "2", "3", "4", "5"]
    if any(f in figures for f in ("2", "3", "4")) and "f" not in figures:
        figures = ["f"] + figures
    for prog in (os.path.join(BIN, "loagw"), os.path.join(BIN, "loa-modemsim"), BARE_SEND):
        if not os.access(prog, os.X_OK):
            say("bench: %s is missing (make all; tests/bench/run.sh builds bare_send)" % prog)
            return 2
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
    start = time.monotonic()
    say("Loa benchmarks, %s, %s" % (time.strftime("%Y-%m-%d %H:%M"), machine()))
    b = Bench()
    failed = b.run(figures)
    say("")
    say("Loa benchmarks, %s, %s, %.0f s" % (time.strftime("%Y-%m-%d"), machine(),
                                          time.monotonic() - start))
    table = b.table()
    say(table)
    os.makedirs(OUT_DIR, exist_ok=True)
    with open(os.path.join(OUT_DIR, "last.md"), "w") as f:
        f.write(table + "\n")
    with open(os.path.join(OUT_DIR, "last.json"), "w") as f:
        json.dump({"machine": machine(), "rows": b.rows, "raw": b.raw}, f, indent=1)
    if failed:
        say("bench: figures not measured: %s" % " ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
