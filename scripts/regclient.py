"""A minimal distribution-API client for test tooling (Python stdlib): keep-alive connection,
Basic and Bearer (token server) auth, blob upload, manifest PUT. Used by scripts/make-corpus to
push what skopeo cannot push from an OCI layout (Docker media types) and to tag fast."""
import base64
import http.client
import json
import os
import ssl
import urllib.parse
import urllib.request


class RegistryError(RuntimeError):
    pass


def _parse_challenge(header: str):
    scheme, _, rest = header.partition(" ")
    params = {}
    for part in urllib.request.parse_http_list(rest):
        k, _, v = part.partition("=")
        params[k.strip().lower()] = v.strip().strip('"')
    return scheme.lower(), params


class Registry:
    def __init__(self, host: str, creds: str = None, tls_verify: bool = False, cert_dir: str = None):
        self.host = host
        self.creds = creds
        self.ssl_context = self._ssl_context(tls_verify, cert_dir)
        self.tls_verify = tls_verify
        self.conn = None
        self.scheme = None
        self.auth_header = {}      # scope → Authorization value
        self.challenge = None

    @staticmethod
    def _ssl_context(verify: bool, cert_dir: str):
        ctx = ssl.create_default_context()
        if cert_dir:
            for name in sorted(os.listdir(cert_dir)):
                if name.endswith(".crt"):
                    ctx.load_verify_locations(os.path.join(cert_dir, name))
        if not verify and not cert_dir:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        return ctx

    def _connect(self):
        if self.scheme is None:
            self.scheme = self._probe_scheme()
        if self.scheme == "https":
            return http.client.HTTPSConnection(self.host, timeout=120, context=self.ssl_context)
        return http.client.HTTPConnection(self.host, timeout=120)

    def _probe_scheme(self) -> str:
        try:
            c = http.client.HTTPSConnection(self.host, timeout=10, context=self.ssl_context)
            c.request("GET", "/v2/")
            c.getresponse().read()
            c.close()
            return "https"
        except (ssl.SSLError, ConnectionError, http.client.HTTPException) as e:
            if self.tls_verify:
                raise RegistryError(f"{self.host}: TLS required and failed: {e}") from e
            return "http"

    def _send(self, method, path, body, headers):
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = self._connect()
            try:
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                return resp, resp.read()
            except (ConnectionError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _authorization(self, scope: str) -> dict:
        if self.challenge is None:
            return {}
        scheme, params = self.challenge
        if scheme == "basic":
            if not self.creds:
                raise RegistryError(f"{self.host} wants credentials")
            return {"Authorization": "Basic " + base64.b64encode(self.creds.encode()).decode()}
        if scope not in self.auth_header:
            query = {"service": params.get("service", "")}
            url = params["realm"] + "?" + urllib.parse.urlencode(query) + "&scope=" + urllib.parse.quote(scope)
            req = urllib.request.Request(url)
            if self.creds:
                req.add_header("Authorization", "Basic " + base64.b64encode(self.creds.encode()).decode())
            with urllib.request.urlopen(req, timeout=30) as r:
                answer = json.load(r)
            self.auth_header[scope] = "Bearer " + (answer.get("token") or answer["access_token"])
        return {"Authorization": self.auth_header[scope]}

    def request(self, method, path, scope, body=None, headers=None, expect=(200,)):
        """One request with auth; retried once after a 401 challenge. Returns (response, body)."""
        for _ in range(2):
            h = dict(headers or {})
            h.update(self._authorization(scope))
            resp, data = self._send(method, path, body, h)
            if resp.status == 401 and "Authorization" not in h:
                self.challenge = _parse_challenge(resp.getheader("WWW-Authenticate", ""))
                continue
            if resp.status not in expect:
                raise RegistryError(f"{method} {self.host}{path}: HTTP {resp.status} {data[:300]!r}")
            return resp, data
        raise RegistryError(f"{method} {self.host}{path}: still unauthorized")

    def blob_exists(self, repo: str, digest: str) -> bool:
        resp, _ = self.request("HEAD", f"/v2/{repo}/blobs/{digest}", f"repository:{repo}:pull,push",
                               expect=(200, 404))
        return resp.status == 200

    def push_blob(self, repo: str, digest: str, data: bytes):
        if self.blob_exists(repo, digest):
            return
        scope = f"repository:{repo}:pull,push"
        resp, _ = self.request("POST", f"/v2/{repo}/blobs/uploads/", scope, body=b"",
                               headers={"Content-Length": "0"}, expect=(202,))
        location = urllib.parse.urlsplit(resp.getheader("Location"))
        query = location.query + ("&" if location.query else "") + "digest=" + urllib.parse.quote(digest)
        self.request("PUT", f"{location.path}?{query}", scope, body=data,
                     headers={"Content-Type": "application/octet-stream",
                              "Content-Length": str(len(data))}, expect=(201,))

    def put_manifest(self, repo: str, reference: str, media_type: str, data: bytes):
        self.request("PUT", f"/v2/{repo}/manifests/{reference}", f"repository:{repo}:pull,push",
                     body=data, headers={"Content-Type": media_type, "Content-Length": str(len(data))},
                     expect=(201,))

    def push_tree(self, layout, repo: str, desc: dict, reference: str = None):
        """Pushes a manifest (and, for an index, its children) with its blobs from an OCI layout,
        bottom-up; the top is stored under `reference` (a tag) or its digest."""
        data = layout.read_blob(desc["digest"])
        body = json.loads(data)
        for child in body.get("manifests", []):
            self.push_tree(layout, repo, child)
        for blob in ([body["config"]] if "config" in body else []) + body.get("layers", []):
            self.push_blob(repo, blob["digest"], layout.read_blob(blob["digest"]))
        self.put_manifest(repo, reference or desc["digest"], desc["mediaType"], data)

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None
