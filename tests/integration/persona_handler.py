"""The request handler of PersonaRegistry (persona_registry.py): routing, auth, and the
behaviour switches at the point where each one changes an answer."""
import base64
import json
import re
import secrets
import urllib.parse
from http.server import BaseHTTPRequestHandler

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
MIB = 1 << 20
CHUNK_MIN = 2 * MIB      # chunk_min_length: what the POST answer announces
ECR_MIN_PART = 5 * MIB   # ecr_chunks: parts below this (but the last) fail the upload
RATE_WINDOW = 21600      # Docker Hub's 6 h window
WARNING = 'Warning: 299 - "this persona registry emulates another registry; behaviours are switched on per test"'
ROUTE = re.compile(r"^/v2/(?P<name>.+?)/(?P<kind>manifests|blobs|tags|referrers)/(?P<rest>.*)$")


def error_body(code, message, detail=None):
    entry = {"code": code, "message": message}
    if detail is not None:
        entry["detail"] = detail
    return json.dumps({"errors": [entry]}).encode()


def _handler(reg, side: bool):
    from persona_registry import digest_of  # noqa: circular at import time only

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        # ------------------------------------------------------------ plumbing
        def reply(self, status, body=b"", headers=None):
            self.send_response(status)
            headers = dict(headers or {})
            headers.setdefault("Content-Length", str(len(body)))
            if "warning_header" in reg.behaviours and not side:
                self.send_header("Warning", WARNING.split(": ", 1)[1])
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            if body and self.command != "HEAD":
                self.wfile.write(body)

        def fail(self, status, code, message, headers=None):
            self.reply(status, error_body(code, message), dict(headers or {}, **{"Content-Type": "application/json"}))

        def read_body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            chunks, left = [], length
            while left > 0:
                piece = self.rfile.read(min(left, 1 << 20))
                if not piece:
                    break
                chunks.append(piece)
                left -= len(piece)
            return b"".join(chunks)

        def dispatch(self):
            body = self.read_body()
            entry = (self.command, self.path, dict(self.headers.items()))
            with reg.lock:
                (reg.side_requests if side else reg.requests).append(entry)
            if side:
                return self.serve_cdn()
            url = urllib.parse.urlsplit(self.path)
            self.query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
            path = url.path
            if path.startswith("/token"):
                with reg.lock:
                    reg.token_requests.append((self.command, self.path, dict(self.headers.items()), body))
                return self.serve_token(body)
            if reg.prefix:
                if not path.startswith(reg.prefix + "/v2/"):
                    return self.reply(404, b"404 page not found")
                path = path[len(reg.prefix):]
            if path == "/v2/" or path == "/v2":
                return self.reply(200, b"{}") if self.authorized(None, "pull") else None
            if path == "/v2/_catalog":
                return self.serve_catalog()
            m = ROUTE.match(path)
            if not m:
                return self.reply(404, b"404 page not found")
            name, kind, rest = m["name"], m["kind"], m["rest"]
            action = "pull" if self.command in ("GET", "HEAD") else "push"
            if not self.authorized(name, action):
                return None
            handler = {"manifests": self.serve_manifest, "blobs": self.serve_blob,
                       "tags": self.serve_tags, "referrers": self.serve_referrers}[kind]
            return handler(name, rest, body)

        do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = dispatch

        # ------------------------------------------------------------ auth
        def challenge(self, name, action):
            realm = f"{reg.scheme}://{reg.host}/token"
            if reg.auth == "basic":
                value = 'Basic realm="persona"'
            elif "realm_only" in reg.behaviours:
                value = f'Bearer realm="{realm}"'
            else:
                value = f'Bearer realm="{realm}",service="persona"'
                if name:
                    actions = "pull" if action == "pull" else "pull,push"
                    value += f',scope="repository:{reg.scope_name(name)}:{actions}"'
            self.fail(401, "UNAUTHORIZED", "authentication required", {"WWW-Authenticate": value})

        def authorized(self, name, action) -> bool:
            header = self.headers.get("Authorization", "")
            if not reg.auth:
                return True
            if reg.auth == "basic":
                if not header.startswith("Basic "):
                    self.challenge(name, action)
                    return False
                user, _, password = base64.b64decode(header[6:]).decode().partition(":")
                if user == reg.user and password == reg.current_password():
                    return True
                if "expiring_basic" in reg.behaviours:
                    # ECR: a token from `aws ecr get-login-password` older than 12 h (docker-py#1170)
                    self.fail(403, "DENIED", "Your authorization token has expired. Reauthenticate and try again.")
                else:
                    self.challenge(name, action)
                return False
            granted = reg.tokens.get(header[7:]) if header.startswith("Bearer ") else None
            if granted is None:
                self.challenge(name, action)
                return False
            if name is None:
                return True
            if (reg.scope_name(name), action) not in granted and ("catalog", "*") not in granted:
                self.challenge(name, action)
                return False
            return True

        def serve_token(self, body):
            if self.command == "POST":
                # ACR: the refresh-token grant (Azure/acr docs/AAD-OAuth.md); the reply has no expires_in.
                form = urllib.parse.parse_qs(body.decode())
                if form.get("grant_type") != ["refresh_token"] or form.get("refresh_token") != [reg.refresh_token]:
                    return self.fail(401, "UNAUTHORIZED", "invalid refresh token")
                scopes = " ".join(form.get("scope", [])).split()
                token = reg.issue_token(scopes)
                return self.reply(200, json.dumps({"access_token": token}).encode(), {"Content-Type": "application/json"})
            scopes = self.query.get("scope", [])
            header = self.headers.get("Authorization", "")
            has_creds = False
            if header.startswith("Basic "):
                user, _, password = base64.b64decode(header[6:]).decode().partition(":")
                if (user, password) != (reg.user, reg.current_password()):
                    return self.fail(401, "UNAUTHORIZED", "bad credentials")
                has_creds = True
            if not has_creds and reg.auth != "bearer-anonymous":
                return self.fail(401, "UNAUTHORIZED", "credentials required")
            if not has_creds:  # Docker Hub: anonymous tokens for pulls only
                scopes = [s.rsplit(":", 1)[0] + ":pull" for s in scopes if s.startswith("repository:")]
            token = reg.issue_token(scopes)
            self.reply(200, json.dumps({"token": token, "expires_in": 300}).encode(), {"Content-Type": "application/json"})

        # ------------------------------------------------------------ repositories
        def missing_target(self, name) -> bool:
            """Answers a write into a repository the registry wants created first."""
            if "harbor_project_500" in reg.behaviours and name.split("/")[0] not in reg.existing:
                self.reply(500, b"Internal Server Error", {"Content-Type": "text/plain"})
                return True
            if "repo_must_exist" in reg.behaviours and name not in reg.existing:
                self.fail(404, "NAME_UNKNOWN", f"The repository with name '{name}' does not exist in the registry with id '123456789012'")
                return True
            return False

        def serve_catalog(self):
            if not self.authorized(None, "pull"):
                return None
            if "no_catalog" in reg.behaviours:
                return self.fail(404, "NOT_FOUND", "page not found")
            names = sorted(reg.repos)
            self.reply(200, json.dumps({"repositories": names}).encode(), {"Content-Type": "application/json"})

        # ------------------------------------------------------------ manifests
        def rate_headers(self):
            if "rate_limit" not in reg.behaviours:
                return {}
            left = max(0, reg.pull_limit - reg.pulls)
            return {"RateLimit-Limit": f"{reg.pull_limit};w={RATE_WINDOW}", "RateLimit-Remaining": f"{left};w={RATE_WINDOW}"}

        def serve_manifest(self, name, ref, body):
            if self.command == "PUT":
                return self.put_manifest(name, ref, body)
            found = reg.manifest(name, ref)
            if self.command == "GET" and "rate_limit" in reg.behaviours:
                with reg.lock:
                    if reg.pulls >= reg.pull_limit:
                        return self.fail(429, "TOOMANYREQUESTS",
                                         "You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit",
                                         self.rate_headers())
                    reg.pulls += 1
            if not found:
                return self.fail(404, "MANIFEST_UNKNOWN", "manifest unknown", self.rate_headers())
            media_type, raw = found
            headers = {"Content-Type": media_type, "Docker-Content-Digest": digest_of(raw), **self.rate_headers()}
            if self.command == "HEAD" and "head_no_digest" in reg.behaviours:
                del headers["Docker-Content-Digest"]
            self.reply(200, raw, headers)

        def put_manifest(self, name, ref, raw):
            if self.missing_target(name):
                return None
            d = digest_of(raw)
            media_type = self.headers.get("Content-Type", "")
            current = reg.tag_digest(name, ref)
            if current and current != d and (name, ref) in reg.immutable_tags:
                if "ecr_immutable" in reg.behaviours:
                    return self.fail(400, "TAG_INVALID", f"The image tag '{ref}' already exists in the '{name}' repository and cannot be overwritten because the repository is immutable.")
                if "harbor_immutable" in reg.behaviours:
                    return self.fail(412, "DENIED", f"Failed to process request due to '{name.split('/')[-1]}:{ref}' configured as immutable")
            doc = json.loads(raw)
            repo = reg.repos.get(name, {"blobs": set(), "manifests": {}})
            wanted = [doc["config"]] + doc.get("layers", []) if "config" in doc else []
            for desc in wanted:
                if desc["digest"] not in repo["blobs"]:
                    return self.fail(400, "MANIFEST_BLOB_UNKNOWN", "blob unknown to registry", )
            for desc in doc.get("manifests", []):
                if desc["digest"] not in repo["manifests"]:
                    return self.fail(400, "MANIFEST_BLOB_UNKNOWN", "manifest unknown to registry")
            reg.seed_manifest(name, raw, media_type, None if ref.startswith("sha256:") else ref)
            with reg.lock:
                reg.manifest_puts += 1
                rotate = reg.rotate_after_puts and reg.manifest_puts == reg.rotate_after_puts
            if rotate:
                reg.rotate_password()
            headers = {"Docker-Content-Digest": d, "Location": f"{reg.prefix}/v2/{name}/manifests/{d}"}
            if doc.get("subject"):
                headers["OCI-Subject"] = doc["subject"]["digest"]
            self.reply(201, b"", headers)

        # ------------------------------------------------------------ blobs
        def serve_cdn(self):
            # Docker Hub's CDN (and S3) refuse a request that carries the registry's token.
            if self.headers.get("Authorization"):
                return self.reply(400, b"<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed</Message></Error>")
            d = urllib.parse.urlsplit(self.path).path.rsplit("/", 1)[-1]
            data = reg.blobs.get(d)
            if data is None:
                return self.reply(404, b"not found")
            self.reply(200, data, {"Content-Type": "application/octet-stream"})

        def serve_blob(self, name, rest, body):
            if rest.startswith("uploads"):
                return self.serve_upload(name, rest[len("uploads"):].lstrip("/"), body)
            d = rest
            repo = reg.repos.get(name)
            if not repo or d not in repo["blobs"]:
                return self.fail(404, "BLOB_UNKNOWN", "blob unknown to registry")
            if self.command == "DELETE":
                return self.reply(405, b"")
            data = reg.blobs[d]
            if self.command == "GET" and "cdn_redirect" in reg.behaviours:
                cdn = f"http://localhost:{reg.side.server_address[1]}/cdn/{d}?expires=1&signature={secrets.token_hex(8)}"
                return self.reply(307, b"", {"Location": cdn})
            rng = self.headers.get("Range")
            if rng and rng.startswith("bytes=") and self.command == "GET":
                start = int(rng[6:].split("-")[0])
                return self.reply(206, data[start:], {"Content-Range": f"bytes {start}-{len(data) - 1}/{len(data)}",
                                                      "Docker-Content-Digest": d})
            self.reply(200, data, {"Content-Type": "application/octet-stream", "Docker-Content-Digest": d,
                                   "Content-Length": str(len(data))})

        def session_headers(self, name, uid, session):
            size = len(session["data"])
            return {"Location": f"{reg.prefix}/v2/{name}/blobs/uploads/{uid}", "Docker-Upload-UUID": uid,
                    "Range": f"0-{max(0, size - 1)}"}

        def serve_upload(self, name, uid, body):
            if self.command == "POST":
                return self.start_upload(name, body)
            session = reg.uploads.get(uid)
            if not session:
                return self.fail(404, "BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry")
            if self.command == "GET":
                return self.reply(204, b"", self.session_headers(name, uid, session))
            if self.command == "DELETE":
                reg.uploads.pop(uid, None)
                return self.reply(204, b"")
            if self.command == "PATCH":
                return self.patch_upload(name, uid, session, body)
            return self.finish_upload(name, uid, session, body)

        def start_upload(self, name, body):
            if self.missing_target(name):
                return None
            mount, source = self.query.get("mount", [None])[0], self.query.get("from", [None])[0]
            if mount and source and mount in reg.repos.get(source, {"blobs": set()})["blobs"]:
                reg.repo(name)["blobs"].add(mount)
                return self.reply(201, b"", {"Location": f"{reg.prefix}/v2/{name}/blobs/{mount}", "Docker-Content-Digest": mount})
            uid = secrets.token_hex(16)
            session = {"data": bytearray(), "patches": []}
            reg.uploads[uid] = session
            headers = self.session_headers(name, uid, session)
            if "chunk_min_length" in reg.behaviours:
                headers["OCI-Chunk-Min-Length"] = str(CHUNK_MIN)
            self.reply(201 if "post_201" in reg.behaviours else 202, b"", headers)

        def patch_upload(self, name, uid, session, body):
            if "no_chunked_uploads" in reg.behaviours:
                return self.reply(400, b"Bad Request", {"Content-Type": "text/plain"})
            if "patch_cap_4mib" in reg.behaviours and len(body) > 4 * MIB:
                return self.fail(416, "BLOB_UPLOAD_INVALID", f"blob upload invalid: PATCH size {len(body)} exceeds the maximum permissible limit of 4.00MiB")
            content_range = self.headers.get("Content-Range")
            if content_range:
                start = int(content_range.split("-")[0])
                if start != len(session["data"]):
                    return self.reply(416, b"", self.session_headers(name, uid, session))
            session["data"] += body
            session["patches"].append(len(body))
            headers = self.session_headers(name, uid, session)
            if "ecr_chunks" in reg.behaviours:
                # ECR: 201, and a Range that stops at the first chunk (aws/containers-roadmap#2831)
                headers["Range"] = f"0-{session['patches'][0] - 1}"
                return self.reply(201, b"", headers)
            if "patch_without_location" in reg.behaviours:
                del headers["Location"]
            self.reply(202, b"", headers)

        def finish_upload(self, name, uid, session, body):
            if "monolithic_cap" in reg.behaviours and len(body) > reg.body_cap:
                return self.reply(413, b"<html><body><h1>413 Request Entity Too Large</h1></body></html>", {"Content-Type": "text/html"})
            if "revoke_on_first_put" in reg.behaviours and body and not reg.revoked_once:
                with reg.lock:
                    reg.revoked_once = True
                    reg.tokens.clear()
                return self.challenge(name, "push")
            parts = session["patches"] + ([len(body)] if body else [])
            if "ecr_chunks" in reg.behaviours and any(p < ECR_MIN_PART for p in parts[:-1]):
                return self.fail(400, "BLOB_UPLOAD_INVALID", "Part size must be at least 5 MiB except for the last part")
            session["data"] += body
            d = self.query.get("digest", [""])[0]
            data = bytes(session["data"])
            if digest_of(data) != d:
                return self.fail(400, "DIGEST_INVALID", "provided digest did not match uploaded content")
            reg.uploads.pop(uid, None)
            reg.seed_blob(name, data)
            self.reply(201, b"", {"Location": f"{reg.prefix}/v2/{name}/blobs/{d}", "Docker-Content-Digest": d})

        # ------------------------------------------------------------ listings
        def serve_tags(self, name, rest, body):
            repo = reg.repos.get(name)
            if not repo:
                return self.fail(404, "NAME_UNKNOWN", "repository name not known to registry")
            tags = sorted(repo["tags"])
            n = self.query.get("n", [None])[0]
            if "tags_cap_100" in reg.behaviours and n is not None and int(n) > 100:
                return self.fail(400, "PAGINATION_NUMBER_INVALID", "invalid number of results requested", {})
            if "quay_pages" in reg.behaviours:
                return self.quay_page(name, tags)
            if "junk_tags" in reg.behaviours:
                some = next(iter(repo["manifests"]), "sha256:" + "0" * 64)
                tags = [None, some] + tags
            start = tags.index(self.query["last"][0]) + 1 if self.query.get("last", [""])[0] in tags else 0
            page = tags[start:start + int(n)] if n else tags[start:]
            headers = {"Content-Type": "application/json"}
            if n and start + int(n) < len(tags):
                headers["Link"] = f'<{reg.prefix}/v2/{name}/tags/list?n={n}&last={page[-1]}>; rel="next"'
            self.reply(200, json.dumps({"name": name, "tags": page}).encode(), headers)

        def quay_page(self, name, tags):
            # Quay: 50 per page whatever n says; the next page is an opaque token, `last` is ignored.
            token = self.query.get("next_page", [""])[0]
            start = int(base64.urlsafe_b64decode(token.encode()).decode().split(":")[1]) if token else 0
            page = tags[start:start + 50]
            headers = {"Content-Type": "application/json"}
            if start + 50 < len(tags):
                opaque = base64.urlsafe_b64encode(f"{secrets.token_hex(4)}:{start + 50}".encode()).decode()
                headers["Link"] = f'</v2/{name}/tags/list?n=50&next_page={opaque}>; rel="next"'
            self.reply(200, json.dumps({"name": name, "tags": page}).encode(), headers)

        def serve_referrers(self, name, subject, body):
            b = reg.behaviours
            if "referrers_406" in b:
                return self.fail(406, "UNSUPPORTED", "Not Acceptable")
            if "referrers_400" in b:
                return self.fail(400, "UNSUPPORTED", "referrers are not supported")
            if "referrers_405" in b:
                return self.reply(405, b"Method Not Allowed")
            if "referrers_not_index" in b:
                return self.reply(200, b"<html><body>Welcome</body></html>", {"Content-Type": "text/html"})
            if "referrers_api" not in b and "referrers_unknown_first" not in b:
                return self.reply(404, b"404 page not found", {"Content-Type": "text/plain"})
            repo = reg.repos.get(name)
            first = "referrers_unknown_first" in b and not getattr(reg, "referrers_asked", None)
            reg.referrers_asked = True
            if not repo or first:  # a referrers API still says NAME_UNKNOWN for a repository it lacks
                return self.fail(404, "NAME_UNKNOWN", "repository name not known to registry")
            found = []
            for d, (mt, raw) in repo["manifests"].items():
                doc = json.loads(raw)
                if (doc.get("subject") or {}).get("digest") == subject:
                    entry = {"mediaType": mt, "digest": d, "size": len(raw)}
                    if doc.get("artifactType") or doc.get("config", {}).get("mediaType"):
                        entry["artifactType"] = doc.get("artifactType") or doc["config"]["mediaType"]
                    found.append(entry)
            index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": found}
            self.reply(200, json.dumps(index).encode(), {"Content-Type": OCI_INDEX})

    return Handler
