#!/usr/bin/env python3
"""Packs a root filesystem directory into a one-layer OCI image archive.

usage: oci-pack.py ROOTFS OUT.tar NAME:TAG EPOCH

Reproducible: files are sorted, owned by 0:0 and stamped EPOCH (the commit's
time), gzip carries no name or time, and the config's "created" is EPOCH, so
the same rootfs gives the same image digest. `podman load -i OUT.tar` loads it.
"""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile


def add_tree(tar, root, epoch):
    entries = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(dirnames) + sorted(filenames):
            entries.append(os.path.join(dirpath, name))
    for path in sorted(entries, key=lambda p: os.path.relpath(p, root)):
        info = tar.gettarinfo(path, arcname=os.path.relpath(path, root))
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        info.mtime = epoch
        if info.isfile():
            with open(path, "rb") as f:
                tar.addfile(info, f)
        else:
            tar.addfile(info)


def blob(layout, data):
    digest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(layout, "blobs", "sha256", digest), "wb") as f:
        f.write(data)
    return "sha256:" + digest


def main():
    rootfs, out, ref, epoch = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        add_tree(tar, rootfs, epoch)
    layer_tar = raw.getvalue()
    zipped = io.BytesIO()
    with gzip.GzipFile(fileobj=zipped, mode="wb", mtime=0, filename="", compresslevel=9) as gz:
        gz.write(layer_tar)
    layer_gz = zipped.getvalue()

    layout = out + ".layout"
    os.makedirs(os.path.join(layout, "blobs", "sha256"), exist_ok=True)
    layer_digest = blob(layout, layer_gz)
    created = __import__("datetime").datetime.fromtimestamp(epoch, __import__("datetime").timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    config = {
        "created": created,
        "architecture": "amd64",
        "os": "linux",
        "config": {
            "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                    "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1"],
            "Cmd": ["/usr/lib/ciliuml7/ciliuml7-agent"],
            "WorkingDir": "/",
            "Labels": {"org.opencontainers.image.title": "ciliuml7"},
        },
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(layer_tar).hexdigest()]},
        "history": [{"created": created, "created_by": "deploy/image/build.sh"}],
    }
    config_bytes = json.dumps(config, sort_keys=True, separators=(",", ":")).encode()
    config_digest = blob(layout, config_bytes)
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": len(config_bytes)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layer_digest, "size": len(layer_gz)}],
    }
    manifest_bytes = json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()
    manifest_digest = blob(layout, manifest_bytes)
    index = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": manifest_digest,
                       "size": len(manifest_bytes), "annotations": {"org.opencontainers.image.ref.name": ref}}],
    }
    with open(os.path.join(layout, "index.json"), "w") as f:
        json.dump(index, f, sort_keys=True, separators=(",", ":"))
    with open(os.path.join(layout, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    with tarfile.open(out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        add_tree(tar, layout, epoch)
    print(f"{out}: {ref} manifest {manifest_digest} layer {len(layer_gz)} bytes compressed, {len(layer_tar)} uncompressed")


main()
