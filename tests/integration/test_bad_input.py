#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The bad input catalogue: every kind of bad input tried against a running loagw (HTTP API),
loactl (CSV files) and loagw --check (config files), with the clear error each must get.
The table is printed as it runs; a row fails when the status, the field or the message differs,
or when anything was stored."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import (BIN, OFFICIAL_TOKEN, VIEWER_TOKEN, Suite, check,  # noqa: E402
                     dummy_gateway)

suite = Suite("integration_bad_input")
OK_NUM = ["0912345678"]

# (description, method, path, body bytes or JSON, token, status, field, words in the message)
API_CASES = [
    ("malformed JSON", "POST", "/v1/campaigns", b'{"text": "x", ', OFFICIAL_TOKEN, 400, None, ["line 1"]),
    ("JSON array, not object", "POST", "/v1/campaigns", b'["x"]', OFFICIAL_TOKEN, 400, None, ["object"]),
    ("invalid UTF-8", "POST", "/v1/campaigns", b'{"text": "\xc3\x28", "recipients": ["0912345678"]}',
     OFFICIAL_TOKEN, 400, None, ["line 1, column 12", "not valid UTF-8"]),
    ("duplicate key", "POST", "/v1/campaigns", b'{"text": "a", "text": "b", "recipients": ["0912345678"]}',
     OFFICIAL_TOKEN, 400, "text", ["text: duplicate"]),
    ("empty body", "POST", "/v1/campaigns", b'', OFFICIAL_TOKEN, 400, None, ["empty"]),
    ("oversized body", "POST", "/v1/campaigns", b'{"text":"' + b"x" * 70000 + b'"}', OFFICIAL_TOKEN,
     413, None, []),
    ("missing text", "POST", "/v1/campaigns", {"recipients": OK_NUM}, OFFICIAL_TOKEN, 400, "text", ["missing"]),
    ("empty text", "POST", "/v1/campaigns", {"text": "", "recipients": OK_NUM}, OFFICIAL_TOKEN, 400, "text", ["empty"]),
    ("blank text", "POST", "/v1/campaigns", {"text": " \n ", "recipients": OK_NUM}, OFFICIAL_TOKEN, 400, "text", ["empty"]),
    ("text not a string", "POST", "/v1/campaigns", {"text": 5, "recipients": OK_NUM}, OFFICIAL_TOKEN, 400, "text", ["string"]),
    ("10 KB text", "POST", "/v1/campaigns", {"text": "á" * 5000, "recipients": OK_NUM}, OFFICIAL_TOKEN,
     400, "text", ["parts"]),
    ("NUL in text", "POST", "/v1/campaigns", {"text": "a\u0000b", "recipients": OK_NUM}, OFFICIAL_TOKEN,
     400, "text", ["text: contains a NUL"]),
    ("no recipients", "POST", "/v1/campaigns", {"text": "x"}, OFFICIAL_TOKEN, 400, "recipients", ["missing"]),
    ("empty recipients", "POST", "/v1/campaigns", {"text": "x", "recipients": []}, OFFICIAL_TOKEN,
     400, "recipients", ["empty"]),
    ("recipients not a list", "POST", "/v1/campaigns", {"text": "x", "recipients": "0912345678"},
     OFFICIAL_TOKEN, 400, "recipients", ["array"]),
    ("recipient not a string", "POST", "/v1/campaigns", {"text": "x", "recipients": [912345678]},
     OFFICIAL_TOKEN, 400, "recipients[0]", ["string"]),
    ("number too short", "POST", "/v1/campaigns", {"text": "x", "recipients": OK_NUM + ["12345"]},
     OFFICIAL_TOKEN, 400, "recipients[1]", ["too short", "12345"]),
    ("number with letters", "POST", "/v1/campaigns", {"text": "x", "recipients": ["abc"]},
     OFFICIAL_TOKEN, 400, "recipients[0]", ["letters"]),
    ("number too long", "POST", "/v1/campaigns", {"text": "x", "recipients": ["09123456789012"]},
     OFFICIAL_TOKEN, 400, "recipients[0]", ["too long"]),
    ("landline", "POST", "/v1/campaigns", {"text": "x", "recipients": ["0212345678"]},
     OFFICIAL_TOKEN, 400, "recipients[0]", ["mobile"]),
    ("+84 with trunk zero", "POST", "/v1/campaigns", {"text": "x", "recipients": ["+84 0912 000 000"]},
     OFFICIAL_TOKEN, 400, "recipients[0]", ["trunk zero"]),
    ("empty number", "POST", "/v1/campaigns", {"text": "x", "recipients": [""]},
     OFFICIAL_TOKEN, 400, "recipients[0]", ["empty"]),
    ("unknown priority", "POST", "/v1/campaigns", {"text": "x", "recipients": OK_NUM, "priority": "urgent"},
     OFFICIAL_TOKEN, 400, "priority", ["alert"]),
    ("negative start_at", "POST", "/v1/campaigns", {"text": "x", "recipients": OK_NUM, "start_at": -5},
     OFFICIAL_TOKEN, 400, "start_at", ["epoch"]),
    ("end_by in the past", "POST", "/v1/campaigns", {"text": "x", "recipients": OK_NUM, "end_by": 1000},
     OFFICIAL_TOKEN, 400, "end_by", ["after"]),
    ("unknown field", "POST", "/v1/campaigns", {"text": "x", "recipients": OK_NUM, "colour": 1},
     OFFICIAL_TOKEN, 400, "colour", ["unknown"]),
    ("bad recurrence", "POST", "/v1/campaigns", {"text": "x", "recipients": OK_NUM, "recurrence": "hourly"},
     OFFICIAL_TOKEN, 400, "recurrence", ["daily"]),
    ("bad group query", "POST", "/v1/campaigns", {"text": "x", "group": "Commune = Son Nam"},
     OFFICIAL_TOKEN, 400, "group", ["tag query"]),
    ("no token", "POST", "/v1/campaigns", {"text": "x", "recipients": OK_NUM}, None, 401, None, ["token"]),
    ("wrong token", "POST", "/v1/campaigns", {"text": "x", "recipients": OK_NUM}, "nope", 401, None, ["token"]),
    ("viewer writes", "POST", "/v1/campaigns", {"text": "x", "recipients": OK_NUM}, VIEWER_TOKEN, 403,
     None, ["viewer"]),
    ("unknown route", "GET", "/v1/nothing", None, VIEWER_TOKEN, 404, None, ["route"]),
    ("wrong method", "DELETE", "/v1/campaigns", None, OFFICIAL_TOKEN, 405, None, ["POST"]),
    ("unknown campaign", "GET", "/v1/campaigns/999", None, VIEWER_TOKEN, 404, None, ["999"]),
    ("campaign id not a number", "GET", "/v1/campaigns/abc", None, VIEWER_TOKEN, 404, None, ["route"]),
    ("reports limit 0", "GET", "/v1/reports?limit=0", None, VIEWER_TOKEN, 400, "limit", ["integer"]),
    ("reports after=abc", "GET", "/v1/reports?after=abc", None, VIEWER_TOKEN, 400, "after", ["integer"]),
    ("USSD code with letters", "POST", "/v1/modems/d1/ussd", {"code": "call"}, None, 400, "code", ["USSD"]),
    ("USSD on unknown modem", "POST", "/v1/modems/zz/ussd", {"code": "*101#"}, None, 404, None, ["zz"]),
]


def row(kind, what, expected, got, ok):
    print("     %-4s %-10s %-28s %-34s %s" % ("ok" if ok else "FAIL", kind, what[:28], expected[:34],
                                              got[:70]), flush=True)


@suite.test
def api_bad_input_catalogue(tmp, cleanup):
    gw = dummy_gateway(tmp, cleanup)
    failures = []
    for what, method, path, body, token, status, field, words in API_CASES:
        raw = body if isinstance(body, bytes) else None
        tok = token if token is not None or what in ("no token",) else None
        if what.startswith("USSD"):
            from harness import ADMIN_TOKEN
            tok = ADMIN_TOKEN
        code, ans = gw.request(method, path, None if raw is not None else body, token=tok, raw=raw)
        err = ans.get("error", {}) if isinstance(ans, dict) else {}
        msg = err.get("message", "") if err else str(ans)
        ok = code == status and (field is None or err.get("field") == field) and \
            all(w.lower() in msg.lower() for w in words)
        row("api", what, "%d %s" % (status, field or ""), "%d %s: %s" % (code, err.get("field", ""), msg), ok)
        if not ok:
            failures.append(what)
    check(not failures, "rows failed: %r" % failures)
    check(gw.db_query("SELECT COUNT(*) FROM campaigns")[0][0] == 0, "nothing was stored")
    check(gw.db_query("SELECT COUNT(*) FROM messages")[0][0] == 0, "no message was stored")
    check(gw.proc.poll() is None, "loagw is still running")


CSV_CASES = [
    # (description, file bytes, exit status, words in stderr)
    ("no number column", "name,commune\nAn,Son Nam\n".encode(), 2, ["number"]),
    ("empty number", "number,name\n0912345678,An\n,Binh\n".encode(), 2, ["row 3"]),
    ("invalid number", "number,name\n0912345678,An\n12345,Binh\n".encode(), 1, ["row 3", "too short"]),
    ("UTF-16 file", "number\n0912345678\n".encode("utf-16"), 2, ["UTF-16"]),
    ("unclosed quote", 'number,name\n0912345678,"An\n'.encode(), 2, ["quote"]),
    ("header only", "number\n".encode(), 2, ["no"]),
]


@suite.test
def csv_bad_input_catalogue(tmp, cleanup):
    gw = dummy_gateway(tmp, cleanup)
    run = gw.loactl_runner(token=OFFICIAL_TOKEN, timeout=30)
    failures = []
    for what, data, status, words in CSV_CASES:
        path = os.path.join(tmp, "c.csv")
        with open(path, "wb") as f:
            f.write(data)
        out = run("campaign", "create", "--text", "x", "--csv", path)
        ok = out.returncode == status and all(w.lower() in out.stderr.lower() for w in words)
        row("csv", what, "exit %d %s" % (status, " ".join(words)),
            "exit %d: %s" % (out.returncode, out.stderr.strip().replace("\n", " | ")), ok)
        if not ok:
            failures.append(what)
    # a BOM and CRLF line ends are fine
    path = os.path.join(tmp, "bom.csv")
    with open(path, "wb") as f:
        f.write(b"\xef\xbb\xbfnumber,name\r\n0912345678,An\r\n")
    out = run("campaign", "create", "--text", "x", "--csv", path)
    row("csv", "BOM + CRLF (valid)", "exit 0", "exit %d" % out.returncode, out.returncode == 0)
    if out.returncode != 0:
        failures.append("bom")
    check(not failures, "rows failed: %r" % failures)
    check(gw.db_query("SELECT COUNT(*) FROM campaigns")[0][0] == 1, "only the valid file stored")


CONF_CASES = [
    ("unknown key", 'modems = ( { name = "m"; device = "d"; connection = "at"; model = "at"; speed = 1; } );\n',
     ":1: ", ["unknown key", "speed"]),
    ("syntax error", 'store = { path = "x.db"; };\nmodems = ( { name = "m";; } );\n', ":2: ", ["syntax"]),
    ("out of range", 'modems = ( { name = "m"; device = "d"; connection = "at"; model = "at";\n rate_per_min = 0; } );\n',
     ":2: ", ["rate_per_min", "between"]),
    ("no modems", 'store = { path = "x.db"; };\n', ": ", ["modems"]),
]


@suite.test
def config_bad_input_catalogue(tmp, cleanup):
    failures = []
    for what, text, where, words in CONF_CASES:
        path = os.path.join(tmp, "bad.conf")
        with open(path, "w") as f:
            f.write(text)
        out = subprocess.run([os.path.join(BIN, "loagw"), "-c", path, "--check"],
                             capture_output=True, text=True, timeout=30)
        ok = out.returncode == 1 and out.stderr.startswith(path + where) and \
            all(w in out.stderr for w in words)
        row("config", what, "exit 1 file%s" % where.strip(), out.stderr.strip(), ok)
        if not ok:
            failures.append(what)
    print("     (and 45 more config files with their exact file:line errors in tests/unit/conf_test.c)")
    check(not failures, "rows failed: %r" % failures)


if __name__ == "__main__":
    sys.exit(suite.run(sys.argv))
