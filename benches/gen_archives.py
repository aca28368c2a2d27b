#!/usr/bin/env python3
"""Generate the inputs of benches/archives.sh (standard library only).

  plain/     a source tree with no archive at all: the "does opening archives
             slow down repositories that have none" comparison.
  packages/  app packages and archives (apk with dex + arsc, ipa with a binary
             plist and a JS bundle, asar, npm .tgz), minified bundles with
             their source maps, and notebooks with base64 images.

Fake keys only (random, format-valid), a few per folder, so the scan also
does the work of reporting. Deterministic (seeded).
"""

import gzip
import io
import json
import os
import random
import struct
import sys
import tarfile
import zipfile

rng = random.Random(4)
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def rand(n):
    return "".join(rng.choice(ALNUM) for _ in range(n))


def key():
    return f"sk-proj-{rand(74)}T3BlbkFJ{rand(74)}"


WORDS = ("const let function return import export from async await user item "
         "value result config options request response handler data list map "
         "filter reduce props state render component error message").split()


def code_line(i):
    w = rng.sample(WORDS, 4)
    return f"  const {w[0]}{i} = {w[1]}({w[2]}, '{w[3]}-{rand(6)}');  // {w[0]} {w[1]}\n"


def source_file(lines, secret=None):
    out = [code_line(i) for i in range(lines)]
    if secret:
        out.insert(lines // 2, f'  const apiKey = "{secret}";\n')
    return "".join(out)


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def dex(strings):
    head = bytearray(0x70)
    head[0:8] = b"dex\n035\0"
    struct.pack_into("<II", head, 0x38, len(strings), 0x70)
    ids = bytearray()
    data = bytearray()
    base = 0x70 + 4 * len(strings)
    for s in strings:
        ids += struct.pack("<I", base + len(data))
        b = s.encode()
        n = len(s)
        while True:
            byte = n & 0x7F
            n >>= 7
            if n:
                data.append(byte | 0x80)
            else:
                data.append(byte)
                break
        data += b + b"\0"
    return bytes(head + ids + data)


def string_pool(strings):
    data = bytearray()
    offs = []
    for s in strings:
        offs.append(len(data))
        units = s.encode("utf-16-le")
        data += struct.pack("<H", len(units) // 2) + units + b"\0\0"
    while len(data) % 4:
        data.append(0)
    start = 28 + 4 * len(strings)
    head = struct.pack("<HHIIIIII", 1, 28, start + len(data), len(strings), 0, 0, start, 0)
    return head + b"".join(struct.pack("<I", o) for o in offs) + bytes(data)


def arsc(strings):
    pool = string_pool(strings)
    return struct.pack("<HHII", 2, 12, 12 + len(pool), 1) + pool


def bplist(pairs):
    b = bytearray(b"bplist00")
    offsets = [len(b)]
    n = len(pairs)
    b.append(0xD0 | n)
    b += bytes(range(1, n + 1)) + bytes(range(n + 1, 2 * n + 1))
    for s in [k for k, _ in pairs] + [v for _, v in pairs]:
        offsets.append(len(b))
        e = s.encode()
        if len(e) < 15:
            b.append(0x50 | len(e))
        else:
            b += bytes([0x5F, 0x11]) + struct.pack(">H", len(e))
        b += e
    table = len(b)
    for o in offsets:
        b += struct.pack(">H", o)
    b += bytes(6) + bytes([2, 1]) + struct.pack(">QQQ", len(offsets), 0, table)
    return bytes(b)


def asar(members):
    files = {}
    offset = 0
    for name, data in members:
        node = files
        parts = name.split("/")
        for d in parts[:-1]:
            node = node.setdefault(d, {"files": {}})["files"]
        node[parts[-1]] = {"size": len(data), "offset": str(offset)}
        offset += len(data)
    j = json.dumps({"files": files}).encode()
    payload = struct.pack("<I", len(j)) + j
    payload += bytes((4 - len(payload) % 4) % 4)
    out = struct.pack("<III", 4, 4 + len(payload), len(payload)) + payload
    return out + b"".join(d for _, d in members)


def zip_bytes(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            z.writestr(name, data)
    return buf.getvalue()


def tgz_bytes(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def minified(size, secret):
    parts = []
    total = 0
    i = 0
    while total < size:
        p = f"var {rng.choice(WORDS)}{i}=function(a,b){{return a.{rng.choice(WORDS)}(b,{i})}};"
        parts.append(p)
        total += len(p)
        i += 1
    parts.insert(len(parts) * 9 // 10, f'const k="{secret}";')
    return "".join(parts)


def plain(root, files):
    for i in range(files):
        d = f"{root}/src/mod{i % 97}/sub{i % 7}"
        secret = key() if i % 2000 == 0 else None
        write(f"{d}/file{i}.ts", source_file(rng.randint(40, 160), secret))


def packages(root, scale):
    for a in range(4 * scale):
        strings = [f"Lcom/example/app/C{i};" for i in range(20000)] + [key()]
        members = [("AndroidManifest.xml", arsc(["manifest", "com.example"]).replace(b"\x02\x00\x0c\x00", b"\x03\x00\x08\x00", 1)),
                   ("classes.dex", dex(strings)),
                   ("resources.arsc", arsc([f"string {i}" for i in range(5000)]))]
        members += [(f"assets/www/chunk{i}.js", source_file(200).encode()) for i in range(40)]
        members += [(f"res/drawable/img{i}.png", os.urandom(20000)) for i in range(20)]
        write(f"{root}/android/build/app{a}.apk", zip_bytes(members))
    for a in range(2 * scale):
        members = [("Payload/Demo.app/Info.plist", bplist([("CFBundleName", "Demo"), ("API_KEY", key())])),
                   ("Payload/Demo.app/main.jsbundle", minified(1_500_000, key()).encode())]
        members += [(f"Payload/Demo.app/assets/img{i}.png", os.urandom(20000)) for i in range(20)]
        write(f"{root}/ios/build/Demo{a}.ipa", zip_bytes(members))
    for a in range(2 * scale):
        members = [(f"dist/chunk{i}.js", source_file(300).encode()) for i in range(60)]
        members.append(("dist/main.js", source_file(100, key()).encode()))
        write(f"{root}/electron/release/app{a}.asar", asar(members))
    for a in range(6 * scale):
        members = [(f"package/lib/f{i}.js", source_file(150).encode()) for i in range(30)]
        write(f"{root}/vendor-tarballs/pkg{a}.tgz", tgz_bytes(members))
    for a in range(6 * scale):
        secret = key()
        src = source_file(400, secret)
        bundle = minified(1_000_000, secret)
        write(f"{root}/web/dist/assets/index-{a}.js", bundle)
        smap = {"version": 3, "file": f"index-{a}.js",
                "sources": ["../../src/api.ts"] + [f"../../src/m{i}.ts" for i in range(40)],
                "sourcesContent": [src] + [source_file(200) for _ in range(40)],
                "names": [], "mappings": "AAAA;" * 20000}
        write(f"{root}/web/dist/assets/index-{a}.js.map", json.dumps(smap))
    for a in range(10 * scale):
        png = rand(200_000)
        nb = {"cells": [{"cell_type": "code", "source": source_file(30), "outputs": [
            {"output_type": "stream", "text": ["ok\n", f"key {key() if a == 0 else 'none'}\n"]},
            {"output_type": "display_data", "data": {"image/png": png, "text/plain": ["<Figure>"]}}]}
            for _ in range(5)], "nbformat": 4, "nbformat_minor": 5, "metadata": {}}
        write(f"{root}/notebooks/nb{a}.ipynb", json.dumps(nb, indent=1))


if __name__ == "__main__":
    out = sys.argv[1]
    files = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    scale = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    plain(f"{out}/plain", files)
    packages(f"{out}/packages", scale)
