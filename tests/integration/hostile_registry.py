"""A scripted Distribution-API server that misbehaves on purpose (for test_hostile.py).

HostileRegistry serves one small valid image (repository `hostile/app`, tag `v1`, one layer,
one config) and, per `scenario`, lies in one way:

  ok                  everything valid
  manifest_mismatch   GET by digest answers bytes that hash to something else
  lying_dcd           Docker-Content-Digest names another digest than the body has
  blob_wrong_digest   the layer's bytes differ (same length)
  blob_wrong_size     the layer has more bytes than its descriptor says
  blob_short          the layer has fewer bytes than its descriptor says
  manifest_oversize   the tag names a 5 MiB manifest
  malformed_json      the tag's manifest is not JSON
  index_self_loop     the tag is an index whose child digest is answered with the index itself
  index_deep          the tag is an index nested 7 levels deep before the image
  blob_redirect       blob GETs redirect (307) to a second listener on `localhost`
  blob_redirect_file  blob GETs redirect to file:///etc/passwd
  upload_other_host   (as a target) the upload Location points at the second listener
  upload_bad_scheme   (as a target) the upload Location is ftp://…
  link_endless        tags/list always answers a Link to a new page with the same tags
  link_self           tags/list answers a Link to itself
  auth_odd_quoting    Bearer challenge with escaped quotes and commas inside quoted values
  auth_unterminated   Bearer challenge whose quoted string never ends
  token_garbage       the token endpoint answers 200 with HTML
  token_not_string    the token endpoint answers {"token": 42}

With `password` set, every /v2/ request needs Basic auth (user `hostile`), or a Bearer token
from the built-in token endpoint for the auth_*/token_* scenarios. `requests` records every
request (method, path, headers) of both listeners; `side_requests` only the second listener's.
"""
import base64
import gzip
import io
import json
import tarfile
import threading
from http.server import BaseHTTPRequestHandler

from listener_pair import ListenerPair

from support import sha256_digest

REPO = "hostile/app"
TAG = "v1"
USER = "hostile"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
ISSUED_TOKEN = "hostile-issued-token-0123456789abcdef"


digest_of = sha256_digest


def make_layer(payload: bytes) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        info = tarfile.TarInfo("hello.txt")
        info.size, info.mtime = len(payload), 0
        tar.addfile(info, io.BytesIO(payload))
    return gzip.compress(raw.getvalue(), mtime=0)


def image_manifest(config: bytes, layer: bytes, padding: int = 1200) -> bytes:
    """An OCI manifest; `padding` characters of annotation make it bigger (size-limit tests)."""
    doc = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
           "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                      "digest": digest_of(config), "size": len(config)},
           "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                       "digest": digest_of(layer), "size": len(layer)}],
           "annotations": {"padding": "x" * padding}}
    return json.dumps(doc, separators=(",", ":")).encode()


def index_of(child: bytes, media_type: str) -> bytes:
    entry = {"mediaType": media_type, "digest": digest_of(child), "size": len(child)}
    if media_type == OCI_MANIFEST:
        entry["platform"] = {"os": "linux", "architecture": "amd64"}
    return json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [entry]},
                      separators=(",", ":")).encode()


class Content:
    """The image a scenario serves: blobs by digest, manifests by digest, the tag's manifest."""

    def __init__(self, scenario: str):
        self.layer = make_layer(b"hello from the hostile registry\n")
        self.config = json.dumps({"architecture": "amd64", "os": "linux",
                                  "rootfs": {"type": "layers", "diff_ids": [
                                      digest_of(gzip.decompress(self.layer))]}}).encode()
        self.image = image_manifest(self.config, self.layer)
        self.blobs = {digest_of(self.layer): self.layer, digest_of(self.config): self.config}
        self.manifests = {digest_of(self.image): (OCI_MANIFEST, self.image)}
        self.tag_manifest = (OCI_MANIFEST, self.image)
        build = getattr(self, "_build_" + scenario, None)
        if build:
            build()

    def _build_manifest_oversize(self):
        big = image_manifest(self.config, self.layer, padding=5 << 20)
        self.manifests[digest_of(big)] = (OCI_MANIFEST, big)
        self.tag_manifest = (OCI_MANIFEST, big)

    def _build_malformed_json(self):
        self.tag_manifest = (OCI_MANIFEST, b'{"schemaVersion": 2, "layers": [ {"digest": ')

    def _build_index_self_loop(self):
        index = index_of(self.image, OCI_MANIFEST)
        self.tag_manifest = (OCI_INDEX, index)
        self.manifests[digest_of(index)] = (OCI_INDEX, index)
        self.manifests[digest_of(self.image)] = (OCI_INDEX, index)  # the lie: child = the index

    def _build_index_deep(self):
        child, media = self.image, OCI_MANIFEST
        for _ in range(7):
            child, media = index_of(child, media), OCI_INDEX
            self.manifests[digest_of(child)] = (media, child)
        self.tag_manifest = (media, child)


class HostileRegistry(ListenerPair):
    def __init__(self, scenario="ok", password=None):
        self.scenario = scenario
        self.password = password
        self.content = Content(scenario)
        self.requests = []
        self.side_requests = []
        self.uploads = {}
        self.lock = threading.Lock()
        self.start_listeners(lambda side: _handler(self, side=side))

    @property
    def side_url(self) -> str:
        """The second listener under another host name (and port)."""
        return f"http://localhost:{self.side.server_address[1]}"

    def ref(self, ref=TAG) -> str:
        sep = "@" if ref.startswith("sha256:") else ":"
        return f"{self.host}/{REPO}{sep}{ref}"


def _handler(reg: HostileRegistry, side: bool):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def reply(self, status, body=b"", headers=None, head=False):
            self.send_response(status)
            headers = dict(headers or {})
            headers.setdefault("Content-Length", str(len(body)))
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            if body and not head and self.command != "HEAD":
                self.wfile.write(body)

        def record(self):
            body = b""
            if "Content-Length" in self.headers:
                body = self.rfile.read(int(self.headers["Content-Length"]))
            entry = (self.command, self.path, dict(self.headers.items()))
            with reg.lock:
                (reg.side_requests if side else reg.requests).append(entry)
            return body

        def dispatch(self):
            body = self.record()
            if side:
                return self.serve_side()
            if self.path.startswith("/token"):
                return self.serve_token()
            if not self.authorized():
                return self.challenge()
            path = self.path.split("?", 1)[0]
            prefix = f"/v2/{REPO}/"
            if path == "/v2/":
                return self.reply(200, b"{}", {"Content-Type": "application/json"})
            if path.startswith(prefix + "manifests/"):
                return self.serve_manifest(path[len(prefix + "manifests/"):], body)
            if path.startswith(prefix + "blobs/uploads/"):
                return self.serve_upload()
            if path.startswith(prefix + "blobs/"):
                return self.serve_blob(path[len(prefix + "blobs/"):])
            if path == prefix + "tags/list":
                return self.serve_tags()
            self.reply(404, b'{"errors":[{"code":"NAME_UNKNOWN","message":"no"}]}')

        do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = dispatch

        # -- auth
        def bearer_mode(self):
            return reg.scenario.startswith(("auth_", "token_"))

        def authorized(self):
            if not reg.password:
                return True
            got = self.headers.get("Authorization", "")
            if self.bearer_mode():
                return got == "Bearer " + ISSUED_TOKEN
            want = base64.b64encode(f"{USER}:{reg.password}".encode()).decode()
            return got == "Basic " + want

        def challenge(self):
            if not self.bearer_mode():
                value = 'Basic realm="hostile"'
            elif reg.scenario == "auth_unterminated":
                value = f'Bearer realm="http://{reg.host}/token,service="hostile'
            else:  # odd but legal: escaped quotes, commas and '=' inside quoted strings
                value = (f'Bearer realm="http://{reg.host}/token",'
                         'service="hostile \\"svc\\", a=b",scope="repository:hostile/app:pull"')
            self.reply(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"auth"}]}',
                       {"WWW-Authenticate": value, "Content-Type": "application/json"})

        def serve_token(self):
            want = base64.b64encode(f"{USER}:{reg.password}".encode()).decode()
            if self.headers.get("Authorization", "") != "Basic " + want:
                return self.reply(401, b'{"details":"bad credentials"}')
            if reg.scenario == "token_garbage":
                return self.reply(200, b"<html><body>Welcome to nginx!</body>",
                                  {"Content-Type": "text/html"})
            if reg.scenario == "token_not_string":
                return self.reply(200, b'{"token": 42}', {"Content-Type": "application/json"})
            from urllib.parse import parse_qs, urlsplit
            service = parse_qs(urlsplit(self.path).query).get("service", [""])[0]
            if service != 'hostile "svc", a=b':
                return self.reply(400, b'{"details":"wrong service"}')
            self.reply(200, json.dumps({"token": ISSUED_TOKEN, "expires_in": 300}).encode(),
                       {"Content-Type": "application/json"})

        # -- content
        def absent_at_target(self):
            """As an upload target the registry holds nothing yet."""
            return reg.scenario.startswith("upload_") and self.command in ("HEAD", "GET")

        def serve_manifest(self, ref, body):
            if self.absent_at_target():
                return self.reply(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"no"}]}')
            if self.command == "PUT":
                d = digest_of(body)
                return self.reply(201, b"", {"Docker-Content-Digest": d, "Location": self.path})
            c = reg.content
            if ref == TAG:
                media, data = c.tag_manifest
            elif ref in c.manifests:
                media, data = c.manifests[ref]
            else:
                return self.reply(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"no"}]}')
            claimed = digest_of(data)
            if reg.scenario == "manifest_mismatch" and ref.startswith("sha256:"):
                data = data.replace(b'"padding":"x', b'"padding":"y')
            if reg.scenario == "lying_dcd":
                claimed = digest_of(data + b" ")
            self.reply(200, data, {"Content-Type": media, "Docker-Content-Digest": claimed},
                       head=self.command == "HEAD")

        def blob_bytes(self, digest):
            data = reg.content.blobs.get(digest)
            if data is None or digest != digest_of(reg.content.layer):
                return data
            if reg.scenario == "blob_wrong_digest":
                return data[:-1] + bytes([data[-1] ^ 0xFF])
            if reg.scenario == "blob_wrong_size":
                return data + b"\0" * 100
            if reg.scenario == "blob_short":
                return data[:-10]
            return data

        def serve_blob(self, digest):
            if self.command == "PUT":
                return self.reply(201)
            data = None if self.absent_at_target() else self.blob_bytes(digest)
            if data is None:
                return self.reply(404, b'{"errors":[{"code":"BLOB_UNKNOWN","message":"no"}]}')
            if self.command == "GET" and reg.scenario == "blob_redirect":
                return self.reply(307, b"", {"Location": f"{reg.side_url}/storage/{digest}"})
            if self.command == "GET" and reg.scenario == "blob_redirect_file":
                return self.reply(307, b"", {"Location": "file:///etc/passwd"})
            self.reply(200, data, {"Content-Type": "application/octet-stream",
                                   "Docker-Content-Digest": digest}, head=self.command == "HEAD")

        def serve_upload(self):
            if self.command == "POST":
                if reg.scenario == "upload_other_host":
                    location = f"{reg.side_url}/upload/session1"
                elif reg.scenario == "upload_bad_scheme":
                    location = "ftp://127.0.0.1/upload/session1"
                else:
                    location = f"/v2/{REPO}/blobs/uploads/session1"
                return self.reply(202, b"", {"Location": location, "Range": "0-0"})
            return self.reply(201, b"", {"Location": self.path})

        def serve_tags(self):
            from urllib.parse import parse_qs, urlsplit
            page = int(parse_qs(urlsplit(self.path).query).get("page", ["0"])[0])
            body = json.dumps({"name": REPO, "tags": [TAG, "v2"]}).encode()
            headers = {"Content-Type": "application/json"}
            if reg.scenario == "link_endless":
                headers["Link"] = f'</v2/{REPO}/tags/list?n=1000&page={page + 1}>; rel="next"'
            elif reg.scenario == "link_self":
                headers["Link"] = f'<{self.path}>; rel="next"'
            self.reply(200, body, headers)

        def serve_side(self):
            path = self.path.split("?", 1)[0]
            if path.startswith("/storage/"):
                data = reg.content.blobs.get(path[len("/storage/"):])
                if data is not None:
                    return self.reply(200, data, {"Content-Type": "application/octet-stream"})
            if path.startswith("/upload/"):
                return self.reply(202 if self.command == "PATCH" else 201, b"", {"Location": path})
            self.reply(404)

    return Handler
