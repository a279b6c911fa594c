#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""GET /metrics against the real loagw and two simulated modems: the exposition is checked by
Prometheus' own `promtool check metrics` (Debian package `prometheus`, installed when missing)
and its values against what the test did: a small campaign, then a citizen's report."""
import os
import re
import shutil
import subprocess
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from harness import Gateway, Sim, Suite, TestFailure, check, modem_conf, two_sims, wait_for  # noqa: E402

suite = Suite("integration_metrics")

# Every family docs/API.md promises.
FAMILIES = {
    "loa_messages": "gauge",
    "loa_modem_up": "gauge",
    "loa_modem_state": "gauge",
    "loa_modem_signal_dbm": "gauge",
    "loa_modem_registered": "gauge",
    "loa_modem_sent_total": "counter",
    "loa_modem_failed_total": "counter",
    "loa_modem_received_total": "counter",
    "loa_modem_restarts_total": "counter",
    "loa_modem_timeouts_total": "counter",
    "loa_modem_status_reports_total": "counter",
    "loa_modem_retries_total": "counter",
    "loa_inbound_total": "counter",
    "loa_http_requests_total": "counter",
    "loa_send_duration_seconds": "histogram",
    "loa_dispatch_passes_total": "counter",
    "loa_dispatch_pass_seconds_total": "counter",
    "loa_start_time_seconds": "gauge",
}

_promtool = None


def promtool():
    """The promtool binary; installs the Debian package `prometheus` when it is missing and we
    are root. Raises TestFailure (never skips) when it cannot be had."""
    global _promtool
    if _promtool:
        return _promtool
    path = shutil.which("promtool")
    if not path:
        st = subprocess.run(["dpkg-query", "-W", "-f=${Status}", "prometheus"],
                            capture_output=True, text=True)
        if "install ok installed" in st.stdout:
            raise TestFailure("package prometheus is installed but promtool is not on PATH")
        if os.geteuid() != 0:
            raise TestFailure("promtool is missing and this is not root: install it with "
                              "`apt-get install --no-install-recommends prometheus`")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        cmd = ["apt-get", "install", "-y", "--no-install-recommends", "prometheus"]
        out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
        if out.returncode != 0:  # maybe stale package lists: refresh once and try again
            subprocess.run(["apt-get", "update"], capture_output=True, text=True, env=env,
                           timeout=600)
            out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
        path = shutil.which("promtool")
        if out.returncode != 0 or not path:
            raise TestFailure("cannot install promtool (`%s` exited %d): %s"
                              % (" ".join(cmd), out.returncode, (out.stderr or out.stdout)[-800:]))
    _promtool = path
    return path


def promtool_check(text):
    """Run `promtool check metrics` on an exposition; any complaint fails the test."""
    out = subprocess.run([promtool(), "check", "metrics"], input=text, capture_output=True,
                         text=True, timeout=60)
    problems = (out.stdout + out.stderr).strip()
    check(out.returncode == 0 and not problems,
          "promtool check metrics exited %d:\n%s" % (out.returncode, problems))


def scrape(gw):
    """GET /metrics without a token: (content type, text)."""
    req = urllib.request.Request("http://127.0.0.1:%d/metrics" % gw.port)
    with urllib.request.urlopen(req, timeout=30) as resp:
        check(resp.status == 200, "/metrics answered %s" % resp.status)
        return resp.headers.get("Content-Type", ""), resp.read().decode("utf-8")


_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
_LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)')


def parse(text):
    """A strict reader of the text format (0.0.4) as loagw writes it: returns
    (types {family: type}, samples [(name, {label: value}, float)]). Raises on a line it cannot
    read, so a malformed exposition fails here even before promtool sees it."""
    types, samples = {}, []
    for n, line in enumerate(text.split("\n"), 1):
        if not line:
            continue
        if line.startswith("# TYPE "):
            _, _, name, typ = line.split(" ", 3)
            check(name not in types, "line %d: a second TYPE for %s" % (n, name))
            types[name] = typ
            continue
        if line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        check(m, "line %d unreadable: %r" % (n, line))
        labels = {}
        rest = m.group(2) or ""
        pos = 0
        while pos < len(rest):
            lm = _LABEL.match(rest, pos)
            check(lm and lm.end() > pos, "line %d: bad labels %r" % (n, rest))
            labels[lm.group(1)] = lm.group(2)
            pos = lm.end()
        samples.append((m.group(1), labels, float(m.group(3))))
    check(text.endswith("\n"), "the exposition ends with a newline")
    return types, samples


class Metrics:
    def __init__(self, text):
        self.text = text
        self.types, self.samples = parse(text)

    def get(self, name, **labels):
        """The value of the one sample of `name` with exactly these labels."""
        got = [v for n, lb, v in self.samples if n == name and lb == labels]
        check(len(got) == 1, "%s%r: %d samples, expected one" % (name, labels, len(got)))
        return got[0]

    def series(self, name):
        return [(lb, v) for n, lb, v in self.samples if n == name]

    def total(self, name):
        return sum(v for _lb, v in self.series(name))


def check_histogram(m, name):
    buckets = [(lb["le"], v) for lb, v in m.series(name + "_bucket")]
    check(buckets and buckets[-1][0] == "+Inf", "%s: the last bucket is +Inf: %r" % (name, buckets))
    bounds = [float(le) for le, _v in buckets]
    check(bounds == sorted(bounds) and len(set(bounds)) == len(bounds),
          "%s: bucket bounds ascending and distinct: %r" % (name, bounds))
    counts = [v for _le, v in buckets]
    check(counts == sorted(counts), "%s: buckets are cumulative: %r" % (name, buckets))
    count = m.get(name + "_count")
    check(buckets[-1][1] == count, "%s: +Inf bucket %s != _count %s" % (name, buckets[-1][1], count))
    check(m.get(name + "_sum") >= 0, "%s_sum >= 0" % name)
    return count


def check_families(m):
    for fam, typ in FAMILIES.items():
        check(m.types.get(fam) == typ, "family %s: TYPE %r, expected %r"
              % (fam, m.types.get(fam), typ))
    undocumented = sorted(set(m.types) - set(FAMILIES))
    check(not undocumented, "families not in docs/API.md: %r" % undocumented)
    for name, _lb, v in m.samples:
        check(v >= 0 or name == "loa_modem_signal_dbm", "%s is negative: %s" % (name, v))


# Viettel numbers (098…) go out on sim1, Vinaphone (091…) on sim2: both modems carry work.
CAMPAIGN = ["0981100001", "0911100002", "0981100003", "0911100004", "0981100005"]
CITIZEN = "+84912000077"


@suite.test
def metrics_after_a_campaign_and_a_report(tmp, cleanup):
    promtool()  # fail early, before any process is started, when it cannot be had
    sims, gw = two_sims(tmp, cleanup)

    code, body = gw.post("/v1/campaigns", {"text": "Hãy chia sẻ thông tin có nguồn chính thống.",
                                           "recipients": CAMPAIGN})
    check(code == 201 and body["recipients"] == len(CAMPAIGN), "create: %s %r" % (code, body))
    c = gw.wait_campaign_done(body["id"], 120)
    check(c["counts"]["sent"] == len(CAMPAIGN), "campaign sent: %r" % c["counts"])

    ctype, text = scrape(gw)
    check(ctype.startswith("text/plain") and "version=0.0.4" in ctype, "content type %r" % ctype)
    promtool_check(text)
    m = Metrics(text)
    check_families(m)
    n = len(CAMPAIGN)
    for name in ("sim1", "sim2"):
        check(m.get("loa_modem_up", modem=name) == 1, "%s up:\n%s" % (name, text))
        check(m.get("loa_modem_state", modem=name, state="ready") == 1, "%s ready" % name)
        states = m.series("loa_modem_state")
        check(sum(v for lb, v in states if lb["modem"] == name) == 1,
              "%s is in exactly one state: %r" % (name, states))
    check(m.get("loa_messages", state="sent") == n, "loa_messages{state=sent} == %d:\n%s" % (n, text))
    check(m.total("loa_messages") == n, "no message in another state: %r" % m.series("loa_messages"))
    stored = gw.db_query("SELECT state, COUNT(*) FROM messages GROUP BY state")
    for state, cnt in stored:
        check(m.get("loa_messages", state=state) == cnt, "store has %d %s" % (cnt, state))
    check(m.total("loa_modem_sent_total") == n, "modems sent %r" % m.series("loa_modem_sent_total"))
    for i, s in enumerate(sims):
        check(m.get("loa_modem_sent_total", modem="sim%d" % (i + 1)) == len(s.submits()),
              "sim%d's counter matches its PDUs on the wire" % (i + 1))
    check(m.total("loa_modem_failed_total") == 0, "no failure")
    check(m.get("loa_http_requests_total", route="/v1/campaigns", code="201") == 1,
          "one campaign created: %r" % m.series("loa_http_requests_total"))
    check(m.get("loa_http_requests_total", route="/v1/modems", code="200") >= 1,
          "the harness's modem polls are counted")
    check(check_histogram(m, "loa_send_duration_seconds") == n, "one send timed per message")
    check(m.get("loa_inbound_total", action="report") == 0, "no report yet")
    check(m.get("loa_dispatch_passes_total") >= 1, "dispatcher ran")
    started = m.get("loa_start_time_seconds")
    check(abs(started - os.path.getmtime(gw.conf_path)) < 300, "start time %s" % started)
    first_scrapes = m.get("loa_http_requests_total", route="/metrics", code="200")

    # a citizen's report: filed once, answered with its ticket (one more message sent)
    sims[1].inject(CITIZEN, "Báo tin giả: có người mạo danh cán bộ xã thu tiền")
    wait_for(lambda: gw.db_query("SELECT ticket FROM reports"), 30, "the report")
    wait_for(lambda: [r for s in sims for r in s.submits() if r["to"] == CITIZEN], 30,
             "the acknowledgement")
    wait_for(lambda: gw.db_query("SELECT COUNT(*) FROM messages WHERE state = 'sent'")[0][0]
             == n + 1, 30, "the acknowledgement stored as sent")

    _ctype, text = scrape(gw)
    promtool_check(text)
    m = Metrics(text)
    check_families(m)
    check(m.get("loa_inbound_total", action="report") == 1, "one report:\n%s" % text)
    check(m.total("loa_inbound_total") == 1, "nothing else filed: %r" % m.series("loa_inbound_total"))
    check(m.get("loa_modem_received_total", modem="sim2") == 1, "sim2 received it")
    check(m.get("loa_modem_received_total", modem="sim1") == 0, "sim1 received nothing")
    check(m.get("loa_messages", state="sent") == n + 1, "campaign + acknowledgement sent")
    check(m.total("loa_modem_sent_total") == n + 1, "modems sent %r" % m.series("loa_modem_sent_total"))
    check(check_histogram(m, "loa_send_duration_seconds") == n + 1, "sends timed")
    check(m.get("loa_http_requests_total", route="/metrics", code="200") == first_scrapes + 1,
          "each scrape is counted once")
    check(m.get("loa_http_requests_total", route="/v1/campaigns", code="201") == 1,
          "still one campaign created")
    check(CITIZEN not in text and CITIZEN[3:] not in text, "no citizen's number in the metrics")


@suite.test
def metrics_before_any_modem_is_ready(tmp, cleanup):
    """Straight after start: modems still starting, no sends, no health poll yet. Empty
    families and zero-valued series must still be a valid exposition."""
    promtool()
    sim = Sim(tmp, "sim1")
    cleanup.append(sim.stop)
    gw = Gateway(tmp, [modem_conf("sim1", sim.link), modem_conf("gone", os.path.join(tmp, "no.tty"))])
    cleanup.append(gw.stop)
    gw.start()
    _ctype, text = scrape(gw)
    promtool_check(text)
    m = Metrics(text)
    check_families(m)
    check(m.get("loa_modem_up", modem="gone") == 0, "a modem without a device is not up")
    check(check_histogram(m, "loa_send_duration_seconds") == 0, "no send yet")
    check(m.total("loa_messages") == 0, "empty store")
    wait_for(lambda: Metrics(scrape(gw)[1]).get("loa_modem_up", modem="sim1") == 1, 60,
             "sim1 up in the metrics")
    m = Metrics(scrape(gw)[1])
    check(m.get("loa_modem_up", modem="gone") == 0, "still not up")
    check(m.get("loa_modem_state", modem="gone", state="ready") == 0, "not ready")
    promtool_check(m.text)


def must_fail(fn, *args):
    try:
        fn(*args)
    except TestFailure as e:
        return str(e)
    raise TestFailure("%s accepted what it should refuse: %r" % (fn.__name__, args))


@suite.test
def the_checks_refuse_bad_expositions(tmp, cleanup):
    """The checks above can fail: promtool and this file's reader refuse broken text."""
    hist = ("# HELP h_seconds x\n# TYPE h_seconds histogram\n"
            'h_seconds_bucket{le="1"} 2\nh_seconds_bucket{le="+Inf"} %d\n'
            "h_seconds_sum 1.5\nh_seconds_count 3\n")
    check(check_histogram(Metrics(hist % 3), "h_seconds") == 3, "a good histogram")
    check("_count" in must_fail(check_histogram, Metrics(hist % 2), "h_seconds"), "+Inf != count")
    must_fail(check_histogram, Metrics(hist.replace('"1"} 2', '"1"} 4') % 3), "h_seconds")
    must_fail(promtool_check, "# HELP sends x\n# TYPE sends counter\nsends 1\n")  # no _total
    must_fail(promtool_check, 'a{b="c} 1\n')
    must_fail(parse, 'a{b="c} 1\n')
    must_fail(parse, "a 1")  # no final newline
    m = Metrics('# TYPE x gauge\nx{a="1"} 1\nx{a="1",b="2"} 2\n')
    check(m.get("x", a="1") == 1, "exact label match")
    must_fail(m.get, "x")


@suite.test
def contrib_prometheus_config_and_alerts(tmp, cleanup):
    """contrib/prometheus: the scrape config and alert rules are valid, the alerts' unit tests
    pass, and every loa_ metric the rules use is one loagw exports."""
    from harness import ROOT
    d = os.path.join(ROOT, "contrib", "prometheus")
    for args in (["check", "config", "prometheus.yml"], ["check", "rules", "loa.rules.yml"],
                 ["test", "rules", "loa.rules.test.yml"]):
        out = subprocess.run([promtool(), *args], cwd=d, capture_output=True, text=True,
                             timeout=120)
        check(out.returncode == 0, "promtool %s:\n%s%s" % (" ".join(args), out.stdout, out.stderr))
    with open(os.path.join(d, "loa.rules.yml"), encoding="utf-8") as f:
        used = set(re.findall(r"\b(loa_[a-z_]+)", f.read()))
    exported = set(FAMILIES) | {"loa_send_duration_seconds_" + s for s in ("bucket", "sum", "count")}
    check(used and used <= exported, "the rules use unknown metrics: %r" % sorted(used - exported))


if __name__ == "__main__":
    sys.exit(suite.run(sys.argv))
