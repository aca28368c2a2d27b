#!/usr/bin/env python3
"""Recall on the peers' formats (issue 18): random tokens generated from the
peers' own patterns, written in realistic lines, scanned by jikimi.

Reads at run time (never stored, never printed):
  betterleaks   `betterleaks config show toml`: regex, keywords, the entropy
                filter, valueGroup, skipReport
  kingfisher    `kingfisher rules list -f json`: the `pattern` field only
                (its `examples` field is never read)

For every peer rule except the generic ones and the components the peer does
not report alone (`skipReport`), it generates K lines of each shape:

  config.txt    (a) a string generated from the rule's whole regex (keyword
                context included; fillers such as `[ \\t\\w.-]{0,20}` kept short)
  settings.py   (b) `<kw>_api_key = "<tok>"`        the secret group's token
  .env              `export <KW>_TOKEN=<tok>`           under the rule's
  config.yml        `<kw>_token: <tok>`                 keyword (provider name)
  config.json       `"<kw>Key": "<tok>"`
  main.go           `<kw>Secret := "<tok>"`

A token the peer's entropy filter would drop is drawn again. Each line goes
in a file of its own (folders numbered, names neutral), then the peer itself,
and jikimi (`scan --no-config -f json`, then `--explain-drops` for the stage
that dropped each missed line) scan the folder. A line counts when the peer's
own rule reports it (that is what a peer's published example is); jikimi
finds it when any of its findings is on that line.

Usage:
  JIKIMI=target/release/jikimi python3 benches/peer_formats.py [-k 10]
        [--seed 1] [--peer betterleaks|kingfisher|both] [--rule SUBSTR]
        [--keep DIR] [--misses FILE.tsv] [--rules]

Prints recall per catalogue and per shape, the jikimi stages that dropped
missed lines, and with --rules one row per peer rule (found / counted).
Tokens are random; nothing generated is written outside the temp folder
(or --keep DIR, which must not be committed). --misses writes the missed
rules with the drop stage, and shape; no token.
"""

import argparse
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections import Counter, defaultdict
from pathlib import Path

import re._constants as C
import re._parser as P

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import differential  # noqa: E402  (the three report parsers)

PRINTABLE = [chr(c) for c in range(0x20, 0x7F)]
TOKEN_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-+/=.~")
POSIX = {
    "alnum": "a-zA-Z0-9", "alpha": "a-zA-Z", "digit": "0-9", "xdigit": "0-9a-fA-F",
    "upper": "A-Z", "lower": "a-z", "space": r"\s", "word": r"\w", "punct": r"!-/:-@\[-`{-~",
}
SHAPES = ["config.txt", "settings.py", ".env", "config.yml", "config.json", "main.go"]


def py_regex(rx):
    """Go/Rust regex syntax to what Python's parser reads (for generating only)."""
    flags = ""
    if "(?i)" in rx:
        rx = rx.replace("(?i)", "")
        flags = "(?i)"
    if "(?s)" in rx:
        rx = rx.replace("(?s)", "")
    if "(?m)" in rx:
        rx = rx.replace("(?m)", "")
    for name, cls in POSIX.items():
        rx = rx.replace(f"[:{name}:]", cls)
    rx = rx.replace(r"\z", r"\Z").replace(r"\A", "^")
    rx = re.sub(r"\\p\{?[A-Za-z_]+\}?", "A-Za-z", rx)
    rx = re.sub(r"\(\?<([A-Za-z_]\w*)>", r"(?P<\1>", rx)
    rx = re.sub(r"\(\?-?[imsU]+:", "(?:", rx)
    return flags + rx


def members(items, negate=False):
    out = set()
    for op, av in items:
        if op == C.LITERAL:
            out.add(chr(av))
        elif op == C.RANGE:
            out.update(chr(c) for c in range(av[0], min(av[1], 0x7E) + 1))
        elif op == C.CATEGORY:
            out.update(c for c in PRINTABLE if re.fullmatch(CAT_RX[av], c))
        elif op == C.NEGATE:
            negate = True
    if negate:
        out = set(PRINTABLE) - out
        out &= TOKEN_CHARS
    return sorted(c for c in out if c in PRINTABLE or c == "\t")


CAT_RX = {
    C.CATEGORY_DIGIT: r"\d", C.CATEGORY_NOT_DIGIT: r"\D", C.CATEGORY_SPACE: r"\s",
    C.CATEGORY_NOT_SPACE: r"\S", C.CATEGORY_WORD: r"\w", C.CATEGORY_NOT_WORD: r"\W",
}


class Gen:
    """Walks a parsed regex drawing one string; records each group's span."""

    def __init__(self, rng):
        self.rng = rng
        self.out = []
        self.groups = {}
        self.depth_secret = 0

    def filler(self):
        return self.depth_secret == 0

    def pick(self, chars):
        if not chars:
            raise ValueError("empty class")
        if self.filler():
            for pref in ("abcdefghijklmnopqrstuvwxyz", " ", "_"):
                ok = [c for c in chars if c in pref]
                if ok:
                    return self.rng.choice(ok)
        return self.rng.choice(chars)

    def walk(self, seq, secret_groups):
        for op, av in seq:
            if op == C.LITERAL:
                self.out.append(chr(av))
            elif op == C.NOT_LITERAL:
                self.out.append(self.pick([c for c in PRINTABLE if ord(c) != av and c in TOKEN_CHARS]))
            elif op == C.ANY:
                self.out.append(self.pick(sorted(TOKEN_CHARS)))
            elif op == C.IN:
                self.out.append(self.pick(members(av)))
            elif op == C.BRANCH:
                branches = av[1]
                if self.filler():
                    empty = [b for b in branches if all(o == C.AT for o, _ in b)]
                    if empty:
                        continue
                    b = branches[0] if self.rng.random() < 0.8 else self.rng.choice(branches)
                else:
                    b = self.rng.choice(branches)
                self.walk(b, secret_groups)
            elif op == C.SUBPATTERN:
                group, _, _, sub = av
                start = len("".join(self.out))
                inside = group is not None and group in secret_groups
                self.depth_secret += inside
                self.walk(sub, secret_groups)
                self.depth_secret -= inside
                if group is not None:
                    self.groups[group] = (start, len("".join(self.out)))
            elif op in (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", None)):
                lo, hi, sub = av
                unbounded = hi == C.MAXREPEAT
                if self.filler() and lo == 0 and len(sub) == 1 and sub[0][0] == C.IN and \
                        {"a", "z", "_"} <= set(members(sub[0][1])):
                    # a name's tail after the provider's keyword: `_token`, not `xq`
                    words = [w for w in ("", "_key", "_token", "_api_key", "_secret", "")
                             if len(w) <= hi]
                    self.out.append(self.rng.choice(words))
                    continue
                if self.filler():
                    span = (3 if unbounded else hi - lo)
                    n = lo if self.rng.random() < 0.6 else lo + self.rng.randint(0, min(span, 2))
                elif unbounded:
                    n = self.rng.randint(lo, lo + 20) if lo >= 8 else self.rng.randint(max(lo, 16), 40)
                else:
                    n = self.rng.randint(lo, hi)
                for _ in range(n):
                    self.walk(sub, secret_groups)
            elif op == C.ATOMIC_GROUP:
                self.walk(av, secret_groups)
            elif op in (C.AT, C.ASSERT, C.ASSERT_NOT):
                continue
            elif op == C.GROUPREF:
                s, e = self.groups.get(av, (0, 0))
                self.out.append("".join(self.out)[s:e])
            else:
                raise ValueError(f"unsupported {op}")


def entropy(s):
    if not s:
        return 0.0
    n = len(s)
    return -sum(c / n * math.log2(c / n) for c in Counter(s).values())


def entropy_floor(filt):
    """The peer's entropy filter: (threshold, inclusive) or None."""
    m = re.search(r'entropy\(finding\["secret"\]\)\s*(<=?)\s*([\d.]+)', filt or "")
    return (float(m.group(2)), m.group(1) == "<=") if m else None


class Rule:
    def __init__(self, cat, rid, regex, keywords, filt, value_group):
        self.cat, self.id, self.regex = cat, rid, regex
        self.keywords, self.floor, self.value_group = keywords, entropy_floor(filt), value_group
        self.parsed = P.parse(py_regex(regex))
        self.ngroups = self.parsed.state.groups

    def kw(self):
        name = re.sub(r"^(betterleaks|veles)\.", "", self.id)
        words = [k.lower() for k in self.keywords if re.fullmatch(r"[A-Za-z][A-Za-z0-9]{2,}", k)]
        for k in words:
            if k in name.replace("-", ""):
                return k
        return re.sub(r"[^a-z0-9]", "", name.split("-")[0].lower()) or "api"

    def draw(self, rng, tries=50):
        """(whole line, token) or None."""
        for _ in range(tries):
            g = Gen(rng)
            secret_groups = set(range(1, self.ngroups))
            g.depth_secret = 0 if secret_groups else 1  # no group: the whole match
            try:
                g.walk(self.parsed, secret_groups)
            except (ValueError, RecursionError):
                return None
            line = "".join(g.out)
            spans = [g.groups[i] for i in sorted(g.groups) if g.groups[i][1] > g.groups[i][0]]
            if self.value_group and self.value_group in g.groups:
                s, e = g.groups[self.value_group]
            elif spans:
                s, e = spans[0]
            else:
                s, e = 0, len(line)
            tok = line[s:e]
            # A hex token or UUID is written in one case: a class such as
            # `[a-fA-F0-9]` draws both, which no real key shows.
            if re.fullmatch(r"[0-9a-fA-F-]+", tok) and tok != tok.lower() and tok != tok.upper():
                fixed = tok.lower() if rng.random() < 0.8 else tok.upper()
                line, tok = line[:s] + fixed + line[e:], fixed
            if "\n" in line or not tok.strip():
                continue
            if self.floor:
                x, incl = self.floor
                en = entropy(tok)
                if en < x or (incl and en == x):
                    continue
            return line, tok
        return None


def load_rules(peers, only):
    bl = tomllib.loads(run([os.path.join(peers, "betterleaks"), "config", "show", "toml"]))
    blr = {r["id"]: r for r in bl["rules"]}
    out, skipped = [], Counter()

    def add(cat, rid, regex, base):
        if "generic" in rid or base is not None and base.get("skipReport"):
            skipped["generic or not reported alone"] += 1
            return
        if only and only not in rid:
            return
        b = base or {}
        try:
            out.append(Rule(cat, rid, regex, b.get("keywords", []), b.get("filter"), b.get("valueGroup")))
        except Exception as e:  # a syntax Python's parser does not read
            skipped[f"pattern not generatable ({type(e).__name__})"] += 1

    for r in bl["rules"]:
        if "regex" in r:
            add("betterleaks", r["id"], r["regex"], r)
    kf = json.loads(run([os.path.join(peers, "kingfisher"), "rules", "list", "-f", "json"]))
    for r in kf:
        rid = r["id"]
        base = blr.get(re.sub(r"^betterleaks\.", "", rid))
        add("kingfisher", rid, r["pattern"], base)
    return out, skipped


def log(msg, t0=[None]):
    import time
    now = time.time()
    t0[0] = t0[0] or now
    print(f"[{now - t0[0]:6.1f}s] {msg}", file=sys.stderr)


def run(cmd, **kw):
    return subprocess.run(cmd, check=False, capture_output=True, text=True, **kw).stdout


def write_shapes(root, rule, k, rng):
    """Writes K folders of the six shapes; returns [(path, line, shape)]."""
    placed = []
    kw = rule.kw()
    for i in range(k):
        got = rule.draw(rng)
        if got is None:
            continue
        line, tok = got
        d = root / f"{i}"
        d.mkdir(parents=True, exist_ok=True)
        texts = {
            "config.txt": (line + "\n", 1),
            "settings.py": (f'{kw}_api_key = "{tok}"\n', 1),
            ".env": (f"export {kw.upper()}_TOKEN={tok}\n", 1),
            "config.yml": (f"{kw}_token: {tok}\n", 1),
            "config.json": (f'{{\n  "{kw}Key": "{tok}"\n}}\n', 2),
            "main.go": (f'package main\n\nfunc main() {{\n\t{kw}Secret := "{tok}"\n\t_ = {kw}Secret\n}}\n', 4),
        }
        for name, (text, ln) in texts.items():
            (d / name).write_text(text)
            placed.append((str((d / name).relative_to(root.parent.parent)), ln, name))
    return placed


def generate(a, rules, rng):
    """Writes the lines, runs the peers; returns (tmp, tree, where, peer_hit)."""
    tmp = Path(a.keep) if a.keep else Path(tempfile.mkdtemp(prefix="peerfmt-"))
    if a.keep and tmp.exists():
        shutil.rmtree(tmp)
    tree = tmp / "tree"
    where = {}  # (path, line) -> (rule index, shape)
    for n, rule in enumerate(rules):
        for path, ln, shape in write_shapes(tree / rule.cat / str(n), rule, a.k, rng):
            where[(path, ln)] = (n, shape)
    log(f"{len(where)} lines written")
    # The peers: which lines their own rule reports.
    (tmp / "bl.json").write_text("")
    subprocess.run([os.path.join(a.peers, "betterleaks"), "fs", ".", "--no-banner", "--no-color", "-s",
                    "-l", "error", "--exit-code=0", "-o", str(tmp / "bl.json")], cwd=tree, check=False,
                   capture_output=True)
    subprocess.run([os.path.join(a.peers, "kingfisher"), "scan", ".", "--git-history", "none",
                    "--no-validate", "--no-update-check", "--no-dedup", "-q", "-j", "2", "--format", "json",
                    "-o", str(tmp / "kf.json")], cwd=tree, check=False, capture_output=True)
    log("peers scanned")
    peer_hit = set()
    for parse, f, cat in ((differential.betterleaks, "bl.json", "betterleaks"),
                          (differential.kingfisher, "kf.json", "kingfisher")):
        if not (tmp / f).exists():
            continue
        for path, ln, _, rid in parse(str(tmp / f), "."):
            w = where.get((path, ln))
            if not w:
                continue
            rule = rules[w[0]]
            mine = re.sub(r"^(betterleaks|kingfisher)\.", "", rule.id)
            theirs = re.sub(r"^(betterleaks|kingfisher)\.", "", rid)
            if rule.cat == cat and mine == theirs:
                peer_hit.add((path, ln))

    (tmp / "manifest.json").write_text(json.dumps(
        [[p, ln, rules[n].cat, rules[n].id, shape, (p, ln) in peer_hit] for (p, ln), (n, shape) in where.items()]))
    return tmp, tree, where, peer_hit


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-k", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--peer", default="both")
    ap.add_argument("--rule", default="")
    ap.add_argument("--keep")
    ap.add_argument("--reuse", help="a --keep DIR of an earlier run: rescan it with jikimi only")
    ap.add_argument("--misses")
    ap.add_argument("--rules", action="store_true")
    ap.add_argument("--peers", default=os.environ.get("PEERS", str(HERE.parent.parent / "peers" / "bin")))
    a = ap.parse_args(argv)
    if not os.path.exists(os.path.join(a.peers, "betterleaks")):
        a.peers = "/work/peers/bin"
    jikimi = os.environ.get("JIKIMI") or str(
        Path(os.environ.get("CARGO_TARGET_DIR", HERE.parent / "target")) / "release" / "jikimi")
    rules, skipped = load_rules(a.peers, a.rule)
    if a.peer != "both":
        rules = [r for r in rules if r.cat == a.peer]
    rng = random.Random(a.seed)
    if a.reuse:
        tmp = Path(a.reuse)
        man = json.loads((tmp / "manifest.json").read_text())
        ids = {(r.cat, r.id): n for n, r in enumerate(rules)}
        where = {(p, ln): (ids[(c, rid)], shape) for p, ln, c, rid, shape, _ in man
                 if (c, rid) in ids}
        peer_hit = {(p, ln) for p, ln, c, rid, _, hit in man if hit and (c, rid) in ids}
        tree = tmp / "tree"
    else:
        tmp, tree, where, peer_hit = generate(a, rules, rng)
    # jikimi.
    subprocess.run([jikimi, "scan", ".", "--no-config", "--no-history", "--format", "json", "-o",
                    str(tmp / "jk.json"), "--quiet"], cwd=tree, check=False, capture_output=True)
    log("jikimi scanned")
    found, generic_only = set(), set()
    by_line = defaultdict(set)
    for path, ln, _, rid in differential.jikimi(str(tmp / "jk.json"), "."):
        by_line[(path, ln)].add(rid)
    for key, rids in by_line.items():
        found.add(key)
        if all(r.startswith("generic") for r in rids):
            generic_only.add(key)
    missed = [key for key in where if key in peer_hit and key not in found]
    drops = {}
    if missed:
        from concurrent.futures import ThreadPoolExecutor

        def explain(d):  # one rule's folder: the paths printed are below it
            err = subprocess.run([jikimi, "scan", ".", "--no-config", "--no-history", "--format", "json",
                                  "--explain-drops", "--quiet"], cwd=tree / d, capture_output=True,
                                 text=True, check=False).stderr
            rows = []
            for line in err.splitlines():
                m = re.match(r"\s+(\S.*?):(\d+)(?::\d+)?\s+(\S+)\s+dropped at ([^:]+):\s*(.*?)\s{2}", line)
                if m:
                    key = (f"{d}/{re.sub(r'^[.]/', '', m.group(1))}", int(m.group(2)))
                    rows.append((key, (m.group(3), m.group(4), m.group(5))))
            return rows

        dirs = sorted({str(Path(p).parent.parent) for p, _ in missed})
        with ThreadPoolExecutor(2) as pool:
            for rows in pool.map(explain, dirs):
                for key, row in rows:
                    drops.setdefault(key, []).append(row)
    log("drops explained")

    def stage(key):
        ds = drops.get(key)
        if not ds:
            return "no jikimi candidate"
        return sorted({f"{s}" for _, s, _ in ds})[0]

    print(f"peer rules: {len(rules)} generated; skipped: {dict(skipped)}")
    print(f"{'catalogue':12} {'rules':>5} {'lines':>6} {'peer':>6} {'jikimi':>6} {'recall':>6} {'generic':>7}")
    per_rule = defaultdict(lambda: [0, 0, 0])
    per_shape = defaultdict(lambda: [0, 0])
    for key, (n, shape) in where.items():
        pr = per_rule[n]
        pr[0] += 1
        if key in peer_hit:
            pr[1] += 1
            per_shape[(rules[n].cat, shape)][0] += 1
            if key in found:
                pr[2] += 1
                per_shape[(rules[n].cat, shape)][1] += 1
    for cat in ("betterleaks", "kingfisher"):
        rs = [n for n, r in enumerate(rules) if r.cat == cat]
        if not rs:
            continue
        tot = sum(per_rule[n][0] for n in rs)
        peer = sum(per_rule[n][1] for n in rs)
        hit = sum(per_rule[n][2] for n in rs)
        gen = sum(1 for key in generic_only if where.get(key) and rules[where[key][0]].cat == cat
                  and key in peer_hit)
        print(f"{cat:12} {len(rs):5} {tot:6} {peer:6} {hit:6} {hit / max(peer, 1):6.3f} {gen:7}")
        rules_full = sum(1 for n in rs if per_rule[n][1] and per_rule[n][2] == per_rule[n][1])
        rules_none = sum(1 for n in rs if per_rule[n][1] and per_rule[n][2] == 0)
        print(f"{'':12} rules found on every line: {rules_full}, on none: {rules_none}, "
              f"peer reports none: {sum(1 for n in rs if not per_rule[n][1])}")
        print("  by shape: " + ", ".join(
            f"{s} {per_shape[(cat, s)][1]}/{per_shape[(cat, s)][0]}" for s in SHAPES))
    stages = Counter(stage(k) for k in missed)
    print("missed lines by jikimi stage: " + ", ".join(f"{s} {c}" for s, c in stages.most_common()))
    if a.rules:
        for n, r in enumerate(rules):
            f, p = per_rule[n][2], per_rule[n][1]
            if p:
                print(f"  {r.cat:11} {r.id:55} {f:3}/{p:<3}")
    if a.misses:
        rows = Counter()
        for key in missed:
            n, shape = where[key]
            ds = drops.get(key, [])
            why = "; ".join(sorted({f"{rid} {s}: {re.sub(r'[0-9a-f]{8,}', '…', why)[:90]}"
                                    for rid, s, why in ds})) or "no jikimi candidate"
            rows[(rules[n].cat, rules[n].id, shape, why)] += 1
        with open(a.misses, "w") as f:
            f.write("catalogue\trule\tshape\tlines\tjikimi drop\n")
            for (cat, rid, shape, why), c in sorted(rows.items()):
                f.write(f"{cat}\t{rid}\t{shape}\t{c}\t{why}\n")
    if not a.keep and not a.reuse:
        shutil.rmtree(tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
