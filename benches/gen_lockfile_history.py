#!/usr/bin/env python3
"""Generate a lockfile-heavy git repository for the history benchmark.

Usage: gen_lockfile_history.py OUT_REPO [VERSIONS] [PACKAGES]

Streams `git fast-import` (our own generated repository, never a scanned
one): a pnpm-lock.yaml of PACKAGES entries (default 1,500), each with an
`integrity: sha512-<base64>` hash, rewritten VERSIONS times (default 2,000),
each version bumping ~3% of the packages (new version, new random hash), the
way dependency updates rewrite a lockfile. fast-import deltas each version
against the previous one, so the pack holds one long delta chain: the shape
that kept jikimi on one core (issue 28). A small README changes beside it.

One fake key (random characters in OpenAI's format) is planted in version
VERSIONS/2 as a private registry token and removed in the next version, so
the report has exactly one finding. Deterministic (seeded).
"""
import base64
import random
import string
import subprocess
import sys

OUT = sys.argv[1]
VERSIONS = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
PACKAGES = int(sys.argv[3]) if len(sys.argv) > 3 else 1500

rng = random.Random(28)


def sri():
    return "sha512-" + base64.b64encode(rng.randbytes(64)).decode()


def fake_key():
    a = string.ascii_letters + string.digits + "_-"
    part = lambda: "".join(rng.choice(a) for _ in range(74))
    return f"sk-proj-{part()}T3BlbkFJ{part()}"


names = [f"pkg-{i:04d}" for i in range(PACKAGES)]
pkgs = {n: [1, 0, rng.randrange(30), sri()] for n in names}
KEY = fake_key()


def lockfile(v):
    out = ["lockfileVersion: '9.0'", "", "importers:", "  .:", "    dependencies:"]
    for n in names[:40]:
        out.append(f"      {n}: ^{pkgs[n][0]}.0.0")
    out += ["", "packages:", ""]
    for n in names:
        major, minor, patch, h = pkgs[n]
        out.append(f"  {n}@{major}.{minor}.{patch}:")
        out.append(f"    resolution: {{integrity: {h}}}")
        out.append("    engines: {node: '>=18'}")
        out.append("")
    if v == VERSIONS // 2:
        out.append("  private-pkg@1.0.0:")
        out.append(f"    resolution: {{tarball: 'https://npm.example.com/p.tgz?token={KEY}'}}")
        out.append("")
    return "\n".join(out).encode()


def data(b):
    return b"data %d\n" % len(b) + b + b"\n"


subprocess.run(["git", "init", "-q", "--bare", OUT], check=True)
fi = subprocess.Popen(["git", "-C", OUT, "fast-import", "--quiet"], stdin=subprocess.PIPE)
w = fi.stdin.write
t = 1_700_000_000
for v in range(VERSIONS):
    for n in rng.sample(names, max(1, PACKAGES * 3 // 100)):
        p = pkgs[n]
        p[2] += 1
        p[3] = sri()
    msg = f"chore(deps): update lockfile ({v})".encode()
    w(b"commit refs/heads/main\n")
    w(b"committer Bench <bench@example.com> %d +0000\n" % (t + v * 60))
    w(data(msg))
    w(b"M 100644 inline pnpm-lock.yaml\n" + data(lockfile(v)))
    w(b"M 100644 inline README.md\n" + data(b"# app\n\nversion %d\n" % v))
fi.stdin.close()
if fi.wait() != 0:
    sys.exit("git fast-import failed")
print(f"{OUT}: {VERSIONS} versions of a {PACKAGES}-package pnpm-lock.yaml")
