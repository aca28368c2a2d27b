#!/usr/bin/env python3
"""Generate the input of benches/image.sh: one container image archive, as
`docker save` writes it (`<id>/layer.tar`, `<config>.json`, `manifest.json`)
or as an OCI archive (`blobs/sha256/...`, `index.json`, `oci-layout`) with
gzip-compressed layers. Standard library only; nothing is held in memory
but one file at a time (layers are written to a temporary file, then
streamed into the archive).

  gen_image.py OUT.tar [SIZE_MIB] [docker|oci]

SIZE_MIB (default 1024) is the uncompressed size of the layers together,
split into layers of at most 128 MiB. Each layer holds source files (text
with a fake key in a few), JSON configs, and binaries (random bytes behind
an ELF header: read as strings, as jikimi reads any binary). The first
layer copies a `.env` that the last layer deletes (a whiteout), and the
config sets a key with ENV: the scan has findings to report. Fake keys
only (random, format-valid). Deterministic (seeded).
"""

import gzip
import hashlib
import io
import json
import os
import random
import shutil
import sys
import tarfile
import tempfile

rng = random.Random(23)
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
LAYER_MAX = 128 << 20


def rand(n):
    return "".join(rng.choice(ALNUM) for _ in range(n))


def key():
    return f"sk-proj-{rand(74)}T3BlbkFJ{rand(74)}"


WORDS = ("const let function return import export from async await user item "
         "value result config options request response handler data list map "
         "filter reduce props state render component error message").split()


def code_pool(size):
    out, n = [], 0
    i = 0
    while n < size:
        w = rng.sample(WORDS, 4)
        line = f"  const {w[0]}{i} = {w[1]}({w[2]}, '{w[3]}-{rand(6)}');  // {w[0]} {w[1]}\n"
        out.append(line)
        n += len(line)
        i += 1
    return "".join(out).encode()


POOL = code_pool(8 << 20)


def text_file(size, secret=None):
    start = rng.randrange(0, len(POOL) - size)
    body = POOL[start:start + size]
    if secret:
        body = body + f'\nconst apiKey = "{secret}";\n'.encode()
    return body


def binary_file(size):
    return b"\x7fELF\x02\x01\x01\x00" + rng.randbytes(size - 8)


def add(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))


def make_layer(path, index, budget, last):
    """A layer tar of about `budget` bytes at `path`."""
    written = 0
    with tarfile.open(path, "w", format=tarfile.GNU_FORMAT) as tar:
        if index == 0:
            data = f"PORT=8080\nOPENAI_API_KEY={key()}\n".encode()
            add(tar, "app/.env", data)
            written += len(data)
        if last:
            add(tar, "app/.wh..env", b"")
        n = 0
        while written < budget:
            roll = rng.random()
            if roll < 0.6:
                size = rng.randrange(2 << 10, 64 << 10)
                secret = key() if rng.random() < 0.0005 else None
                data = text_file(size, secret)
                name = f"app/src/mod{index}_{n}.js"
            elif roll < 0.8:
                cfg = {"name": f"pkg{n}", "version": "1.0.0",
                       "description": rand(40), "files": [rand(12) for _ in range(50)]}
                data = json.dumps(cfg, indent=2).encode()
                name = f"usr/lib/node_modules/pkg{index}_{n}/package.json"
            else:
                size = rng.randrange(256 << 10, 4 << 20)
                data = binary_file(size)
                name = f"usr/lib/lib{index}_{n}.so"
            add(tar, name, data)
            written += len(data)
            n += 1


def sha_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def add_file(outer, name, path):
    info = tarfile.TarInfo(name)
    info.size = os.path.getsize(path)
    info.mode = 0o644
    with open(path, "rb") as f:
        outer.addfile(info, f)


def main():
    out = sys.argv[1]
    size = int(sys.argv[2]) << 20 if len(sys.argv) > 2 else 1 << 30
    fmt = sys.argv[3] if len(sys.argv) > 3 else "docker"
    layers = max(1, -(-size // LAYER_MAX))
    tmp = tempfile.mkdtemp(prefix="jikimi-gen-image-")
    try:
        with tarfile.open(out, "w", format=tarfile.GNU_FORMAT) as outer:
            diff_ids, names, descs = [], [], []
            for i in range(layers):
                raw = os.path.join(tmp, "layer.tar")
                make_layer(raw, i, min(LAYER_MAX, size - i * LAYER_MAX), i == layers - 1)
                diff_ids.append("sha256:" + sha_file(raw))
                blob = raw
                if fmt == "oci":
                    blob = os.path.join(tmp, "layer.tar.gz")
                    with open(raw, "rb") as src, gzip.open(blob, "wb", compresslevel=1) as dst:
                        shutil.copyfileobj(src, dst, 1 << 20)
                    digest = sha_file(blob)
                    name = f"blobs/sha256/{digest}"
                    descs.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                                  "digest": f"sha256:{digest}", "size": os.path.getsize(blob)})
                else:
                    name = f"{diff_ids[-1][7:]}/layer.tar"
                names.append(name)
                add_file(outer, name, blob)
                print(f"layer {i + 1}/{layers}: {os.path.getsize(blob) >> 20} MiB", file=sys.stderr)
            history = [{"created_by": "COPY . . # buildkit"}]
            history += [{"created_by": f"RUN /bin/sh -c make step{i} # buildkit"} for i in range(1, layers)]
            history.append({"created_by": "ENV OPENAI_API_KEY=" + key(), "empty_layer": True})
            config = json.dumps({
                "architecture": "amd64", "os": "linux",
                "config": {"Env": ["PATH=/usr/local/bin:/usr/bin", "OPENAI_API_KEY=" + key()]},
                "history": history,
                "rootfs": {"type": "layers", "diff_ids": diff_ids},
            }).encode()
            cfg_digest = hashlib.sha256(config).hexdigest()
            if fmt == "oci":
                add(outer, f"blobs/sha256/{cfg_digest}", config)
                manifest = json.dumps({
                    "schemaVersion": 2,
                    "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                               "digest": f"sha256:{cfg_digest}", "size": len(config)},
                    "layers": descs}).encode()
                m_digest = hashlib.sha256(manifest).hexdigest()
                add(outer, f"blobs/sha256/{m_digest}", manifest)
                add(outer, "index.json", json.dumps({"schemaVersion": 2, "manifests": [{
                    "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "digest": f"sha256:{m_digest}", "size": len(manifest),
                    "annotations": {"org.opencontainers.image.ref.name": "bench:latest"}}]}).encode())
                add(outer, "oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
            else:
                add(outer, f"{cfg_digest}.json", config)
                add(outer, "manifest.json", json.dumps([{
                    "Config": f"{cfg_digest}.json", "RepoTags": ["bench:latest"],
                    "Layers": names}]).encode())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
