#!/usr/bin/env python3
"""Generate N bare repositories for the organisation benchmark (benches/org.sh).

Usage: gen_org.py OUT_DIR N [COMMITS]

Each repository (repo-000.git ...) is our own, streamed with `git fast-import`
(never a scanned repository): ~40 code-like files, COMMITS commits (default
60) that each edit a few files, and in every fifth repository a fake OpenAI
key committed and removed again. All repositories are alike in size, so the
peak memory of a scan of N of them should not grow with N. Deterministic.
"""
import os
import random
import string
import subprocess
import sys

OUT, N = sys.argv[1], int(sys.argv[2])
COMMITS = int(sys.argv[3]) if len(sys.argv) > 3 else 60
ALNUM = string.ascii_letters + string.digits
WORDS = ["user", "order", "item", "cart", "price", "session", "config", "client", "cache"]


def gen(i):
    rnd = random.Random(1000 + i)
    rs = lambda n, a=ALNUM: "".join(rnd.choice(a) for _ in range(n))
    path = os.path.join(OUT, f"repo-{i:03}.git")
    if os.path.isdir(path):
        return
    subprocess.run(["git", "init", "-q", "--bare", path], check=True)
    fi = subprocess.Popen(["git", "-C", path, "fast-import", "--quiet"], stdin=subprocess.PIPE)
    w = fi.stdin
    files = {f"src/{rnd.choice(WORDS)}_{j}.js": [f"const {rnd.choice(WORDS)}{k} = '{rs(24)}';" for k in range(60)]
             for j in range(40)}
    clock = 1_600_000_000
    for c in range(COMMITS):
        clock += 3600
        changed = files if c == 0 else {p: files[p] for p in rnd.sample(sorted(files), 3)}
        for p in changed:
            if c:
                files[p][rnd.randrange(60)] = f"const x{c} = '{rs(24)}';"
        w.write(f"commit refs/heads/main\ncommitter Ann <ann@example.com> {clock} +0000\n".encode())
        msg = f"change {c}".encode()
        w.write(f"data {len(msg)}\n".encode() + msg + b"\n")
        for p in changed:
            body = ("\n".join(files[p]) + "\n").encode()
            w.write(f"M 100644 inline {p}\ndata {len(body)}\n".encode() + body + b"\n")
        if i % 5 == 0 and c == 10:
            key = f"sk-{rs(20)}T3BlbkFJ{rs(20)}"
            body = f"OPENAI_API_KEY={key}\n".encode()
            w.write(f"M 100644 inline .env\ndata {len(body)}\n".encode() + body + b"\n")
        if i % 5 == 0 and c == 11:
            w.write(b"D .env\n")
    w.close()
    if fi.wait() != 0:
        sys.exit("git fast-import failed")
    subprocess.run(["git", "-C", path, "symbolic-ref", "HEAD", "refs/heads/main"], check=True)


os.makedirs(OUT, exist_ok=True)
for i in range(N):
    gen(i)
