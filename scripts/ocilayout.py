"""Builds container images as files, with no engine: deterministic tar.gz layers, image configs,
manifests and indexes (OCI or Docker media types), stored in an OCI image layout directory.

Used by scripts/make-corpus. Python 3 stdlib only.
"""
import gzip
import hashlib
import io
import json
import os
import random
import tarfile
import tempfile

GENERATOR_VERSION = 1
FIXED_MTIME = 1700000000          # 2023-11-14T22:13:20Z, for every tar entry
CREATED = "2023-11-14T22:13:20Z"

MEDIA_TYPES = {
    "oci": {
        "index": "application/vnd.oci.image.index.v1+json",
        "manifest": "application/vnd.oci.image.manifest.v1+json",
        "config": "application/vnd.oci.image.config.v1+json",
        "layer": "application/vnd.oci.image.layer.v1.tar+gzip",
    },
    "docker": {
        "index": "application/vnd.docker.distribution.manifest.list.v2+json",
        "manifest": "application/vnd.docker.distribution.manifest.v2+json",
        "config": "application/vnd.docker.container.image.v1+json",
        "layer": "application/vnd.docker.image.rootfs.diff.tar.gzip",
    },
}
REF_NAME = "org.opencontainers.image.ref.name"


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def seed_of(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")


def parse_platform(text: str) -> dict:
    parts = text.split("/")
    platform = {"architecture": parts[1], "os": parts[0]}
    if len(parts) > 2:
        platform["variant"] = parts[2]
    return platform


def format_platform(p: dict) -> str:
    return "/".join(x for x in (p["os"], p["architecture"], p.get("variant")) if x)


def dump_manifest(obj) -> bytes:
    """Manifests are stored pretty-printed (3-space indent, like Docker's): a client that
    re-serialises instead of keeping the exact bytes gets a different digest."""
    return json.dumps(obj, indent=3).encode() + b"\n"


class RandomReader:
    """A file-like source of `size` deterministic pseudo-random bytes, made in fixed blocks so the
    bytes do not depend on how the reader is called."""
    BLOCK = 1 << 16

    def __init__(self, key: str, size: int):
        self.rng = random.Random(seed_of(key))
        self.left = size
        self.buffer = b""

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            n = self.left + len(self.buffer)
        while len(self.buffer) < n and self.left > 0:
            take = min(self.BLOCK, self.left)
            self.buffer += self.rng.randbytes(take)
            self.left -= take
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out


class _HashingWriter:
    """Writes to a file while hashing what passes; `inner` is optional (hash only)."""

    def __init__(self, inner=None):
        self.inner = inner
        self.hash = hashlib.sha256()
        self.size = 0

    def write(self, data) -> int:
        self.hash.update(data)
        self.size += len(data)
        if self.inner is not None:
            self.inner.write(data)
        return len(data)

    def flush(self):
        if self.inner is not None:
            self.inner.flush()


class _TarSink:
    """What tarfile writes to: hashes the uncompressed stream (diff_id) and feeds gzip."""

    def __init__(self, gz):
        self.gz = gz
        self.diff = hashlib.sha256()

    def write(self, data) -> int:
        self.diff.update(data)
        self.gz.write(data)
        return len(data)


class Layout:
    """An OCI image layout directory; blobs are written once, layers are cached by key."""

    def __init__(self, root: str):
        self.root = root
        self.blob_dir = os.path.join(root, "blobs", "sha256")
        os.makedirs(self.blob_dir, exist_ok=True)
        with open(os.path.join(root, "oci-layout"), "w", encoding="utf-8") as f:
            json.dump({"imageLayoutVersion": "1.0.0"}, f)
        self.cache_path = os.path.join(root, "layer-cache.json")
        self.layer_cache = {}
        if os.path.exists(self.cache_path):
            with open(self.cache_path, encoding="utf-8") as f:
                self.layer_cache = json.load(f)
        self.refs = {}

    def blob_path(self, digest: str) -> str:
        return os.path.join(self.blob_dir, digest.split(":", 1)[1])

    def put_blob(self, data: bytes) -> dict:
        digest = sha256_digest(data)
        path = self.blob_path(digest)
        if not os.path.exists(path):
            with open(path + ".tmp", "wb") as f:
                f.write(data)
            os.replace(path + ".tmp", path)
        return {"digest": digest, "size": len(data)}

    def layer(self, key: str, files: list, level: int = 6) -> dict:
        """A gzip'd tar of `files`: (path, int size → pseudo-random bytes | bytes content).
        Returns {"digest", "size", "diff_id"}; the same key and files give the same digest."""
        cache_key = json.dumps([GENERATOR_VERSION, key, level,
                                [(p, c if isinstance(c, int) else sha256_digest(c)) for p, c in files]])
        cached = self.layer_cache.get(cache_key)
        if cached and os.path.exists(self.blob_path(cached["digest"])) and \
                os.path.getsize(self.blob_path(cached["digest"])) == cached["size"]:
            return dict(cached)
        fd, tmp = tempfile.mkstemp(dir=self.blob_dir, suffix=".tmp")
        with os.fdopen(fd, "wb") as out:
            compressed = _HashingWriter(out)
            with gzip.GzipFile(filename="", mode="wb", compresslevel=level, fileobj=compressed,
                               mtime=0) as gz:
                sink = _TarSink(gz)
                with tarfile.open(fileobj=sink, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                    self._write_entries(tar, key, files)
        info = {"digest": "sha256:" + compressed.hash.hexdigest(), "size": compressed.size,
                "diff_id": "sha256:" + sink.diff.hexdigest()}
        os.replace(tmp, self.blob_path(info["digest"]))
        self.layer_cache[cache_key] = info
        return dict(info)

    @staticmethod
    def _write_entries(tar, key: str, files: list):
        dirs = set()
        for path, _ in files:
            parts = path.split("/")[:-1]
            dirs.update("/".join(parts[:i]) for i in range(1, len(parts) + 1))
        for d in sorted(dirs):
            info = tarfile.TarInfo(d + "/")
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, FIXED_MTIME
            info.uname = info.gname = "root"
            tar.addfile(info)
        for path, content in files:
            info = tarfile.TarInfo(path)
            info.mode, info.mtime = 0o755 if "/bin/" in path else 0o644, FIXED_MTIME
            info.uname = info.gname = "root"
            if isinstance(content, int):
                info.size = content
                tar.addfile(info, RandomReader(key + "\0" + path, content))
            else:
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))

    def image(self, platform: str, layers: list, fmt: str = "oci", config_extra=None,
              annotations=None) -> dict:
        """Writes config + manifest for one platform; returns the manifest's descriptor,
        with the platform set (as an index entry needs it)."""
        mt = MEDIA_TYPES[fmt]
        plat = parse_platform(platform)
        config = {"architecture": plat["architecture"], "os": plat["os"]}
        if "variant" in plat:
            config["variant"] = plat["variant"]
        config.update({
            "created": CREATED,
            "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                       "Cmd": ["/bin/sh"]},
            "rootfs": {"type": "layers", "diff_ids": [l["diff_id"] for l in layers]},
            "history": [{"created": CREATED, "created_by": f"ferry make-corpus layer {i}"}
                        for i in range(len(layers))],
        })
        for k, v in (config_extra or {}).items():
            if isinstance(v, dict) and isinstance(config.get(k), dict):
                config[k] = {**config[k], **v}
            else:
                config[k] = v
        config_desc = self.put_blob(json.dumps(config, sort_keys=True, separators=(",", ":")).encode())
        manifest = {"schemaVersion": 2, "mediaType": mt["manifest"],
                    "config": {"mediaType": mt["config"], **config_desc},
                    "layers": [{"mediaType": mt["layer"], "digest": l["digest"], "size": l["size"]}
                               for l in layers]}
        if annotations and fmt == "oci":
            manifest["annotations"] = annotations
        desc = self.put_blob(dump_manifest(manifest))
        return {"mediaType": mt["manifest"], **desc, "platform": plat}

    def index(self, manifests: list, fmt: str = "oci", annotations=None) -> dict:
        """Writes an image index (oci) or manifest list (docker) over per-platform descriptors."""
        mt = MEDIA_TYPES[fmt]
        body = {"schemaVersion": 2, "mediaType": mt["index"], "manifests": manifests}
        if annotations and fmt == "oci":
            body["annotations"] = annotations
        return {"mediaType": mt["index"], **self.put_blob(dump_manifest(body))}

    def tag(self, ref_name: str, desc: dict):
        entry = {k: desc[k] for k in ("mediaType", "digest", "size")}
        entry["annotations"] = {REF_NAME: ref_name}
        self.refs[ref_name] = entry

    def read_blob(self, digest: str) -> bytes:
        with open(self.blob_path(digest), "rb") as f:
            return f.read()

    def save(self):
        index = {"schemaVersion": 2, "mediaType": MEDIA_TYPES["oci"]["index"],
                 "manifests": [self.refs[k] for k in sorted(self.refs)]}
        with open(os.path.join(self.root, "index.json"), "w", encoding="utf-8") as f:
            json.dump(index, f, indent=2)
        with open(self.cache_path, "w", encoding="utf-8") as f:
            json.dump(self.layer_cache, f, indent=1, sort_keys=True)
