#!/usr/bin/env python3
"""Generate the hostile inputs of benches/hostile.sh (standard library only).

Each case is a folder OUT/<name>/ to scan, plus a line in OUT/cases.tsv:

    name <TAB> extra scan arguments <TAB> path substring of the planted key's
    finding ("-" when no key must be found) <TAB> what the case is

Every case plants one fake key (random, format-valid, generated here) where
a bounded scan must still reach it: before any budget cut. Nothing big is
committed: a few MB per case, built in memory. Deterministic (seeded).

  dex-alias-124k       dex string table: 7,000 ids aliasing one 100 KB string
  dex-1m               dex declaring 2^32-1 strings, 1 MB of ids, one run
  dex-keys-1m          dex: 260,000 ids aliasing one key (each copy is a match)
  arsc-alias-124k      resources.arsc UTF-16 pool, offsets aliasing one run
  axml-alias-124k      binary XML UTF-8 pool, offsets aliasing one run
  plist-alias-124k     bplist: a dictionary whose values alias one string
  plist-1m             bplist: 1 MB, objects aliasing a long string, nested
  asar-alias-20k       asar: 20,000 entries aliasing one 200 KB payload
  asar-4m-limits       4.2 MB asar, --archive-max-bytes 1M --archive-max-total 1M
  zip-overlap          zip: 10,000 central entries sharing one 1 MB member
  zip-fanout           zip of 16 zips of 16 zips of 16 members of 1 MB
  zip-nested-1000      1,000 nested zips, --archive-depth 1000 (refused)
  zip-nested-16        the same, --archive-depth 16 (the maximum)
  gz-trailing-garbage  a .gz with garbage after the stream
  gz-truncated         a .gz cut in the middle of the deflate stream
  max-file-size-max    --max-file-size 18446744073709551615
  config-max-size-max  jikimi.toml: [archives] max_size = "18446744073709551615"
  notebook-tiny-cells  a 15 MB notebook of 5 million empty cells
  source-map-tiny      a 15 MB source map with 7 million numbers in `names`
  asar-alias-1000      103 KB asar: 1,000 entries aliasing a 60 KB payload of keys
  asar-alias-20k-keys  949 KB asar: 20,000 entries aliasing the same payload
  run-of-a-15m         15 MiB of the letter A
  base64-15m           15 MiB of base64-looking text
  one-key-15m          one key repeated over 15 MiB
  distinct-keys-4m     4 MiB of distinct keys, one every 66 bytes
"""

import gzip
import io
import json
import os
import random
import struct
import sys
import zipfile
import zlib

rng = random.Random(8)
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
URL = ALNUM + "_-"


def key():
    a = "".join(rng.choice(URL) for _ in range(74))
    b = "".join(rng.choice(URL) for _ in range(74))
    return f"sk-proj-{a}T3BlbkFJ{b}"


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def uleb(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n == 0:
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)


def dex_alias(size, count, run_len):
    """A dex whose string ids (as many as fit) all point at one string."""
    head = bytearray(0x70)
    head[:8] = b"dex\n035\0"
    s = (f"{key()} " + "A" * run_len).encode()
    ids_room = size - 0x70 - len(s) - 8
    n = ids_room // 4
    data_off = 0x70 + 4 * n
    struct.pack_into("<II", head, 0x38, count if count else n, 0x70)
    ids = struct.pack("<I", data_off) * n
    return bytes(head) + ids + uleb(len(s)) + s + b"\0"


def pool_alias(size, utf8, run_len):
    """A ResStringPool whose offsets (as many as fit) alias one string."""
    k = key()
    if utf8:
        s = (k + " " + "A" * min(run_len, 0x7FFF - len(k) - 1)).encode()
        n16 = len(s)
        data = bytes([0x80 | (n16 >> 8), n16 & 0xFF, 0x80 | (len(s) >> 8), len(s) & 0xFF]) + s + b"\0"
    else:
        units = (k + " " + "A" * run_len).encode("utf-16-le")
        n = len(units) // 2
        data = struct.pack("<HH", 0x8000 | (n >> 16), n & 0xFFFF) + units + b"\0\0"
    while len(data) % 4:
        data += b"\0"
    count = (size - 28 - 12 - len(data)) // 4
    start = 28 + 4 * count
    head = struct.pack("<HHIIIIII", 1, 28, start + len(data), count, 0,
                       (1 << 8) if utf8 else 0, start, 0)
    return head + b"\0\0\0\0" * count + data


def arsc(pool):
    return struct.pack("<HHII", 2, 12, 12 + len(pool), 1) + pool


def axml(pool):
    return struct.pack("<HHI", 3, 8, 8 + len(pool)) + pool


def bplist_alias(size, run_len, nest):
    """A binary plist: object 0 is a dictionary whose keys and values are
    distinct object numbers that all alias two strings (a short key, a long
    value holding the key); `nest` more arrays each reference the dictionary
    twice (a walk without a budget doubles per level)."""
    value = (key() + " " + "A" * run_len).encode()
    body = bytearray(b"bplist00")
    # Objects: 0..nest-1 arrays, nest = dict, then the aliased objects.
    ref = 4
    entries = (size - len(value) - 200) // 16
    objects = nest + 1 + 2 * entries + 2
    key_obj, val_obj = objects - 2, objects - 1
    offsets = []
    for i in range(nest):
        offsets.append(len(body))
        nxt = i + 1
        body += bytes([0xA2]) + struct.pack(">II", nxt, nxt)
    offsets.append(len(body))
    body += bytes([0xDF, 0x12]) + struct.pack(">I", entries)
    first = nest + 1
    for i in range(entries):
        body += struct.pack(">I", first + i)
    for i in range(entries):
        body += struct.pack(">I", first + entries + i)
    key_at = len(body)
    body += bytes([0x51]) + b"k"
    val_at = len(body)
    body += bytes([0x5F, 0x12]) + struct.pack(">I", len(value)) + value
    for _ in range(entries):
        offsets.append(key_at)
    for _ in range(entries):
        offsets.append(val_at)
    offsets += [key_at, val_at]
    assert len(offsets) == objects
    table = len(body)
    for o in offsets:
        body += struct.pack(">I", o)
    body += bytes(6) + bytes([4, ref]) + struct.pack(">QQQ", objects, 0, table)
    return bytes(body)


def asar_alias(entries, payload):
    files = {f"f{i}.js": {"size": len(payload), "offset": "0"} for i in range(entries)}
    j = json.dumps({"files": files}, separators=(",", ":")).encode()
    p = struct.pack("<I", len(j)) + j
    while len(p) % 4:
        p += b"\0"
    return struct.pack("<III", 4, 4 + len(p), len(p)) + p + payload


def zip_stored(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for name, data in members:
            z.writestr(name, data)
    return buf.getvalue()


def zip_deflated(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            z.writestr(name, data)
    return buf.getvalue()


def zip_overlap(entries, data):
    """One deflated local file, and `entries` central directory records that
    all point at it (an overlapping zip bomb's shape, without the ratio)."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    c = comp.compress(data) + comp.flush()
    crc = zlib.crc32(data)
    name = b"a.txt"
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(c), len(data),
                        len(name), 0) + name + c
    cd = bytearray()
    for i in range(entries):
        n = f"f{i}.txt".encode()
        cd += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(c),
                          len(data), len(n), 0, 0, 0, 0, 0, 0) + n
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, entries, entries, len(cd), len(local), 0)
    return local + bytes(cd) + end


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    cases = []

    def case(name, args, expect, what):
        cases.append((name, args, expect, what))

    write(f"{out}/dex-alias-124k/classes.dex", dex_alias(124 << 10, 0, 100_000))
    case("dex-alias-124k", "", "classes.dex", "dex: ~6,000 ids aliasing one 100 KB string")
    write(f"{out}/dex-1m/classes.dex", dex_alias(1 << 20, 0xFFFFFFFF, 200_000))
    case("dex-1m", "", "classes.dex", "dex: count 2^32-1, 1 MB of ids aliasing one run")
    write(f"{out}/dex-keys-1m/classes.dex", dex_alias(1 << 20, 0, 0))
    case("dex-keys-1m", "", "classes.dex", "dex: 1 MB of ids aliasing one short string that is a key")
    write(f"{out}/arsc-alias-124k/resources.arsc", arsc(pool_alias(124 << 10, False, 50_000)))
    case("arsc-alias-124k", "", "resources.arsc", "arsc: UTF-16 pool aliasing one 100 KB run")
    write(f"{out}/arsc-1m/resources.arsc", arsc(pool_alias(1 << 20, False, 200_000)))
    case("arsc-1m", "", "resources.arsc", "arsc: 1 MB, UTF-16 pool aliasing one 400 KB run")
    write(f"{out}/axml-alias-124k/AndroidManifest.xml", axml(pool_alias(124 << 10, True, 30_000)))
    case("axml-alias-124k", "", "AndroidManifest.xml", "binary XML: UTF-8 pool aliasing one 32 KB run")
    write(f"{out}/plist-alias-124k/Info.plist", bplist_alias(124 << 10, 60_000, 0))
    case("plist-alias-124k", "", "Info.plist", "bplist: dictionary values aliasing one 60 KB string")
    write(f"{out}/plist-1m/Info.plist", bplist_alias(1 << 20, 400_000, 30))
    case("plist-1m", "", "Info.plist", "bplist: 1 MB, aliased values under 30 doubling arrays")

    payload = (f"const key = '{key()}';\n" + "x" * 200_000 + "\n").encode()
    write(f"{out}/asar-alias-20k/app.asar", asar_alias(20_000, payload))
    case("asar-alias-20k", "", "app.asar!/", "asar: 20,000 entries aliasing one 200 KB payload")
    big = (f"const key = '{key()}';\n" + "x" * (4 << 20) + "\n").encode()
    write(f"{out}/asar-4m-limits/app.asar", asar_alias(2_000, big))
    case("asar-4m-limits", "--archive-max-bytes 1M --archive-max-total 1M", "-",
         "4.2 MB asar, 2,000 entries aliasing a 4 MB payload, budgets 1M")

    data = (f"token {key()}\n").encode() + b"x" * 1_000_000
    write(f"{out}/zip-overlap/overlap.zip", zip_overlap(10_000, data))
    case("zip-overlap", "", "overlap.zip!/", "zip: 10,000 central entries sharing one 1 MB member")

    leaf = zip_deflated([("k.txt", (f"token {key()}\n").encode() + b"x" * 1_000_000)])
    l1 = zip_stored([(f"l1-{i}.zip", leaf) for i in range(16)])
    l2 = zip_stored([(f"l2-{i}.zip", l1) for i in range(16)])
    top = zip_stored([(f"l3-{i}.zip", l2) for i in range(16)])
    write(f"{out}/zip-fanout/fanout.zip", top)
    case("zip-fanout", "", "fanout.zip!/", "zip of 16 zips of 16 zips of 16 zips of a 1 MB member (4 GB)")

    nest = zip_stored([("deep.txt", f"token {key()}\n".encode())])
    for i in range(999):
        members = [(f"n{i}.zip", nest)]
        if i == 998:
            members.append(("top.txt", f"token {key()}\n".encode()))
        nest = zip_stored(members)
    write(f"{out}/zip-nested-1000/nested.zip", nest)
    case("zip-nested-1000", "--archive-depth 1000", "-", "1,000 nested zips, depth 1000: a usage error")
    write(f"{out}/zip-nested-16/nested.zip", nest)
    case("zip-nested-16", "--archive-depth 16", "nested.zip!/top.txt", "1,000 nested zips, depth 16")

    text = (f"API_KEY={key()}\n" + "".join(f"line {i} {'y' * 60}\n" for i in range(20_000))).encode()
    write(f"{out}/gz-trailing-garbage/config.env.gz", gzip.compress(text) + b"\x00garbage" * 64)
    case("gz-trailing-garbage", "", "config.env.gz!/", "gzip with trailing garbage")
    noisy = (f"API_KEY={key()}\n" + "".join(f"line {i} {rng.random()}\n" for i in range(40_000))).encode()
    gz = gzip.compress(noisy)
    write(f"{out}/gz-truncated/config.env.gz", gz[: len(gz) * 2 // 3])
    case("gz-truncated", "", "config.env.gz!/", "gzip cut at two thirds")

    write(f"{out}/max-file-size-max/settings.py", f'API_KEY = "{key()}"\n')
    case("max-file-size-max", "--max-file-size 18446744073709551615", "settings.py",
         "--max-file-size 2^64-1 (must not wrap to 0)")
    write(f"{out}/config-max-size-max/jikimi.toml", '[archives]\nmax_size = "18446744073709551615"\n')
    write(f"{out}/config-max-size-max/app.zip", zip_deflated([("config.py", f'KEY = "{key()}"\n'.encode())]))
    case("config-max-size-max", "CONFIG", "app.zip!/config.py",
         "[archives] max_size = 2^64-1 in the scanned jikimi.toml")

    cells = b'{"cells":[' + b"{}," * 5_000_000 + (
        '{"cell_type":"code","source":"KEY = \\"%s\\""}],"nbformat":4}' % key()).encode()
    write(f"{out}/notebook-tiny-cells/nb.ipynb", cells)
    case("notebook-tiny-cells", "", "nb.ipynb", "notebook: 5 million empty cells (15 MB)")
    smap = ('{"version":3,"sources":["../src/a.ts"],"sourcesContent":["const k = \\"%s\\";"],'
            '"mappings":"","names":[' % key()).encode() + b"0," * 7_000_000 + b"0]}"
    write(f"{out}/source-map-tiny/dist/a.js.map", smap)
    case("source-map-tiny", "", "src/a.ts", "source map: 7 million numbers in names (14 MB)")

    k = key()
    log = "".join(f"{i:06d} INFO auth={k} ok\n" for i in range(80_000)).encode()
    for n in range(6):
        write(f"{out}/logs-repeated-key/app{n}.log", log)
    case("logs-repeated-key", "", "app0.log", "one key on each of 80,000 lines of six 15 MB logs")
    rules = "".join(
        f"[[rule]]\nid = 'acme.boom{i}'\ntitle = 'boom {i}'\nprovider = 'ACME'\nseverity = 'low'\n"
        f"keywords = ['q{i}z']\nregex = \"\"\"\\b(q{i}z[a-z0-9]*a[a-z0-9]{{20}})\\b\"\"\"\n"
        f"examples = ['t = q{i}zk7ab3kf9x2mq7wz1pl5rt8v']\nnegative_examples = ['t = q{i}z0']\n\n"
        for i in range(40))
    write(f"{out}/custom-rules-exploding/jikimi.toml", rules)
    al = "abcdefghijklmnopqrstuvwxyz0123456789"
    lines = "".join(
        f"v{i} = q{i % 40}z{''.join(rng.choice(al) for _ in range(60))}a"
        f"{''.join(rng.choice(al[1:]) for _ in range(20))}\n" for i in range(20_000))
    write(f"{out}/custom-rules-exploding/data.txt", lines)
    case("custom-rules-exploding", "CONFIG", "data.txt",
         "40 custom rules whose DFAs explode ([a-z0-9]*a[a-z0-9]{20}) on 20,000 lines")

    # Issue 27: bounded cost per file, whatever it contains.
    def legacy():
        return "sk-" + "".join(rng.choice(ALNUM) for _ in range(20)) + "T3BlbkFJ" + \
            "".join(rng.choice(ALNUM) for _ in range(20))

    def key_lines(n_bytes):
        lines = []
        size = 0
        while size < n_bytes:
            line = f"const k='{legacy()}';  \n"   # 66 bytes: a key every 66
            lines.append(line)
            size += len(line)
        return "".join(lines).encode()

    keyed = key_lines(60_000)
    write(f"{out}/asar-alias-1000/app.asar", asar_alias(1_000, keyed))
    case("asar-alias-1000", "", "app.asar!/", "103 KB asar: 1,000 entries aliasing a 60 KB payload, a key every 66 bytes")
    write(f"{out}/asar-alias-20k-keys/app.asar", asar_alias(20_000, keyed))
    case("asar-alias-20k-keys", "", "app.asar!/", "949 KB asar: 20,000 entries aliasing the same payload")
    mib15 = 15 << 20
    write(f"{out}/run-of-a-15m/a.txt", f"API_KEY={key()}\n".encode() + b"A" * mib15)
    case("run-of-a-15m", "", "a.txt", "15 MiB of the letter A after one key")
    b64 = "".join(rng.choice(ALNUM + "+/") for _ in range(mib15))
    write(f"{out}/base64-15m/blob.txt", (f"API_KEY={key()}\n" + b64).encode())
    case("base64-15m", "", "blob.txt", "15 MiB of base64-looking text on one line")
    one = f"token = '{key()}'\n"
    write(f"{out}/one-key-15m/keys.py", (one * (mib15 // len(one))).encode())
    case("one-key-15m", "", "keys.py", "one key repeated over 15 MiB (~90,000 times)")
    write(f"{out}/distinct-keys-4m/keys.py", key_lines(4 << 20))
    case("distinct-keys-4m", "", "keys.py", "4 MiB of distinct keys, one every 66 bytes (~63,000)")

    with open(f"{out}/cases.tsv", "w") as f:
        for c in cases:
            # "-" for no arguments: read(1) would merge empty tab fields.
            f.write("\t".join(x or "-" for x in c) + "\n")


if __name__ == "__main__":
    main()
