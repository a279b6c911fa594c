#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Regenerate the seed corpora tests/fuzz/corpus/<target>/ from tests/data/ and conf/, and the
# binary seeds of fuzz_pdu and fuzz_proto with seedgen.c (the simulator's encoder and
# modem_proto_encode()). Each seed starts with the target's selector byte(s); see the comment
# at the top of each fuzz_*.c. Run from anywhere; the seeds are kept in the repository.
set -eu
cd "$(dirname "$0")/../.."
out=tests/fuzz/corpus
rm -rf "$out"
mkdir -p "$out"/{fuzz_text,fuzz_sms_plan,fuzz_conf,fuzz_csv,fuzz_pdu,fuzz_proto}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
${CC:-cc} -std=gnu11 -O1 -I. $(pkg-config --cflags jansson libevent) -o "$tmp/seedgen" \
	tests/fuzz/seedgen.c modem/sim/sim_pdu.c modem/proto.c common/util.c \
	$(pkg-config --libs jansson libevent)
"$tmp/seedgen" "$out"

python3 - "$out" <<'EOF'
import glob, os, sys
out = sys.argv[1]

def put(target, name, data):
    with open(os.path.join(out, target, name), "wb") as f:
        f.write(data)

# fuzz_text: selector (high nibble: output size, 0xF = large; low: country code, 1 = "84")
inbound = [l.split("\t", 1)[1] for l in open("tests/data/inbound.vi.txt", encoding="utf-8")
           if "\t" in l and not l.startswith("#")]
for i, text in enumerate(inbound):
    sel = 0xF1 if i % 3 else 0x91
    put("fuzz_text", "inbound-%02d" % i, bytes([sel]) + text.rstrip("\n").encode())
rows = open("tests/data/contacts.sample.csv", encoding="utf-8").read().splitlines()[1:13]
for i, row in enumerate(rows):
    put("fuzz_text", "number-%02d" % i, b"\xf1" + row.split(",")[0].encode())
for i, (sel, text) in enumerate([(0xF4, "+1 (555) 123-4567"), (0xF1, "0084 912 345 678"),
                                 (0xF1, "+84 0912 000 000"), (0xF6, "855 12 345 678"),
                                 (0xF1, "\u00a0091\u20122345678"), (0x71, "Đăng ký DK")]):
    put("fuzz_text", "misc-%d" % i, bytes([sel]) + text.encode())

# fuzz_sms_plan: selector (low nibble: transliteration buffer, 0xF = large) + text
paras, cur = [], []
for line in open("tests/data/messages.vi.txt", encoding="utf-8"):
    if line.startswith("#"):
        continue
    if line.strip():
        cur.append(line.rstrip("\n"))
    elif cur:
        paras.append("\n".join(cur)); cur = []
if cur:
    paras.append("\n".join(cur))
for i, p in enumerate(paras):
    put("fuzz_sms_plan", "message-%02d" % i, b"\x0f" + p.encode())
for i, text in enumerate(inbound[:6]):
    put("fuzz_sms_plan", "inbound-%02d" % i, bytes([0x09]) + text.rstrip("\n").encode())
put("fuzz_sms_plan", "gsm7-ext", b"\x0f" + ("Gia {1} [2] ~3~ |4| \\5 ^6 \u20ac7 " * 12).encode())
put("fuzz_sms_plan", "typographic", b"\x0f" + ("\u201cTin gi\u1ea3\u201d \u2013 \u0111\u1eebng "
    "chia s\u1ebb\u00a0nh\u00e9 \U0001F1FB\U0001F1F3").encode())

# fuzz_conf: the files as they are
for path in ["conf/loa.conf"] + sorted(glob.glob("tests/data/conf/*.conf")):
    put("fuzz_conf", os.path.basename(path), open(path, "rb").read())

# fuzz_csv: selector (0 = "number", 3 = "name") + file; the sample cut to 40 rows
sample = open("tests/data/contacts.sample.csv", "rb").read().split(b"\n")
put("fuzz_csv", "contacts-40", b"\x00" + b"\n".join(sample[:41]) + b"\n")
put("fuzz_csv", "contacts-crlf-bom", b"\x00\xef\xbb\xbf" + b"\r\n".join(sample[:8]))
put("fuzz_csv", "contacts-name", b"\x03" + b"\n".join(sample[:12]))
put("fuzz_csv", "quoted", b"\x01" + b'"Number","name"\r\n'
    b'"0912 345 678","Nguy\xe1\xbb\x85n ""Ba"", x\xc3\xa3"\r\n\r\n'
    b'"0987654321","hai\ndong"\r0901234567,\n')
put("fuzz_csv", "semicolon", b"\x00number;name\n0912345678;An\n")
put("fuzz_csv", "unclosed", b"\x00number,name\n0912345678,\"An\n0987654321,Binh\n")
put("fuzz_csv", "short-rows", b"\x04number,name,commune,village,role\n0912345678\n\n,\n\"\"\n")
EOF

du -sh "$out" | sed 's/^/seeds: /'
