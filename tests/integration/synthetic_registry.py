"""A read-only registry of any size that stores no images: `repos` repositories of `tags` tags
each, every tag resolving to one small single-platform OCI image (one config, one layer).
It exists to measure ferry at registry scale (100,000 tags) without pushing 100,000 images:
only names are made up on the fly, page by page, so the server's own memory stays small.

Pagination follows docker-registry 2.8 (distribution registry/handlers/catalog.go and
tags.go): `n` caps a page (above 1000 the catalog answers 400 PAGINATION_NUMBER_INVALID,
TESTING.md), `last` is the last name of the previous page, and a page that is not the last
carries `Link: </v2/...?last=NAME&n=N>; rel="next"`. Without `n` a page holds `default_page`
names (docker-registry's catalog uses 100 by default).

`counts` tallies requests by kind (catalog, tags, manifest-HEAD, manifest-GET, blob-GET, …);
`arrivals` records (time.monotonic(), method, path) of every request. A test may set
`intercept` to a callable(handler, method, path) that answers a request itself (returning
True) before the registry does, e.g. to throttle one request.
"""
import gzip
import hashlib
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"


class _Server(ThreadingHTTPServer):
    request_queue_size = 64


def _sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class SyntheticRegistry:
    def __init__(self, repos: int, tags: int, default_page: int = 100, max_page: int = 1000,
                 prefix: str = "synth"):
        self.repo_names = [f"{prefix}/r{i:04d}" for i in range(repos)]
        self.repo_set = set(self.repo_names)
        self.tag_count = tags
        self.default_page, self.max_page = default_page, max_page
        self.counts, self.lock = {}, threading.Lock()
        self.arrivals = []
        self.intercept = None
        # The one image every tag names: an empty tar archive (two zero blocks), gzipped.
        self.layer = gzip.compress(bytes(1024), mtime=0)
        self.config = json.dumps({"architecture": "amd64", "os": "linux",
                                  "rootfs": {"type": "layers", "diff_ids": [_sha256(bytes(1024))]}},
                                 separators=(",", ":")).encode()
        self.manifest = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                                    "config": {"mediaType": OCI_CONFIG, "digest": _sha256(self.config),
                                               "size": len(self.config)},
                                    "layers": [{"mediaType": OCI_LAYER, "digest": _sha256(self.layer),
                                                "size": len(self.layer)}]},
                                   separators=(",", ":")).encode()
        self.digest = _sha256(self.manifest)
        self.blobs = {_sha256(self.config): self.config, _sha256(self.layer): self.layer}
        # A listen backlog of 64, not socketserver's 5: a client opening more connections at
        # once (ferry decides 4 × jobs images at a time) would otherwise see SYNs dropped and
        # retried a second later, requests arriving long after they were sent.
        self.server = _Server(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.host = f"127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def tag_name(self, i: int) -> str:
        return f"t{i:06d}"

    def count(self, kind: str):
        with self.lock:
            self.counts[kind] = self.counts.get(kind, 0) + 1

    def page(self, names_after, path: str, query: dict, field: str):
        """One page of names (a generator `names_after(last)` yields them in order). A page
        holds at most `max_page` names whatever `n` asks (the distribution spec lets a registry
        answer fewer than n; the Link header tells there is more)."""
        n = int(query.get("n", [self.default_page])[0])
        if n <= 0 or n > 1000:
            return 400, {"errors": [{"code": "PAGINATION_NUMBER_INVALID", "message": f"n={n}"}]}, {}
        n = min(n, self.max_page)
        last = query.get("last", [""])[0]
        names = []
        for name in names_after(last):
            if len(names) == n:
                link = f'<{path}?{urllib.parse.urlencode({"last": names[-1], "n": n})}>; rel="next"'
                return 200, {field: names}, {"Link": link}
            names.append(name)
        return 200, {field: names}, {}

    def repos_after(self, last: str):
        return (r for r in self.repo_names if r > last)

    def tags_after(self, last: str):
        start = int(last[1:]) + 1 if last else 0
        return (self.tag_name(i) for i in range(start, self.tag_count))

    def has_tag(self, ref: str) -> bool:
        return len(ref) == 7 and ref[0] == "t" and ref[1:].isdigit() and int(ref[1:]) < self.tag_count

    def _handler(self):
        registry = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt, *args):
                pass

            def send(self, status, body=b"", headers=None, content_type="application/json"):
                if isinstance(body, dict):
                    body = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Docker-Distribution-Api-Version", "registry/2.0")
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def route(self):
                url = urllib.parse.urlsplit(self.path)
                with registry.lock:
                    registry.arrivals.append((time.monotonic(), self.command, url.path))
                if registry.intercept and registry.intercept(self, self.command, url.path):
                    return
                query = urllib.parse.parse_qs(url.query)
                parts = url.path.split("/")
                if url.path == "/v2/":
                    return registry.count("ping") or self.send(200, {})
                if url.path == "/v2/_catalog":
                    registry.count("catalog")
                    return self.send(*registry.page(registry.repos_after, url.path, query, "repositories"))
                for marker in ("/tags/list", "/manifests/", "/blobs/"):
                    if marker in url.path:
                        repo, _, rest = url.path[len("/v2/"):].partition(marker)
                        return self.repo_route(repo, marker, rest, url.path, query)
                return self.send(404, {"errors": [{"code": "NOT_FOUND", "message": parts[-1]}]})

            def repo_route(self, repo, marker, rest, path, query):
                if repo not in registry.repo_set:
                    return self.send(404, {"errors": [{"code": "NAME_UNKNOWN", "message": repo}]})
                if marker == "/tags/list":
                    registry.count("tags")
                    status, body, headers = registry.page(registry.tags_after, path, query, "tags")
                    if status == 200:
                        body["name"] = repo
                    return self.send(status, body, headers)
                if marker == "/manifests/":
                    registry.count("manifest-" + self.command)
                    if rest != registry.digest and not registry.has_tag(rest):
                        return self.send(404, {"errors": [{"code": "MANIFEST_UNKNOWN", "message": rest}]})
                    return self.send(200, registry.manifest, {"Docker-Content-Digest": registry.digest},
                                     OCI_MANIFEST)
                registry.count("blob-" + self.command)
                blob = registry.blobs.get(rest)
                if blob is None:
                    return self.send(404, {"errors": [{"code": "BLOB_UNKNOWN", "message": rest}]})
                return self.send(200, blob, {"Docker-Content-Digest": rest}, "application/octet-stream")

            def do_GET(self):
                self.route()

            def do_HEAD(self):
                self.route()

            def refuse(self):
                registry.count("write-" + self.command)
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                self.send(405, {"errors": [{"code": "UNSUPPORTED", "message": "read-only"}]})

            do_PUT = do_POST = do_PATCH = do_DELETE = refuse

        return Handler
