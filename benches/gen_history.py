#!/usr/bin/env python3
"""Generate a synthetic git repository for the history benchmark.

Usage: gen_history.py OUT_REPO [COMMITS] [TARGET_MIB]

Streams `git fast-import` (our own generated repository, never a scanned
one): an initial tree of ~1,000 code-like files, then COMMITS commits (default
5,000) that each edit a few files (a few lines changed, so versions delta
against each other as in a real pack), feature branches merged back every
~50 commits with work on main in between, some unmerged branches and tags, a
few binary blobs, and five planted fake keys in old commits:

  K1 config/settings.py  added at commit 200, removed at 212 (main)
  K2 .env                committed at 500, deleted at 520 (main)
  K3 web/src/api.js      only on the unmerged branch `experiment`
  K4 services/billing.py only in a merge commit's resolution (in neither parent)
  K5 scripts/deploy.sh   only on a commit reachable from tag `old-rc`

Deterministic (seeded); the keys are random characters in OpenAI's format.
"""
import os
import random
import string
import subprocess
import sys

OUT = sys.argv[1]
COMMITS = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
TARGET_MIB = int(sys.argv[3]) if len(sys.argv) > 3 else 540

rnd = random.Random(20261127)
ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"


def rs(n, alphabet=ALNUM):
    return "".join(rnd.choice(alphabet) for _ in range(n))


def fake_openai():
    return f"sk-proj-{rs(74, ALNUM + '_-')}T3BlbkFJ{rs(74, ALNUM + '_-')}"


KEYS = [fake_openai() for _ in range(5)]
WORDS = ["user", "order", "item", "cart", "price", "token", "session", "config", "client",
         "request", "response", "cache", "key", "value", "secret", "account", "payment", "auth"]


def line():
    w = rnd.choice(WORDS)
    k = rnd.randint(0, 9)
    j = rnd.randint(0, 9999)
    if k == 0:
        return f"const {w}Key{j} = process.env.{w.upper()}_API_KEY;"
    if k == 1:
        return f"export const {w}Hash{j} = '{rs(40, HEX)}';"
    if k == 2:
        return f"const id{j} = '{rs(8, HEX)}-{rs(4, HEX)}-4{rs(3, HEX)}-a{rs(3, HEX)}-{rs(12, HEX)}';"
    if k == 3:
        return f"  const res = await fetch(`https://api.example.com/v1/{w}s/${{id{j}}}`, {{ headers: {{ Authorization: `Bearer ${{token}}` }} }});"
    if k == 4:
        return f"function handle{w.title()}{j}(state, action) {{ return {{ ...state, {w}: action.payload }}; }}"
    if k == 5:
        return f"{w}_secret_name = os.getenv('{w.upper()}_SECRET')  # read at runtime"
    if k == 6:
        return f"# TODO({w}): rotate the {w} token every 90 days, see docs/{w}.md"
    if k == 7:
        return f"    password_hint_{j} = \"{rs(24, string.ascii_lowercase)}\""
    if k == 8:
        return f"  \"{w}_{j}\": {{ \"enabled\": true, \"limit\": {j}, \"region\": \"eu-west-{j % 3}\" }},"
    return f"  if ({w}.expiresAt < Date.now()) {{ await refresh{w.title()}(client, {{ retries: {j % 5} }}); }}"


POOL = [line() for _ in range(30000)]
DIRS = [f"{a}/{b}" for a in ["src", "lib", "web/src", "server", "services", "pkg", "app", "tools"]
        for b in ["core", "api", "ui", "db", "util", "auth", "billing", "jobs", "net", "cfg", "io", "x"]]
EXTS = [".js", ".ts", ".py", ".go", ".json", ".jsx"]

# Average blob size needed for the target, over initial files + edits.
N_INIT = 1000
EDITS_PER_COMMIT = 4
target_lines = max(60, int(TARGET_MIB * (1 << 20) / ((N_INIT + COMMITS * EDITS_PER_COMMIT * 1.08) * 110)))

uniq = 0


def fresh_line():
    global uniq
    uniq += 1
    return f"{rnd.choice(POOL)} // r{uniq}"


def new_file():
    n = rnd.randint(target_lines // 2, target_lines * 3 // 2)
    return [fresh_line() for _ in range(n)]


def edit(lines):
    lines = list(lines)
    for _ in range(rnd.randint(1, 4)):
        lines[rnd.randrange(len(lines))] = fresh_line()
    for _ in range(rnd.randint(0, 3)):
        lines.insert(rnd.randrange(len(lines) + 1), fresh_line())
    if len(lines) > target_lines * 2:
        del lines[: len(lines) - target_lines * 2]
    return lines


os.makedirs(OUT, exist_ok=True)
subprocess.run(["git", "init", "-q", OUT], check=True)
fi = subprocess.Popen(["git", "-C", OUT, "fast-import", "--quiet", "--depth=50"],
                      stdin=subprocess.PIPE)
w = fi.stdin
mark = 0
clock = 1_500_000_000
total_blob_bytes = 0


def data(b):
    w.write(f"data {len(b)}\n".encode())
    w.write(b)
    w.write(b"\n")


def commit(ref, msg, parent, changes, merge=None, deletes=()):
    """changes: {path: bytes}. Returns the commit mark."""
    global mark, clock, total_blob_bytes
    mark += 1
    clock += rnd.randint(600, 20000)
    who = rnd.choice(["Ann Author <ann@example.com>", "Bo Builder <bo@example.com>",
                      "Cy Coder <cy@example.com>"])
    w.write(f"commit {ref}\nmark :{mark}\nauthor {who} {clock} +0000\ncommitter {who} {clock} +0000\n".encode())
    data(msg.encode())
    if parent:
        w.write(f"from :{parent}\n".encode())
    if merge:
        w.write(f"merge :{merge}\n".encode())
    for p in deletes:
        w.write(f"D {p}\n".encode())
    for p, content in changes.items():
        w.write(f"M 100644 inline {p}\n".encode())
        data(content)
        total_blob_bytes += len(content)
    return mark


def render(lines):
    return ("\n".join(lines) + "\n").encode()


# Initial tree.
paths = []
for i in range(N_INIT):
    paths.append(f"{rnd.choice(DIRS)}/m{i}{rnd.choice(EXTS)}")
state = {p: new_file() for p in paths}
changes = {p: render(ls) for p, ls in state.items()}
for i in range(20):  # a few binary blobs (images)
    changes[f"assets/img{i}.png"] = b"\x89PNG\r\n\x1a\n" + os.urandom(30000)
main = commit("refs/heads/main", "initial import", None, changes)

feature = None  # (mark, state, touched, started_at)
pending, pending_deletes = {}, []  # planted changes, applied by the next main commit
k4_planted = False
settings = [f"DEBUG = False", f"REGION = 'eu-west-1'", f"TIMEOUT = 30"]
n = 1
branches = 0
while n < COMMITS:
    # Planted keys (main line).
    extra, deletes = pending, pending_deletes
    if n == 200:
        extra["config/settings.py"] = ("\n".join(settings + [f'OPENAI_API_KEY = "{KEYS[0]}"']) + "\n").encode()
    if n == 212:
        extra["config/settings.py"] = ("\n".join(settings + ["OPENAI_API_KEY = os.environ['OPENAI_API_KEY']"]) + "\n").encode()
    if n == 500:
        extra[".env"] = f"OPENAI_API_KEY={KEYS[1]}\nDEBUG=1\n".encode()
    if n == 520:
        deletes.append(".env")
    if n == 1600:
        deletes.append("services/billing.py")
    if n == 1000:
        exp = commit("refs/heads/experiment", "try calling the API from the browser", main,
                     {"web/src/api.js": f"export const client = new OpenAI({{ apiKey: '{KEYS[2]}', dangerouslyAllowBrowser: true }});\n".encode()})
        n += 1
        continue
    if n == 1200:
        commit("refs/tags/old-rc", "release candidate with deploy script", main,
               {"scripts/deploy.sh": f"#!/bin/sh\nexport OPENAI_API_KEY={KEYS[4]}\n./run\n".encode()})
        n += 1
        continue

    if feature is None and n % 50 == 10:
        feature = (main, {}, set(), n)
        branches += 1
    if feature is not None and n - feature[3] < 6:
        # Work on the feature branch.
        fmark, fstate, touched, start = feature
        ch = {}
        for _ in range(EDITS_PER_COMMIT):
            p = rnd.choice(paths)
            if p not in state:
                continue
            fstate[p] = edit(fstate.get(p, state[p]))
            touched.add(p)
            ch[p] = render(fstate[p])
        ref = f"refs/heads/feature-{branches}"
        fmark = commit(ref, f"feature {branches}: step {n - start}", fmark, ch)
        feature = (fmark, fstate, touched, start)
    elif feature is not None and n - feature[3] >= 8:
        # Merge the feature into main: main's tree plus the feature's files.
        fmark, fstate, touched, start = feature
        ch = {}
        for p in touched:
            state[p] = fstate[p]
            ch[p] = render(state[p])
        if n >= 1500 and not k4_planted:
            # A key that exists only in the merge's resolution.
            ch["services/billing.py"] = f"import os\nOPENAI_API_KEY = \"{KEYS[3]}\"\n".encode()
            k4_planted = True
        ch.update(extra)
        main = commit("refs/heads/main", f"Merge branch 'feature-{branches}'", main, ch,
                      merge=fmark, deletes=deletes)
        pending, pending_deletes = {}, []
        feature = None
    else:
        # Work on main, away from files the open feature touches.
        busy = feature[2] if feature else set()
        ch = {}
        for _ in range(EDITS_PER_COMMIT):
            if rnd.random() < 0.02:
                p = f"{rnd.choice(DIRS)}/n{n}{rnd.choice(EXTS)}"
                paths.append(p)
                state[p] = new_file()
            else:
                p = rnd.choice(paths)
                if p in busy:
                    continue
                state[p] = edit(state[p])
            ch[p] = render(state[p])
        ch.update(extra)
        main = commit("refs/heads/main", f"change {n}", main, ch, deletes=deletes)
        pending, pending_deletes = {}, []
    n += 1

w.write(f"reset refs/tags/v1.0\nfrom :{main}\n\n".encode())
w.close()
if fi.wait() != 0:
    sys.exit("git fast-import failed")
subprocess.run(["git", "-C", OUT, "symbolic-ref", "HEAD", "refs/heads/main"], check=True)
print(f"generated {OUT}: {mark} commits, {total_blob_bytes >> 20} MiB of blob data written "
      f"(before dedup), {branches} feature branches, keys planted: 5 when COMMITS >= 1600 (they go in at fixed commit numbers)")
