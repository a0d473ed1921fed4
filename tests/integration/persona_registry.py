"""A Distribution-API server that behaves like a named real registry (for test_compat.py).

PersonaRegistry keeps blobs and manifests in memory and serves the OCI distribution API
(ping, manifests, blobs with monolithic and chunked uploads, mounts, tags, catalog,
referrers, a token endpoint). Each behaviour is a switch named after the registry it
emulates, with the source of the behaviour beside it (peer code path, issue thread, docs).
PERSONAS bundles the switches of one registry; tests may add or remove single switches.

Auth modes: None (open), "basic" (user/password, or a password file that the server may
rotate), "bearer" (token endpoint /token on the same listener, tokens carry scopes and are
checked per repository and action), "bearer-anonymous" (Docker Hub: tokens without
credentials for pulls). A second listener on "localhost" plays a CDN for redirected blobs.
`requests` records (method, path, headers) of every request; `token_requests` those to the
token endpoint; `side_requests` the CDN listener's.
"""
import hashlib
import json
import secrets
import ssl
import threading

from listener_pair import ListenerPair

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
MIB = 1 << 20

# Behaviour switches. The comment names where the behaviour is documented.
BEHAVIOURS = {
    # -- uploads --
    "patch_cap_4mib",        # GHCR: PATCH body over 4 MiB -> 416 "exceeds the maximum permissible limit of 4.00MiB" (ocx-sh/ocx#237; oras-project/rust-oci-client#37)
    "no_chunked_uploads",    # GAR: chunked uploads refused with 400 (dotnet/sdk-container-builds#287; skopeo#1101; kitops#780)
    "ecr_chunks",            # ECR: PATCH answered 201, Range stuck at the first chunk, parts >= 5 MiB (aws/containers-roadmap#2831; openai/tart#273)
    "chunk_min_length",      # spec 1.1: OCI-Chunk-Min-Length on the POST answer, smaller non-final chunks refused (distribution-spec; regclient scheme/reg/blob.go)
    "post_201",              # upload POST answered 201 (not 202) with the session Location (opencontainers/distribution-spec#171)
    "monolithic_cap",        # a proxy in front refuses request bodies above `body_cap` with 413 (e.g. Cloudflare's 100 MB cap: ciiiii/cloudflare-docker-proxy)
    "patch_without_location",  # PATCH answered 202 without Location (spec: Location "should" be sent; ggcr pkg/v1/remote/write.go tolerates it)
    # -- repositories --
    "repo_must_exist",       # ECR/GAR/Quay: push into a repository not created first -> 404 NAME_UNKNOWN (regclient#869; plexsystems/sinker#55)
    "harbor_project_500",    # Harbor: push into a missing project -> bare 500 (goharbor/harbor-helm#849; goharbor/harbor#2391)
    "ecr_immutable",         # ECR: overwrite of a tag in an immutable repository -> 400 TAG_INVALID (aws/containers-roadmap#862; moby/buildkit#3776)
    "harbor_immutable",      # Harbor: immutability rule -> 412 "configured as immutable" (goharbor/harbor#9427, #9718)
    # -- listing --
    "no_catalog",            # GHCR, Docker Hub: no /v2/_catalog (microsoft/vscode-docker#1525)
    "quay_pages",            # Quay: 50 tags per page, opaque next_page in Link, `last` ignored (deitch/docker_registry2#56; regclient#272)
    "tags_cap_100",          # distribution 3.1.0: n above 100 -> 400 PAGINATION_NUMBER_INVALID (distribution registry/handlers @v3.1.0)
    "junk_tags",             # Nexus/Artifactory: null and digests inside `tags` (skopeo#2409, #2346)
    # -- referrers --
    "referrers_api",         # a clean OCI 1.1 referrers API (distribution-spec 1.1); like distribution, 404 NAME_UNKNOWN for a repository it lacks
    "referrers_406",         # Artifactory: 406 on the referrers endpoint (google/go-containerregistry#1962, #2026)
    "referrers_400",         # some registries: 400 (oras-go registry/remote/repository.go treats non-404 failures as unsupported)
    "referrers_405",         # ECR-like: 405 Method Not Allowed (aws/containers-roadmap#2783)
    "referrers_not_index",   # a 200 that is not an index (oras-go: "unsupported")
    "referrers_unknown_first",  # a referrers API that answers 404 NAME_UNKNOWN for the first repository asked (distribution does so for a repository it does not know yet): one repository's answer must not decide for the host
    # -- auth --
    "renamed_scope",         # Artifactory repository-path method: the challenge names the repository without its repo-key prefix (earthly/earthly#1017; containerd#3556)
    "realm_only",            # GAR/GCR: Bearer challenge with a realm and no service (containers/image docker/docker_client.go)
    "refresh_grant",         # ACR: identitytoken -> POST grant_type=refresh_token; access_token without expires_in (Azure/acr#31; devcontainers/cli#444)
    "revoke_on_first_put",   # a token that expires while a blob PUT streams: the first blob PUT gets 401 and every token issued so far is void
    "expiring_basic",        # ECR: basic auth with a rotating password; an old one -> 403 "Your authorization token has expired" (docker-py#1170; CircleCI-Public/aws-ecr-orb#277)
    # -- limits and headers --
    "rate_limit",            # Docker Hub: manifest GETs (not HEADs) count; 429 TOOMANYREQUESTS + RateLimit-* headers (docker/docs#11648, #11707)
    "cdn_redirect",          # Docker Hub: blob GET 307 to a CDN host that must not get Authorization (docker/docs#25124)
    "head_no_digest",        # HEAD manifest without Docker-Content-Digest (PROTOCOL.md: GET and hash; containers/image docker_image_src.go)
    "warning_header",        # Warning: 299 - "..." on responses (distribution-spec; regclient reghttp/http.go)
    "path_prefix",           # Artifactory: API under /artifactory/api/docker/REPO/v2/ (regclient#792; ggcr#1464)
}

PERSONAS = {
    "distribution": set(),
    "ghcr": {"patch_cap_4mib", "no_catalog"},
    "gar": {"no_chunked_uploads", "realm_only", "repo_must_exist"},
    "ecr": {"ecr_chunks", "repo_must_exist", "ecr_immutable", "referrers_405"},
    "dockerhub": {"no_catalog", "rate_limit", "cdn_redirect"},
    "artifactory": {"referrers_406", "renamed_scope", "path_prefix", "junk_tags"},
    "nexus": {"junk_tags"},
    "acr": {"refresh_grant", "referrers_api"},
    "quay": {"quay_pages", "repo_must_exist"},
    "harbor": {"harbor_project_500", "harbor_immutable"},
    "distribution3": {"tags_cap_100", "referrers_api"},
    "zot": {"post_201", "chunk_min_length", "referrers_api"},
}

PREFIX = "/artifactory/api/docker/dockerlocal"  # path_prefix persona
REPO_KEY = "dockerlocal/"                     # renamed_scope: the key the challenge drops


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class PersonaRegistry(ListenerPair):
    def __init__(self, persona="distribution", add=(), remove=(), auth=None, user="ferry",
                 password="persona-secret", password_file=None, pull_limit=100, body_cap=8 * MIB,
                 existing=(), immutable_tags=(), rotate_after_puts=None, tls=None):
        behaviours = (set(PERSONAS[persona]) | set(add)) - set(remove)
        unknown = behaviours - BEHAVIOURS
        if unknown:
            raise ValueError(f"unknown behaviours {unknown}")
        self.persona, self.behaviours = persona, behaviours
        self.auth = auth or ("bearer-anonymous" if "rate_limit" in behaviours else None) or ("bearer" if behaviours & {"renamed_scope", "realm_only", "refresh_grant",
                                                        "revoke_on_first_put"} else None)
        self.user, self.password, self.password_file = user, password, password_file
        self.pull_limit, self.pulls = pull_limit, 0
        self.body_cap = body_cap
        self.existing = set(existing)              # repositories / projects created beforehand
        self.immutable_tags = set(immutable_tags)  # (repo, tag) the registry refuses to move
        self.rotate_after_puts = rotate_after_puts  # expiring_basic: rotate after N manifest PUTs
        self.manifest_puts = 0
        self.blobs, self.repos, self.uploads = {}, {}, {}
        self.tokens = {}            # token -> set of (repo, action)
        self.refresh_token = "acr-refresh-" + secrets.token_hex(8)
        self.revoked_once = False
        self.requests, self.token_requests, self.side_requests = [], [], []
        self.lock = threading.Lock()
        self.scheme = "https" if tls else "http"

        def wrap(server):  # tls = (certificate, key): the main listener speaks https, the CDN stays http
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*map(str, tls))
            server.socket = context.wrap_socket(server.socket, server_side=True)

        self.start_listeners(lambda side: _handler(self, side=side), wrap if tls else None)

    # ------------------------------------------------------------------ addressing
    @property
    def prefix(self) -> str:
        return PREFIX if "path_prefix" in self.behaviours else ""

    def api(self, path: str) -> str:
        return f"{self.scheme}://{self.host}{self.prefix}{path}"

    # ------------------------------------------------------------------ content
    def repo(self, name):
        return self.repos.setdefault(name, {"manifests": {}, "tags": {}, "blobs": set()})

    def seed_blob(self, repo: str, data: bytes) -> str:
        d = digest_of(data)
        with self.lock:
            self.blobs[d] = data
            self.repo(repo)["blobs"].add(d)
        return d

    def seed_manifest(self, repo: str, raw: bytes, media_type: str, tag=None) -> str:
        d = digest_of(raw)
        with self.lock:
            r = self.repo(repo)
            r["manifests"][d] = (media_type, raw)
            if tag:
                r["tags"][tag] = d
        return d

    def seed_image(self, repo: str, tag: str, layer_sizes=(1024,), seed=b"") -> str:
        """An OCI image of random-looking layers of the given sizes; returns its digest."""
        layers = []
        for i, size in enumerate(layer_sizes):
            data = _pseudo_random(size, seed + repo.encode() + tag.encode() + bytes([i]))
            layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                           "digest": self.seed_blob(repo, data), "size": size})
        config = json.dumps({"architecture": "amd64", "os": "linux", "tag": tag,
                             "rootfs": {"type": "layers", "diff_ids": [l["digest"] for l in layers]}}).encode()
        manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                    "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                               "digest": self.seed_blob(repo, config), "size": len(config)},
                    "layers": layers}
        return self.seed_manifest(repo, json.dumps(manifest).encode(), OCI_MANIFEST, tag)

    def manifest(self, repo, ref):
        r = self.repos.get(repo)
        if not r:
            return None
        d = r["tags"].get(ref, ref)
        return r["manifests"].get(d)

    def tag_digest(self, repo, tag):
        r = self.repos.get(repo)
        return r and r["tags"].get(tag)

    def count(self, method, fragment) -> int:
        with self.lock:
            return sum(1 for m, p, _ in self.requests if m == method and fragment in p)

    # ------------------------------------------------------------------ auth
    def current_password(self):
        if self.password_file:
            with open(self.password_file) as f:
                return f.read().strip()
        return self.password

    def rotate_password(self):
        """expiring_basic: a new password, written where the credential helper reads it."""
        new = "rotated-" + secrets.token_hex(8)
        with open(self.password_file, "w") as f:
            f.write(new)

    def issue_token(self, scopes) -> str:
        token = "persona-token-" + secrets.token_hex(12)
        granted = set()
        for scope in scopes:
            kind, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            if kind == "repository":
                for a in actions.split(","):
                    granted.add((name, "pull" if a == "*" else a))
                    if a == "*":
                        granted.add((name, "push"))
            elif kind == "registry":
                granted.add(("catalog", "*"))
        with self.lock:
            self.tokens[token] = granted
        return token

    def scope_name(self, repo):
        """The repository name the challenge and the token check use."""
        if "renamed_scope" in self.behaviours and repo.startswith(REPO_KEY):
            return repo[len(REPO_KEY):]
        return repo


def _pseudo_random(size: int, seed: bytes) -> bytes:
    """Deterministic incompressible bytes (sha256 in counter mode, 32 bytes a step)."""
    out = bytearray()
    block = hashlib.sha256(seed).digest()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(block + counter.to_bytes(8, "big")).digest() * 32  # 1 KiB a step
        counter += 1
    return bytes(out[:size])


from persona_handler import _handler  # noqa: E402  (the request handler lives beside)
