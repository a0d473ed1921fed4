"""Integrity walkers independent of ferry: "no manifest references a missing blob".

check_repository() walks a registry repository over plain HTTP (urllib): every tag's manifest,
recursing into indexes by digest, and HEADs every config and layer blob. check_layout() does the
same for an OCI image layout directory (index.json -> manifests -> blobs, each hashed).
Both return a Walk: what was seen and a list of problems (empty = sound).
"""
import json
from dataclasses import dataclass, field
from pathlib import Path

from support import list_tags as _list_tags, registry_get, sha256_digest as _digest

MANIFEST_TYPES = ", ".join([
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json",
])


@dataclass
class Walk:
    tags: dict = field(default_factory=dict)      # tag (or ref name) -> digest
    manifests: set = field(default_factory=set)
    blobs: set = field(default_factory=set)
    problems: list = field(default_factory=list)
    # Tags listed whose manifest GET answers 404: docker-registry writes a tag's link file in
    # place, so a client that vanishes mid-PUT can leave a listed tag that resolves to nothing.
    # Nothing references missing content then; a rerun must clear them.
    unresolved: list = field(default_factory=list)

    @property
    def sound(self) -> bool:
        return not self.problems


def _children(manifest: dict):
    """(child manifests, blobs) named by a manifest or index: lists of (digest, size)."""
    kids = [(m["digest"], m.get("size")) for m in manifest.get("manifests", [])]
    blobs = [(manifest["config"]["digest"], manifest["config"].get("size"))] if "config" in manifest else []
    blobs += [(l["digest"], l.get("size")) for l in manifest.get("layers", [])]
    if "subject" in manifest:
        kids.append((manifest["subject"]["digest"], manifest["subject"].get("size")))
    return kids, blobs


# ---------------------------------------------------------------------- registry

def _request(url: str, method="GET", accept=None, timeout=20):
    return registry_get((method, url), accept=accept, timeout=timeout)


def list_tags(host: str, repo: str, scheme="http") -> list:
    """All tags of the repository (following Link pages); [] when it does not exist."""
    return _list_tags(f"{scheme}://{host}", repo)


def check_repository(host: str, repo: str, scheme="http") -> Walk:
    """Walks every tag of host/repo; problems name what is missing or wrong."""
    walk = Walk()
    base = f"{scheme}://{host}/v2/{repo}"
    for tag in list_tags(host, repo, scheme):
        status, headers, body = _request(f"{base}/manifests/{tag}", accept=MANIFEST_TYPES)
        if status == 404:
            walk.unresolved.append(f"{repo}:{tag}")
            continue
        if status != 200:
            walk.problems.append(f"{repo}:{tag}: manifest GET answered {status}")
            continue
        digest = _digest(body)
        walk.tags[tag] = digest
        _walk_manifest(base, repo, digest, body, walk)
    return walk


def _walk_manifest(base, repo, digest, body, walk: Walk):
    if digest in walk.manifests:
        return
    walk.manifests.add(digest)
    kids, blobs = _children(json.loads(body))
    for child, size in kids:
        status, _, data = _request(f"{base}/manifests/{child}", accept=MANIFEST_TYPES)
        if status != 200:
            walk.problems.append(f"{repo}@{digest}: child manifest {child} answered {status}")
        elif _digest(data) != child or (size is not None and len(data) != size):
            walk.problems.append(f"{repo}@{child}: bytes do not match the digest/size its parent names")
        else:
            _walk_manifest(base, repo, child, data, walk)
    for blob, size in blobs:
        if blob in walk.blobs:
            continue
        walk.blobs.add(blob)
        status, headers, _ = _request(f"{base}/blobs/{blob}", method="HEAD")
        if status != 200:
            walk.problems.append(f"{repo}@{digest}: blob {blob} answered {status}")
        elif size is not None and int(headers.get("Content-Length", -1)) != size:
            walk.problems.append(f"{repo}@{digest}: blob {blob} has size {headers.get('Content-Length')}, want {size}")


def check_repositories(host: str, repos, scheme="http") -> Walk:
    """check_repository over several repositories, merged (tags keyed 'repo:tag')."""
    total = Walk()
    for repo in repos:
        w = check_repository(host, repo, scheme)
        total.tags.update({f"{repo}:{t}": d for t, d in w.tags.items()})
        total.manifests |= w.manifests
        total.blobs |= w.blobs
        total.problems += w.problems
    return total


# ---------------------------------------------------------------------- OCI layout

def check_layout(directory) -> Walk:
    """Walks an OCI image layout: oci-layout present, index.json parses, and every manifest and
    blob it reaches exists under blobs/ with the right digest and size."""
    root, walk = Path(directory), Walk()
    if not (root / "oci-layout").is_file():
        walk.problems.append(f"{root}: no oci-layout file")
    try:
        index = json.loads((root / "index.json").read_bytes())
    except (OSError, ValueError) as e:
        walk.problems.append(f"{root}/index.json: {e}")
        return walk
    for entry in index.get("manifests", []):
        name = entry.get("annotations", {}).get("org.opencontainers.image.ref.name", entry["digest"])
        walk.tags[name] = entry["digest"]
        _walk_layout_manifest(root, entry["digest"], entry.get("size"), walk)
    return walk


def _layout_blob(root: Path, digest: str, size, walk: Walk, owner: str):
    """The verified bytes of a layout blob, or None (with a problem recorded)."""
    algo, _, hex_ = digest.partition(":")
    path = root / "blobs" / algo / hex_
    try:
        data = path.read_bytes()
    except OSError:
        walk.problems.append(f"{owner}: references missing blob {digest}")
        return None
    if _digest(data) != digest or (size is not None and len(data) != size):
        walk.problems.append(f"{owner}: blob {digest} does not match its digest/size")
        return None
    return data


def _walk_layout_manifest(root: Path, digest: str, size, walk: Walk):
    if digest in walk.manifests:
        return
    walk.manifests.add(digest)
    data = _layout_blob(root, digest, size, walk, "index.json or a parent index")
    if data is None:
        return
    kids, blobs = _children(json.loads(data))
    for child, child_size in kids:
        _walk_layout_manifest(root, child, child_size, walk)
    for blob, blob_size in blobs:
        if blob not in walk.blobs:
            walk.blobs.add(blob)
            _layout_blob(root, blob, blob_size, walk, f"manifest {digest}")
