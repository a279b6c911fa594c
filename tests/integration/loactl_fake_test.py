#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""loactl against a fake Loa HTTP API.

Starts a small HTTP server on 127.0.0.1 (an ephemeral port) that implements the routes of
docs/API.md with canned data and records every request, then runs bin/loactl (path from $LOACTL,
default ./bin/loactl) against it and checks the request bodies and headers loactl sends, the
tables and lines it prints, --json output, the CSV reader (BOM, CRLF, quoted fields, row numbers)
and the exit codes 0/1/2/3/4: campaigns (create with groups, polls, recurrence, preview; list,
pause/resume/cancel, poll tally, watch until done or Ctrl-C, on a pipe and on a pty), reports
(filters, export in pages to stdout or a file, show, update), opt-outs, audit, contacts (import
of tests/data/contacts.sample.csv with its bad rows mapped back to their rows, batch splitting, a
413 answered by smaller batches, a failed batch, a million rows), groups, and the config file.
Python standard library only; no daemon needed.

Last line: "loactl_fake: N passed, N failed"; exit status 1 when any check failed.
"""
import concurrent.futures
import csv
import http.server
import io
import json
import os
import pty
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import unicodedata
import urllib.parse
from datetime import datetime, timedelta, timezone
from pathlib import Path

TOKEN = "s3cret-T0ken_x"      # an admin
VIEWER_TOKEN = "v1ewer-T0ken"  # a viewer: no numbers, no audit
REPO = Path(__file__).resolve().parents[2]
LOACTL = os.environ.get("LOACTL", "./bin/loactl")
TZ_SPEC = "UTC-7"  # POSIX spelling of UTC+07:00 (Vietnam); needs no tzdata
TZ_OFFSET = timezone(timedelta(hours=7))

CAMPAIGN_7 = {
    "id": 7, "text": "Hãy chia sẻ thông tin có nguồn chính thống.", "encoding": "ucs2",
    "segments": 2, "priority": "normal", "created_at": 1796000000, "start_at": 1796000000,
    "end_by": 0, "total": 50,
    "counts": {"queued": 10, "sending": 2, "sent": 38, "delivered": 0, "failed": 0,
               "expired": 0, "cancelled": 0, "suppressed": 0},
}
# what loagw answers beyond docs/API.md: "done", and a state this loactl does not know
CAMPAIGN_8 = dict(CAMPAIGN_7, id=8, segments=1, done=40,
                  counts=dict(CAMPAIGN_7["counts"], queued=7, sent=37, retrying=3))
MODEMS = {"modems": [
    {"name": "sim1", "state": "ready", "operator": "viettel", "busy": False, "signal_dbm": -71,
     "signal_pct": 67, "ber": 99, "registration": "home", "network_code": "45204",
     "network_name": "Viettel", "imei": "356938035643809", "sent": 25, "failed": 0,
     "received": 1, "restarts": 0, "last_error": None, "last_poll": 1796000000},
    {"name": "sim2-vinaphone", "state": "down", "operator": "vinaphone", "busy": False,
     "signal_dbm": None, "signal_pct": None, "ber": None, "registration": None,
     "network_code": "45202", "network_name": "", "imei": None, "sent": 1234, "failed": 17,
     "received": 0, "restarts": 3, "last_error": "CME ERROR 10: SIM not inserted",
     "last_poll": 1796000100},
]}
LONG_VI = ("Tôi thấy trên Facebook có tin đồn rằng nước máy ở xã Minh Thanh bị nhiễm độc, "
           "mọi người đang hoảng loạn đi mua nước đóng chai, xin cơ quan chức năng kiểm tra")
REPORTS = [
    {"id": 1, "ticket": "K7Q2XM", "sender": "+8491****001", "text": "Bao tin gia ve dich benh",
     "status": "new", "created_at": 1796000000},
    {"id": 2, "ticket": "P3ZR8A", "sender": "+8498****321", "text": LONG_VI,
     "status": "reviewed", "created_at": 1796003600},
    {"id": 3, "ticket": "W9YH2C", "sender": "+8497****555",
     "text": "line one\nline two\x1b[2J\tend", "status": "new", "created_at": 1796007200},
    {"id": 4, "ticket": "D4NF6T", "sender": "+8496****777",
     "text": unicodedata.normalize("NFD", LONG_VI), "status": "new", "created_at": 1796010800},
    {"id": 5, "ticket": "J2KL9Q", "sender": "+8493****888",
     "text": "越南語測試文字很長很長很長很長很長很長很長很長很長很長很長很長很長很長很長",
     "status": "new", "created_at": 1796014400},
]


def api_error(status, code, message, field=None):
    err = {"code": code, "message": message}
    if field is not None:
        err["field"] = field
    return status, {"error": err}


def fake_check_number(n):
    """The fake's own idea of a bad number; returns a reason or None."""
    digits = "".join(ch for ch in n if ch.isdigit())
    if n.strip().startswith("+1"):
        return "not a Vietnamese mobile number"
    if len(digits) < 9:
        return "too short"
    return None


class FakeApi(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _record(self, body):
        self.server.requests.append({"method": self.command, "path": self.path,
                                     "headers": {k.lower(): v for k, v in self.headers.items()},
                                     "body": body})

    def _send(self, status, obj):
        data = json.dumps(obj, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _authorized(self):
        return self._role() is not None

    def _role(self):
        auth = self.headers.get("Authorization")
        return {"Bearer " + TOKEN: "admin", "Bearer " + VIEWER_TOKEN: "viewer"}.get(auth)

    def _send_any(self, res):
        if len(res) == 3:
            data = res[1].encode()
            self.send_response(res[0])
            self.send_header("Content-Type", res[2])
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        else:
            self._send(*res)

    def do_GET(self):
        self._record(b"")
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/healthz":
            return self._send(200, {"status": "ok", "modems_ready": 2, "modems": 2})
        if not self._authorized():
            return self._send(*api_error(401, "unauthorized", "a bearer token is needed"))
        res = fake_get_extra(self, url, urllib.parse.parse_qs(url.query), self._role())
        if res:
            return self._send_any(res)
        if url.path == "/v1/modems":
            return self._send(200, MODEMS)
        if url.path == "/v1/reports":
            q = urllib.parse.parse_qs(url.query)
            after = int(q.get("after", ["0"])[0])
            limit = int(q.get("limit", ["100"])[0])
            reps = [r for r in REPORTS if r["id"] > after][:limit]
            return self._send(200, {"reports": reps,
                                    "next_after": reps[-1]["id"] if reps else after})
        if url.path == "/v1/campaigns/7":
            return self._send(200, CAMPAIGN_7)
        if url.path == "/v1/campaigns/8":
            return self._send(200, CAMPAIGN_8)
        if url.path == "/v1/campaigns/500":
            return self._send(*api_error(500, "internal", "the store failed"))
        return self._send(*api_error(404, "not_found", "no such campaign"))

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self._record(body)
        if not self._authorized():
            return self._send(*api_error(401, "unauthorized", "a bearer token is needed"))
        if self.path == "/v1/contacts":
            return self._send(*fake_contacts(self, body))
        try:
            req = json.loads(body)
        except ValueError:
            return self._send(*api_error(400, "bad_json", "the body is not JSON"))
        res = fake_post_extra(self, self.path, req, self._role())
        if res:
            return self._send(*res)
        if self.path != "/v1/campaigns":
            return self._send(*api_error(404, "not_found", "no such route"))
        if req.get("text") == "__500__":
            return self._send(*api_error(500, "internal", "the store failed"))
        recips = req.get("recipients", [])
        for i, n in enumerate(recips):
            why = fake_check_number(n)
            if why:
                return self._send(*api_error(400, "invalid", f'recipients[{i}]: {why}: "{n}"',
                                             f"recipients[{i}]"))
        uniq = {"".join(ch for ch in n if ch.isdigit())[-9:] for n in recips}
        suppressed = 1 if any(n.endswith("900000000") for n in uniq) else 0
        ascii_only = all(ord(ch) < 128 for ch in req["text"])
        segments = 1 if len(req["text"]) <= (160 if ascii_only else 70) else 2
        return self._send(201, {"id": 7, "recipients": len(uniq),
                                "duplicates": len(recips) - len(uniq), "suppressed": suppressed,
                                "encoding": "gsm7" if ascii_only else "ucs2",
                                "segments": segments,
                                "total_segments": segments * (len(uniq) - suppressed)})

# ---- what the routes added after v0 answer --------------------------------------------------

CAMPAIGN_9 = dict(CAMPAIGN_7, id=9, status="done", name="Tuần 1", group="commune=son-nam",
                  done=50, counts=dict(CAMPAIGN_7["counts"], queued=0, sending=0, sent=50))
CAMPAIGN_7["status"] = "active"
CAMPAIGN_8["status"] = "paused"
POLL_7 = {"campaign": 7, "tally": {"KHONG": 4, "CO": 3}, "votes": 7, "closes_at": 1796600000,
          "open": True}
AUDIT = [{"id": 1, "at": 1796000000, "who": "ops", "action": "campaign.create",
          "object": "campaign/7", "result": 201, "detail": "Tuần 1"},
         {"id": 2, "at": 1796000100, "who": "ops", "action": "optout.add", "object": "optouts",
          "result": 201, "detail": ""}]
OPTOUTS = [{"number": "+84912000001", "created_at": 1796000000},
           {"number": "+84385937050", "created_at": 1796003600}]
GROUPS = [{"name": "son-nam-y-te", "query": "commune=son-nam,role=y-te", "count": 12}]
BULK_REPORTS = [{"id": i, "ticket": f"B{i:05d}", "sender": "+8491****001", "pseudonym": "ab12",
                 "text": f"tin đồn số {i}, \"trích\"\nhai dòng", "category": "bulk",
                 "status": "new", "note": None, "created_at": 1796000000 + i}
                for i in range(1, 23457)]


def contact_number_error(n):
    """The fake's number check for contacts: (normalised number, None) or (None, message)."""
    raw = n.strip().replace("(", "").replace(")", "")
    if any(ch.isalpha() for ch in raw):
        return None, f'not a number: "{n}"'
    digits = "".join(ch for ch in raw if ch.isdigit())
    if raw.startswith("+") and not raw.startswith("+84"):
        return None, f'not a Vietnamese number: "{n}"'
    if raw.startswith("+84") or (raw.startswith("84") and len(digits) == 11):
        rest = digits[2:]
        if rest.startswith("0"):
            return None, "country code and trunk zero together"   # no number: loactl adds it
    elif digits.startswith("0"):
        rest = digits[1:]
    else:
        rest = digits
    if len(rest) < 9:
        return None, f'too short: "{n}"'
    if len(rest) > 10:
        return None, f'too long: "{n}"'
    if rest.startswith("2"):
        return None, f'not a mobile number (landline): "{n}"'
    return "+84" + rest[-9:], None


def reports_csv(reps, numbers):
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(["id", "ticket", "created_at", "pseudonym"] + (["number"] if numbers else []) +
               ["category", "status", "text", "note"])
    for r in reps:
        w.writerow([r["id"], r["ticket"], r["created_at"], r.get("pseudonym", "")] +
                   ([r["sender"]] if numbers else []) +
                   [r.get("category") or "", r["status"], r["text"], r.get("note") or ""])
    return out.getvalue()


def fake_get_extra(h, url, q, role):
    """GET routes beyond v0; returns (status, obj) or (status, text, ctype) or None."""
    st = h.server.state
    path = url.path
    if path == "/v1/campaigns":
        limit = int(q.get("limit", ["20"])[0])
        return 200, {"campaigns": [CAMPAIGN_9, CAMPAIGN_8, CAMPAIGN_7][:limit]}
    m = re.fullmatch(r"/v1/campaigns/(\d+)/poll", path)
    if m:
        if m.group(1) == "7":
            return 200, POLL_7
        return api_error(404, "not_found", f"campaign {m.group(1)} has no poll")
    if path in ("/v1/campaigns/30", "/v1/campaigns/31"):
        st["watch_gets"] += 1
        done = min(50, 10 * (st["watch_gets"] - 1)) if path.endswith("30") else 5
        status = "done" if done == 50 else "active"
        return 200, dict(CAMPAIGN_7, id=int(path[-2:]), status=status, done=done,
                         estimated_seconds_left=(50 - done) * 2,
                         counts=dict(CAMPAIGN_7["counts"], queued=50 - done, sending=0,
                                     sent=done))
    if path == "/v1/reports" and ("format" in q or q.get("category") == ["bulk"]):
        if q.get("numbers") == ["1"] and role != "admin":
            return api_error(403, "forbidden", "numbers: only an admin may see citizens' "
                             "numbers", "numbers")
        after = int(q.get("after", ["0"])[0])
        limit = int(q.get("limit", ["100"])[0])
        if limit > (100000 if "format" in q else 1000):
            return api_error(400, "invalid", "limit: too big", "limit")
        pool = BULK_REPORTS if q.get("category") == ["bulk"] else REPORTS
        reps = [r for r in pool if r["id"] > after][:limit]
        if q.get("format") == ["csv"]:
            return 200, reports_csv(reps, q.get("numbers") == ["1"]), "text/csv; charset=utf-8"
        return 200, {"reports": reps, "next_after": reps[-1]["id"] if reps else after}
    m = re.fullmatch(r"/v1/reports/(\w+)", path)
    if m:
        for r in REPORTS:
            if m.group(1) in (str(r["id"]), r["ticket"]):
                return 200, dict(r, pseudonym="ab12cd34", category=None, note=None,
                                 source="sim1", updated_at=None, updated_by=None)
        return api_error(404, "not_found", f"no report {m.group(1)}")
    if path == "/v1/optouts":
        return 200, {"count": 2, "optouts": OPTOUTS if role == "admin" else []}
    if path == "/v1/audit":
        if role != "admin":
            return api_error(403, "forbidden", "role viewer may not do this (needs admin)")
        return 200, {"audit": AUDIT}
    if path in ("/v1/contacts", "/v1/contacts/count"):
        group = q.get("group", [""])[0]
        if group and "=" not in group and group != "*":
            return api_error(400, "invalid", "group: not a tag query", "group")
        want = dict(kv.split("=", 1) for kv in group.split(",") if "=" in kv)
        rows = [dict(c, id=i + 1) for i, c in enumerate(st["contacts"].values())
                if all(c["tags"].get(k) == v for k, v in want.items())]
        if path.endswith("count"):
            return 200, {"count": len(rows)}
        after = int(q.get("after", ["0"])[0])
        limit = int(q.get("limit", ["100"])[0])
        rows = [r for r in rows if r["id"] > after][:limit]
        return 200, {"contacts": rows, "next_after": rows[-1]["id"] if rows else after}
    if path == "/v1/groups":
        return 200, {"groups": GROUPS}
    return None


def slug(s):
    s = unicodedata.normalize("NFD", s.replace("đ", "d").replace("Đ", "D"))
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).lower()
    return re.sub(r"[^a-z0-9_]+", "-", s).strip("-")


def fake_contacts(h, body):
    st = h.server.state
    st["contact_batches"].append(len(body))
    if len(body) > st["max_body"]:
        st["contact_413"] += 1
        return 413, {"error": {"code": "too_large", "message": "the request body is too big"}}
    if st["fail_batch"] and len(st["contact_batches"]) == st["fail_batch"]:
        return api_error(500, "internal", "the contacts could not be stored: disk I/O error")
    if st["fast"]:  # the million-row run: count, do not look
        st["fast_count"] += body.count(b'"number":')
        return 200, {"inserted": body.count(b'"number":'), "updated": 0, "errors": []}
    req = json.loads(body)
    ins = upd = 0
    errors = []
    st["contact_sizes"].append(len(req["contacts"]))
    for i, c in enumerate(req["contacts"]):
        num, why = contact_number_error(c.get("number", ""))
        if why:
            errors.append({"index": i, "field": f"contacts[{i}].number", "message": why})
            continue
        if num in st["contacts"]:
            upd += 1
        else:
            ins += 1
        st["contacts"][num] = {"number": num, "name": c.get("name"), "operator": "viettel",
                               "tags": {k: slug(v) for k, v in c.get("tags", {}).items()}}
        st["raw_contacts"].append(c)
    return 200, {"inserted": ins, "updated": upd, "errors": errors}


def fake_post_extra(h, path, req, role):
    """POST routes beyond v0 (req: the parsed body); (status, obj) or None."""
    if path == "/v1/campaigns/preview":
        recips = req.get("recipients", [])
        for i, n in enumerate(recips):
            why = fake_check_number(n)
            if why:
                return api_error(400, "invalid", f'recipients[{i}]: {why}: "{n}"',
                                 f"recipients[{i}]")
        text = req.get("text", "")
        if req.get("transliterate"):
            text = slug(text.replace(" ", "_")).replace("_", " ")
        seg = 1 if len(text) <= 70 else 2
        n = len(set(recips)) + (12 if req.get("group") else 0)
        return 200, {"recipients": n, "opted_out": 1, "duplicates": len(recips) - len(set(recips)),
                     "to_send": n - 1, "encoding": "ucs2", "segments": seg, "units": len(text),
                     "total_segments": (n - 1) * seg,
                     "by_operator": {"viettel": n - 2, "vinaphone": 1},
                     "estimated_seconds": 130, "text": text}
    m = re.fullmatch(r"/v1/campaigns/(\d+)/(pause|resume|cancel)", path)
    if m:
        if m.group(1) == "9":
            return api_error(409, "conflict", "campaign 9 is finished or cancelled")
        if m.group(1) != "7":
            return api_error(404, "not_found", f"no campaign {m.group(1)}")
        status = {"pause": "paused", "resume": "active", "cancel": "cancelled"}[m.group(2)]
        return 200, dict(CAMPAIGN_7, status=status, done=38)
    m = re.fullmatch(r"/v1/reports/(\w+)", path)
    if m:
        if req.get("status") not in ("new", "reviewing", "resolved"):
            return api_error(400, "invalid", "status: expected new, reviewing or resolved",
                             "status")
        for r in REPORTS:
            if m.group(1) in (str(r["id"]), r["ticket"]):
                return 200, dict(r, status=req["status"], note=req.get("note"),
                                 updated_by="ops", updated_at=1796100000)
        return api_error(404, "not_found", f"no report {m.group(1)}")
    if path == "/v1/optouts":
        if role != "admin":
            return api_error(403, "forbidden", "role viewer may not do this (needs admin)")
        num, why = contact_number_error(req.get("number", ""))
        if why:
            return api_error(400, "invalid", "number: " + why, "number")
        return 201, {"number": num}
    if path == "/v1/groups":
        if "=" not in req.get("query", ""):
            return api_error(400, "invalid", 'query: expected a tag query such as '
                             '"commune=son-nam"', "query")
        return 201, {"name": req["name"], "query": req["query"]}
    return None



def width(s):
    """Terminal columns, as loactl counts them."""
    w = 0
    for ch in s:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        w += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
    return w


class Suite:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, cond, detail=""):
        if cond:
            self.passed += 1
        else:
            self.failed += 1
            print(f"  FAIL {name}" + (f": {detail}" if detail else ""), file=sys.stderr)
        return cond


def main():
    if not os.access(LOACTL, os.X_OK):
        print(f"loactl_fake: {LOACTL} not found; build it first (or set LOACTL)", file=sys.stderr)
        print("loactl_fake: 0 passed, 1 failed")
        return 1
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeApi)
    server.requests = []
    server.state = {}
    server.daemon_threads = True

    def reset_state(**kw):
        server.state.clear()
        server.state.update(watch_gets=0, contacts={}, raw_contacts=[], contact_batches=[],
                            contact_sizes=[], contact_413=0, max_body=1 << 30, fail_batch=0,
                            fast=False, fast_count=0)
        server.state.update(kw)
    reset_state()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    tmp = tempfile.TemporaryDirectory(prefix="loactl_fake.")
    t = Suite()
    base_env = {k: v for k, v in os.environ.items()
                if k not in ("LOA_URL", "LOA_TOKEN", "LOA_TOKEN_FILE", "LOA_CONFIG")
                and "proxy" not in k.lower()}
    base_env["TZ"] = TZ_SPEC
    base_env["HOME"] = tmp.name  # no ~/.config/loactl.conf of the user's

    def run(args, token=True, stdin=None, env=None, timeout=10):
        e = dict(base_env)
        e["LOA_URL"] = url
        if token:
            e["LOA_TOKEN"] = TOKEN
        e.update(env or {})
        server.requests.clear()
        p = subprocess.run([os.path.abspath(LOACTL)] + args, input=(stdin or "").encode(),
                           capture_output=True, env=e, cwd=tmp.name, timeout=timeout)
        return (p.returncode, p.stdout.decode("utf-8", "replace"),
                p.stderr.decode("utf-8", "replace"), list(server.requests))

    def run_usage_errors(cases):
        """Run commands that must fail with exit 2 before any request, in parallel."""
        e = dict(base_env, LOA_URL=url, LOA_TOKEN=TOKEN)

        def one(args):
            p = subprocess.run([os.path.abspath(LOACTL)] + args, capture_output=True, env=e,
                               cwd=tmp.name, timeout=30)
            return args, p.returncode, p.stderr.decode("utf-8", "replace")
        server.requests.clear()
        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
            for args, rc, err in pool.map(one, cases):
                t.check(f"usage error {args} exits 2", rc == 2, f"rc={rc} err={err!r}")
                t.check(f"usage error {args} says why", err.startswith("loactl: "), err)
        t.check("usage errors send nothing", not server.requests, server.requests)

    def write(name, data):
        path = Path(tmp.name) / name
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
        return name

    tests = []

    def test(fn):
        tests.append(fn)
        return fn

    @test
    def help_and_usage():
        rc, out, err, reqs = run(["--help"])
        t.check("--help exits 0", rc == 0, f"rc={rc}")
        t.check("--help prints usage", "usage: loactl" in out and "campaign create" in out, out)
        rc, out, _, _ = run(["campaign", "create", "--help"])
        t.check("campaign create --help", rc == 0 and "--csv FILE" in out, f"rc={rc} {out}")
        rc, out, _, _ = run(["reports", "--help"])
        t.check("reports --help", rc == 0 and "--after" in out, f"rc={rc}")
        usage_cases = [
            [],
            ["frobnicate"],
            ["modems", "--bogus"],
            ["modems", "extra"],
            ["campaign"],
            ["campaign", "create", "--text", "x"],
            ["campaign", "create", "--to", "0912345678"],
            ["campaign", "create", "--text", "x", "--to", "0912345678", "--csv", "a.csv"],
            ["campaign", "create", "--text", "x", "--to", "0912345678", "--priority", "urgent"],
            ["campaign", "create", "--text", "x", "--to", "0912345678", "--start-at", "soon"],
            ["campaign", "create", "--text", "x", "--to", "0912345678", "--column", "phone"],
            ["campaign", "create", "--text", "", "--to", "0912345678"],
            ["campaign", "create", "--text", "x", "--csv", "missing.csv"],
            ["campaign", "show"],
            ["campaign", "show", "abc"],
            ["campaign", "show", "7", "8"],
            ["reports", "--limit", "0"],
            ["reports", "--limit", "1001"],
            ["reports", "--after", "-3"],
            ["--timeout", "-1", "modems"],
            ["--url", "ftp://127.0.0.1/", "modems"],
            ["--url", "http://", "modems"],
            ["modems", "--url"],
        ]
        run_usage_errors(usage_cases)

    @test
    def create_with_to():
        rc, out, err, reqs = run(["campaign", "create", "--text", "Hãy chia sẻ thông tin.",
                                  "--to", "0912345678", "--to", "+84 987 654 321",
                                  "--priority", "alert", "--start-at", "1796000000",
                                  "--end-by", "1796086400"])
        t.check("create --to exits 0", rc == 0, f"rc={rc} err={err!r}")
        t.check("create --to one request", len(reqs) == 1, reqs)
        if not reqs:
            return
        r = reqs[0]
        t.check("create is POST /v1/campaigns", (r["method"], r["path"]) ==
                ("POST", "/v1/campaigns"), r)
        t.check("bearer header", r["headers"].get("authorization") == "Bearer " + TOKEN,
                r["headers"])
        t.check("JSON content type",
                r["headers"].get("content-type", "").startswith("application/json"))
        body = json.loads(r["body"])
        t.check("create body", body == {"text": "Hãy chia sẻ thông tin.",
                                        "recipients": ["0912345678", "+84 987 654 321"],
                                        "priority": "alert", "start_at": 1796000000,
                                        "end_by": 1796086400}, body)
        t.check("create summary line", out == "campaign 7 created: 2 recipients (0 opted out, "
                "0 duplicates), 1 segment each (ucs2), 2 SMS in all\n", repr(out))

    @test
    def create_text_from_stdin_and_counts():
        rc, out, err, reqs = run(["campaign", "create", "--text", "-", "--to", "0912345678",
                                  "--to", "84912345678", "--to", "0900000000"],
                                 stdin="Xin chào bà con\r\n\n")
        t.check("--text - exits 0", rc == 0, f"rc={rc} err={err!r}")
        body = json.loads(reqs[0]["body"]) if reqs else {}
        t.check("--text - reads stdin without the final line breaks",
                body.get("text") == "Xin chào bà con", body)
        t.check("no priority/start/end unless given",
                not {"priority", "start_at", "end_by"} & set(body), body)
        t.check("summary with opt-out and duplicate", out == "campaign 7 created: 2 recipients "
                "(1 opted out, 1 duplicate), 1 segment each (ucs2), 1 SMS in all\n", repr(out))

    @test
    def create_from_csv():
        csv = ('\ufeff"number",name,commune\r\n'  # BOM right before the wanted column
               '0385937050,Vũ Văn Cường,Minh Thanh\r\n'
               '+84 900 162 993,"Đỗ Thị ""Hằng"", Đông","Thôn 2\r\nxóm Bãi"\r\n'
               '\r\n'
               '" 0990304990 ","Quan, Hữu An",Văn Phú\r\n'
               '"0912""345""678",Lò Văn Tú\r\n'
               '84912000111,Hà Thị Mai,Tú Thịnh')  # last record without a line end
        name = write("contacts.csv", csv.encode("utf-8"))
        rc, out, err, reqs = run(["campaign", "create", "--text", "Thông báo", "--csv", name])
        t.check("create --csv exits 0", rc == 0, f"rc={rc} err={err!r}")
        body = json.loads(reqs[0]["body"]) if reqs else {}
        t.check("recipients from CSV (BOM, CRLF, quotes, blank line)",
                body.get("recipients") == ["0385937050", "+84 900 162 993", "0990304990",
                                           '0912"345"678', "84912000111"], body)
        t.check("csv create summary", out.startswith("campaign 7 created: 5 recipients"), out)

        name = write("phones.csv", "Tên;x,Số điện thoại,Phone\n"
                                   "An,1,0912000222\nBình,2,0912000333\n")
        rc, out, err, reqs = run(["campaign", "create", "--text", "a", "--csv", name,
                                  "--column", "phone"])
        body = json.loads(reqs[0]["body"]) if reqs else {}
        t.check("--column picks the column (any case)",
                rc == 0 and body.get("recipients") == ["0912000222", "0912000333"],
                f"rc={rc} {body} {err}")

        rc, out, err, reqs = run(["campaign", "create", "--text", "a", "--csv", name])
        t.check("missing number column exits 2", rc == 2, f"rc={rc}")
        t.check("missing number column is named",
                'phones.csv:row 1: no column "number"' in err and '"Phone"' in err, err)
        t.check("missing number column sends nothing", not reqs)

        name = write("semi.csv", "name;number\nAn;0912000222\n")
        rc, out, err, reqs = run(["campaign", "create", "--text", "a", "--csv", name])
        t.check("';' separated file gets a hint", rc == 2 and "separated by ';'" in err, err)

        name = write("open.csv", 'number,name\n0912000222,"An\n0912000333,Bình\n')
        rc, out, err, reqs = run(["campaign", "create", "--text", "a", "--csv", name])
        t.check("unclosed quote exits 2 naming its row",
                rc == 2 and "open.csv:row 2:" in err and not reqs, f"rc={rc} {err}")

        name = write("utf16.csv", "number\r\n0912000222\r\n".encode("utf-16"))
        rc, out, err, reqs = run(["campaign", "create", "--text", "a", "--csv", name])
        t.check("UTF-16 file refused", rc == 2 and "UTF-16" in err and not reqs, err)

    @test
    def csv_row_mapping():
        csv = ("number,name\n"
               "0912000001,An\n"                  # row 2
               '0912000002,"Bình\nở xóm Trại"\n'  # row 3 (a line break inside quotes)
               "\n"                               # row 4: an empty line
               "0912000004,Cường\n"               # row 5
               "+1 415 555 0100,Dũng\n"           # row 6 -> recipients[3]
               "0912000006,Em\n")
        name = write("contacts.csv", csv)
        rc, out, err, reqs = run(["campaign", "create", "--text", "a", "--csv", name])
        t.check("400 on a CSV recipient exits 1", rc == 1, f"rc={rc} err={err!r}")
        t.check("400 recipients[3] maps to the CSV row",
                err.splitlines()[:1] == ['loactl: contacts.csv:row 6: not a Vietnamese mobile '
                                         'number: "+1 415 555 0100"'], repr(err))
        t.check("the request was sent once", len(reqs) == 1)

        rc, out, err, reqs = run(["campaign", "create", "--text", "a", "--to", "0912345678",
                                  "--to", "12345"])
        t.check("400 on --to exits 1", rc == 1, f"rc={rc}")
        t.check("400 prints field and message", err.splitlines()[:1] ==
                ['loactl: recipients[1]: too short: "12345"'], repr(err))

    @test
    def csv_empty_rows():
        csv = ("name,number\nAn,0912000001\nBình,\nCường,\"\"\nDũng,  \nEmpty row too short\n"
               "Em,0912000005\n")
        name = write("holes.csv", csv)
        rc, out, err, reqs = run(["campaign", "create", "--text", "a", "--csv", name])
        t.check("empty numbers exit 2", rc == 2, f"rc={rc}")
        t.check("empty numbers send nothing", not reqs, reqs)
        for row in (3, 4, 5, 6):
            t.check(f"empty number row {row} reported",
                    f"loactl: holes.csv:row {row}: empty number" in err, err)
        t.check("valid rows not reported", "row 2:" not in err and "row 7:" not in err, err)

        sample = REPO / "tests" / "data" / "contacts.sample.csv"
        if sample.exists():
            rc, out, err, reqs = run(["campaign", "create", "--text", "a", "--csv", str(sample)])
            t.check("sample contacts: row 487 has no number",
                    rc == 2 and f"{sample}:row 487: empty number" in err and not reqs,
                    f"rc={rc} {err}")
            t.check("sample contacts: only row 487", err.count("empty number") == 1, err)

    @test
    def auth():
        tokfile = Path(tmp.name) / "token"
        tokfile.write_text(TOKEN + "\r\nsecond line\n")
        rc, out, err, reqs = run(["modems"], token=False, env={"LOA_TOKEN_FILE": str(tokfile)})
        t.check("LOA_TOKEN_FILE first line is the token", rc == 0 and reqs and
                reqs[0]["headers"].get("authorization") == "Bearer " + TOKEN,
                f"rc={rc} {reqs}")
        rc, out, err, reqs = run(["--token", TOKEN, "modems"], token=False,
                                 env={"LOA_TOKEN": "wrong"})
        t.check("--token wins over LOA_TOKEN", rc == 0 and reqs and
                reqs[0]["headers"].get("authorization") == "Bearer " + TOKEN, err)
        rc, out, err, reqs = run(["modems"], token=False)
        t.check("no token: 401 exits 1", rc == 1, f"rc={rc}")
        t.check("no token: no Authorization header", reqs and
                "authorization" not in reqs[0]["headers"], reqs)
        t.check("401 message printed", "loactl: a bearer token is needed" in err, err)
        t.check("token never printed", TOKEN not in out + err)
        rc, out, err, reqs = run(["modems"], token=False, env={"LOA_TOKEN": "bad token"})
        t.check("token with a space refused", rc == 2 and not reqs, f"rc={rc}")

    @test
    def modems_table():
        rc, out, err, reqs = run(["modems"])
        t.check("modems exits 0", rc == 0, f"rc={rc} err={err!r}")
        t.check("modems GET /v1/modems", reqs and reqs[0]["path"] == "/v1/modems", reqs)
        lines = out.splitlines()
        t.check("modems: header + 2 rows", len(lines) == 3, out)
        if len(lines) != 3:
            return
        head = lines[0].split()
        t.check("modems header", head == ["NAME", "STATE", "OPERATOR", "SIGNAL", "REG",
                                          "NETWORK", "SENT", "FAILED", "RECV", "LAST_ERROR"],
                head)
        cells1 = [c for c in lines[1].split("  ") if c.strip()]
        cells1 = [c.strip() for c in cells1]
        t.check("sim1 row", cells1 == ["sim1", "ready", "viettel", "-71 dBm", "home", "Viettel",
                                       "25", "0", "1", "-"], cells1)
        cells2 = [c.strip() for c in lines[2].split("  ") if c.strip()]
        t.check("sim2 row (nulls as '-', code when no name, error text)",
                cells2 == ["sim2-vinaphone", "down", "vinaphone", "-", "-", "45202", "1234",
                           "17", "0", "CME ERROR 10: SIM not inserted"], cells2)
        t.check("columns aligned", lines[0].index("STATE") == lines[1].index("ready") ==
                lines[2].index("down"), out)
        t.check("numbers right-aligned", lines[0].index("SENT") + len("SENT") ==
                lines[2].index("1234") + 4 and lines[1].index("25 ") + 2 ==
                lines[2].index("1234") + 4, out)
        t.check("no trailing blanks", all(ln == ln.rstrip() for ln in lines), out)

    @test
    def reports_table():
        rc, out, err, reqs = run(["reports"])
        t.check("reports exits 0", rc == 0, f"rc={rc} err={err!r}")
        t.check("reports GET /v1/reports", reqs and reqs[0]["path"] == "/v1/reports", reqs)
        lines = out.splitlines()
        t.check("reports: header + one line per report", len(lines) == 1 + len(REPORTS), out)
        t.check("reports header", lines and lines[0].split() ==
                ["TICKET", "TIME", "SENDER", "STATUS", "TEXT"], lines[:1])
        for ln in lines:
            t.check(f"fits 80 columns: {ln!r}", width(ln) <= 80, str(width(ln)))
        t.check("no escape characters reach the terminal", "\x1b" not in out and "\t" not in out)
        by_ticket = {ln.split()[0]: ln for ln in lines[1:]}
        for rep in REPORTS:
            ln = by_ticket.get(rep["ticket"], "")
            when = datetime.fromtimestamp(rep["created_at"], TZ_OFFSET).strftime("%Y-%m-%d %H:%M")
            t.check(f"{rep['ticket']} local time {when}", when in ln, ln)
            t.check(f"{rep['ticket']} sender/status", rep["sender"] in ln and
                    f" {rep['status']} " in ln, ln)
        t.check("short text kept whole", by_ticket.get("K7Q2XM", "").endswith(
                "Bao tin gia ve dich benh"), by_ticket.get("K7Q2XM"))
        long_ln = by_ticket.get("P3ZR8A", "")
        text_col = lines[0].index("TEXT") if lines else 0
        shown = long_ln[text_col:]
        t.check("long text cut with …", shown.endswith("…") and
                LONG_VI.startswith(shown[:-1].rstrip()) and width(long_ln) >= 75,
                repr(long_ln))
        nfd_ln = by_ticket.get("D4NF6T", "")
        nfd_shown = nfd_ln[text_col:]  # the columns before TEXT are ASCII
        t.check("decomposed text cut at the same width, marks kept with their letters",
                width(nfd_ln) == width(long_ln) and
                unicodedata.normalize("NFC", nfd_shown) == shown, repr(nfd_ln))
        ctl_ln = by_ticket.get("W9YH2C", "")
        t.check("control characters become spaces",
                ctl_ln.endswith("line one line two [2J end"), repr(ctl_ln))
        wide_ln = by_ticket.get("J2KL9Q", "")
        t.check("wide characters counted as 2", wide_ln.endswith("…") and
                width(wide_ln) in (79, 80), repr(wide_ln))

        rc, out, err, reqs = run(["reports", "--after", "1", "--limit", "2"])
        t.check("reports --after --limit query", reqs and
                reqs[0]["path"] == "/v1/reports?after=1&limit=2", reqs)
        t.check("reports page", rc == 0 and len(out.splitlines()) == 3 and
                "P3ZR8A" in out and "W9YH2C" in out, out)
        t.check("full page hints at the next one", "--after 3" in err, err)
        rc, out, err, reqs = run(["reports", "--after", "99"])
        t.check("no reports", rc == 0 and "(no reports)" in out, out)

    @test
    def campaign_show():
        rc, out, err, reqs = run(["campaign", "show", "7"])
        t.check("show exits 0", rc == 0, f"rc={rc} err={err!r}")
        t.check("show GET /v1/campaigns/7", reqs and reqs[0]["path"] == "/v1/campaigns/7")
        t.check("show progress line", "38/50 done (76%)" in out, out)
        rows = {}
        for ln in out.splitlines():
            parts = ln.split()
            if len(parts) == 2 and parts[1].isdigit():
                rows[parts[0]] = int(parts[1])
        t.check("show state table", rows == CAMPAIGN_7["counts"], rows)
        t.check("show text", CAMPAIGN_7["text"] in out, out)
        when = datetime.fromtimestamp(1796000000, TZ_OFFSET).strftime("%Y-%m-%d %H:%M")
        t.check("show created time", when in out, out)
        rc, out, err, reqs = run(["campaign", "show", "8"])
        t.check("show uses the server's done count", rc == 0 and "40/50 done (80%)" in out, out)
        t.check("show lists unknown states", any(ln.split() == ["retrying", "3"]
                                                 for ln in out.splitlines()), out)
        t.check("show singular segment", "1 segment each" in out, out)
        rc, out, err, reqs = run(["campaign", "show", "99"])
        t.check("show unknown id exits 1", rc == 1 and "loactl: no such campaign" in err,
                f"rc={rc} {err}")

    @test
    def json_output():
        rc, out, err, reqs = run(["--json", "modems"])
        try:
            got = json.loads(out)
        except ValueError:
            got = None
        t.check("--json modems is the server's JSON", rc == 0 and got == MODEMS, out)
        t.check("--json is pretty-printed", out.count("\n") > 10, out)
        rc, out, err, reqs = run(["campaign", "show", "7", "--json"])
        t.check("--json after the command", rc == 0 and json.loads(out or "null") == CAMPAIGN_7,
                out)
        rc, out, err, reqs = run(["--json", "campaign", "create", "--text", "x", "--to",
                                  "0912345678"])
        t.check("--json create", rc == 0 and json.loads(out or "{}").get("id") == 7, out)
        rc, out, err, reqs = run(["--json", "campaign", "show", "99"])
        t.check("--json error still exits 1", rc == 1, f"rc={rc}")
        t.check("--json error body on stdout",
                json.loads(out or "{}").get("error", {}).get("code") == "not_found", out)
        rc, out, err, reqs = run(["--json", "reports", "--limit", "1"])
        t.check("--json reports", rc == 0 and json.loads(out or "{}").get("next_after") == 1, out)

    @test
    def health_and_server_errors():
        rc, out, err, reqs = run(["health"], token=False)
        t.check("health", rc == 0 and out == "ok: 2 of 2 modems ready\n", f"rc={rc} {out!r}")
        rc, out, err, reqs = run(["campaign", "show", "500"])
        t.check("5xx exits 4", rc == 4, f"rc={rc}")
        t.check("5xx message", "server error (HTTP 500): the store failed" in err, err)
        rc, out, err, reqs = run(["campaign", "create", "--text", "__500__", "--to",
                                  "0912345678"])
        t.check("5xx on create exits 4", rc == 4, f"rc={rc}")

    @test
    def unreachable():
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        closed = f"http://127.0.0.1:{port}"
        rc, out, err, _ = run(["--url", closed, "modems"])
        t.check("closed port exits 3", rc == 3, f"rc={rc} err={err!r}")
        t.check("closed port names the URL", f"cannot reach {closed}" in err, err)

        # a listener that never accepts: the connection is made, no answer ever comes
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        silent = f"http://127.0.0.1:{s.getsockname()[1]}/"
        start = time.monotonic()
        rc, out, err, _ = run(["--url", silent, "--timeout", "0.5", "campaign", "show", "7"])
        took = time.monotonic() - start
        s.close()
        t.check("no answer exits 3", rc == 3, f"rc={rc} err={err!r}")
        t.check("no answer names the URL", f"cannot reach {silent.rstrip('/')}" in err, err)
        t.check("--timeout is honoured", took < 5, f"{took:.1f}s")

    # ---- commands added after v0 -----------------------------------------------------------

    @test
    def new_usage_errors():
        for args in (["campaign", "list", "--help"], ["campaign", "watch", "--help"],
                     ["contacts", "import", "--help"], ["contacts", "--help"],
                     ["report", "--help"], ["optouts", "--help"], ["optout", "--help"],
                     ["audit", "--help"], ["groups", "--help"], ["group", "--help"],
                     ["campaign", "pause", "--help"], ["help", "reports"]):
            rc, out, err, reqs = run(args)
            t.check(f"{args} exits 0 with usage", rc == 0 and "usage: loactl" in out and
                    not reqs, f"rc={rc} {out!r} {err!r}")
        rc, out, _, _ = run(["--help"])
        t.check("--help documents the config file",
                "loactl.conf" in out and "token_file" in out and "LOA_CONFIG" in out, out)
        for cmd in ("campaign watch", "contacts import", "report show|update", "optout add",
                    "audit", "group save", "campaign list", "groups"):
            t.check(f"--help lists {cmd}", cmd in out, out)
        x = ["campaign", "create", "--text", "x"]
        usage_cases = [
            x,
            x + ["--to", "0912345678", "--poll", "CO,KHONG"],
            x + ["--to", "0912345678", "--poll-closes", "+2h"],
            x + ["--to", "0912345678", "--poll", "CO", "--poll-closes", "+2h"],
            x + ["--to", "0912345678", "--poll", "CO,co", "--poll-closes", "+2h"],
            x + ["--to", "0912345678", "--poll", "CO,HAI TU", "--poll-closes", "+2h"],
            x + ["--to", "0912345678", "--poll", "CO,KHONG", "--poll-closes", "tomorrow"],
            x + ["--group", "commune=a", "--recurrence", "hourly"],
            x + ["--group", "commune=a", "--recurrence", "weekly 8 08:00"],
            x + ["--group", "commune=a", "--recurrence", "daily 24:00"],
            x + ["--group", ""],
            ["campaign", "list", "--limit", "0"],
            ["campaign", "list", "--limit", "501"],
            ["campaign", "pause"],
            ["campaign", "resume", "x7"],
            ["campaign", "cancel", "7", "8"],
            ["campaign", "poll", "0"],
            ["campaign", "watch", "7", "--interval", "0"],
            ["campaign", "watch"],
            ["campaign", "frobnicate", "7"],
            ["reports", "--status", "open"],
            ["reports", "--since", "yesterday"],
            ["reports", "--export", "xml"],
            ["reports", "--output", "r.csv"],
            ["reports", "--limit", "5000"],
            ["report", "show"],
            ["report", "show", "K7Q2XM", "--status", "resolved"],
            ["report", "update", "K7Q2XM"],
            ["report", "update", "K7Q2XM", "--status", "done"],
            ["report", "show", "../etc"],
            ["report", "delete", "K7Q2XM"],
            ["optouts", "extra"],
            ["optout", "remove", "0912345678"],
            ["optout", "add"],
            ["audit", "--limit", "1001"],
            ["audit", "--since", "later"],
            ["contacts"],
            ["contacts", "list", "--limit", "10001"],
            ["contacts", "count", "--limit", "5"],
            ["contacts", "import"],
            ["contacts", "import", "a.csv", "b.csv"],
            ["contacts", "import", "a.csv", "--batch", "0"],
            ["contacts", "import", "a.csv", "--batch", "10001"],
            ["contacts", "import", "missing.csv"],
            ["group", "save", "name-only"],
            ["group", "delete", "x"],
            ["groups", "extra"],
        ]
        run_usage_errors(usage_cases)

    @test
    def create_with_new_options():
        before = int(time.time())
        rc, out, err, reqs = run(["campaign", "create", "--text", "Họp thôn", "--group",
                                  "commune=son-nam,role=y-te", "--name", "Tuần 1",
                                  "--recurrence", "weekly 1 08:00", "--transliterate",
                                  "--poll", "CO, KHONG ,3", "--poll-closes", "+48h"])
        t.check("create with group/poll exits 0", rc == 0, f"rc={rc} {err!r}")
        body = json.loads(reqs[0]["body"]) if reqs else {}
        closes = body.get("poll", {}).pop("closes_at", 0)
        t.check("group/name/recurrence/transliterate/poll in the body", body == {
            "text": "Họp thôn", "group": "commune=son-nam,role=y-te", "name": "Tuần 1",
            "recurrence": "weekly 1 08:00", "transliterate": True,
            "poll": {"answers": ["CO", "KHONG", "3"]}}, body)
        t.check("+48h is 48 hours from now", before + 48 * 3600 <= closes <=
                int(time.time()) + 48 * 3600, closes)
        rc, out, err, reqs = run(["campaign", "create", "--text", "x", "--to", "0912345678",
                                  "--poll", "1,2", "--poll-closes", "1796600000",
                                  "--start-at", "2026-12-01 08:30"])
        body = json.loads(reqs[0]["body"]) if reqs else {}
        local = datetime(2026, 12, 1, 8, 30, tzinfo=TZ_OFFSET).timestamp()
        t.check("poll epoch and a local start time", rc == 0 and
                body.get("poll") == {"answers": ["1", "2"], "closes_at": 1796600000} and
                body.get("start_at") == int(local), body)

    @test
    def campaign_preview():
        name = write("prev.csv", "number\n0912000001\n0912000001\n0912000002\n")
        rc, out, err, reqs = run(["campaign", "create", "--text", "Thông báo", "--csv", name,
                                  "--group", "commune=son-nam", "--preview"])
        t.check("preview exits 0", rc == 0, f"rc={rc} {err!r}")
        t.check("preview POSTs /v1/campaigns/preview", reqs and
                (reqs[0]["method"], reqs[0]["path"]) == ("POST", "/v1/campaigns/preview"), reqs)
        lines = dict(re.split(r":\s+", ln, maxsplit=1) for ln in out.splitlines()[1:])
        t.check("preview says nothing is stored", out.startswith("preview (nothing stored"), out)
        t.check("preview numbers", (lines.get("recipients"), lines.get("opted out"),
                                    lines.get("duplicates"), lines.get("to send"),
                                    lines.get("parts per message"), lines.get("total parts")) ==
                ("14", "1", "1", "13", "1 (ucs2)", "13"), lines)
        t.check("preview by operator", lines.get("by operator") == "viettel 12, vinaphone 1",
                lines)
        t.check("preview estimated time", lines.get("estimated time") == "2 min 10 s", lines)
        rc, out, err, reqs = run(["--json", "campaign", "create", "--text", "x", "--group", "*",
                                  "--preview"])
        t.check("preview --json", rc == 0 and json.loads(out).get("to_send") == 11, out)
        name = write("prevbad.csv", "number\n0912000001\n+1 415 555 0100\n")
        rc, out, err, reqs = run(["campaign", "create", "--text", "x", "--csv", name,
                                  "--preview"])
        t.check("preview refusal maps recipients[i] to the row", rc == 1 and
                "prevbad.csv:row 3: not a Vietnamese" in err, f"rc={rc} {err!r}")

    @test
    def campaign_list_control_poll():
        rc, out, err, reqs = run(["campaign", "list", "--limit", "3"])
        t.check("list exits 0", rc == 0, f"rc={rc} {err!r}")
        t.check("list query", reqs and reqs[0]["path"] == "/v1/campaigns?limit=3", reqs)
        lines = out.splitlines()
        t.check("list header", lines and lines[0].split()[:5] ==
                ["ID", "STATUS", "PRIO", "CREATED", "DONE"], lines[:1])
        t.check("list newest first", [ln.split()[0] for ln in lines[1:]] == ["9", "8", "7"], out)
        t.check("list row", "done" in lines[1] and "50/50" in lines[1] and "Tuần 1" in lines[1],
                lines[1:2])
        t.check("list fits 80 columns", all(width(ln) <= 80 for ln in lines), out)
        rc, out, err, reqs = run(["campaign", "list"])
        t.check("list default limit", reqs and reqs[0]["path"] == "/v1/campaigns?limit=20", reqs)
        for action, word, status in (("pause", "paused", "paused"),
                                     ("resume", "resumed", "active"),
                                     ("cancel", "cancelled", "cancelled")):
            rc, out, err, reqs = run(["campaign", action, "7"])
            t.check(f"{action} POSTs", rc == 0 and reqs and (reqs[0]["method"], reqs[0]["path"])
                    == ("POST", f"/v1/campaigns/7/{action}"), f"rc={rc} {reqs} {err}")
            t.check(f"{action} line", out == f"campaign 7 {word}: now {status}, 38/50 done\n",
                    repr(out))
        rc, out, err, reqs = run(["campaign", "cancel", "9"])
        t.check("cancel a finished campaign: 409 exits 1", rc == 1 and
                "campaign 9 is finished" in err, f"rc={rc} {err!r}")
        rc, out, err, reqs = run(["campaign", "pause", "99"])
        t.check("pause unknown: 404 exits 1", rc == 1, f"rc={rc}")
        rc, out, err, reqs = run(["campaign", "poll", "7"])
        t.check("poll exits 0", rc == 0 and reqs[0]["path"] == "/v1/campaigns/7/poll",
                f"rc={rc} {err}")
        rows = [ln.split() for ln in out.splitlines()]
        t.check("poll tally, most votes first", rows[:3] == [["ANSWER", "VOTES", "SHARE"],
                                                             ["KHONG", "4", "57%"],
                                                             ["CO", "3", "43%"]], rows)
        t.check("poll summary", "7 votes; open until" in out, out)
        rc, out, err, reqs = run(["campaign", "poll", "8"])
        t.check("poll of a campaign without one exits 1", rc == 1 and "has no poll" in err, err)
        rc, out, err, reqs = run(["--json", "campaign", "poll", "7"])
        t.check("poll --json", rc == 0 and json.loads(out) == POLL_7, out)

    @test
    def campaign_watch():
        reset_state()
        start = time.monotonic()
        rc, out, err, reqs = run(["campaign", "watch", "30", "--interval", "0.1"])
        t.check("watch ends with exit 0 when done", rc == 0, f"rc={rc} {err!r}")
        t.check("watch is quick", time.monotonic() - start < 5)
        lines = out.splitlines()
        t.check("watch prints a line per change on a pipe",
                [re.search(r"\] (\d+)/50", ln).group(1) for ln in lines[:-1]] ==
                ["0", "10", "20", "30", "40", "50"], out)
        t.check("watch line shape", lines and lines[0].startswith("campaign 30 active  [") and
                "about 1 min 40 s left" in lines[0], lines[:1])
        t.check("watch rate once known", "/s" in lines[2] if len(lines) > 2 else False, out)
        t.check("watch no \\r on a pipe", "\r" not in out, repr(out))
        t.check("watch summary", lines[-1:] == ["campaign 30 done: sent 50"], lines[-1:])
        t.check("watch polled the campaign", all(r["path"] == "/v1/campaigns/30" for r in reqs)
                and len(reqs) == 6, [r["path"] for r in reqs])

        reset_state()
        rc, out, err, reqs = run(["--json", "campaign", "watch", "30", "--interval", "0.1"])
        docs = [json.loads(ln) for ln in out.splitlines()]
        t.check("watch --json: one answer a change", rc == 0 and
                [d["done"] for d in docs] == [0, 10, 20, 30, 40, 50], f"rc={rc} {out!r} {err!r}")

        rc, out, err, reqs = run(["campaign", "watch", "99", "--interval", "0.1"])
        t.check("watch unknown campaign exits 1", rc == 1, f"rc={rc}")

        # Ctrl-C: a campaign that never ends
        e = dict(base_env, LOA_URL=url, LOA_TOKEN=TOKEN)
        p = subprocess.Popen([os.path.abspath(LOACTL), "campaign", "watch", "31", "--interval",
                              "0.2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e)
        time.sleep(0.6)
        p.send_signal(signal.SIGINT)
        try:
            out, err = p.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
        t.check("watch stops on Ctrl-C with 130", p.returncode == 130, f"rc={p.returncode}")
        t.check("watch says it stopped", b"stopped watching campaign 31" in err, err)
        t.check("watch printed once (no change)", out.count(b"\n") == 1, out)

        # on a terminal the line is redrawn in place
        reset_state()
        master, slave = pty.openpty()
        p = subprocess.Popen([os.path.abspath(LOACTL), "campaign", "watch", "30", "--interval",
                              "0.1"], stdout=slave, stderr=subprocess.PIPE, env=e)
        os.close(slave)
        data = b""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            r, _, _ = select.select([master], [], [], 0.5)
            if not r:
                if p.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
        os.close(master)
        p.wait(timeout=5)
        text = data.decode("utf-8", "replace")
        t.check("watch on a tty exits 0", p.returncode == 0, f"rc={p.returncode}")
        t.check("watch on a tty redraws with \\r", text.count("\r") >= 6 and
                "50/50 done (100%)" in text, repr(text))
        t.check("watch on a tty: progress on one line, then the summary",
                text.replace("\r\n", "\n").rstrip("\n").split("\n")[-1] ==
                "campaign 30 done: sent 50", repr(text[-200:]))

    @test
    def reports_filters_and_export():
        rc, out, err, reqs = run(["reports", "--status", "new", "--category", "tin giả",
                                  "--since", "1796000000", "--until", "2026-12-01",
                                  "--limit", "2"])
        until = int(datetime(2026, 12, 1, tzinfo=TZ_OFFSET).timestamp())
        t.check("filters in the query", reqs and reqs[0]["path"] ==
                f"/v1/reports?status=new&category=tin%20gi%E1%BA%A3&since=1796000000"
                f"&until={until}&limit=2", reqs)
        rc, out, err, reqs = run(["reports", "--numbers"], env={"LOA_TOKEN": VIEWER_TOKEN})
        t.check("--numbers asks numbers=1", reqs and reqs[0]["path"] == "/v1/reports?numbers=1",
                reqs)
        rc, out, err, reqs = run(["reports", "--numbers", "--export", "csv"],
                                 env={"LOA_TOKEN": VIEWER_TOKEN})
        t.check("--numbers as a viewer: 403 exits 1", rc == 1 and "only an admin" in err,
                f"rc={rc} {err!r}")

        rc, out, err, reqs = run(["reports", "--export", "csv"])
        t.check("export csv exits 0", rc == 0, f"rc={rc} {err!r}")
        t.check("export csv query", reqs and reqs[0]["path"] ==
                "/v1/reports?limit=10000&format=csv", reqs)
        t.check("export csv is the server's CSV", out == reports_csv(REPORTS, False), out[:300])

        rc, out, err, reqs = run(["reports", "--category", "bulk", "--export", "csv",
                                  "--output", "all.csv"])
        t.check("big export in pages", rc == 0 and [r["path"] for r in reqs] == [
            "/v1/reports?category=bulk&limit=10000&format=csv",
            "/v1/reports?category=bulk&after=10000&limit=10000&format=csv",
            "/v1/reports?category=bulk&after=20000&limit=10000&format=csv"],
            [r["path"] for r in reqs])
        got = (Path(tmp.name) / "all.csv").read_bytes().decode("utf-8") \
            if (Path(tmp.name) / "all.csv").exists() else ""
        t.check("pages joined into one CSV with one header", got ==
                reports_csv(BULK_REPORTS, False), got[:200])
        t.check("--output says how many", "23456 reports written to all.csv" in err, err)
        t.check("no .part file left", not (Path(tmp.name) / "all.csv.part").exists())
        t.check("--output keeps stdout clean", out == "", out[:100])

        rc, out, err, reqs = run(["reports", "--category", "bulk", "--export", "json",
                                  "--after", "100", "--limit", "15000"])
        doc = json.loads(out) if rc == 0 else {}
        t.check("export json with --after/--limit", rc == 0 and
                [r["id"] for r in doc.get("reports", [])] == list(range(101, 15101)),
                f"rc={rc} {err!r}")
        t.check("export json pages", [r["path"] for r in reqs] == [
            "/v1/reports?category=bulk&after=100&limit=10000&format=json",
            "/v1/reports?category=bulk&after=10100&limit=5000&format=json"],
            [r["path"] for r in reqs])

        (Path(tmp.name) / "keep.csv").write_text("old")
        rc, out, err, reqs = run(["--url", "http://127.0.0.1:9", "reports", "--export", "csv",
                                  "--output", "keep.csv"])
        t.check("failed export exits 3 and leaves the old file", rc == 3 and
                (Path(tmp.name) / "keep.csv").read_text() == "old" and
                not (Path(tmp.name) / "keep.csv.part").exists(), f"rc={rc} {err!r}")

    @test
    def report_show_and_update():
        rc, out, err, reqs = run(["report", "show", "P3ZR8A"])
        t.check("report show exits 0", rc == 0 and reqs[0]["path"] == "/v1/reports/P3ZR8A",
                f"rc={rc} {err!r}")
        t.check("report show fields", out.startswith("report P3ZR8A (id 2)\n") and
                "status:    reviewed" in out and "pseudonym: ab12cd34" in out and
                "source:    sim1" in out and LONG_VI in out, out)
        rc, out, err, reqs = run(["report", "show", "404"])
        t.check("report show unknown exits 1", rc == 1 and "no report 404" in err, err)
        rc, out, err, reqs = run(["report", "update", "K7Q2XM", "--status", "resolved",
                                  "--note", "Đã xác minh: tin giả", "--notify"])
        t.check("report update exits 0", rc == 0, f"rc={rc} {err!r}")
        t.check("report update request", reqs and (reqs[0]["method"], reqs[0]["path"]) ==
                ("POST", "/v1/reports/K7Q2XM") and json.loads(reqs[0]["body"]) ==
                {"status": "resolved", "note": "Đã xác minh: tin giả", "notify": True}, reqs)
        t.check("report update shows the result", "status:    resolved" in out and
                "note:      Đã xác minh: tin giả" in out and "by:        ops" in out, out)
        rc, out, err, reqs = run(["report", "update", "3", "--status", "reviewing"])
        t.check("update by id, no note/notify sent", rc == 0 and
                json.loads(reqs[0]["body"]) == {"status": "reviewing"}, reqs)

    @test
    def optouts_audit_groups():
        rc, out, err, reqs = run(["optouts"])
        t.check("optouts (admin) table", rc == 0 and "+84912000001" in out and
                out.splitlines()[0].split() == ["NUMBER", "SINCE"] and
                out.endswith("2 numbers opted out\n"), out)
        rc, out, err, reqs = run(["optouts", "--count"])
        t.check("optouts --count", rc == 0 and out == "2 numbers opted out\n", repr(out))
        rc, out, err, reqs = run(["optouts"], env={"LOA_TOKEN": VIEWER_TOKEN})
        t.check("optouts as viewer: the count", rc == 0 and out == "2 numbers opted out\n" and
                "admin" in err, f"{out!r} {err!r}")
        rc, out, err, reqs = run(["optout", "add", "0912 000 003"])
        t.check("optout add", rc == 0 and json.loads(reqs[0]["body"]) ==
                {"number": "0912 000 003"} and out.startswith("+84912000003 opted out"),
                f"rc={rc} {out!r} {err!r}")
        rc, out, err, reqs = run(["optout", "add", "12345"])
        t.check("optout add bad number exits 1", rc == 1 and 'number: too short' in err, err)
        rc, out, err, reqs = run(["optout", "add", "0912000003"],
                                 env={"LOA_TOKEN": VIEWER_TOKEN})
        t.check("optout add as viewer: 403 exits 1", rc == 1 and "needs admin" in err, err)

        rc, out, err, reqs = run(["audit", "--who", "ops", "--action", "campaign.create",
                                  "--since", "1796000000", "--limit", "50"])
        t.check("audit query", rc == 0 and reqs[0]["path"] ==
                "/v1/audit?who=ops&action=campaign.create&since=1796000000&limit=50", reqs)
        lines = out.splitlines()
        t.check("audit table", lines[0].split() == ["ID", "TIME", "WHO", "ACTION", "OBJECT",
                                                    "RESULT", "DETAIL"] and len(lines) == 3 and
                "campaign/7" in lines[1] and "Tuần 1" in lines[1], out)
        rc, out, err, reqs = run(["--json", "audit"])
        t.check("audit --json", rc == 0 and json.loads(out) == {"audit": AUDIT}, out)

        rc, out, err, reqs = run(["groups"])
        t.check("groups table", rc == 0 and out.splitlines()[0].split() ==
                ["NAME", "QUERY", "CONTACTS"] and out.splitlines()[1].split() ==
                ["son-nam-y-te", "commune=son-nam,role=y-te", "12"], out)
        rc, out, err, reqs = run(["group", "save", "y-te", "role=y-te"])
        t.check("group save", rc == 0 and json.loads(reqs[0]["body"]) ==
                {"name": "y-te", "query": "role=y-te"} and
                out == 'group "y-te" saved: role=y-te\n', f"{out!r} {err!r}")
        rc, out, err, reqs = run(["group", "save", "x", "son nam"])
        t.check("group save bad query exits 1", rc == 1 and "query: expected" in err, err)

    def sample_expectations():
        """What the fake should hold after importing the sample, computed independently."""
        with open(REPO / "tests/data/contacts.sample.csv", encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        new, upd, bad = set(), 0, {}
        for i, r in enumerate(rows[1:], start=2):
            if not r[0].strip():
                bad[i] = "empty number"
                continue
            num, why = contact_number_error(r[0].strip())
            if why:
                bad[i] = why
            elif num in new:
                upd += 1
            else:
                new.add(num)
        return rows, new, upd, bad

    @test
    def contacts_import_sample():
        sample = REPO / "tests" / "data" / "contacts.sample.csv"
        rows, new, upd, bad = sample_expectations()
        t.check("the sample's bad rows are rows 482-487, 490, 491",
                sorted(bad) == [482, 483, 484, 485, 486, 487, 490, 491], sorted(bad))
        reset_state()
        shutil.copy(sample, Path(tmp.name) / "contacts.csv")
        rc, out, err, reqs = run(["contacts", "import", "contacts.csv", "--batch", "100"])
        t.check("import with rejected rows exits 1", rc == 1, f"rc={rc} {err!r}")
        sent = len(rows) - 2  # all data rows but the one without a number
        t.check("--batch 100: 5 requests", len(reqs) == 5 and all(
            (r["method"], r["path"]) == ("POST", "/v1/contacts") for r in reqs),
            [(r["method"], r["path"]) for r in reqs])
        t.check("batches of 100", server.state["contact_sizes"] == [100, 100, 100, 100,
                                                                    sent - 400],
                server.state["contact_sizes"])
        errs = [ln for ln in err.splitlines() if ":row " in ln]
        t.check("one line per rejected row, in row order",
                [int(re.search(r":row (\d+):", ln).group(1)) for ln in errs] == sorted(bad), err)
        t.check("row 482 mapped with the server's message",
                'loactl: contacts.csv:row 482: too short: "12345"' in errs, errs)
        t.check("row 484 mapped", 'loactl: contacts.csv:row 484: not a Vietnamese number: '
                '"+1 415 555 0100"' in errs, errs)
        t.check("row 487 rejected locally", "loactl: contacts.csv:row 487: empty number" in errs,
                errs)
        t.check("a message without the number gets it added",
                'loactl: contacts.csv:row 491: country code and trunk zero together: '
                '"+84 0912 000 000"' in errs, errs)
        imported = len(new) + upd
        t.check("summary line", out == f"{imported} contacts imported ({len(new)} new, {upd} "
                f"updated), {len(bad)} rows rejected\n", repr(out))
        t.check("every good row reached the server", len(server.state["raw_contacts"]) ==
                imported, len(server.state["raw_contacts"]))
        first = server.state["raw_contacts"][0] if server.state["raw_contacts"] else {}
        t.check("number, name and the other columns as tags", first == {
            "number": "0385937050", "name": "Vũ Văn Cường",
            "tags": {"commune": "Minh Thanh", "village": "Thôn 2", "role": "can-bo-xa"}}, first)
        second = server.state["raw_contacts"][1] if len(server.state["raw_contacts"]) > 1 else {}
        t.check("an empty cell is no tag", "role" not in second.get("tags", {}), second)
        t.check("quoted name with quotes", any(c.get("name") == 'Nguyễn Văn "Tèo"'
                                               for c in server.state["raw_contacts"]))

        # the same file again: everything is an update now
        rc, out, err, reqs = run(["--json", "contacts", "import", "contacts.csv"])
        doc = json.loads(out) if out.startswith("{") else {}
        t.check("second import: one request at the default batch", len(reqs) == 1, len(reqs))
        t.check("second import --json summary", doc.get("inserted") == 0 and
                doc.get("updated") == imported and doc.get("rejected") == len(bad) and
                [e["row"] for e in doc.get("errors", [])] == sorted(bad), doc)

        rc, out, err, reqs = run(["contacts", "list", "--group", "commune=son-nam",
                                  "--limit", "5"])
        t.check("contacts list query", reqs and reqs[0]["path"] ==
                "/v1/contacts?group=commune%3Dson-nam&limit=5", reqs)
        lines = out.splitlines()
        t.check("contacts list table", rc == 0 and lines[0].split() ==
                ["ID", "NUMBER", "NAME", "OPERATOR", "TAGS"] and len(lines) == 6 and
                "commune=son-nam" in lines[1], out)
        t.check("contacts list: next page hint", "--after" in err, err)
        rc, out, err, reqs = run(["contacts", "count", "--group", "commune=son-nam"])
        want = sum(1 for c in server.state["contacts"].values()
                   if c["tags"].get("commune") == "son-nam")
        t.check("contacts count", rc == 0 and out == f"{want} contacts in commune=son-nam\n" and
                reqs[0]["path"] == "/v1/contacts/count?group=commune%3Dson-nam", f"{out!r}")
        rc, out, err, reqs = run(["contacts", "count", "--group", "son nam"])
        t.check("contacts count bad group exits 1", rc == 1 and "group:" in err, err)

    @test
    def contacts_import_edges():
        reset_state(max_body=20000)
        sample = REPO / "tests" / "data" / "contacts.sample.csv"
        rows, new, upd, bad = sample_expectations()
        rc, out, err, reqs = run(["contacts", "import", str(sample)])
        t.check("413: batches split until they fit", rc == 1 and
                server.state["contact_413"] > 0 and
                len(server.state["raw_contacts"]) == len(new) + upd, f"rc={rc} {err[-300:]!r}")
        t.check("413: every body sent after splitting fits", all(
            n <= 20000 for n in server.state["contact_batches"]
            if n <= 20000) and out.startswith(f"{len(new) + upd} contacts imported"), out)

        reset_state(fail_batch=3)
        rc, out, err, reqs = run(["contacts", "import", str(sample), "--batch", "100"])
        t.check("a failed batch exits 4", rc == 4, f"rc={rc}")
        t.check("a failed batch stops the import", len(reqs) == 3, len(reqs))
        t.check("a failed batch says from which row", "import stopped; rows from 202 on were "
                "not imported" in err and "server error (HTTP 500)" in err, err)
        t.check("what went in before is reported", out.startswith("200 contacts imported"), out)

        reset_state()
        name = write("tags.csv", "\ufeffSố điện thoại,Name,Xã / Phường,Vai trò,,number\r\n"
                                 "x,An,Sơn Nam,Y tế,z,0912000001\r\n"
                                 "y,,Đông Thọ,\"a\r\nb\",,0912000002")
        rc, out, err, reqs = run(["contacts", "import", name])
        got = server.state["raw_contacts"]
        t.check("header slugs, BOM, CRLF, quoted line break", rc == 0 and got == [
            {"number": "0912000001", "name": "An",
             "tags": {"so-dien-thoai": "x", "xa-phuong": "Sơn Nam", "vai-tro": "Y tế"}},
            {"number": "0912000002",
             "tags": {"so-dien-thoai": "y", "xa-phuong": "Đông Thọ", "vai-tro": "a\r\nb"}}],
            f"rc={rc} {got} {err}")
        t.check("a column without a name is left out, with a word", "column 5" in err, err)
        name = write("dup.csv", "number,Role,role\n0912000001,a,b\n")
        rc, out, err, reqs = run(["contacts", "import", name])
        t.check("two columns making one tag: exit 2, nothing sent", rc == 2 and not reqs and
                'both make the tag "role"' in err, f"rc={rc} {err!r}")
        name = write("nonum.csv", "phone,name\n0912000001,a\n")
        rc, out, err, reqs = run(["contacts", "import", name])
        t.check("no number column: exit 2", rc == 2 and not reqs and
                'no column "number"' in err, err)
        name = write("empty.csv", "number,name\n\n")
        rc, out, err, reqs = run(["contacts", "import", name])
        t.check("no rows: exit 2", rc == 2 and not reqs and "no contacts" in err, err)
        name = write("latin1.csv", b"number,name\n0912000001,An\n0912000002,Nguy\xe3n\n")
        rc, out, err, reqs = run(["contacts", "import", name])
        t.check("a row that is not UTF-8 is rejected, the others go in",
                rc == 1 and "latin1.csv:row 3: not UTF-8" in err and
                len(server.state["raw_contacts"]) == 3, f"rc={rc} {err!r}")
        name = write("open.csv", 'number,name\n0912000001,"An\n')
        rc, out, err, reqs = run(["contacts", "import", name])
        t.check("unclosed quote: exit 2 naming the row", rc == 2 and "open.csv:row 2:" in err and
                not reqs, f"rc={rc} {err!r}")
        rc, out, err, reqs = run(["contacts", "import", name], env={"LOA_TOKEN": "nope"})
        t.check("import with a bad token: exit 1", rc == 2 or rc == 1, rc)

    @test
    def contacts_import_million():
        rows = 200000 if "asan" in LOACTL else 1000000
        path = Path(tmp.name) / "big.csv"
        with open(path, "w", encoding="utf-8") as f:
            f.write("number,name,commune,village,role\n")
            for i in range(rows):
                f.write(f"09{i:08d},Nguyễn Văn {i},Sơn Nam,Thôn {i % 12},y-te\n")
        reset_state(fast=True)
        start = time.monotonic()
        rc, out, err, reqs = run(["contacts", "import", "big.csv"], timeout=60)
        took = time.monotonic() - start
        t.check(f"{rows} rows imported", rc == 0 and server.state["fast_count"] == rows and
                out.startswith(f"{rows} contacts imported"), f"rc={rc} {out!r} {err[-300:]!r}")
        t.check(f"{rows} rows in batches of 5000", len(reqs) == rows // 5000, len(reqs))
        t.check(f"{rows} rows in seconds ({took:.1f} s)", took < (25 if rows < 1000000 else 15),
                f"{took:.1f}s")
        print(f"loactl_fake: {rows} contacts imported in {took:.1f} s", file=sys.stderr)

    @test
    def config_file():
        tokdir = Path(tmp.name) / "cfg"
        tokdir.mkdir(exist_ok=True)
        (tokdir / "tok").write_text(TOKEN + "\n")
        conf = tokdir / "loactl.conf"
        conf.write_text(f"# loactl\n\nurl = {url}\ntoken_file = tok\ntimeout = 5\n")
        rc, out, err, reqs = run(["modems"], token=False, env={"LOA_URL": "",
                                                               "LOA_CONFIG": str(conf)})
        t.check("LOA_CONFIG gives url and token_file (relative)", rc == 0 and reqs and
                reqs[0]["headers"].get("authorization") == "Bearer " + TOKEN,
                f"rc={rc} {err!r}")
        home_conf = Path(tmp.name) / ".config" / "loactl.conf"
        home_conf.parent.mkdir(exist_ok=True)
        home_conf.write_text(f'url = "{url}"\ntoken_file = ~/cfg/tok\n')
        rc, out, err, reqs = run(["modems"], token=False, env={"LOA_URL": ""})
        t.check("~/.config/loactl.conf with ~/ path", rc == 0 and reqs and
                reqs[0]["headers"].get("authorization") == "Bearer " + TOKEN, f"rc={rc} {err!r}")
        rc, out, err, reqs = run(["modems"], env={"LOA_TOKEN": VIEWER_TOKEN})
        t.check("environment wins over the config", reqs and
                reqs[0]["headers"].get("authorization") == "Bearer " + VIEWER_TOKEN, reqs)
        rc, out, err, reqs = run(["--url", "http://127.0.0.1:9", "modems"], token=False)
        t.check("--url wins over the config", rc == 3, f"rc={rc}")
        home_conf.unlink()
        rc, out, err, reqs = run(["modems"], env={"LOA_CONFIG": str(tokdir / "none.conf")})
        t.check("missing LOA_CONFIG file: exit 2", rc == 2 and "none.conf" in err, err)
        bad = tokdir / "bad.conf"
        bad.write_text("url = http://x\ncolour = red\n")
        rc, out, err, reqs = run(["modems"], env={"LOA_CONFIG": str(bad)})
        t.check("unknown key: exit 2 naming file:line", rc == 2 and
                f"{bad}:2: unknown key 'colour'" in err and not reqs, err)
        bad.write_text("token = abc\n")
        rc, out, err, reqs = run(["modems"], env={"LOA_CONFIG": str(bad)})
        t.check("a token in the config is refused", rc == 2 and "token_file" in err, err)
        rc, out, err, reqs = run(["modems"], env={"LOA_CONFIG": ""})
        t.check("LOA_CONFIG empty: no config", rc == 0, f"rc={rc}")

    started = time.monotonic()
    for fn in tests:
        t0 = time.monotonic()
        try:
            fn()
        except Exception:  # a crash in a test is a failure, the rest still run
            t.check(fn.__name__ + " ran", False, traceback.format_exc())
        if os.environ.get("LOACTL_FAKE_TIMES"):
            print(f"  {fn.__name__}: {time.monotonic() - t0:.1f} s", file=sys.stderr)
    server.shutdown()
    tmp.cleanup()
    print(f"loactl_fake: ran {len(tests)} groups in {time.monotonic() - started:.1f} s")
    print(f"loactl_fake: {t.passed} passed, {t.failed} failed")
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
