#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The dashboard page in a real browser: Debian's chromium, headless, loads /dashboard from the
real loagw (two simulated modems, a finished campaign, a citizen report) and the test reads the
DOM the page built from the API; a screenshot is kept in build/dashboard.png.

Chromium is installed here when missing (apt-get, as root): only this suite needs it. When it
cannot be installed every test FAILS; none is skipped.

Two more tests drive the page against tests/integration/dashboard_stub.py, for what the daemon
cannot easily be made to do: an unreachable API, and more reports than the page keeps.
"""
import http.client
import os
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser

sys.path.insert(0, os.path.dirname(__file__))
from harness import (ROOT, VIEWER_TOKEN, Gateway, Sim, Suite, TestFailure, check,  # noqa: E402
                     modem_conf, wait_for, two_sims)
import dashboard_stub  # noqa: E402

suite = Suite("integration_dashboard")
PAGE = os.path.join(ROOT, "gateway", "dashboard", "index.html")
SHOT = os.path.join(ROOT, "build", "dashboard.png")
_chromium = []


def chromium():
    """Path of the chromium binary; installs Debian's package when it is missing."""
    if _chromium:
        return _chromium[0]
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        st = subprocess.run(["dpkg-query", "-W", "-f=${Status}", "chromium"],
                            capture_output=True, text=True)
        if "install ok installed" not in st.stdout:
            if os.geteuid() != 0:
                raise TestFailure("chromium is not installed and this is not root: run "
                                  "`apt-get install chromium` (the dashboard test needs it)")
            env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
            for cmd in (["apt-get", "update", "-qq"],
                        ["apt-get", "install", "-y", "-qq", "chromium", "fonts-dejavu-core"]):
                r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=800)
                if r.returncode != 0:
                    raise TestFailure("cannot install chromium: %s: %s"
                                      % (" ".join(cmd), (r.stdout + r.stderr)[-1500:]))
        exe = shutil.which("chromium") or "/usr/bin/chromium"
        check(os.access(exe, os.X_OK), "chromium installed but %s is not executable" % exe)
    _chromium.append(exe)
    return exe


def browse(url, tmp, name, size="1280,1000", shot=None):
    """Load url in headless chromium, let its timers and fetches run for 10 s of virtual time,
    return the serialised DOM; with shot, also save a PNG screenshot there."""
    profile = tempfile.mkdtemp(prefix="chromium-", dir=tmp)
    args = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-dev-shm-usage", "--hide-scrollbars",
            "--user-data-dir=" + profile, "--virtual-time-budget=10000",
            "--window-size=" + size, "--dump-dom"]
    if shot:
        args.append("--screenshot=" + shot)
    args.append(url)
    with open(os.path.join(tmp, name + ".stderr"), "w") as err:
        r = subprocess.run(args, stdout=subprocess.PIPE, stderr=err, timeout=120)
    dom = r.stdout.decode("utf-8", errors="replace")
    with open(os.path.join(tmp, name + ".dom.html"), "w", encoding="utf-8") as f:
        f.write(dom)
    check(r.returncode == 0 and "<html" in dom, "chromium exited %d with %d bytes of DOM (see %s)"
          % (r.returncode, len(dom), os.path.join(tmp, name + ".stderr")))
    if shot:
        check(os.path.exists(shot) and os.path.getsize(shot) > 1000, "no screenshot at %s" % shot)
    shutil.rmtree(profile, ignore_errors=True)
    return Dom(dom)


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []

    def text(self):
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def walk(self):
        for c in self.children:
            if isinstance(c, Node):
                yield c
                yield from c.walk()

    def find_all(self, tag=None, attr=None, cls=None):
        return [n for n in self.walk() if (tag is None or n.tag == tag)
                and (attr is None or attr in n.attrs)
                and (cls is None or cls in (n.attrs.get("class") or "").split())]

    def find(self, **kw):
        got = self.find_all(**kw)
        return got[0] if got else None

    def by_id(self, ident):
        for n in self.walk():
            if n.attrs.get("id") == ident:
                return n
        raise TestFailure("no element #%s in the DOM" % ident)


class Dom(HTMLParser):
    """A small DOM tree of the page chromium serialised (standard library only)."""
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
            "track", "wbr"}

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.root = self.cur = Node("#document", (), None)
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        if tag not in self.VOID:
            self.cur = n

    def handle_endtag(self, tag):
        n = self.cur
        while n is not None and n.tag != tag:
            n = n.parent
        if n is not None and n.parent is not None:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.children.append(data)

    def __getattr__(self, name):
        return getattr(self.root, name)


def modem_rows(dom):
    rows = {}
    for tr in dom.find_all("tr", attr="data-modem"):
        st = tr.find(cls="state")
        rows[tr.attrs["data-modem"]] = {"name": tr.find(tag="th").text().strip(),
                                        "state": st.text().strip() if st else None,
                                        "cells": [td.text().strip() for td in tr.find_all("td")]}
    return rows


def raw_get(port, path):
    """(status, headers dict with lower-case names, body bytes), redirects not followed."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


@suite.test
def dashboard_shows_modems_campaign_and_reports(tmp, cleanup):
    chromium()  # install first: fail early, before starting anything
    sims, gw = two_sims(tmp, cleanup)
    # the page is served by loagw itself, byte for byte, with a CSP
    code, hdr, body = raw_get(gw.port, "/dashboard")
    check(code == 200, "GET /dashboard: %s %r" % (code, body[:200]))
    with open(PAGE, "rb") as f:
        check(body == f.read(), "loagw serves gateway/dashboard/index.html as it is")
    check(hdr.get("content-type", "").replace(" ", "").lower() == "text/html;charset=utf-8",
          "content type %r" % hdr.get("content-type"))
    csp = hdr.get("content-security-policy", "")
    check("default-src 'none'" in csp and "'sha256-" in csp and "unsafe" not in csp,
          "strict CSP, inline blocks allowed by hash: %r" % csp)
    code, hdr, _ = raw_get(gw.port, "/")
    check(code in (301, 302, 303, 307, 308) and hdr.get("location", "").endswith("/dashboard"),
          "/ redirects to /dashboard: %s %r" % (code, hdr.get("location")))

    sims[0].inject("+84912000001", "BAO có người gọi điện mạo danh công an đòi chuyển tiền")
    tickets = wait_for(lambda: gw.db_query("SELECT ticket FROM reports"), 30, "the report filed")
    ticket = tickets[0][0]
    rcpts = ["0%d" % (912700000 + i) for i in range(6)]
    code, c = gw.post("/v1/campaigns", {"text": "Hãy chia sẻ thông tin có nguồn chính thống.",
                                        "recipients": rcpts})
    check(code == 201, "create: %s %r" % (code, c))
    cid = c["id"]
    gw.wait_campaign_done(cid, 60)
    wait_for(lambda: [r for s in sims for r in s.submits() if r["to"] == "+84912000001"], 30,
             "the answer to the report")
    wait_for(lambda: gw.ready_modems() == 2, 30, "both modems ready again")
    code, mods = gw.get("/v1/modems")
    api_sent = {m["name"]: m["sent"] for m in mods["modems"]}

    shot = os.path.join(tmp, "dashboard.png")
    dom = browse("http://127.0.0.1:%d/dashboard#token=%s" % (gw.port, VIEWER_TOKEN), tmp,
                 "dashboard", shot=shot)
    os.makedirs(os.path.dirname(SHOT), exist_ok=True)
    shutil.copyfile(shot, SHOT)
    err = dom.by_id("error").text().strip()
    check(err == "", "no error line: %r" % err)
    check("hidden" not in dom.by_id("panels").attrs, "the panels are shown")
    check(dom.by_id("live").attrs.get("class") == "on", "live indicator on: %r"
          % dom.by_id("live").text())
    rows = modem_rows(dom)
    check(sorted(rows) == ["sim1", "sim2"], "one row per modem: %r" % rows)
    for name, r in rows.items():
        check(r["name"] == name and r["state"] == "ready", "%s is ready: %r" % (name, r))
    check("viettel" in rows["sim1"]["cells"] and "vinaphone" in rows["sim2"]["cells"],
          "operators shown: %r" % rows)
    check(any(x.endswith("dBm") for x in rows["sim1"]["cells"]), "signal in dBm: %r" % rows)
    sent = {n: int(r["cells"][5].replace(",", "")) for n, r in rows.items()}
    check(sent == api_sent and sum(sent.values()) == 7,
          "sent counters as the API has them (6 + the answer): %r vs %r" % (sent, api_sent))
    check(dom.by_id("modems-sum").text() == "2 of 2 ready", "summary %r"
          % dom.by_id("modems-sum").text())
    camp = [li for li in dom.find_all("li", attr="data-campaign")
            if li.attrs["data-campaign"] == str(cid)]
    check(camp, "campaign %d listed: %r (note: %r)" % (cid, [li.text() for li in
          dom.find_all("li", attr="data-campaign")], dom.by_id("camps-note").text()))
    ptext = camp[0].find(cls="ptext").text()
    check(ptext.startswith("6/6") and "100%" in ptext, "campaign progress: %r" % ptext)
    bar = camp[0].find(tag="progress")
    check(bar is not None and bar.attrs.get("aria-valuetext") == "6 of 6 done", "progress bar")
    check("Hãy chia sẻ thông tin có nguồn chính thống." in camp[0].text(), "UTF-8 campaign text")
    check("sent 6" in camp[0].text(), "per-state counts: %r" % camp[0].text())
    reports = dom.find_all("tr", attr="data-report")
    check(len(reports) == 1 and ticket in reports[0].text(), "the report row: %r"
          % [r.text() for r in reports])
    check("+84912000001" not in dom.root.text() and "****" in reports[0].text(),
          "the sender is masked: %r" % reports[0].text())
    check("mạo danh công an" in reports[0].text(), "UTF-8 report text")


@suite.test
def rejected_token_shows_error_and_asks_again(tmp, cleanup):
    chromium()
    sims, gw = two_sims(tmp, cleanup)
    dom = browse("http://127.0.0.1:%d/dashboard#token=not-a-token" % gw.port, tmp, "badtoken",
                 size="900,500", shot=os.path.join(tmp, "badtoken.png"))
    err = dom.by_id("error").text()
    check("401" in err and "rejected" in err, "error line: %r" % err)
    check("hidden" not in dom.by_id("login").attrs, "the token form is shown again")
    check("hidden" in dom.by_id("panels").attrs, "no data panels")
    check(not modem_rows(dom), "no modem rows")
    # a page without a token shows only the form, and asks for nothing
    dom = browse("http://127.0.0.1:%d/dashboard" % gw.port, tmp, "notoken", size="900,500")
    check("hidden" not in dom.by_id("login").attrs and dom.by_id("error").text() == "",
          "form, no error")
    check(dom.by_id("token").attrs.get("type") == "password", "the token field is a password")


@suite.test
def unreachable_api_is_reported(tmp, cleanup):
    chromium()
    stub = dashboard_stub.Stub(mode="drop")
    cleanup.append(stub.stop)
    dom = browse("http://127.0.0.1:%d/dashboard#token=%s" % (stub.port, dashboard_stub.TOKEN),
                 tmp, "unreachable", size="900,500")
    err = dom.by_id("error").text()
    check("Cannot reach the gateway" in err, "error line: %r" % err)
    check(dom.by_id("live").attrs.get("class") == "off", "live indicator off")
    polls = [r for r in stub.requests if r[0] == "/v1/modems"]
    check(len(polls) >= 2, "it keeps retrying: %d polls" % len(polls))
    check(all(r[2] == "Bearer " + dashboard_stub.TOKEN for r in polls), "bearer token sent")


@suite.test
def newest_reports_masked_and_bounded(tmp, cleanup):
    chromium()
    state = dashboard_stub.sample_state()
    stub = dashboard_stub.Stub(state=state)
    cleanup.append(stub.stop)
    dom = browse("http://127.0.0.1:%d/dashboard#token=%s" % (stub.port, dashboard_stub.TOKEN),
                 tmp, "stub", size="390,2400", shot=os.path.join(tmp, "mobile.png"))
    ids = [int(tr.attrs["data-report"]) for tr in dom.find_all("tr", attr="data-report")]
    check(ids == list(range(130, 110, -1)), "the newest 20 reports, newest first: %r" % ids)
    text = dom.by_id("reports").text()
    check("+8491****130" in text and "+84912000130" not in text, "senders masked")
    asked = [int(q["after"]) for p, q, _ in stub.requests if p == "/v1/reports"]
    check(asked[:2] == [0, 100], "pages through the reports: %r" % asked[:4])
    check(all(a == 110 for a in asked[2:]) and len(asked) > 2,
          "then re-reads only the newest 20: %r" % asked)
    rows = modem_rows(dom)
    check(rows["sim2"]["state"] == "degraded" and rows["sim3"]["state"] == "down", "states")
    ptexts = [n.text() for n in dom.find_all(cls="ptext")]
    check(ptexts and ptexts[0].startswith("130/480"), "progress %r" % ptexts)


if __name__ == "__main__":
    sys.exit(suite.run(sys.argv))
