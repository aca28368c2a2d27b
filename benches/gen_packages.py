#!/usr/bin/env python3
"""Registry package corpus for differential testing (issue 18, item 1).

    benches/gen_packages.py [OUT] [--jobs N] [--only npm|pypi|crate] [--max-mb M]

Downloads the packages pinned in benches/packages.txt (one `KIND NAME VERSION` a
line: npm tarballs, PyPI sdists, crates sources) and unpacks each to
OUT/KIND/NAME-VERSION (OUT defaults to /work/pkgcorpus, outside the repository).
The content is never committed: it is other people's code, and some of it holds
credentials.

The registries are the ones the ordinary clients are configured for on this
machine: npm's (`npm config get registry`), pip's simple index (what pip itself
uses) and cargo's (`dl` in its index configuration), so no host is written
here. Nothing downloaded is executed: tarballs are unpacked with tarfile's
`data` filter (no absolute paths, no links out of the folder, no devices);
a package already unpacked is skipped, a failed one is reported and skipped.

The list was chosen once (2026-12-07) from the machine's package lists, by
monthly downloads: the 1,000 most downloaded npm packages, 650 npm packages
named for API providers and their SDKs (cloud, payments, messaging, AI, auth,
databases), 500 small ones sampled further down; the 650 most downloaded PyPI
projects and 450 named for providers or Django, Flask, FastAPI, SQLAlchemy and
pytest extensions; and the crates of cargo's cache on the build machine.
"""
import argparse
import glob
import io
import json
import os
import subprocess
import sys
import tarfile
import urllib.request
import zipfile
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))


def npm_registry():
    out = subprocess.run(["npm", "config", "get", "registry"], capture_output=True, text=True)
    return out.stdout.strip().rstrip("/") + "/"


def pip_index():
    from pip._internal.models.index import PyPI  # the index pip itself uses

    return os.environ.get("PIP_INDEX_URL", PyPI.simple_url).rstrip("/") + "/"


def cargo_dl():
    home = os.environ.get("CARGO_HOME", os.path.expanduser("~/.cargo"))
    for cfg in glob.glob(os.path.join(home, "registry/index/*/config.json")):
        with open(cfg) as f:
            dl = json.load(f).get("dl")
        if dl:
            return dl.rstrip("/")
    raise SystemExit("no cargo index configuration: run `cargo fetch` in the repository once")


def get(url, max_bytes, accept=None):
    req = urllib.request.Request(url, headers={"User-Agent": "jikimi-bench"})
    if accept:
        req.add_header("Accept", accept)
    with urllib.request.urlopen(req, timeout=60) as r:
        data = r.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValueError(f"larger than {max_bytes >> 20} MB")
    return data


def norm(name):
    return "".join("-" if c in "._" else c for c in name.lower())


def url_for(kind, name, version, bases):
    if kind == "npm":
        base = name.rsplit("/", 1)[-1]
        return f"{bases['npm']}{name}/-/{base}-{version}.tgz"
    if kind == "crate":
        dl = bases["crate"]
        if "{crate}" in dl:
            return dl.replace("{crate}", name).replace("{version}", version)
        return f"{dl}/{name}/{version}/download"
    # PyPI: the sdist of that version, as the simple index lists it.
    page = get(f"{bases['pypi']}{norm(name)}/", 8 << 20, "application/vnd.pypi.simple.v1+json")
    files = json.loads(page).get("files", [])
    want = norm(name + "-" + version)
    for f in files:
        fn = f.get("filename", "")
        stem = fn[: -len(".tar.gz")] if fn.endswith(".tar.gz") else fn[:-4] if fn.endswith(".zip") else None
        if stem is not None and norm(stem) == want:
            return f["url"]
    raise ValueError("no sdist of that version")


def unpack(data, dest, url):
    tmp = dest + ".part"
    os.makedirs(tmp, exist_ok=True)
    if url.split("?")[0].endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for m in z.infolist():
                path = os.path.normpath(m.filename)
                if path.startswith(("/", "..")) or m.is_dir():
                    continue
                target = os.path.join(tmp, path)
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with z.open(m) as src, open(target, "wb") as out:
                    out.write(src.read())
    else:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as t:
            t.extractall(tmp, filter="data")
    os.rename(tmp, dest)


def fetch(line, out, bases, max_bytes):
    kind, name, version = line
    dest = os.path.join(out, kind, name.replace("/", "__") + "-" + version)
    if os.path.isdir(dest):
        return "have"
    try:
        url = url_for(kind, name, version, bases)
        unpack(get(url, max_bytes), dest, url)
        return "ok"
    except Exception as e:  # noqa: BLE001 - a failed package is skipped
        subprocess.run(["rm", "-rf", dest + ".part"])
        return f"failed: {kind} {name} {version}: {e}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out", nargs="?", default="/work/pkgcorpus")
    ap.add_argument("--jobs", type=int, default=6)
    ap.add_argument("--only")
    ap.add_argument("--max-mb", type=int, default=40)
    args = ap.parse_args()
    lines = []
    with open(os.path.join(HERE, "packages.txt")) as f:
        for raw in f:
            parts = raw.split()
            if len(parts) == 3 and not raw.startswith("#") and args.only in (None, parts[0]):
                lines.append(tuple(parts))
    kinds = {k for k, _, _ in lines}
    bases = {}
    if "npm" in kinds:
        bases["npm"] = npm_registry()
    if "pypi" in kinds:
        bases["pypi"] = pip_index()
    if "crate" in kinds:
        bases["crate"] = cargo_dl()
    counts = {"ok": 0, "have": 0, "failed": 0}
    with ThreadPoolExecutor(args.jobs) as pool:
        for res in pool.map(lambda l: fetch(l, args.out, bases, args.max_mb << 20), lines):
            key = res.split(":")[0]
            counts[key] += 1
            if key == "failed":
                print(res, file=sys.stderr)
    print(f"{len(lines)} packages: {counts['ok']} fetched, {counts['have']} already there, "
          f"{counts['failed']} failed -> {args.out}")


if __name__ == "__main__":
    main()
