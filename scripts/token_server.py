#!/usr/bin/env python3
"""A test token server for docker-registry's `auth: token` (Python stdlib + the openssl CLI).

GET  /token?service=S&scope=T:NAME:ACTIONS[&scope=...]   Basic credentials → signed RS256 JWT
POST /token  (form: grant_type=password|refresh_token)    OAuth2 flavour, same grants
GET  /healthz                                             200 "ok"

With the right Basic credentials every requested scope is granted; without credentials the token
grants nothing (empty access); wrong credentials get 401. Each request is logged without secrets.
"""
import argparse
import base64
import json
import os
import secrets
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

TOKEN_TTL = 300


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def parse_scope(scope: str):
    """'repository:host:5000/a/b:pull,push' → dict; type ends at the first ':', actions after the last."""
    kind, sep, rest = scope.partition(":")
    name, sep2, actions = rest.rpartition(":")
    if not sep or not sep2 or not kind or not name:
        return None
    return {"type": kind, "name": name, "actions": [a for a in actions.split(",") if a]}


class Signer:
    def __init__(self, key_path: str, cert_path: str):
        self.key_path = key_path
        der = subprocess.run(["openssl", "x509", "-in", cert_path, "-outform", "DER"],
                             check=True, capture_output=True).stdout
        self.x5c = base64.b64encode(der).decode()

    def sign(self, claims: dict) -> str:
        header = {"typ": "JWT", "alg": "RS256", "x5c": [self.x5c]}
        signing_input = (b64url(json.dumps(header, separators=(",", ":")).encode()) + "." +
                         b64url(json.dumps(claims, separators=(",", ":")).encode()))
        signature = subprocess.run(["openssl", "dgst", "-sha256", "-sign", self.key_path],
                                   input=signing_input.encode(), check=True,
                                   capture_output=True).stdout
        return signing_input + "." + b64url(signature)


class TokenService:
    def __init__(self, args):
        self.signer = Signer(args.key, args.cert)
        self.issuer = args.issuer
        self.service = args.service
        with open(args.credentials, encoding="utf-8") as f:
            self.user, _, self.password = f.read().strip().partition(":")
        self.refresh_token = secrets.token_hex(16)
        self.log_path = args.log
        self.log_lock = threading.Lock()

    def log(self, entry: dict):
        entry["time"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        line = json.dumps(entry, sort_keys=True)
        with self.log_lock:
            if self.log_path:
                with open(self.log_path, "a", encoding="utf-8") as f:
                    f.write(line + "\n")
            else:
                print(line, file=sys.stderr, flush=True)

    def check_password(self, user: str, password: str) -> bool:
        return secrets.compare_digest(user, self.user) and secrets.compare_digest(password, self.password)

    def issue(self, subject: str, scopes: list, authenticated: bool) -> dict:
        now = int(time.time())
        access = []
        if authenticated:
            access = [s for s in (parse_scope(x) for x in scopes) if s is not None]
        claims = {
            "iss": self.issuer, "sub": subject, "aud": self.service,
            "exp": now + TOKEN_TTL, "nbf": now - 10, "iat": now,
            "jti": secrets.token_hex(12), "access": access,
        }
        token = self.signer.sign(claims)
        issued_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
        return {"token": token, "access_token": token, "expires_in": TOKEN_TTL,
                "issued_at": issued_at}, access


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ferry-test-token-server/1"
    service: TokenService = None

    def log_message(self, fmt, *args):  # the JSON log below replaces the default stderr lines
        pass

    def reply(self, status: int, body: dict, extra_headers=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra_headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def basic_credentials(self):
        header = self.headers.get("Authorization", "")
        if not header.lower().startswith("basic "):
            return None
        try:
            user, _, password = base64.b64decode(header[6:].strip()).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return ("", "\0invalid")
        return user, password

    def do_GET(self):
        url = urlsplit(self.path)
        if url.path == "/healthz":
            return self.reply(200, {"status": "ok"})
        if url.path != "/token":
            return self.reply(404, {"errors": [{"code": "NOT_FOUND", "message": url.path}]})
        query = parse_qs(url.query)
        self.grant(self.basic_credentials(), query.get("scope", []), query, "basic")

    def do_POST(self):
        url = urlsplit(self.path)
        if url.path != "/token":
            return self.reply(404, {"errors": [{"code": "NOT_FOUND", "message": url.path}]})
        length = int(self.headers.get("Content-Length", "0") or 0)
        form = parse_qs(self.rfile.read(length).decode("utf-8", "replace"))
        scopes = " ".join(form.get("scope", [])).split()
        grant_type = form.get("grant_type", [""])[0]
        if grant_type == "password":
            creds = (form.get("username", [""])[0], form.get("password", [""])[0])
        elif grant_type == "refresh_token":
            ok = secrets.compare_digest(form.get("refresh_token", [""])[0], self.service.refresh_token)
            creds = (self.service.user, self.service.password) if ok else ("", "\0invalid")
        else:
            return self.reply(400, {"error": "unsupported_grant_type"})
        self.grant(creds, scopes, form, "oauth2-" + grant_type)

    def grant(self, creds, scopes, params, flavour):
        entry = {"method": self.command, "flavour": flavour, "scopes": scopes,
                 "service": params.get("service", [""])[0], "account": params.get("account", [""])[0],
                 "user": creds[0] if creds else None}
        if creds is not None and not self.service.check_password(*creds):
            entry.update(status=401, granted=[])
            self.service.log(entry)
            return self.reply(401, {"errors": [{"code": "UNAUTHORIZED",
                                                "message": "invalid username or password"}]},
                              {"WWW-Authenticate": 'Basic realm="ferry-test-token"'})
        subject = creds[0] if creds else ""
        body, access = self.service.issue(subject, scopes, creds is not None)
        if creds is not None and params.get("offline_token", [""])[0] == "true":
            body["refresh_token"] = self.service.refresh_token
        entry.update(status=200, granted=access)
        self.service.log(entry)
        self.reply(200, body)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--listen", default="127.0.0.1:5105")
    p.add_argument("--key", required=True, help="PEM RSA private key of the signer")
    p.add_argument("--cert", required=True, help="PEM certificate of the signer (x5c)")
    p.add_argument("--issuer", required=True)
    p.add_argument("--service", required=True)
    p.add_argument("--credentials", required=True, help="file with one line user:password")
    p.add_argument("--log", help="append one JSON line per request here (default stderr)")
    args = p.parse_args()
    Handler.service = TokenService(args)
    host, _, port = args.listen.rpartition(":")
    server = ThreadingHTTPServer((host, int(port)), Handler)
    server.daemon_threads = True
    print(f"token server listening on {args.listen} pid {os.getpid()}", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
