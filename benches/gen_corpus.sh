#!/usr/bin/env bash
# Builds the tree bench's corpus of real files (never committed):
#   - the HEAD trees of the bare mirrors under $MIRRORS (source code, docs,
#     images, fonts, fixtures of about twenty public projects);
#   - real binaries from the registries, pinned: Python wheels with native
#     libraries (numpy, cryptography, orjson, pydantic-core: `.so`; ruff:
#     a Rust executable), npm packages with native addons (`.node`) and
#     executables (@esbuild/linux-x64: Go);
#   - Rust executables of the installed toolchain (rustfmt, cargo-fmt).
#
#   benches/gen_corpus.sh [DIR]            (default /work/corpus)
#   TREE=DIR benches/tree.sh 0 3           (then bench it)
#
# The mirrors are trusted, read-only clones: `git ls-tree` and `git cat-file`
# run on them here, in a bench script, never in jikimi. Downloads are cached in $CACHE
# (default DIR-cache, outside the corpus).
# Needs git, pip, npm, tar, unzip. A few minutes; about 355 MiB.
set -euo pipefail
DIR=${1:-/work/corpus}
MIRRORS=${MIRRORS:-/work/.mirror}
CACHE=${CACHE:-$DIR-cache}
mkdir -p "$DIR/repos" "$DIR/pkgs/pypi" "$DIR/pkgs/npm" "$DIR/rust" "$CACHE"
DIR=$(readlink -f "$DIR")
CACHE=$(readlink -f "$CACHE")

# 1. Source trees. Not gitleaks: a scanner's own test data.
REPOS="vitejs+vite rails+rails juice-shop+juice-shop laravel+laravel laravel+framework
expressjs+express sindresorhus+got OWASP+NodeGoat OWASP+railsgoat OWASP+wrongsecrets
WebGoat+WebGoat digininja+DVWA appsecco+dvna erev0s+VAmPI we45+Vulnerable-Flask-App
snoopysecurity+dvws-node gin-gonic+gin spring-projects+spring-petclinic
dotnet-architecture+eShopOnWeb symfony+demo pallets+flask discourse+discourse_docker"
for r in $REPOS; do
  git_dir=$MIRRORS/$r/repo
  [ -d "$git_dir" ] || { echo "skip $r: no mirror" >&2; continue; }
  out=$DIR/repos/$r
  [ -d "$out" ] && continue
  # Blob by blob: a mirror may lack some large blobs (`git archive` stops
  # there); those are left out and counted.
  python3 - "$git_dir" "$out.part" <<'PY'
import os, subprocess, sys
git_dir, out = sys.argv[1], sys.argv[2]
git = ["git", "--git-dir=" + git_dir]
tree = subprocess.run(git + ["ls-tree", "-r", "-z", "HEAD"], capture_output=True, check=True).stdout
entries = []
for item in tree.split(b"\0"):
    if not item:
        continue
    meta, path = item.split(b"\t", 1)
    mode, kind, oid = meta.split()
    if kind == b"blob" and mode != b"120000":
        entries.append((oid, path))
cat = subprocess.Popen(git + ["cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
missing = 0
for oid, path in entries:
    cat.stdin.write(oid + b"\n")
    cat.stdin.flush()
    head = cat.stdout.readline().split()
    if len(head) < 3:
        missing += 1
        continue
    data = cat.stdout.read(int(head[2]))
    cat.stdout.read(1)
    dest = os.path.join(out.encode(), path)
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    with open(dest, "wb") as f:
        f.write(data)
cat.stdin.close()
cat.wait()
print(f"{len(entries) - missing} files, {missing} blobs missing from the mirror")
PY
  mv "$out.part" "$out"
  echo "repo $r: $(git --git-dir="$git_dir" rev-parse --short HEAD)"
done

# 2. Wheels with native code (CPython 3.11, manylinux x86-64).
WHEELS="numpy==2.2.6 cryptography==44.0.3 orjson==3.10.18 pydantic-core==2.33.2
ruff==0.11.13"
for w in $WHEELS; do
  name=${w%%==*}
  out=$DIR/pkgs/pypi/$name
  [ -d "$out" ] && continue
  pip download --quiet --no-deps --only-binary=:all: --python-version 3.11 \
    --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux_2_28_x86_64 -d "$CACHE/pypi" "$w"
  whl=$(ls "$CACHE/pypi/"*.whl | grep -i "/${name//-/_}-" | head -1)
  mkdir -p "$out"
  unzip -q -o "$whl" -d "$out"
  echo "wheel $(basename "$whl")"
done

# 3. npm packages with native addons or executables.
NPMS="@swc/core-linux-x64-gnu@1.11.31 @esbuild/linux-x64@0.25.5
lightningcss-linux-x64-gnu@1.30.1 @parcel/watcher-linux-x64-glibc@2.5.1"
for p in $NPMS; do
  name=${p%@*}
  out=$DIR/pkgs/npm/${name//\//+}
  [ -d "$out" ] && continue
  tgz=$(cd "$CACHE" && npm pack --silent "$p" | tail -1)
  mkdir -p "$out"
  tar -xzf "$CACHE/$tgz" -C "$out"
  echo "npm $tgz"
done

# 4. Rust executables of the toolchain.
SYSROOT=$(rustc --print sysroot)
for b in rustfmt cargo-fmt; do
  [ -f "$DIR/rust/$b" ] || cp "$SYSROOT/bin/$b" "$DIR/rust/$b"
done

echo "corpus: $DIR ($(du -sm --apparent-size "$DIR" | cut -f1) MiB, $(find "$DIR" -type f | wc -l) files)"
