# SPDX-License-Identifier: GPL-2.0-or-later
"""Test harness: run the real loagw against simulated modems (loa-modemsim on pseudo-terminals,
driven by libgammu's AT driver) or Gammu's dummy driver, and talk to it over its HTTP API.

Standard library only. Every wait is bounded (wait_for); nothing sleeps blindly.
"""
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("LOA_BIN", os.path.join(ROOT, "bin"))
ADMIN_TOKEN = "test-admin-token"
OFFICIAL_TOKEN = "test-official-token"
VIEWER_TOKEN = "test-viewer-token"


def sha256(s):
    import hashlib
    return hashlib.sha256(s.encode()).hexdigest()


class TestFailure(AssertionError):
    pass


def check(cond, msg):
    if not cond:
        raise TestFailure(msg)


def wait_for(cond, timeout, what, interval=0.05):
    """Poll cond() until it returns a truthy value or timeout seconds pass."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = cond()
        if last:
            return last
        time.sleep(interval)
    raise TestFailure("timed out after %.0f s waiting for %s (last: %r)" % (timeout, what, last))


class Sim:
    """One loa-modemsim process: a pty modem with a control socket and a JSON-lines record."""

    def __init__(self, workdir, name, extra_args=()):
        self.name = name
        self.link = os.path.join(workdir, name + ".tty")
        self.control = os.path.join(workdir, name + ".sock")
        self.record = os.path.join(workdir, name + ".jsonl")
        self.log = open(os.path.join(workdir, name + ".log"), "w")
        self.proc = subprocess.Popen(
            [os.path.join(BIN, "loa-modemsim"), "--link", self.link, "--control", self.control,
             "--record", self.record, *extra_args],
            stdout=self.log, stderr=self.log)
        wait_for(lambda: os.path.exists(self.link) and os.path.exists(self.control), 10,
                 "simulator %s to start" % name)

    def ctl(self, cmd):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(self.control)
        s.sendall((json.dumps(cmd) + "\n").encode())
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
        s.close()
        return json.loads(buf.decode())

    def inject(self, sender, text, **kw):
        ans = self.ctl({"cmd": "inject", "from": sender, "text": text, **kw})
        check(ans.get("ok"), "inject failed: %r" % ans)
        return ans

    def records(self, event=None):
        if not os.path.exists(self.record):
            return []
        out = []
        with open(self.record, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line:
                    r = json.loads(line)
                    if event is None or r.get("event") == event:
                        out.append(r)
        return out

    def submits(self):
        return self.records("submit")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def reassemble(submits):
    """Group submitted PDUs by (recipient, concat ref) and join the parts' text in order.
    Returns {recipient: [full_text, ...]}."""
    groups = {}
    singles = {}
    for r in submits:
        c = r.get("concat")
        if c:
            key = (r["to"], c["ref"], c["parts"])
            groups.setdefault(key, {})[c["part"]] = r["text"]
        else:
            singles.setdefault(r["to"], []).append(r["text"])
    out = {k: list(v) for k, v in singles.items()}
    for (to, _ref, parts), got in groups.items():
        text = "".join(got.get(i, "\u2047") for i in range(1, parts + 1))
        out.setdefault(to, []).append(text)
    return out


def dummy_phone(workdir, name):
    """A directory for Gammu's dummy phone (its SMS folders made); returns its path."""
    d = os.path.join(workdir, name)
    for sub in ("sms/1", "sms/2", "sms/3", "sms/4", "sms/5"):
        os.makedirs(os.path.join(d, sub))
    return d


def modem_conf(name, device, connection="at", model="at", operator=None, rate=600, extra=""):
    op = 'operator = "%s"; ' % operator if operator else ""
    return ('{ name = "%s"; device = "%s"; connection = "%s"; model = "%s"; %srate_per_min = %d; '
            'inbox_interval_s = 2; health_interval_s = 30; command_timeout_s = 60; %s}'
            % (name, device, connection, model, op, rate, extra))


RULES = """
inbound = {
  rules = (
    { keywords = ["BAO", "TINGIA", "REPORT"]; action = "report";
      reply = "Da nhan phan anh. Ma so: {ticket}. Cam on ban."; },
    { keywords = ["HUY", "STOP", "TUCHOI"]; action = "optout";
      reply = "Ban da huy nhan tin. Nhan DK de dang ky lai."; },
    { keywords = ["DK", "START"]; action = "optin"; reply = "Ban da dang ky lai."; },
    { keywords = ["HD", "HELP"]; action = "help"; reply = "Nhan BAO <noi dung> de phan anh tin gia."; }
  );
  unknown = { action = "help"; reply = "Nhan BAO <noi dung> de phan anh tin gia. Nhan HUY de huy."; };
  INBOUND_EXTRA
};
"""


def dummy_gateway(tmp, cleanup, rate=600):
    """A started loagw on one Gammu dummy phone (modem d1, `rate` per minute), stopped by
    `cleanup`."""
    d = dummy_phone(tmp, "dummy1")
    gw = Gateway(tmp, [modem_conf("d1", d, connection="none", model="dummy", rate=rate)])
    cleanup.append(gw.stop)
    gw.start(wait_ready=1)
    return gw


def two_sims(tmp, cleanup, **gwkw):
    """Two simulated modems (sim1 on Viettel, sim2 on Vinaphone) and a started loagw on them,
    all stopped by `cleanup`; gwkw goes to Gateway (extra_conf, dispatch, store...)."""
    sims = [Sim(tmp, "sim1"), Sim(tmp, "sim2")]
    for s in sims:
        cleanup.append(s.stop)
    gw = Gateway(tmp, [modem_conf("sim1", sims[0].link, operator="viettel"),
                       modem_conf("sim2", sims[1].link, operator="vinaphone")], **gwkw)
    cleanup.append(gw.stop)
    gw.start(wait_ready=2)
    return sims, gw


class Gateway:
    """A loagw process with its own config, store and log in a temp directory."""

    def __init__(self, workdir, modems, extra_conf="", dispatch="", env=None, inbound_extra="",
                 store="", valgrind=False):
        self.inbound_extra = inbound_extra
        self.valgrind = valgrind
        self.workdir = workdir
        self.db = os.path.join(workdir, "loa.db")
        self.conf_path = os.path.join(workdir, "loa.conf")
        self.log_path = os.path.join(workdir, "loagw.log")
        self.modems = modems
        self.extra_conf = extra_conf
        self.dispatch = dispatch
        self.store = store
        self.env = env
        self.proc = None
        self.port = None
        self.write_conf()

    def write_conf(self):
        with open(self.conf_path, "w") as f:
            f.write("# generated by the integration tests\n")
            f.write('log = { level = "info"; format = "json"; };\n')
            f.write('store = { path = "%s"; %s };\n' % (self.db, self.store))
            quiet = "" if "quiet_hours" in self.dispatch else 'quiet_hours = "";'
            f.write('dispatch = { max_attempts = 3; backoff_s = [1, 2]; %s %s };\n'
                    % (quiet, self.dispatch))
            f.write('api = { listen = "127.0.0.1"; port = 0; max_body = 65536; tokens = (\n'
                    '  { name = "admin"; sha256 = "%s"; role = "admin"; },\n'
                    '  { name = "official"; sha256 = "%s"; role = "official"; },\n'
                    '  { name = "viewer"; sha256 = "%s"; role = "viewer"; }\n); };\n'
                    % (sha256(ADMIN_TOKEN), sha256(OFFICIAL_TOKEN), sha256(VIEWER_TOKEN)))
            f.write(RULES.replace("INBOUND_EXTRA", self.inbound_extra))
            f.write('operators = ( { name = "viettel"; prefixes = ["+8486", "+8496", "+8497", '
                    '"+8498", "+843"]; }, { name = "vinaphone"; prefixes = ["+8488", "+8491", '
                    '"+8494", "+8481", "+8482", "+8483", "+8484", "+8485"]; } );\n')
            f.write(self.extra_conf + "\n")
            f.write("modems = (\n  " + ",\n  ".join(self.modems) + "\n);\n")

    def start(self, wait_ready=None):
        self.log_offset = os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0
        self.log = open(self.log_path, "a")
        env = dict(os.environ)
        env["LOA_MODEM_WORKER"] = os.path.join(BIN, "loa-modem")
        if self.env:
            env.update(self.env)
        cmd = [os.path.join(BIN, "loagw"), "-c", self.conf_path]
        if self.valgrind:
            self.valgrind_log = os.path.join(self.workdir, "valgrind.%p.log")
            cmd = ["valgrind", "--error-exitcode=99", "--leak-check=full",
                   "--errors-for-leak-kinds=definite", "--show-leak-kinds=definite",
                   "--trace-children=yes", "--log-file=" + self.valgrind_log] + cmd
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=self.log, env=env)
        self.port = wait_for(self._find_port, 120 if self.valgrind else 20, "loagw to listen")
        if wait_ready is not None:
            wait_for(lambda: self.ready_modems() >= wait_ready, 60,
                     "%d modem(s) ready" % wait_ready, interval=0.2)
        return self

    def _find_port(self):
        check(self.proc.poll() is None, "loagw exited early (%s); log:\n%s"
              % (self.proc.returncode, self.log_text()[-3000:]))
        port = None
        for line in self.log_lines(since=self.log_offset):
            if line.get("msg") == "api listening" and line.get("proc") == "loagw":
                port = line.get("port")
        return port

    def log_text(self, since=0):
        with open(self.log_path, "rb") as f:
            f.seek(since)
            return f.read().decode("utf-8", errors="replace")

    def log_lines(self, since=0):
        out = []
        for line in self.log_text(since).splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                out.append({"raw": line})
        return out

    def request(self, method, path, body=None, token=ADMIN_TOKEN, raw=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.port, path), data=data,
                                     method=method)
        if token:
            req.add_header("Authorization", "Bearer " + token)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, json.loads(resp.read().decode() or "null")
        except urllib.error.HTTPError as e:
            text = e.read().decode()
            try:
                return e.code, json.loads(text)
            except ValueError:
                return e.code, text

    def loactl_runner(self, token=ADMIN_TOKEN, home=None, timeout=120):
        """A function that runs loactl (path from $LOACTL) against this gateway with `token`,
        none of the caller's LOA_* variables, and HOME set to `home` when given (so that no
        user config file is read); it returns the CompletedProcess."""
        loactl = os.environ.get("LOACTL", os.path.join(ROOT, "bin", "loactl"))
        env = {k: v for k, v in os.environ.items() if not k.startswith("LOA_")}
        env.update(LOA_URL="http://127.0.0.1:%d" % self.port, LOA_TOKEN=token)
        if home:
            env["HOME"] = home

        def run(*args):
            return subprocess.run([loactl, *args], capture_output=True, text=True, env=env,
                                  timeout=timeout)
        return run

    def get(self, path, token=ADMIN_TOKEN):
        return self.request("GET", path, token=token)

    def post(self, path, body, token=OFFICIAL_TOKEN):
        return self.request("POST", path, body, token=token)

    def ready_modems(self):
        code, body = self.get("/v1/modems")
        if code != 200:
            return 0
        return sum(1 for m in body["modems"] if m["state"] == "ready")

    def campaign(self, cid):
        code, body = self.get("/v1/campaigns/%d" % cid)
        check(code == 200, "GET campaign %d: %s %r" % (cid, code, body))
        return body

    def wait_campaign_done(self, cid, timeout):
        def done():
            c = self.campaign(cid)
            return c if c["counts"]["queued"] == 0 and c["counts"]["sending"] == 0 else None
        return wait_for(done, timeout, "campaign %d to finish" % cid, interval=0.25)

    def db_query(self, sql, args=()):
        con = sqlite3.connect("file:%s?mode=ro" % self.db, uri=True, timeout=10)
        try:
            return con.execute(sql, args).fetchall()
        finally:
            con.close()

    def stop(self, sig=signal.SIGTERM, timeout=40):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise TestFailure("loagw did not stop within %d s" % timeout)
        if self.proc:
            self.log.close()
        return self.proc.returncode if self.proc else None


class Suite:
    """Runs test functions, each with a fresh temp directory; prints one line per test and the
    closing line "<name>: N passed, N failed"."""

    def __init__(self, name):
        self.name = name
        self.tests = []

    def test(self, fn):
        self.tests.append(fn)
        return fn

    def run(self, argv):
        only = argv[1:] if len(argv) > 1 else None
        passed = failed = 0
        keep = os.environ.get("LOA_KEEP_TMP")
        for fn in self.tests:
            if only and fn.__name__ not in only:
                continue
            tmp = tempfile.mkdtemp(prefix="loa-%s-" % fn.__name__)
            t0 = time.monotonic()
            cleanup = []
            try:
                fn(tmp, cleanup)
                ok, detail = True, ""
            except Exception as e:  # noqa: BLE001 - report every failure the same way
                ok, detail = False, "%s: %s" % (type(e).__name__, e)
            finally:
                for c in reversed(cleanup):
                    try:
                        c()
                    except Exception as e:  # noqa: BLE001
                        if ok:
                            ok, detail = False, "cleanup: %s" % e
            dt = time.monotonic() - t0
            if ok:
                passed += 1
                print("ok   %s.%s (%.1f s)" % (self.name, fn.__name__, dt), flush=True)
                if not keep:
                    shutil.rmtree(tmp, ignore_errors=True)
            else:
                failed += 1
                print("FAIL %s.%s (%.1f s): %s\n     (files kept in %s)"
                      % (self.name, fn.__name__, dt, detail, tmp), flush=True)
                for name in ("loagw.log",):
                    p = os.path.join(tmp, name)
                    if os.path.exists(p):
                        with open(p, errors="replace") as f:
                            tail = f.read()[-4000:]
                        print("     --- %s (tail) ---\n%s" % (name, tail), flush=True)
        print("%s: %d passed, %d failed" % (self.name, passed, failed), flush=True)
        return 0 if failed == 0 else 1
