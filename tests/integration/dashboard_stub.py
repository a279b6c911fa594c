#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A stand-in for loagw's HTTP side, for working on the dashboard page without the daemon.

It serves the page exactly as loagw embeds it: scripts/embed.sh is run into a temp directory and
the page bytes and the Content-Security-Policy are read back from the generated C file, so the
CSP hashes are checked by the browser too. The /v1 routes answer from a mutable Python state.

    python3 tests/integration/dashboard_stub.py [port]     # then open http://127.0.0.1:port/
    (token: stub-token; the modems' signal wanders and a campaign progresses while it runs)

Standard library only.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TOKEN = "stub-token"


def embedded_page(html=os.path.join(ROOT, "gateway", "dashboard", "index.html")):
    """Run scripts/embed.sh on the page; return (bytes, csp) decoded from the generated C."""
    with tempfile.TemporaryDirectory(prefix="loa-embed-") as d:
        out = os.path.join(d, "dashboard_html.c")
        subprocess.run(["sh", os.path.join(ROOT, "scripts", "embed.sh"), html, out], check=True)
        with open(out, encoding="ascii") as f:
            c = f.read()
    csp = re.search(r'gw_dashboard_csp\[\] =\s*"([^"]*)";', c).group(1)
    n = int(re.search(r"gw_dashboard_html_len = (\d+);", c).group(1))
    body = c.split("gw_dashboard_html[] = {", 1)[1].split("};", 1)[0]
    data = bytes(int(x, 16) for x in re.findall(r"0x([0-9a-f]{2})", body))
    if len(data) != n:
        raise RuntimeError("embed.sh: %d bytes in the array, length says %d" % (len(data), n))
    return data, csp


def sample_state():
    now = int(time.time())
    return {
        "modems": [
            {"name": "sim1", "state": "ready", "operator": "viettel", "busy": False,
             "signal_dbm": -71, "signal_pct": 67, "ber": 99, "registration": "home",
             "network_code": "45204", "network_name": "Viettel", "sent": 25, "failed": 0,
             "received": 1, "restarts": 0, "last_error": None, "balance": "12.500 đ",
             "balance_at": now - 600, "degraded_reason": None},
            {"name": "sim2", "state": "degraded", "operator": "vinaphone", "busy": True,
             "signal_dbm": -101, "signal_pct": 10, "ber": 99, "registration": "roaming",
             "network_code": "45202", "network_name": "VinaPhone", "sent": 1234, "failed": 7,
             "received": 40, "restarts": 1, "last_error": "+CMS ERROR: 38",
             "degraded_reason": "weak signal", "balance": None},
            {"name": "sim3", "state": "down", "operator": None, "busy": False,
             "signal_dbm": None, "registration": None, "sent": 0, "failed": 0, "received": 0,
             "restarts": 5, "last_error": "cannot open /dev/ttyUSB4: No such file or directory",
             "balance": None},
        ],
        "campaigns": [
            {"id": 2, "text": "Không tung tin giả, tin sai sự thật trên mạng xã hội. Nhận được "
             "tin nghi là giả, nhắn BAO <nội dung> gửi số này.", "priority": "alert",
             "status": "sending", "created_at": now - 120, "total": 480, "done": 130,
             "counts": {"queued": 340, "sending": 2, "sent": 120, "delivered": 0, "failed": 3,
                        "expired": 0, "cancelled": 0, "suppressed": 7}},
            {"id": 1, "text": "Hãy chia sẻ thông tin có nguồn chính thống.",
             "priority": "normal", "status": "done", "created_at": now - 86400, "total": 6,
             "done": 6, "counts": {"queued": 0, "sending": 0, "sent": 6, "delivered": 0,
                                   "failed": 0, "expired": 0, "cancelled": 0,
                                   "suppressed": 0}},
        ],
        "reports": [
            {"id": i, "ticket": "K%05d" % i, "sender": "+849120%05d" % i,
             "text": "BAO có người gọi điện mạo danh công an đòi chuyển tiền (%d)" % i,
             "status": "new", "created_at": now - 60 * (130 - i)} for i in range(1, 131)],
    }


class Stub:
    """The page at /dashboard and / (redirect), the three /v1 GET routes, token TOKEN.
    mode "ok" answers normally; "drop" closes every /v1 connection without an answer."""

    def __init__(self, state=None, mode="ok", port=0):
        self.page, self.csp = embedded_page()
        self.state = state if state is not None else sample_state()
        self.mode = mode
        self.requests = []
        self.lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt, *args):
                pass

            def send(self, code, ctype, body, extra=()):
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                for k, v in extra:
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def json(self, code, obj):
                self.send(code, "application/json", (json.dumps(obj) + "\n").encode())

            def do_GET(self):
                u = urlsplit(self.path)
                q = {k: v[-1] for k, v in parse_qs(u.query).items()}
                with stub.lock:
                    stub.requests.append((u.path, q, self.headers.get("Authorization")))
                if u.path == "/":
                    return self.send(302, "text/plain", b"", [("Location", "/dashboard")])
                if u.path == "/dashboard":
                    return self.send(200, "text/html; charset=utf-8", stub.page,
                                     [("Content-Security-Policy", stub.csp),
                                      ("X-Content-Type-Options", "nosniff"),
                                      ("Referrer-Policy", "no-referrer")])
                if not u.path.startswith("/v1/"):
                    return self.json(404, {"error": {"code": "not_found", "message": u.path}})
                if stub.mode == "drop":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return None
                if self.headers.get("Authorization") != "Bearer " + TOKEN:
                    return self.json(401, {"error": {"code": "unauthorized",
                                                     "message": "no or unknown token"}})
                with stub.lock:
                    st = json.loads(json.dumps(stub.state))
                if u.path == "/v1/modems":
                    return self.json(200, {"modems": st["modems"]})
                if u.path == "/v1/campaigns":
                    lim = int(q.get("limit", 20))
                    return self.json(200, {"campaigns": st["campaigns"][:lim]})
                if u.path == "/v1/reports":
                    after, lim = int(q.get("after", 0)), int(q.get("limit", 100))
                    if not 1 <= lim <= 1000:
                        return self.json(400, {"error": {"code": "invalid", "field": "limit"}})
                    got = [r for r in st["reports"] if r["id"] > after][:lim]
                    return self.json(200, {"reports": got,
                                           "next_after": got[-1]["id"] if got else after})
                return self.json(404, {"error": {"code": "not_found", "message": u.path}})

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def main(argv):
    stub = Stub(port=int(argv[1]) if len(argv) > 1 else 8089)
    print("dashboard stub on http://127.0.0.1:%d/dashboard#token=%s" % (stub.port, TOKEN),
          flush=True)
    try:
        while True:
            time.sleep(3)
            with stub.lock:
                c = stub.state["campaigns"][0]
                step = min(10, c["counts"]["queued"])
                c["counts"]["queued"] -= step
                c["counts"]["sent"] += step
                c["done"] += step
                stub.state["modems"][0]["signal_dbm"] = -60 - int(time.time()) % 40
    except KeyboardInterrupt:
        stub.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
