#!/usr/bin/env python3
"""Build a real-sized git history from the npm releases of a few packages.

Usage: gen_release_history.py [options] OUT_REPO [PACKAGES...]

  --cache DIR       tarball cache (default OUT_REPO.cache); reruns reuse it
  --jobs N          parallel downloads (default 8)
  --max-tarball-mib N  skip versions whose tarball is larger (default 30)
  --order semver|time  commit order (default semver, see below)
  --estimate        print the size estimate and stop
  --samples N       pairs of consecutive versions per package for it (default 10)
  --repack-threads N   threads for the final `git repack -adf` (default 1)

PACKAGES defaults to @types/node eslint @babel/core @babel/parser esbuild
express postcss @types/react @typescript-eslint/parser @typescript-eslint/utils:
6,103 releases, 1.0 GiB of tarballs, giving 43,275 unique blobs with 1.2 GiB
of data in a 40 MiB pack (~5 min; measured 2026-12). Not vue, vite, rollup or
webpack: their bundles change wholesale each release, so each alone brings
1-2.7 GiB of unique data.

Every published version of each package becomes one commit on `main` that
replaces the folder <package>/ (@babel/core -> babel-core/) with the files of
the version's tarball (regular files only, 644 or 755): real code, real
sizes, real churn between versions, the way a monorepo's history looks. Each
package's major releases (M.0.0) get an annotated tag <package>-vM.0.0, so
there are several refs.

The packuments and tarballs are cached under --cache (tarballs checked against
the registry's shasum, versions over --max-tarball-mib or gone from the
registry skipped); a rerun downloads nothing it already has (delete a
packument there to pick up newer releases). First, a few pairs of
consecutive versions per package are fetched to estimate the sizes
(download, unpacked, unique blob data: rough, from samples), which are
printed. The repository is written with `git fast-import` (our own generated
repository, never a scanned one), storing objects whole, then packed with
`git repack -adf` (default window and depth) so that it has deltas like a
gc'd or cloned repository's; a plain `repack -ad` would not retry deltas
between objects its writer stored whole in one pack. OUT_REPO must not exist.

Order: `--order time` sorts all versions by the registry's `time[version]`,
as a publish log would. That is only meaningful against registry.npmjs.org
itself; a mirror that reports the time it ingested each version gives a
random-looking order (4.x and 8.x interleaved). `--order semver` (default)
takes each package's versions in semver order and interleaves the packages
evenly, which is close to real development order (maintenance backports
aside). Either way the author date is the registry time and the committer
dates are increasing, so `git log` is ordered.

Needs python3 (stdlib only), git, and network access to the npm registry
(override with NPM_REGISTRY=URL).
"""
import argparse
import base64
import concurrent.futures
import gzip
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from datetime import datetime

DEFAULT_PACKAGES = ["@types/node", "eslint", "@babel/core", "@babel/parser", "esbuild", "express", "postcss",
                    "@types/react", "@typescript-eslint/parser", "@typescript-eslint/utils"]
REGISTRY = os.environ.get("NPM_REGISTRY", "https://registry.npmjs.org").rstrip("/")
UA = {"User-Agent": "jikimi-bench-gen-release-history/1 (python urllib)"}

ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("out")
ap.add_argument("packages", nargs="*")
ap.add_argument("--cache")
ap.add_argument("--jobs", type=int, default=8)
ap.add_argument("--max-tarball-mib", type=float, default=30)
ap.add_argument("--order", choices=["semver", "time"], default="semver")
ap.add_argument("--estimate", action="store_true")
ap.add_argument("--samples", type=int, default=10)
ap.add_argument("--repack-threads", type=int, default=1)
args = ap.parse_args()
OUT = os.path.abspath(args.out)
PACKAGES = args.packages or DEFAULT_PACKAGES
CACHE = os.path.abspath(args.cache or OUT.rstrip("/") + ".cache")
MAX_TGZ = int(args.max_tarball_mib * (1 << 20))

if not args.estimate and os.path.exists(OUT):
    sys.exit(f"{OUT} exists; remove it first (the tarball cache {CACHE} is kept apart)")
os.makedirs(CACHE, exist_ok=True)


def folder(pkg):
    """@babel/core -> babel-core"""
    return pkg.lstrip("@").replace("/", "-")


class TooLarge(Exception):
    pass


def fetch(url, tries=5, limit=None, check=None):
    """The body at `url`. Errors are retried with a growing pause, except HTTP
    403/404/410 (gone from the registry) and a body over `limit` bytes
    (TooLarge); `check(body)` may raise to have a bad body fetched again."""
    for k in range(tries):
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=UA), timeout=120) as r:
                if limit is None:
                    raw = r.read()
                elif int(r.headers.get("Content-Length") or 0) > limit:
                    raise TooLarge(url)
                else:
                    raw = r.read(limit + 1)
            if limit is not None and len(raw) > limit:
                raise TooLarge(url)
            if check:
                check(raw)
            return raw
        except TooLarge:
            raise
        except Exception as e:  # noqa: BLE001 - network errors of any kind are retried
            gone = isinstance(e, urllib.error.HTTPError) and e.code in (403, 404, 410)
            if gone or k == tries - 1:
                raise
            print(f"  retry {url}: {e}", file=sys.stderr)
            time.sleep(2 ** k)


def packument(pkg):
    path = os.path.join(CACHE, folder(pkg) + ".packument.json")
    if not os.path.exists(path):
        raw = fetch(f"{REGISTRY}/{urllib.parse.quote(pkg, safe='@')}")
        with open(path + ".tmp", "wb") as f:
            f.write(raw)
        os.replace(path + ".tmp", path)
    with open(path, "rb") as f:
        return json.load(f)


SEMVER = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+.*)?$")


def semver_key(v):
    m = SEMVER.match(v)
    if not m:
        return (1 << 30, 0, 0, 0, (), v)
    pre = m.group(4)
    ids = tuple((0, int(x), "") if x.isdigit() else (1, 0, x) for x in pre.split(".")) if pre else ()
    return (int(m.group(1)), int(m.group(2)), int(m.group(3)), 0 if pre else 1, ids, v)


def epoch(iso):
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp())


def person(meta, pkg):
    """A plausible 'Name <email>' for the version, from the packument."""
    for cand in (meta.get("_npmUser"), meta.get("author"), (meta.get("maintainers") or [None])[0]):
        name = email = None
        if isinstance(cand, dict):
            name, email = cand.get("name"), cand.get("email")
        elif isinstance(cand, str):
            m = re.match(r"^\s*([^<(]*?)\s*(?:<([^>]*)>)?\s*(?:\(.*\))?\s*$", cand)
            if m:
                name, email = m.group(1), m.group(2)
        if name:
            clean = lambda s: re.sub(r"[<>\n\r]", "", s).strip()
            return f"{clean(name)} <{clean(email or '') or folder(pkg) + '@users.noreply.npmjs.com'}>"
    return f"{folder(pkg)} <{folder(pkg)}@users.noreply.npmjs.com>"


# --- versions -------------------------------------------------------------
releases = []  # dicts: pkg, version, time, url, shasum, integrity, who, file
by_pkg = {}
for pkg in PACKAGES:
    p = packument(pkg)
    times = p.get("time", {})
    rows = []
    for v, meta in p.get("versions", {}).items():
        dist = meta.get("dist") or {}
        if not dist.get("tarball") or v not in times:
            print(f"  {pkg}@{v}: no tarball or no time in the packument, skipped", file=sys.stderr)
            continue
        rows.append({
            "pkg": pkg, "version": v, "time": epoch(times[v]), "url": dist["tarball"],
            "shasum": dist.get("shasum"), "integrity": dist.get("integrity"),
            "who": person(meta, pkg),
            "file": os.path.join(CACHE, folder(pkg), f"{folder(pkg)}-{v}.tgz"),
        })
    rows.sort(key=lambda r: semver_key(r["version"]))
    for i, r in enumerate(rows):
        r["rank"] = (i + 0.5) / len(rows)  # position in the package's own history, 0..1
    by_pkg[pkg] = rows
    releases += rows
    os.makedirs(os.path.join(CACHE, folder(pkg)), exist_ok=True)


# --- download -------------------------------------------------------------
def verify(raw, rel):
    if rel["shasum"]:
        return hashlib.sha1(raw).hexdigest() == rel["shasum"]
    if rel["integrity"] and rel["integrity"].startswith("sha512-"):
        return base64.b64encode(hashlib.sha512(raw).digest()).decode() == rel["integrity"][7:]
    return True


def download(rel):
    """-> 'cached' | 'ok' | 'too-large' | 'failed: ...' (the file is in place for the first two)."""
    path = rel["file"]
    if os.path.exists(path):
        return "cached"
    if os.path.exists(path + ".too-large"):
        return "too-large"

    def checked(raw):
        if not verify(raw, rel):
            raise ValueError("checksum mismatch")

    try:
        raw = fetch(rel["url"], limit=MAX_TGZ, check=checked)
    except TooLarge:
        open(path + ".too-large", "w").close()
        return "too-large"
    except Exception as e:  # noqa: BLE001
        return f"failed: {e}"
    tmp = f"{path}.tmp{threading.get_ident()}"
    with open(tmp, "wb") as f:
        f.write(raw)
    os.replace(tmp, path)
    return "ok"


def download_all(rels, label):
    stats = {}
    failed = []
    t0 = time.time()
    done = 0
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futs = {pool.submit(download, r): r for r in rels}
        for fut in concurrent.futures.as_completed(futs):
            res = fut.result()
            key = res.split(":")[0]
            stats[key] = stats.get(key, 0) + 1
            if key == "failed":
                failed.append(futs[fut])
                print(f"  {futs[fut]['pkg']}@{futs[fut]['version']}: {res}", file=sys.stderr)
            done += 1
            if done % 250 == 0:
                print(f"  {label}: {done}/{len(rels)} ({time.time() - t0:.0f} s)", flush=True)
    dt = time.time() - t0
    print(f"{label}: {len(rels)} tarballs in {dt:.0f} s: "
          + ", ".join(f"{v} {k}" for k, v in sorted(stats.items())), flush=True)
    return dt


def members(path):
    """Regular files of an npm tarball: [(relpath bytes, mode, TarInfo)], first path
    component stripped (npm's `package/`), unsafe names skipped. Raises on a bad tarball."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        # Inflate up front: tarfile reading members of a .tgz seeks backwards,
        # which re-inflates from the start each time.
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error):  # trailing garbage after the gzip member
            raw = zlib.decompressobj(47).decompress(raw)
    tf = tarfile.open(fileobj=io.BytesIO(raw), mode="r:*")
    files = {}
    for m in tf:
        if not m.isreg():
            continue
        parts = [p for p in m.name.replace("\\", "/").split("/") if p not in ("", ".")]
        if len(parts) < 2 or ".." in parts or any(p.lower() == ".git" for p in parts):
            continue
        rel = "/".join(parts[1:]).encode("utf-8", "surrogateescape")
        if b"\n" in rel or b"\0" in rel:
            continue
        files[rel] = (0o755 if m.mode & 0o111 else 0o644, m)
    return tf, files


# --- estimate -------------------------------------------------------------
# Sample --samples pairs of consecutive versions (semver order) per package: a
# version's size times the version count gives the download and the unpacked
# total; the bytes a version adds over its predecessor (files with content
# not in it) times the version count approximates the unique blob data,
# which is what a history scanner reads.
def contents(path):
    tf, files = members(path)
    out = {rel: (m.size, hashlib.sha1(tf.extractfile(m).read()).digest()) for rel, (_, m) in files.items()}
    tf.close()
    return out


t_start = time.time()
pairs = {}
for pkg, rows in by_pkg.items():
    k = min(len(rows) - 1, args.samples)
    pairs[pkg] = [(rows[j], rows[j + 1]) for j in
                  sorted({round(i * (len(rows) - 2) / max(k - 1, 1)) for i in range(k)})] if k > 0 else []
download_all([r for ps in pairs.values() for pr in ps for r in pr], "sample download")
print(f"\nestimate from {sum(map(len, pairs.values()))} pairs of consecutive versions:")
print(f"  {'package':<14} {'versions':>8} {'tgz MiB':>8} {'unpacked MiB':>13} {'unique MiB':>11} {'files/version':>14}")
tot = [0, 0.0, 0.0, 0.0]
for pkg, rows in by_pkg.items():
    got = []
    for a, b in pairs[pkg]:
        try:
            ca, cb = contents(a["file"]), contents(b["file"])
        except Exception as e:  # noqa: BLE001 - missing or unreadable: not sampled
            print(f"  {pkg}@{a['version']}..{b['version']}: not sampled ({e})", file=sys.stderr)
            continue
        seen = {h for _, h in ca.values()}
        new = sum(sz for sz, h in cb.values() if h not in seen)
        got.append((os.path.getsize(b["file"]), len(cb), sum(sz for sz, _ in cb.values()), new))
    if not got:
        print(f"  {pkg:<14} {len(rows):>8}  (no sample could be read)")
        continue
    n = len(rows)
    tgz, files, unp, new = (n * sum(g[i] for g in got) / len(got) for i in range(4))
    files /= n
    tot[0] += n
    tot[1] += tgz
    tot[2] += unp
    tot[3] += new
    print(f"  {pkg:<14} {n:>8} {tgz / 2**20:>8.0f} {unp / 2**20:>13.0f} {new / 2**20:>11.0f} {files:>14.0f}")
print(f"  {'total':<14} {tot[0]:>8} {tot[1] / 2**20:>8.0f} {tot[2] / 2**20:>13.0f} {tot[3] / 2**20:>11.0f}\n",
      flush=True)
if args.estimate:
    sys.exit(0)

# --- download everything --------------------------------------------------
t_dl = download_all(releases, "download")

# --- order ----------------------------------------------------------------
if args.order == "time":
    order = sorted(releases, key=lambda r: (r["time"], r["pkg"], semver_key(r["version"])))
else:
    order = sorted(releases, key=lambda r: (r["rank"], PACKAGES.index(r["pkg"])))
t_first = min(r["time"] for r in releases)
t_last = max(r["time"] for r in releases)
step = max(60, (t_last - t_first) // max(len(order), 1))

# --- import ---------------------------------------------------------------
t0 = time.time()
subprocess.run(["git", "init", "-q", "-b", "main", OUT], check=True)
# --depth=0: fast-import stores no deltas of its own (it would delta each blob
# against the previous blob of any path); `git repack -adf` below finds them.
fi = subprocess.Popen(["git", "-C", OUT, "fast-import", "--quiet", "--depth=0"],
                      stdin=subprocess.PIPE)
w = fi.stdin


def data(b):
    w.write(b"data %d\n" % len(b))
    w.write(b)
    w.write(b"\n")


def quote(path):
    return b'"' + path.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


mark = 0
clock = t_first
written = 0
skipped = []
tags = []  # (name, mark, who, time, msg)
for r in order:
    if not os.path.exists(r["file"]):
        continue
    try:
        tf, files = members(r["file"])
        blobs = [(rel, mode, tf.extractfile(m).read()) for rel, (mode, m) in sorted(files.items())]
        tf.close()
    except Exception as e:  # noqa: BLE001
        print(f"  {r['pkg']}@{r['version']}: unreadable tarball, skipped ({e})", file=sys.stderr)
        skipped.append(r)
        continue
    mark += 1
    clock = r["time"] if args.order == "time" else clock + step
    d = folder(r["pkg"]).encode()
    who = r["who"].encode("utf-8", "replace")
    w.write(b"commit refs/heads/main\nmark :%d\n" % mark)
    w.write(b"author %s %d +0000\ncommitter %s %d +0000\n" % (who, r["time"], who, clock))
    data(f"{r['pkg']} {r['version']}\n".encode())
    w.write(b"D " + d + b"\n")
    for rel, mode, content in blobs:
        w.write(b"M %o inline %s\n" % (mode, quote(d + b"/" + rel)))
        data(content)
        written += len(content)
    w.write(b"\n")
    if re.fullmatch(r"\d+\.0\.0", r["version"]):
        tags.append((f"{folder(r['pkg'])}-v{r['version']}", mark, who, clock, f"{r['pkg']} {r['version']}"))
    if mark % 500 == 0:
        print(f"  import: {mark}/{len(order)} commits, {written >> 20} MiB written ({time.time() - t0:.0f} s)",
              flush=True)
for name, m, who, when, msg in tags:
    w.write(f"tag {name}\nfrom :{m}\n".encode())
    w.write(b"tagger %s %d +0000\n" % (who, when))
    data(f"{msg}\n".encode())
w.close()
if fi.wait() != 0:
    sys.exit("git fast-import failed")
subprocess.run(["git", "-C", OUT, "symbolic-ref", "HEAD", "refs/heads/main"], check=True)
t_import = time.time() - t0
print(f"imported {mark} commits ({written >> 20} MiB of file data, before dedup) in {t_import:.0f} s", flush=True)

t0 = time.time()
subprocess.run(["git", "-C", OUT, "-c", f"pack.threads={args.repack_threads}", "repack", "-adfq"], check=True)
t_repack = time.time() - t0

# --- stats ----------------------------------------------------------------
commits = int(subprocess.run(["git", "-C", OUT, "rev-list", "--count", "--all"], check=True,
                             capture_output=True, text=True).stdout)
out = subprocess.run(["git", "-C", OUT, "cat-file", "--batch-all-objects",
                      "--batch-check=%(objecttype) %(objectsize)"],
                     check=True, capture_output=True, text=True).stdout
nblobs = blob_bytes = 0
for ln in out.splitlines():
    t, s = ln.split()
    if t == "blob":
        nblobs += 1
        blob_bytes += int(s)
packdir = os.path.join(OUT, ".git", "objects", "pack")
pack = sum(os.path.getsize(os.path.join(packdir, f)) for f in os.listdir(packdir) if f.endswith(".pack"))
print(f"generated {OUT}: {commits} commits, {len(tags)} tags, {nblobs} unique blobs, "
      f"{blob_bytes >> 20} MiB of unique blob data, pack {pack >> 20} MiB")
print(f"packages: {' '.join(PACKAGES)}; {len(skipped)} unreadable tarballs skipped")
print(f"wall time: download {t_dl:.0f} s, import {t_import:.0f} s, repack {t_repack:.0f} s, "
      f"total {time.time() - t_start:.0f} s")
