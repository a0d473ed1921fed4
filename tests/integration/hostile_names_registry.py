"""A scripted Distribution-API server whose *names* are hostile (for test_boundary.py).

It serves hostile_registry's one small valid image under every repository path it is asked
for, so a name that escapes a target prefix would really be copied. What it lists is verbatim:

  catalog        GET /v2/_catalog answers {"repositories": catalog} (one page; names may hold
                 "..", "%2e%2e", upper case, newlines, ESC: JSON escapes them, the client gets
                 the raw characters back)
  tags           GET /v2/<any>/tags/list answers {"name": <any>, "tags": tags}
  error_message  when set, every manifest request answers 403 DENIED with this message (a
                 registry's error text with control characters in it)

A real registry would refuse such names when pushed (distribution validates them with the
same grammar, reference/regexp.go), but nothing makes a registry's *listing* honest: a catalog
or tag list is whatever the server sends. `requests` records (method, raw path) of each request.
"""
import json
import re
import threading
from http.server import BaseHTTPRequestHandler

from hostile_registry import OCI_MANIFEST, Content, digest_of
from listener_pair import ListenerPair

# Lenient on purpose: "/v2/x/../../mirror/nginx/tags/list" reaches a server as
# "/mirror/nginx/tags/list" once a client collapses the dot segments, and a hostile registry
# answers that too (so a name that climbs would really be served).
MANIFEST = re.compile(r"^(?:/v2)?/(.+)/manifests/([^/]+)$")
BLOB = re.compile(r"^(?:/v2)?/(.+)/blobs/(sha256:[0-9a-f]{64})$")
TAGS = re.compile(r"^(?:/v2)?/(.+)/tags/list$")


class HostileNamesRegistry(ListenerPair):
    def __init__(self, catalog=(), tags=("1.0",), error_message=None):
        self.catalog, self.tags, self.error_message = list(catalog), list(tags), error_message
        self.content = Content("ok")
        self.requests = []
        self.lock = threading.Lock()
        self.start_listeners(lambda side: _handler(self))

    @property
    def image_digest(self) -> str:
        return digest_of(self.content.image)

    def repositories_requested(self) -> set:
        """The repository part of every /v2/<repo>/... request (catalog and ping left out)."""
        out = set()
        for _, path in self.requests:
            path = path.split("?", 1)[0]
            for pattern in (MANIFEST, BLOB, TAGS):
                m = pattern.match(path)
                if m:
                    out.add(m.group(1))
                    break
        return out


def _handler(reg: HostileNamesRegistry):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def reply(self, status, body=b"", content_type="application/json", extra=None):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def dispatch(self):
            if "Content-Length" in self.headers:
                self.rfile.read(int(self.headers["Content-Length"]))
            with reg.lock:
                reg.requests.append((self.command, self.path))
            path = self.path.split("?", 1)[0]
            if path == "/v2/":
                return self.reply(200, b"{}")
            if path == "/v2/_catalog":
                return self.reply(200, json.dumps({"repositories": reg.catalog}).encode())
            m = TAGS.match(path)
            if m:
                return self.reply(200, json.dumps({"name": m.group(1), "tags": reg.tags}).encode())
            m = MANIFEST.match(path)
            if m:
                if reg.error_message is not None:
                    body = json.dumps({"errors": [{"code": "DENIED", "message": reg.error_message}]}).encode()
                    return self.reply(403, body)
                ref = m.group(2)
                media, body = reg.content.manifests.get(ref, (OCI_MANIFEST, reg.content.image))
                return self.reply(200, body, media, {"Docker-Content-Digest": digest_of(body)})
            m = BLOB.match(path)
            if m and m.group(2) in reg.content.blobs:
                return self.reply(200, reg.content.blobs[m.group(2)], "application/octet-stream")
            self.reply(404, b'{"errors":[{"code":"NAME_UNKNOWN","message":"unknown"}]}')

        do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = dispatch

    return Handler
