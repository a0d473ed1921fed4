"""A minimal read-only registry (stdlib HTTP/1.1) that has what docker-registry 2.8 lacks: the
OCI referrers API, answered in pages joined by Link headers. Tests sync from it to a real
docker-registry to exercise ferry's referrers-API path; content is built in memory."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from support import sha256_digest

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
PAGE_SIZE = 1


sha256 = sha256_digest


def _dumps(doc) -> bytes:
    return json.dumps(doc, separators=(",", ":")).encode()


class Content:
    """Blobs, manifests, tags and referrers of one repository."""

    def __init__(self, repo: str):
        self.repo = repo
        self.blobs, self.manifests, self.tags, self.referrers = {}, {}, {}, {}

    def blob(self, data: bytes, media_type: str) -> dict:
        self.blobs[sha256(data)] = data
        return {"mediaType": media_type, "digest": sha256(data), "size": len(data)}

    def manifest(self, layers: list, tag=None, subject=None, artifact_type=None) -> dict:
        doc = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
               "config": self.blob(b"{}", "application/vnd.oci.empty.v1+json"), "layers": layers}
        if artifact_type:
            doc["artifactType"] = artifact_type
        if subject:
            doc["subject"] = subject
        raw = _dumps(doc)
        desc = {"mediaType": OCI_MANIFEST, "digest": sha256(raw), "size": len(raw)}
        self.manifests[desc["digest"]] = raw
        if tag:
            self.tags[tag] = desc["digest"]
        if subject:
            entry = dict(desc, artifactType=artifact_type) if artifact_type else desc
            self.referrers.setdefault(subject["digest"], []).append(entry)
        return desc


class ReferrersRegistry:
    """Serves `content` on 127.0.0.1:<port>; `calls` records (method, path) of every request."""

    def __init__(self, content: Content):
        self.content, self.calls = content, []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_HEAD(self):
                outer._serve(self, body=False)

            def do_GET(self):
                outer._serve(self, body=True)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.host = f"127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def _reply(self, h, status, data=b"", headers=None, body=True):
        h.send_response(status)
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        if body:
            h.wfile.write(data)

    def _serve(self, h, body):
        self.calls.append((h.command, h.path))
        path, _, query = h.path.partition("?")
        prefix = f"/v2/{self.content.repo}/"
        if path == "/v2/":
            return self._reply(h, 200, b"{}", {"Content-Type": "application/json"}, body)
        if not path.startswith(prefix):
            return self._reply(h, 404, b'{"errors":[{"code":"NAME_UNKNOWN"}]}', body=body)
        kind, _, ref = path[len(prefix):].partition("/")
        c = self.content
        if kind == "tags" and ref == "list":
            return self._reply(h, 200, _dumps({"name": c.repo, "tags": sorted(c.tags)}), body=body)
        if kind == "manifests":
            digest = c.tags.get(ref, ref)
            if digest not in c.manifests:
                return self._reply(h, 404, b'{"errors":[{"code":"MANIFEST_UNKNOWN"}]}', body=body)
            return self._reply(h, 200, c.manifests[digest],
                               {"Content-Type": OCI_MANIFEST, "Docker-Content-Digest": digest}, body)
        if kind == "blobs" and ref in c.blobs:
            return self._reply(h, 200, c.blobs[ref], {"Content-Type": "application/octet-stream"}, body)
        if kind == "referrers":
            return self._referrers_page(h, ref, query, body)
        return self._reply(h, 404, b'{"errors":[{"code":"BLOB_UNKNOWN"}]}', body=body)

    def _referrers_page(self, h, subject, query, body):
        page = int(query.partition("page=")[2] or 0)
        found = self.content.referrers.get(subject, [])
        chunk = found[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]
        headers = {"Content-Type": OCI_INDEX}
        if (page + 1) * PAGE_SIZE < len(found):
            headers["Link"] = f'</v2/{self.content.repo}/referrers/{subject}?page={page + 1}>; rel="next"'
        doc = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": chunk}
        return self._reply(h, 200, _dumps(doc), headers, body)
