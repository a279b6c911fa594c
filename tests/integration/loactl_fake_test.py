#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""loactl against a fake Loa HTTP API.

Starts a small HTTP server on 127.0.0.1 (an ephemeral port) that implements the routes of
docs/API.md with canned data and records every request, then runs bin/loactl (path from $LOACTL,
default ./bin/loactl) against it and checks the request bodies and headers loactl sends, the
tables and lines it prints, --json output, the CSV reader (BOM, CRLF, quoted fields, row numbers)
and the exit codes 0/1/2/3/4. Python standard library only; no daemon needed.

Last line: "loactl_fake: N passed, N failed"; exit status 1 when any check failed.
"""
import http.server
import json
import os
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

TOKEN = "s3cret-T0ken_x"
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
        return self.headers.get("Authorization") == "Bearer " + TOKEN

    def do_GET(self):
        self._record(b"")
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/healthz":
            return self._send(200, {"status": "ok", "modems_ready": 2, "modems": 2})
        if not self._authorized():
            return self._send(*api_error(401, "unauthorized", "a bearer token is needed"))
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
        if self.path != "/v1/campaigns":
            return self._send(*api_error(404, "not_found", "no such route"))
        if not self._authorized():
            return self._send(*api_error(401, "unauthorized", "a bearer token is needed"))
        try:
            req = json.loads(body)
        except ValueError:
            return self._send(*api_error(400, "bad_json", "the body is not JSON"))
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
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    tmp = tempfile.TemporaryDirectory(prefix="loactl_fake.")
    t = Suite()
    base_env = {k: v for k, v in os.environ.items()
                if k not in ("LOA_URL", "LOA_TOKEN", "LOA_TOKEN_FILE") and "proxy" not in k.lower()}
    base_env["TZ"] = TZ_SPEC

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
        for args in usage_cases:
            rc, out, err, reqs = run(args)
            t.check(f"usage error {args} exits 2", rc == 2, f"rc={rc} err={err!r}")
            t.check(f"usage error {args} says why", err.startswith("loactl: "), err)
            t.check(f"usage error {args} sends nothing", not reqs, reqs)

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

    started = time.monotonic()
    for fn in tests:
        try:
            fn()
        except Exception:  # a crash in a test is a failure, the rest still run
            t.check(fn.__name__ + " ran", False, traceback.format_exc())
    server.shutdown()
    tmp.cleanup()
    print(f"loactl_fake: ran {len(tests)} groups in {time.monotonic() - started:.1f} s")
    print(f"loactl_fake: {t.passed} passed, {t.failed} failed")
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
