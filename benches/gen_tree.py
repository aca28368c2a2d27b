#!/usr/bin/env python3
"""Generate a synthetic source tree for the tree-scan benchmark.

Usage: gen_tree.py OUT_DIR [SIZE_MIB]

Many small source files (JS/TS/Python/Go/JSON/YAML with the words real code
has: api_key, token, secret, password, process.env reads, hashes, UUIDs, URLs),
long single-line minified bundles, and a few planted fake keys. Deterministic
(seeded), so runs compare like with like. The keys are generated here and are
fake: random characters in the provider's format.
"""
import os
import random
import string
import sys

rnd = random.Random(20261127)
ALNUM = string.ascii_letters + string.digits


def rs(n, alphabet=ALNUM):
    return "".join(rnd.choice(alphabet) for _ in range(n))


def fake_openai():
    a = rs(74, ALNUM + "_-")
    b = rs(74, ALNUM + "_-")
    return f"sk-proj-{a}T3BlbkFJ{b}"


WORDS = ["user", "order", "item", "cart", "price", "token", "session", "config", "client",
         "request", "response", "cache", "key", "value", "secret", "account", "payment", "auth"]


def js_file(i):
    lines = [f"// module {i}: generated", "import React, { useState } from 'react';",
             "import axios from 'axios';", ""]
    for j in range(rnd.randint(40, 120)):
        w = rnd.choice(WORDS)
        # Keyword-bearing lines (env reads, auth headers, comments about
        # secrets) at a few percent of lines, as in real code.
        k = rnd.randint(0, 29)
        if k == 0:
            lines.append(f"const {w}Key{j} = process.env.{w.upper()}_API_KEY;")
        elif k == 1:
            lines.append(f"export const {w}Hash{j} = '{rs(40, '0123456789abcdef')}';")
        elif k == 2:
            lines.append(f"const id{j} = '{rs(8, '0123456789abcdef')}-{rs(4, '0123456789abcdef')}-4{rs(3, '0123456789abcdef')}-a{rs(3, '0123456789abcdef')}-{rs(12, '0123456789abcdef')}';")
        elif k == 3:
            lines.append(f"  const res = await axios.get(`https://api.example.com/v1/{w}s/${{id{j}}}`, {{ headers: {{ Authorization: `Bearer ${{token}}` }} }});")
        elif k == 4:
            lines.append(f"function handle{w.title()}{j}(state, action) {{ return {{ ...state, {w}: action.payload, updatedAt: Date.now() }}; }}")
        elif k == 5:
            lines.append(f"  // TODO: the {w} password and secret come from the vault, never hardcode the api_key")
        else:
            lines.append(f"  if ({w}.length > {rnd.randint(1, 99)} && {w}Count !== undefined) {{ setState(prev => prev + {j}); }}")
    return "\n".join(lines) + "\n"


def py_file(i):
    lines = [f'"""service {i}"""', "import os", "import requests", ""]
    for j in range(rnd.randint(40, 120)):
        w = rnd.choice(WORDS)
        k = rnd.randint(0, 20)
        if k == 0:
            lines.append(f'{w}_api_key = os.getenv("{w.upper()}_API_KEY")')
        elif k == 1:
            lines.append(f'{w}_sha = "{rs(64, "0123456789abcdef")}"')
        elif k == 2:
            lines.append(f'def get_{w}_{j}(session, {w}_id):\n    return session.get(f"/api/{w}s/{{{w}_id}}", timeout=10).json()')
        elif k == 3:
            lines.append(f'    password_field = form.cleaned_data.get("password")  # {w}')
        else:
            lines.append(f"    total_{j} = sum(x.{w} for x in items if x.{w} is not None)")
    return "\n".join(lines) + "\n"


def json_file(i):
    entries = ",\n".join(
        f'  "{rnd.choice(WORDS)}_{j}": {{"id": "{rs(24, "0123456789abcdef")}", "name": "{rs(12)}", "token_ttl": {rnd.randint(1, 9999)}}}'
        for j in range(rnd.randint(30, 90)))
    return "{\n" + entries + "\n}\n"


def minified_bundle(size, plant=None):
    parts = []
    total = 0
    n = 0
    while total < size:
        w = rnd.choice(WORDS)
        if n % 8 == 0:
            s = (f"function {w}{n}(e,t){{var n=e.{w}||t;return n&&n.key?fetch(\"/api/{w}\",{{method:\"POST\",headers:{{\"Content-Type\":\"application/json\"}},body:JSON.stringify({{id:n.id,token:t}})}}):null}};"
                 f"var {w}Hash{n}=\"{rs(32, '0123456789abcdef')}\";")
        else:
            s = (f"function {w}{n}(e,t){{var r=e.{w}||t,i=r.items||[];return i.map(function(o){{return o.{w}Count+o.total*{n % 97}}}).filter(Boolean)}};"
                 f"var {w}Id{n}=\"{rs(24, '0123456789abcdef')}\";")
        parts.append(s)
        total += len(s)
        n += 1
    if plant:
        parts.insert(len(parts) * 9 // 10, f'var k="{plant}";')
    return "".join(parts) + "\n"


def main():
    out = sys.argv[1]
    size_mib = int(sys.argv[2]) if len(sys.argv) > 2 else 1024
    target = size_mib << 20
    bundles = max(2, size_mib // 64)          # ~1/5 of the bytes in 10 MiB bundles
    bundle_size = 10 << 20 if size_mib >= 256 else 1 << 20
    written = 0
    planted = 0
    os.makedirs(out, exist_ok=True)
    # A pool of small files, each written under many names with a new header:
    # generating 1 GiB of unique random text would take longer than the scan.
    pool = [(js_file(i), "js") for i in range(60)] + [(py_file(i), "py") for i in range(40)] + \
           [(json_file(i), "json") for i in range(20)]
    for b in range(bundles):
        if written > target * 0.2:
            break
        plant = fake_openai() if b % 4 == 0 else None
        planted += plant is not None
        d = os.path.join(out, f"app{b}", "dist", "assets")
        os.makedirs(d, exist_ok=True)
        data = minified_bundle(bundle_size, plant)
        with open(os.path.join(d, f"index-{rs(8, '0123456789abcdef')}.js"), "w") as f:
            f.write(data)
        written += len(data)
    i = 0
    while written < target:
        text, ext = pool[i % len(pool)]
        d = os.path.join(out, f"pkg{i // 2000}", "src", f"mod{(i // 50) % 40}")
        os.makedirs(d, exist_ok=True)
        body = f"// file {i} {rs(12)}\n" + text
        if i % 9973 == 0:
            body += f'\nconst OPENAI_API_KEY = "{fake_openai()}";\n'
            planted += 1
        with open(os.path.join(d, f"f{i}.{ext}"), "w") as f:
            f.write(body)
        written += len(body)
        i += 1
    print(f"generated {written / (1 << 20):.0f} MiB in {i} small files + bundles, {planted} planted keys, at {out}")


if __name__ == "__main__":
    main()
