#!/usr/bin/env python3
"""Generate hostile git repositories for the history pass (issues 8, 19).

Usage: gen_hostile_history.py OUT_REPO KIND [FILES]

KIND is one of (issue 8: trees):

  fanout  a tree fan-out bomb: 10 entries at each of 7 levels all pointing at
          one subtree, a fake key in a `.env` at the bottom: 10,000,000 paths
          to one blob from a few kilobytes of objects
  deep    a key in a file 600 trees deep (only reachable through the chain)
  wide    one key in 30,000 files (FILES; distinct blobs: each file has its
          own line around the same key), in one commit
  all     the three above as three commits on one branch (the key of each
          at its own place), HEAD at the last

and (issue 19: objects, packs and refs; each also has a key in `k.py`):

  loops   a blob stored as a ref-delta of itself, two ref-deltas based on
          each other, and a branch whose root tree is a delta of itself
  hole    a pack with a 64 GiB hole (a sparse file) after its first object
  spread  20,000 blobs in one pack, each followed by a 1 MiB hole
  bigblob a real 1 GiB blob in a pack (zeros: about 1 MB compressed)
  bomb    a delta bomb: a 64 KiB base and 8 blobs copying it 255 times
          (16 MiB each) from a pack of a few kilobytes
  message a commit whose message is 1.1 GB (a 1 MB loose object)
  refname a ref name of 1 MiB in packed-refs
  tags    1,000,000 tags of one commit in packed-refs

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


# ------------------------------------------------------------ packs (issue 19)

import struct


def obj_id(kind, body):
    return hashlib.sha1(f"{kind} {len(body)}\0".encode() + body).hexdigest()


def remove_loose(oid):
    os.remove(os.path.join(OUT, ".git", "objects", oid[:2], oid[2:]))


def obj_header(kind, size):
    out = bytearray()
    c = (kind << 4) | (size & 0x0F)
    size >>= 4
    while size:
        out.append(c | 0x80)
        c = size & 0x7F
        size >>= 7
    out.append(c)
    return bytes(out)


def varint(n):
    out = bytearray()
    while True:
        c = n & 0x7F
        n >>= 7
        if n == 0:
            out.append(c)
            return bytes(out)
        out.append(c | 0x80)


def insert_delta(base_len, data):
    d = varint(base_len) + varint(len(data))
    for i in range(0, len(data), 127):
        piece = data[i:i + 127]
        d += bytes([len(piece)]) + piece
    return d


def write_pack(name, objs, holes=None, compressed=None):
    """objs: [(hex id, raw object bytes: header + zlib)]; holes: {index: bytes}
    of zeros (sparse) before that object."""
    holes = holes or {}
    d = os.path.join(OUT, ".git", "objects", "pack")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, f"pack-{name}.pack")
    offsets = []
    h = hashlib.sha1()
    with open(path, "wb") as f:
        head = b"PACK" + struct.pack(">II", 2, len(objs))
        f.write(head)
        h.update(head)
        pos = len(head)
        for i, (oid, raw) in enumerate(objs):
            if i in holes:
                pos += holes[i]
                f.seek(pos)
            offsets.append(pos)
            f.write(raw)
            h.update(raw)
            pos += len(raw)
        pack_sum = h.digest()
        f.write(pack_sum)
    order = sorted(range(len(objs)), key=lambda i: objs[i][0])
    ids = [bytes.fromhex(objs[i][0]) for i in order]
    idx = bytearray(b"\xfftOc" + struct.pack(">I", 2))
    for b in range(256):
        idx += struct.pack(">I", sum(1 for x in ids if x[0] <= b))
    for x in ids:
        idx += x
    for i in order:
        idx += struct.pack(">I", zlib.crc32(objs[i][1]) & 0xFFFFFFFF)
    large = bytearray()
    for i in order:
        off = offsets[i]
        if off < 0x80000000:
            idx += struct.pack(">I", off)
        else:
            idx += struct.pack(">I", 0x80000000 | (len(large) // 8))
            large += struct.pack(">Q", off)
    idx += large + pack_sum
    idx += hashlib.sha1(idx).digest()
    with open(os.path.join(d, f"pack-{name}.idx"), "wb") as f:
        f.write(idx)


def full(kind_num, kind, body):
    return obj_id(kind, body), obj_header(kind_num, len(body)) + zlib.compress(body, 1)


def ref_delta(oid, base, delta):
    return oid, obj_header(7, len(delta)) + bytes.fromhex(base) + zlib.compress(delta, 1)


def key_file():
    return ("k.py", "100644", blob(f'API_KEY = "{fake_openai()}"\n'))


def loops():
    texts = [b"loops to itself\n", b"a, based on b\n", b"b, based on a\n"]
    ids = [blob(t.decode()) for t in texts]
    t = tree([key_file()] + [(f"f{i}.txt", "100644", x) for i, x in enumerate(ids)])
    side = tree([("other.txt", "100644", blob("behind a looping root tree\n"))])
    side_commit = commit(side, [], "looped")
    with open(os.path.join(OUT, ".git", "refs", "heads", "looped"), "w") as f:
        f.write(side_commit + "\n")
    s, a, b = ids
    write_pack("loops", [
        ref_delta(s, s, insert_delta(len(texts[0]), texts[0])),
        ref_delta(a, b, insert_delta(len(texts[2]), texts[1])),
        ref_delta(b, a, insert_delta(len(texts[1]), texts[2])),
        ref_delta(side, side, insert_delta(40, b"not a tree")),
    ])
    for x in ids + [side]:
        remove_loose(x)
    return t


def hole():
    k = f'API_KEY = "{fake_openai()}"\n'.encode()
    after = f'OTHER_KEY = "{fake_openai()}"\n'.encode()
    objs = [full(3, "blob", k), full(3, "blob", after)]
    t = tree([("before.py", "100644", blob(k.decode())), ("after.py", "100644", blob(after.decode()))])
    write_pack("hole", objs, holes={1: 64 << 30})
    for oid, _ in objs:
        remove_loose(oid)
    return t


def spread():
    objs = [full(3, "blob", f"spread blob {i}\n".encode()) for i in range(20_000)]
    entries = [key_file()]
    dirs = []
    for d in range(200):
        dirs.append((f"d{d}", "40000", tree([(f"f{i}.txt", "100644", objs[d * 100 + i][0]) for i in range(100)])))
    write_pack("spread", objs, holes={i: 1 << 20 for i in range(1, len(objs))})
    return tree(entries + dirs)


def bigblob():
    size = 1 << 30
    z = zlib.compressobj(1)
    chunk = bytes(1 << 20)
    h = hashlib.sha1(f"blob {size}\0".encode())
    parts = []
    for _ in range(size >> 20):
        h.update(chunk)
        parts.append(z.compress(chunk))
    parts.append(z.flush())
    oid = h.hexdigest()
    write_pack("big", [(oid, obj_header(3, size) + b"".join(parts))])
    return tree([key_file(), ("big.bin", "100644", oid)])


def bomb():
    base = (b"lorem ipsum dolor sit amet\n" * 2428)[:65536]
    base_id, raw = full(3, "blob", base)
    objs = [(base_id, raw)]
    entries = [key_file(), ("base.txt", "100644", base_id)]
    for n in range(8):
        tail = f"bomb {n}\n".encode()
        content_sha = hashlib.sha1(f"blob {255 * len(base) + len(tail)}\0".encode())
        for _ in range(255):
            content_sha.update(base)
        content_sha.update(tail)
        oid = content_sha.hexdigest()
        d = varint(len(base)) + varint(255 * len(base) + len(tail))
        d += bytes([0x80]) * 255  # copy offset 0, length 0 = 0x10000
        d += bytes([len(tail)]) + tail
        objs.append(ref_delta(oid, base_id, d))
        entries.append((f"bomb{n}.txt", "100644", oid))
    write_pack("bomb", objs)
    return tree(entries)


def message_commit(t, parents):
    global clock
    clock += 60
    who = f"Bench <bench@example.com> {clock} +0000"
    head = f"tree {t}\nauthor {who}\ncommitter {who}\n\n".encode()
    size = 1_100_000_000
    raw_head = f"commit {len(head) + size}\0".encode() + head
    h = hashlib.sha1(raw_head)
    z = zlib.compressobj(1)
    chunk = b"y" * (1 << 20)
    parts = [z.compress(raw_head)]
    left = size
    while left:
        c = chunk[:min(left, len(chunk))]
        h.update(c)
        parts.append(z.compress(c))
        left -= len(c)
    parts.append(z.flush())
    oid = h.hexdigest()
    d = os.path.join(OUT, ".git", "objects", oid[:2])
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, oid[2:]), "wb") as f:
        f.write(b"".join(parts))
    return oid


os.makedirs(os.path.join(OUT, ".git", "objects"), exist_ok=True)
os.makedirs(os.path.join(OUT, ".git", "refs", "heads"), exist_ok=True)
os.makedirs(os.path.join(OUT, ".git", "refs", "tags"), exist_ok=True)
with open(os.path.join(OUT, ".git", "HEAD"), "w") as f:
    f.write("ref: refs/heads/main\n")
with open(os.path.join(OUT, ".git", "config"), "w") as f:
    f.write("[core]\n\trepositoryformatversion = 0\n\tbare = false\n")

TREES = {"fanout": fanout, "deep": deep, "wide": wide, "loops": loops, "hole": hole,
         "spread": spread, "bigblob": bigblob, "bomb": bomb}
kinds = ["fanout", "deep", "wide"] if KIND == "all" else [KIND]
head, parents = None, []
if KIND in TREES or KIND == "all":
    for k in kinds:
        head = commit(TREES[k](), parents, k)
        parents = [head]
else:
    base = commit(tree([key_file()]), [], "base")
    head = base
    if KIND == "message":
        head = message_commit(tree([key_file()]), [])
        # The key commit stays reachable from a branch of its own.
        with open(os.path.join(OUT, ".git", "refs", "heads", "keyed"), "w") as f:
            f.write(base + "\n")
    elif KIND == "refname":
        with open(os.path.join(OUT, ".git", "packed-refs"), "w") as f:
            f.write("# pack-refs with: peeled fully-peeled sorted \n")
            f.write("1" * 40 + " refs/heads/" + "x" * (1 << 20) + "\n")
    elif KIND == "tags":
        with open(os.path.join(OUT, ".git", "packed-refs"), "w") as f:
            f.write("# pack-refs with: peeled fully-peeled sorted \n")
            for i in range(1_000_000):
                f.write(f"{base} refs/tags/t{i:07d}\n")
    else:
        sys.exit(f"unknown kind {KIND}")
with open(os.path.join(OUT, ".git", "refs", "heads", "main"), "w") as f:
    f.write(head + "\n")
print(f"{OUT}: {KIND} (HEAD {head[:10]})")
