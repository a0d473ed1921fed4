"""Cosign-format image signatures made and checked without cosign (see TESTING.md, "Signatures"):
keys and signatures come from the openssl CLI, the signature manifest is pushed with
scripts/regclient.py over the distribution API.

A signature of manifest D in repository R is an OCI image manifest at tag `sha256-<hex of D>.sig`
whose layers are simple-signing payloads (media type application/vnd.dev.cosign.simplesigning.v1+json)
naming D in critical.image.docker-manifest-digest, each with the base64 of the DER signature of
sha256(payload) in the annotation dev.cosignproject.cosign/signature.

    keys = generate_keypair()                       # ECDSA P-256 (or kind="rsa")
    sign_all("127.0.0.1:5101", repo, "1.0", keys.private)
    verify_at("127.0.0.1:5101", repo, digest, keys.public)   # -> True
"""
import base64
import json
import subprocess
import sys
import tempfile
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

_SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"
if str(_SCRIPTS) not in sys.path:
    sys.path.insert(0, str(_SCRIPTS))
import regclient  # noqa: E402  (scripts/regclient.py)
from support import sha256_digest  # noqa: E402

SIMPLESIGNING = "application/vnd.dev.cosign.simplesigning.v1+json"
SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
ACCEPT = ", ".join([OCI_MANIFEST, OCI_INDEX, DOCKER_LIST,
                    "application/vnd.docker.distribution.manifest.v2+json"])
MAX_PAYLOAD = 1 << 20


@dataclass(frozen=True)
class KeyPair:
    private: Path  # PEM private key (openssl dgst -sign)
    public: Path   # PEM SubjectPublicKeyInfo (what `ferry verify --key` reads)


def _openssl(*args, input=None) -> bytes:
    p = subprocess.run(["openssl", *map(str, args)], input=input, capture_output=True)
    if p.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(map(str, args))}: {p.stderr.decode(errors='replace')}")
    return p.stdout


def generate_keypair(directory=None, kind="ec") -> KeyPair:
    """A fresh keypair in `directory` (a new temp dir when None): kind "ec" (P-256) or "rsa" (2048)."""
    d = Path(directory or tempfile.mkdtemp(prefix="ferry-keys-"))
    d.mkdir(parents=True, exist_ok=True)
    private, public = d / f"{kind}-key.pem", d / f"{kind}-pub.pem"
    options = (["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"] if kind == "ec"
               else ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"])
    _openssl("genpkey", *options, "-out", private)
    _openssl("pkey", "-in", private, "-pubout", "-out", public)
    return KeyPair(private, public)


def _host(registry_url: str) -> str:
    """"http://127.0.0.1:5101" or "127.0.0.1:5101" -> "127.0.0.1:5101"."""
    return urllib.parse.urlsplit(registry_url).netloc if "://" in registry_url else registry_url


def _client(registry_url: str, creds=None) -> regclient.Registry:
    return regclient.Registry(_host(registry_url), creds=creds)


def signature_tag(digest: str) -> str:
    algorithm, _, hexpart = digest.partition(":")
    return f"{algorithm}-{hexpart}.sig"


def payload_for(digest: str, docker_reference: str) -> bytes:
    """The simple-signing payload cosign writes (compact JSON, this key order)."""
    body = {"critical": {"identity": {"docker-reference": docker_reference},
                         "image": {"docker-manifest-digest": digest},
                         "type": "cosign container image signature"},
            "optional": None}
    return json.dumps(body, separators=(",", ":")).encode()


def sign_bytes(data: bytes, private_key) -> bytes:
    """DER signature of sha256(data) (`openssl dgst -sha256 -sign`)."""
    with tempfile.NamedTemporaryFile() as f:
        f.write(data)
        f.flush()
        return _openssl("dgst", "-sha256", "-sign", private_key, f.name)


_sha256 = sha256_digest


def _existing_layers(client, repo: str, tag: str) -> list:
    resp, body = client.request("GET", f"/v2/{repo}/manifests/{tag}", f"repository:{repo}:pull",
                                headers={"Accept": OCI_MANIFEST}, expect=(200, 404))
    return json.loads(body).get("layers", []) if resp.status == 200 else []


def push_signature(registry_url, repo, digest, layers, creds=None) -> str:
    """Pushes a signature manifest for `digest` at its .sig tag. `layers` are (payload bytes,
    signature bytes) pairs. Returns the signature manifest's digest."""
    client = _client(registry_url, creds)
    descriptors, diff_ids = [], []
    for payload, signature in layers:
        client.push_blob(repo, _sha256(payload), payload)
        diff_ids.append(_sha256(payload))
        descriptors.append({"mediaType": SIMPLESIGNING, "size": len(payload), "digest": _sha256(payload),
                            "annotations": {SIGNATURE_ANNOTATION: base64.b64encode(signature).decode()}})
    return _put_signature_manifest(client, repo, digest, descriptors, diff_ids)


def _put_signature_manifest(client, repo, digest, descriptors, diff_ids) -> str:
    config = json.dumps({"architecture": "", "config": {}, "created": "0001-01-01T00:00:00Z",
                         "history": [{"created": "0001-01-01T00:00:00Z"}], "os": "",
                         "rootfs": {"type": "layers", "diff_ids": diff_ids}},
                        separators=(",", ":")).encode()
    client.push_blob(repo, _sha256(config), config)
    manifest = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                           "config": {"mediaType": OCI_CONFIG, "size": len(config), "digest": _sha256(config)},
                           "layers": descriptors}, separators=(",", ":")).encode()
    client.put_manifest(repo, signature_tag(digest), OCI_MANIFEST, manifest)
    client.close()
    return _sha256(manifest)


def sign_image(registry_url, repo, digest, docker_reference, key, append=False, creds=None,
               payload_digest=None) -> str:
    """Signs manifest `digest` of `repo` with private key `key`, cosign style. `append` keeps the
    layers of an existing signature manifest (cosign adds one layer per signature).
    `payload_digest` writes another digest into the payload (a signature of something else).
    Returns the signature manifest's digest."""
    payload = payload_for(payload_digest or digest, docker_reference)
    layers = [(payload, sign_bytes(payload, key))]
    if not append:
        return push_signature(registry_url, repo, digest, layers, creds)
    client = _client(registry_url, creds)
    old = _existing_layers(client, repo, signature_tag(digest))
    client.close()
    kept = [(_fetch_blob(registry_url, repo, d["digest"], creds),
             base64.b64decode(d.get("annotations", {}).get(SIGNATURE_ANNOTATION, "")))
            for d in old]
    return push_signature(registry_url, repo, digest, kept + layers, creds)


def tamper(registry_url, repo, digest, docker_reference, key, creds=None) -> str:
    """Pushes a signature for `digest` whose annotation does not verify: the signature of a
    payload that differs by one byte, stored next to the genuine payload."""
    payload = payload_for(digest, docker_reference)
    forged = sign_bytes(payload.replace(b"cosign container", b"cosign Container"), key)
    return push_signature(registry_url, repo, digest, [(payload, forged)], creds)


def _get_manifest(client, repo, ref):
    resp, body = client.request("GET", f"/v2/{repo}/manifests/{ref}", f"repository:{repo}:pull",
                                headers={"Accept": ACCEPT}, expect=(200, 404))
    return json.loads(body) if resp.status == 200 else None


def _fetch_blob(registry_url, repo, digest, creds=None) -> bytes:
    client = _client(registry_url, creds)
    _, body = client.request("GET", f"/v2/{repo}/blobs/{digest}", f"repository:{repo}:pull")
    client.close()
    if len(body) > MAX_PAYLOAD or _sha256(body) != digest:
        raise RuntimeError(f"blob {digest} of {repo}: wrong size or digest")
    return body


def sign_all(registry_url, repo, tag, key, docker_reference=None, creds=None) -> list:
    """Signs the manifest at `tag` and, for an index, every child manifest. Returns the signed
    digests, the top one first."""
    client = _client(registry_url, creds)
    resp, body = client.request("GET", f"/v2/{repo}/manifests/{tag}", f"repository:{repo}:pull",
                                headers={"Accept": ACCEPT})
    client.close()
    top = resp.getheader("Docker-Content-Digest") or _sha256(body)
    children = [m["digest"] for m in json.loads(body).get("manifests", [])]
    reference = docker_reference or f"{_host(registry_url)}/{repo}"
    for digest in [top, *children]:
        sign_image(registry_url, repo, digest, reference, key, creds=creds)
    return [top, *children]


def _openssl_verifies(public_key, payload: bytes, signature: bytes) -> bool:
    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "payload").write_bytes(payload)
        (Path(d) / "sig").write_bytes(signature)
        p = subprocess.run(["openssl", "dgst", "-sha256", "-verify", str(public_key),
                            "-signature", str(Path(d) / "sig"), str(Path(d) / "payload")],
                           capture_output=True)
        return p.returncode == 0


def verify_at(registry_url, repo, digest, public_key, creds=None) -> bool:
    """Independent of ferry: True when a signature layer at `digest`'s .sig tag names `digest`
    and verifies with `public_key` (`openssl dgst -sha256 -verify`)."""
    client = _client(registry_url, creds)
    manifest = _get_manifest(client, repo, signature_tag(digest))
    client.close()
    if manifest is None:
        return False
    for layer in manifest.get("layers", []):
        if layer.get("mediaType") != SIMPLESIGNING:
            continue
        payload = _fetch_blob(registry_url, repo, layer["digest"], creds)
        try:
            named = json.loads(payload)["critical"]["image"]["docker-manifest-digest"]
            signature = base64.b64decode(layer["annotations"][SIGNATURE_ANNOTATION], validate=True)
        except (ValueError, KeyError, TypeError):
            continue
        if named == digest and _openssl_verifies(public_key, payload, signature):
            return True
    return False
