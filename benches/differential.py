#!/usr/bin/env python3
"""Differential testing: compare jikimi's findings with kingfisher's and
betterleaks' on the same content (issue 18, item 1).

    benches/differential.py JIKIMI.json KINGFISHER.json BETTERLEAKS.json ROOT [--list OUT.tsv]

Each report is normalised to (path, line, secret-hash, rule), paths relative to
ROOT (the folder all three scanned). Two findings agree when they are on the
same path and line (or the next line), or on the same path with one secret
containing the other
(peers cut the same key with different spans). Secrets are only held in
memory: the output carries a SHA-256 prefix of each, never the value.

Prints, per peer: agreements, jikimi-only, peer-only, and the peer-only and
jikimi-only findings grouped by rule; with --list, every disagreement as a TSV
line (side, path, line, hash, jikimi rule, peer rules) for triage.
"""
import hashlib
import json
import os
import sys
from collections import Counter, defaultdict


def h(secret):
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()[:12]


def rel(path, root):
    path = path.replace("\\", "/")
    root = root.rstrip("/")
    for prefix in (root + "/", os.path.abspath(root) + "/", "./"):
        if path.startswith(prefix):
            path = path[len(prefix):]
    return path.lstrip("/")


def load_json(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read().strip()
    if not text:
        return None
    return json.loads(text)


def jikimi(path, root):
    out = []
    doc = load_json(path) or {}
    for f in doc.get("findings", []):
        if f.get("kind") != "secret" or f.get("commit"):
            continue
        secret = f.get("secret") or ""
        locs = f.get("locations") or [{"line": f.get("line")}]
        for loc in locs:
            out.append((rel(f["path"], root), int(loc.get("line") or 0), secret, f["rule"]))
    return out


def kingfisher(path, root):
    out = []
    doc = load_json(path) or {}
    items = doc.get("findings", []) if isinstance(doc, dict) else doc
    for item in items:
        fd = item.get("finding", {})
        rule = item.get("rule", {}).get("id", "?")
        out.append((rel(fd.get("path", ""), root), int(fd.get("line") or 0),
                    fd.get("snippet") or "", rule))
    return out


def betterleaks(path, root):
    out = []
    doc = load_json(path) or {}
    items = doc.get("findings", []) if isinstance(doc, dict) else doc
    for item in items or []:
        m = item.get("match", {})
        loc = item.get("location", {})
        secret = m.get("value") or m.get("full") or ""
        out.append((rel(loc.get("path", ""), root), int(loc.get("start_line") or 0),
                    secret, item.get("rule_id", "?")))
    return out


def same(a, b):
    """Two findings (path, line, secret, rule) name the same credential."""
    if a[0] != b[0]:
        return False
    # The same line, or the next: a peer may report a multi-line structure
    # (a Kubernetes Secret's `data:`) at its first line, jikimi at the value.
    if abs(a[1] - b[1]) <= 1:
        return True
    sa, sb = a[2].strip(), b[2].strip()
    return len(sa) >= 8 and len(sb) >= 8 and (sa in sb or sb in sa)


def index(findings):
    by_path = defaultdict(list)
    for f in findings:
        by_path[f[0]].append(f)
    return by_path


def compare(mine, theirs):
    """-> (agreements, jikimi-only list, peer-only list), deduplicated by
    (path, line, secret)."""
    ti, mi = index(theirs), index(mine)
    agree = 0
    only_mine, only_theirs = [], []
    seen = set()
    for f in mine:
        key = (f[0], f[1], f[2])
        if key in seen:
            continue
        seen.add(key)
        if any(same(f, g) for g in ti.get(f[0], [])):
            agree += 1
        else:
            only_mine.append(f)
    seen = set()
    for g in theirs:
        key = (g[0], g[1], g[2])
        if key in seen:
            continue
        seen.add(key)
        if not any(same(g, f) for f in mi.get(g[0], [])):
            only_theirs.append(g)
    return agree, only_mine, only_theirs


def main(argv):
    if len(argv) < 5:
        print(__doc__, file=sys.stderr)
        return 2
    jpath, kpath, bpath, root = argv[1:5]
    listing = argv[argv.index("--list") + 1] if "--list" in argv else None
    mine = jikimi(jpath, root)
    peers = {"kingfisher": kingfisher(kpath, root), "betterleaks": betterleaks(bpath, root)}
    rows = []
    print(f"jikimi: {len(mine)} places")
    for name, theirs in peers.items():
        agree, only_mine, only_theirs = compare(mine, theirs)
        print(f"\n== {name}: {len(theirs)} places; agree {agree}, "
              f"jikimi-only {len(only_mine)}, {name}-only {len(only_theirs)}")
        print(f"  {name}-only by rule:")
        for rule, n in Counter(g[3] for g in only_theirs).most_common():
            print(f"    {n:5d}  {rule}")
        print("  jikimi-only by rule:")
        for rule, n in Counter(f[3] for f in only_mine).most_common():
            print(f"    {n:5d}  {rule}")
        for g in only_theirs:
            rows.append((f"{name}-only", g[0], g[1], h(g[2]), "", g[3]))
        for f in only_mine:
            rows.append((f"jikimi-not-{name}", f[0], f[1], h(f[2]), f[3], ""))
    # Found by both peers, missed by jikimi: the first list to triage.
    k_only = {(g[0], g[1]) for g in compare(mine, peers["kingfisher"])[2]}
    b_only = compare(mine, peers["betterleaks"])[2]
    both = [g for g in b_only if (g[0], g[1]) in k_only]
    print(f"\n== both peers, not jikimi: {len(both)}")
    if listing:
        with open(listing, "w", encoding="utf-8") as out:
            for r in sorted(rows, key=lambda r: (r[0], r[1], r[2])):
                out.write("\t".join(str(x) for x in r) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
