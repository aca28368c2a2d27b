#!/usr/bin/env python3
"""Generate hostile git repositories for the history pass (issue 8).

Usage: gen_hostile_history.py OUT_REPO KIND [FILES]

KIND is one of:

  fanout  a tree fan-out bomb: 10 entries at each of 7 levels all pointing at
          one subtree, a fake key in a `.env` at the bottom: 10,000,000 paths
          to one blob from a few kilobytes of objects
  deep    a key in a file 600 trees deep (only reachable through the chain)
  wide    one key in 30,000 files (FILES; distinct blobs: each file has its
          own line around the same key), in one commit
  all     the three above as three commits on one branch (the key of each
          at its own place), HEAD at the last

Objects are written loose (zlib + SHA-1) straight into a new repository's
object store, without the git binary: the trees here are not something git
would produce from a work tree. Deterministic (seeded); the keys are random
characters in OpenAI's format, generated at run time.
"""
import hashlib
import os
import random
import string
import sys
import zlib

OUT, KIND = sys.argv[1], sys.argv[2]
FILES = int(sys.argv[3]) if len(sys.argv) > 3 else 30_000
rnd = random.Random(20261201)
ALNUM = string.ascii_letters + string.digits


def rs(n, alphabet=ALNUM):
    return "".join(rnd.choice(alphabet) for _ in range(n))


def fake_openai():
    return f"sk-proj-{rs(74, ALNUM + '_-')}T3BlbkFJ{rs(74, ALNUM + '_-')}"


def write_obj(kind, body):
    raw = f"{kind} {len(body)}\0".encode() + body
    oid = hashlib.sha1(raw).hexdigest()
    d = os.path.join(OUT, ".git", "objects", oid[:2])
    os.makedirs(d, exist_ok=True)
    p = os.path.join(d, oid[2:])
    if not os.path.exists(p):
        with open(p, "wb") as f:
            f.write(zlib.compress(raw, 1))
    return oid


def blob(text):
    return write_obj("blob", text.encode())


def tree(entries):
    """entries: [(name, mode, hex id)]; git sorts trees as if named 'x/'."""
    def key(e):
        return e[0] + ("/" if e[1] == "40000" else "")
    body = b"".join(
        f"{mode} {name}\0".encode() + bytes.fromhex(oid)
        for name, mode, oid in sorted(entries, key=key)
    )
    return write_obj("tree", body)


clock = 1_700_000_000


def commit(tree_id, parents, msg):
    global clock
    clock += 60
    lines = [f"tree {tree_id}"] + [f"parent {p}" for p in parents]
    who = f"Bench <bench@example.com> {clock} +0000"
    lines += [f"author {who}", f"committer {who}", "", msg, ""]
    return write_obj("commit", "\n".join(lines).encode())


def fanout():
    key = fake_openai()
    t = tree([(".env", "100644", blob(f"OPENAI_API_KEY={key}\n"))])
    for _ in range(7):
        t = tree([(f"d{i}", "40000", t) for i in range(10)])
    return t


def deep():
    key = fake_openai()
    t = tree([("config.py", "100644", blob(f'API_KEY = "{key}"\n'))])
    for _ in range(600):
        t = tree([("d", "40000", t)])
    return tree([("deep", "40000", t), ("README.md", "100644", blob("deep\n"))])


def wide():
    key = fake_openai()
    dirs = []
    for d in range((FILES + 99) // 100):
        files = [
            (f"f{i}.py", "100644", blob(f'# file {d}/{i}\nAPI_KEY = "{key}"\n'))
            for i in range(min(100, FILES - d * 100))
        ]
        dirs.append((f"m{d}", "40000", tree(files)))
    return tree(dirs)


os.makedirs(os.path.join(OUT, ".git", "objects"), exist_ok=True)
os.makedirs(os.path.join(OUT, ".git", "refs", "heads"), exist_ok=True)
os.makedirs(os.path.join(OUT, ".git", "refs", "tags"), exist_ok=True)
with open(os.path.join(OUT, ".git", "HEAD"), "w") as f:
    f.write("ref: refs/heads/main\n")
with open(os.path.join(OUT, ".git", "config"), "w") as f:
    f.write("[core]\n\trepositoryformatversion = 0\n\tbare = false\n")

kinds = ["fanout", "deep", "wide"] if KIND == "all" else [KIND]
head, parents = None, []
for k in kinds:
    head = commit({"fanout": fanout, "deep": deep, "wide": wide}[k](), parents, k)
    parents = [head]
with open(os.path.join(OUT, ".git", "refs", "heads", "main"), "w") as f:
    f.write(head + "\n")
print(f"{OUT}: {KIND} (HEAD {head[:10]})")
