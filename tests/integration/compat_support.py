"""Shared helpers of test_compat*.py: persona targets, auth files and plans for ferry."""
import base64
import json
from pathlib import Path

import ferrytest as ft
from persona_registry import MIB, OCI_MANIFEST, PersonaRegistry
from support import EXIT

# Read from cli/exit_codes.hpp (support.EXIT), never written as literals.
EXIT_OK, EXIT_FAILED, EXIT_CONFLICT, EXIT_NOT_FOUND = EXIT.OK, EXIT.FAILED, EXIT.CONFLICT, EXIT.NOT_FOUND
BIG = 66 * MIB  # "65 MiB+" (issue 14): above the old 64 MiB chunking threshold


def insecure(*regs):
    args = []
    for r in regs:
        args += ["--insecure-registry", r.host if hasattr(r, "host") else r]
    return args


def persona_target(persona, repo, **kw):
    """A persona ready to receive `repo` (created beforehand where the registry wants that)."""
    kw.setdefault("existing", {repo, repo.split("/")[0]})
    return PersonaRegistry(persona, **kw)


def authfile_for(*regs, identity=None):
    """config.json with every persona's user/password (or an ACR identity token)."""
    d = ft.temp_dir()
    auths = {r.host: {"auth": base64.b64encode(f"{r.user}:{r.password}".encode()).decode()}
             for r in regs}
    if identity:
        auths[identity.host] = {"identitytoken": identity.refresh_token}
    path = d / "config.json"
    path.write_text(json.dumps({"auths": auths}))
    return path


def plan_file(text: str) -> Path:
    path = ft.temp_dir() / "plan.yaml"
    path.write_text(text)
    return path


def registries_block(*hosts, extra=None):
    lines = ["registries:"]
    for h in hosts:
        lines.append(f'  "{h}":')
        lines.append("    tls: disabled")
        for k, v in (extra or {}).get(h, {}).items():
            lines.append(f"    {k}: {v}")
    return "\n".join(lines) + "\n"


def seed_referrer(reg, repo, subject, fallback):
    """A signature-type OCI referrer of `subject` (listed in its fallback tag when `fallback`)."""
    raw = reg.manifest(repo, subject)[1]
    config = b"{}"
    cfg = reg.seed_blob(repo, config)
    layer = reg.seed_blob(repo, b"signature bundle for " + subject.encode())
    doc = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": "application/vnd.dev.sigstore.bundle.v0.3+json",
           "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": cfg, "size": len(config)},
           "layers": [{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json", "digest": layer, "size": len(reg.blobs[layer])}],
           "subject": {"mediaType": OCI_MANIFEST, "digest": subject, "size": len(raw)}}
    art = reg.seed_manifest(repo, json.dumps(doc).encode(), OCI_MANIFEST)
    if fallback:
        art_raw = reg.manifest(repo, art)[1]
        index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                 "manifests": [{"mediaType": OCI_MANIFEST, "digest": art, "size": len(art_raw),
                                "artifactType": "application/vnd.dev.sigstore.bundle.v0.3+json"}]}
        reg.seed_manifest(repo, json.dumps(index).encode(), "application/vnd.oci.image.index.v1+json",
                          subject.replace(":", "-"))
    return art


