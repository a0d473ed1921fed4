"""Shared, side-effect-free helpers of the integration tests and their scripted servers:
ferry's exit codes (read from cli/exit_codes.hpp, the one definition), sha256 digests, plan
files, and a tiny read-only registry client (tag lists, token-server tokens) over urllib.
Registry writes go through scripts/regclient.py. ferrytest re-exports everything here."""
import base64
import hashlib
import json
import os
import re
import types
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(os.environ.get("FERRY_ROOT") or Path(__file__).resolve().parents[2])
EXIT_CODES_HEADER = ROOT / "cli" / "exit_codes.hpp"


# ---------------------------------------------------------------------------------- exit codes

def _upper_snake(name: str) -> str:
    """"InvalidInput" -> "INVALID_INPUT"."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).upper()


def read_exit_codes(header: Path = EXIT_CODES_HEADER) -> types.SimpleNamespace:
    """The members of `enum class ExitCode` in cli/exit_codes.hpp as EXIT.OK, EXIT.NOT_FOUND, ..."""
    text = header.read_text()
    body = re.search(r"enum class ExitCode[^{]*\{(.*?)\};", text, re.S)
    if not body:
        raise AssertionError(f"{header}: no `enum class ExitCode`")
    members = re.findall(r"^\s*(\w+)\s*=\s*(\d+)\s*,", body.group(1), re.M)
    if not members:
        raise AssertionError(f"{header}: ExitCode has no members")
    return types.SimpleNamespace(**{_upper_snake(name): int(value) for name, value in members})


EXIT = read_exit_codes()


# ------------------------------------------------------------------------------------ digests

def sha256_digest(data: bytes) -> str:
    """"sha256:<hex>" of `data`."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


# -------------------------------------------------------------------------------------- plans

def plain_registries(*hosts) -> str:
    """A plan's `registries:` section marking each host plain HTTP (`tls: disabled`)."""
    return "registries:\n" + "".join(f'  "{host}": {{tls: disabled}}\n' for host in hosts)


def plan_text(sync: str, registries: str = "", tail: str = "") -> str:
    """`version: 1`, `registries` (whole sections, e.g. plain_registries(...), optionally after
    a defaults: line), `sync:` followed by the entries text `sync`, then `tail` (e.g. a
    schedule: section)."""
    return f"version: 1\n{registries}sync:\n{sync}{tail}"


def write_plan(path: Path, sync: str, registries: str = "", tail: str = "") -> Path:
    """Writes plan_text(sync, registries, tail) to `path` and returns it."""
    path = Path(path)
    path.write_text(plan_text(sync, registries, tail))
    return path


# ---------------------------------------------------------------------------- registry client

def registry_get(url: str, accept=None, token=None, timeout=20):
    """GET (or the method in a (method, url) pair) -> (status, headers dict, body bytes);
    HTTP errors are answers, not exceptions."""
    method, url = url if isinstance(url, tuple) else ("GET", url)
    headers = {"Accept": accept} if accept else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def list_tags(base_url: str, repo: str, all_pages=True, missing_ok=True) -> list:
    """The tags of `repo` at `base_url` ("http://host:port"), following Link pages when
    `all_pages`. [] when the registry does not know the repository (404) and `missing_ok`;
    any other failure raises AssertionError (urllib.error.HTTPError for a 404 otherwise)."""
    tags, path = [], f"/v2/{repo}/tags/list" + ("?n=1000" if all_pages else "")
    while path:
        status, headers, body = registry_get(base_url + path)
        if status == 404 and missing_ok:
            return tags
        if status == 404:
            raise urllib.error.HTTPError(base_url + path, 404, "not found", headers, None)
        if status != 200:
            raise AssertionError(f"tags/list of {base_url}/{repo}: HTTP {status}")
        tags += json.loads(body).get("tags") or []
        link = headers.get("Link", "") if all_pages else ""
        path = link[link.index("<") + 1:link.index(">")] if link.startswith("<") else None
    return tags


def bearer_token(token_server: str, creds: str, scope: str, service="ferry-test") -> str:
    """A token from the test token server (scripts/registry.sh) for `scope`, with Basic `creds`."""
    query = urllib.parse.urlencode({"service": service, "scope": scope})
    request = urllib.request.Request(f"http://{token_server}/token?{query}")
    request.add_header("Authorization", "Basic " + base64.b64encode(creds.encode()).decode())
    with urllib.request.urlopen(request, timeout=10) as r:
        body = json.loads(r.read())
    return body.get("token") or body["access_token"]
