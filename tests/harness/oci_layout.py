#!/usr/bin/env python3
"""Writes a small OCI image layout, for skopeo to push: one real tar.gz layer, a config whose
diff_ids match it, an OCI image manifest, index.json naming it by tag, and oci-layout.

Usage: oci_layout.py DIR TAG [MIB]. With MIB, the layer also holds a file of MIB MiB of random
(incompressible) bytes, for throughput benchmarks. Prints the manifest's digest.
"""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile

out, tag = sys.argv[1], sys.argv[2]
payload_mib = int(sys.argv[3]) if len(sys.argv) > 3 else 0
blobs = os.path.join(out, "blobs", "sha256")
os.makedirs(blobs, exist_ok=True)


def put(data):
    digest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(blobs, digest), "wb") as f:
        f.write(data)
    return {"digest": "sha256:" + digest, "size": len(data)}


tar_bytes = io.BytesIO()
with tarfile.open(fileobj=tar_bytes, mode="w", format=tarfile.PAX_FORMAT) as tar:
    for name, text in [("etc/motd", "pushed by skopeo for ociscope-fetch\n" * 50),
                       ("usr/share/ociscope/data.txt", "".join(f"line {i}\n" for i in range(20000)))]:
        data = text.encode()
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = len(data), 1700000000, 0o644
        tar.addfile(info, io.BytesIO(data))
    if payload_mib:
        data = os.urandom(payload_mib << 20)
        info = tarfile.TarInfo("usr/share/ociscope/random.bin")
        info.size, info.mtime, info.mode = len(data), 1700000000, 0o644
        tar.addfile(info, io.BytesIO(data))
raw = tar_bytes.getvalue()
layer = put(gzip.compress(raw, compresslevel=1 if payload_mib else 9, mtime=0))
layer["mediaType"] = "application/vnd.oci.image.layer.v1.tar+gzip"
config = put(json.dumps({
    "architecture": "amd64",
    "os": "linux",
    "config": {"Env": ["PATH=/usr/bin"], "Labels": {"pushed-by": "skopeo"}},
    "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(raw).hexdigest()]},
    "history": [{"created_by": "tests/harness/oci_layout.py"}],
}).encode())
config["mediaType"] = "application/vnd.oci.image.config.v1+json"
manifest = put(json.dumps({
    "schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": config,
    "layers": [layer],
}).encode())
manifest["mediaType"] = "application/vnd.oci.image.manifest.v1+json"
manifest["annotations"] = {"org.opencontainers.image.ref.name": tag}
with open(os.path.join(out, "index.json"), "w") as f:
    json.dump({"schemaVersion": 2, "manifests": [manifest]}, f)
with open(os.path.join(out, "oci-layout"), "w") as f:
    json.dump({"imageLayoutVersion": "1.0.0"}, f)
print(manifest["digest"])
