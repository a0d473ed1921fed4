"""Helpers for ferry's integration tests (Python stdlib unittest).

The tests run the ferry binary (FERRY_BIN) against docker-registry instances started by
scripts/registry.sh and use skopeo as the referee. The small image corpus
(scripts/make-corpus) is pushed once per registry; a marker inside the registry's storage,
keyed by the generator's sources and the corpus summary, makes reruns fast (a registry reset
wipes it). Tests must not write to corpus repositories: use unique_repo() for targets.
"""
import atexit
import base64
import fcntl
import hashlib
import itertools
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from support import (EXIT, bearer_token, list_tags, plain_registries, plan_text,  # noqa: F401
                     registry_get, sha256_digest, write_plan)

ROOT = Path(os.environ.get("FERRY_ROOT") or Path(__file__).resolve().parents[2])
WORK = Path(os.environ.get("FERRY_WORK") or ROOT / ".work")
FERRY_BIN = Path(os.environ.get("FERRY_BIN") or ROOT / "build" / "ferry")
SCRIPTS = ROOT / "scripts"
PKI = WORK / "pki"
CA_FILE = PKI / "ca.crt"
CERT_DIR = PKI / "cert-dir"          # only ca.crt: what skopeo --cert-dir wants
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else "python3"
# FERRY_PORT_BASE moves every test registry's port (see scripts/registry.sh).
PORT_BASE = int(os.environ.get("FERRY_PORT_BASE") or 5100)
TOKEN_SERVER = f"127.0.0.1:{PORT_BASE + 5}"


@dataclass(frozen=True)
class Registry:
    name: str
    host: str
    scheme: str
    user: str = None
    password: str = None

    @property
    def creds(self):
        return f"{self.user}:{self.password}" if self.user else None

    @property
    def dir(self) -> Path:
        return WORK / "registries" / self.name

    def url(self, path: str = "/v2/") -> str:
        return f"{self.scheme}://{self.host}{path}"


REGISTRIES = {
    "src": Registry("src", f"127.0.0.1:{PORT_BASE + 1}", "http"),
    "dst": Registry("dst", f"127.0.0.1:{PORT_BASE + 2}", "http"),
    "tls": Registry("tls", f"127.0.0.1:{PORT_BASE + 3}", "https", "ferry", "ferry-secret-pw"),
    "token": Registry("token", f"127.0.0.1:{PORT_BASE + 4}", "http", "ferry", "token-secret-pw"),
}
SECRETS = [r.password for r in REGISTRIES.values() if r.password]

# One private HOME, temp area and skopeo cache for the whole test process, removed at exit.
(WORK / "tmp").mkdir(parents=True, exist_ok=True)
_SESSION = Path(tempfile.mkdtemp(prefix="ferry-it-", dir=WORK / "tmp"))
(_SESSION / "home").mkdir()
atexit.register(shutil.rmtree, _SESSION, ignore_errors=True)


# ---------------------------------------------------------------------------------------- ferry

def base_env(extra=None) -> dict:
    """The environment for ferry and skopeo: an empty HOME (no stray ~/.docker/config.json),
    no REGISTRY_AUTH_FILE/DOCKER_CONFIG from the caller, and skopeo's blob-info cache redirected
    to a private directory (as root it otherwise lives in /var/lib/containers/cache)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("REGISTRY_AUTH_FILE", "DOCKER_CONFIG", "XDG_RUNTIME_DIR")}
    env.update(HOME=str(_SESSION / "home"), XDG_DATA_HOME=str(_SESSION / "xdg-data"),
               _CONTAINERS_ROOTLESS_UID=str(os.getuid() or 1000))
    env.update(extra or {})
    return env


def run_ferry(*args, env=None, check=False, text=True, input=None, timeout=600):
    """Runs FERRY_BIN with args; returns (rc, stdout, stderr). stdout is bytes when text=False.
    `env` entries are added to base_env(). check=True raises AssertionError on a non-zero rc."""
    if not FERRY_BIN.exists():
        raise AssertionError(f"ferry binary not found at {FERRY_BIN} (set FERRY_BIN)")
    p = subprocess.run([str(FERRY_BIN), *map(str, args)], env=base_env(env), input=input,
                       capture_output=True, timeout=timeout)
    out = p.stdout.decode("utf-8", "replace") if text else p.stdout
    err = p.stderr.decode("utf-8", "replace")
    if check and p.returncode != 0:
        raise AssertionError(f"ferry {' '.join(map(str, args))} exited {p.returncode}:\n{err}")
    return p.returncode, out, err


# ---------------------------------------------------------------------------------------- skopeo

def _docker_ref(ref: str) -> str:
    return ref if "://" in ref or ref.startswith(("oci:", "oci-archive:")) else "docker://" + ref


def skopeo(*args, check=True) -> subprocess.CompletedProcess:
    p = subprocess.run(["skopeo", *map(str, args)], env=base_env(), capture_output=True)
    if check and p.returncode != 0:
        raise AssertionError(f"skopeo {' '.join(map(str, args))}: {p.stderr.decode()}")
    return p


def _skopeo_access(creds, tls_verify, cert_dir):
    opts = [f"--tls-verify={'true' if tls_verify else 'false'}"]
    if creds:
        opts.append(f"--creds={creds}")
    if cert_dir:
        opts.append(f"--cert-dir={cert_dir}")
    return opts


def skopeo_raw(ref, creds=None, tls_verify=False, cert_dir=None) -> bytes:
    """The exact manifest bytes skopeo reads for ref (docker://… or bare HOST/REPO:TAG)."""
    return skopeo("inspect", "--raw", *_skopeo_access(creds, tls_verify, cert_dir), _docker_ref(ref)).stdout


def skopeo_digest(ref, creds=None, tls_verify=False, cert_dir=None) -> str:
    return sha256_digest(skopeo_raw(ref, creds, tls_verify, cert_dir))


def skopeo_copy(src, dst, *extra, all_platforms=True, preserve_digests=True):
    """skopeo copy with TLS verification off on both sides (the local registries)."""
    args = ["copy", "--src-tls-verify=false", "--dest-tls-verify=false", *extra]
    if all_platforms:
        args.append("--all")
    if preserve_digests:
        args.append("--preserve-digests")
    return skopeo(*args, _docker_ref(src), _docker_ref(dst))


# ---------------------------------------------------------------------------------------- registries

_started = set()


def ensure_registries(*names):
    """Starts the named registries (default: all) unless they already run."""
    for name in names or tuple(REGISTRIES):
        if name not in _started:
            subprocess.run(["bash", str(SCRIPTS / "registry.sh"), "start", name], check=True,
                           stdout=subprocess.DEVNULL)
            _started.add(name)


def reset_registry(name):
    """Stops the registry, wipes its storage (and so its corpus marker) and starts it again."""
    subprocess.run(["bash", str(SCRIPTS / "registry.sh"), "reset", name], check=True,
                   stdout=subprocess.DEVNULL)


ACCESS_LINE = re.compile(r'^\S+ - \S+ \[[^\]]+\] "([A-Z]+) (\S+) HTTP/[\d.]+" (\d{3}) ')


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    status: int


def _settle(path: Path, quiet=0.15, limit=3.0):
    """Waits until the file stops growing (the registry logs right after answering)."""
    deadline = time.time() + limit
    size = -1
    while time.time() < deadline:
        now = path.stat().st_size if path.exists() else 0
        if now == size:
            return
        size = now
        time.sleep(quiet)


def log_mark(name) -> int:
    """A position in the registry's access log; pass it to access_log_lines(since=…)."""
    path = REGISTRIES[name].dir / "access.log"
    _settle(path)
    return path.stat().st_size if path.exists() else 0


def access_log_lines(name, since=0) -> list:
    """The Apache-style request lines of registry `name` written after `since` (the registry's
    logrus lines, which repeat each request, are left out)."""
    path = REGISTRIES[name].dir / "access.log"
    _settle(path)
    with open(path, "rb") as f:
        f.seek(since)
        lines = f.read().decode("utf-8", "replace").splitlines()
    return [l for l in lines if ACCESS_LINE.match(l)]


def requests_since(name, since=0) -> list:
    """Parsed access log requests: [Request(method, path, status)]."""
    return [Request(m.group(1), m.group(2), int(m.group(3)))
            for m in map(ACCESS_LINE.match, access_log_lines(name, since))]


def token_log_mark() -> int:
    path = REGISTRIES["token"].dir / "token-server.log"
    _settle(path)
    return path.stat().st_size if path.exists() else 0


def token_log_entries(since=0) -> list:
    """The token server's JSON request records written after `since`."""
    path = REGISTRIES["token"].dir / "token-server.log"
    _settle(path)
    with open(path, "rb") as f:
        f.seek(since)
        lines = f.read().decode().splitlines()
    return [json.loads(l) for l in lines if l.startswith("{")]


def metrics(name) -> str:
    """The registry's Prometheus metrics text (debug server on port + 1000)."""
    host, port = REGISTRIES[name].host.rsplit(":", 1)
    with urllib.request.urlopen(f"http://{host}:{int(port) + 1000}/metrics", timeout=10) as r:
        return r.read().decode()


def free_port() -> int:
    """A local port with nothing listening on it (for 'connection refused' tests)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------------- corpus

def _generator_key() -> str:
    h = hashlib.sha256()
    for name in ("make-corpus", "ocilayout.py", "regclient.py"):
        h.update((SCRIPTS / name).read_bytes())
    return h.hexdigest()


_corpora = {}


def corpus(registry="src", profile="small") -> dict:
    """The corpus summary (see scripts/make-corpus), pushed to `registry` first if needed.
    Only `src` gets the 1,050-tag repository; tls and token get the rest."""
    if (registry, profile) in _corpora:
        return _corpora[(registry, profile)]
    ensure_registries(registry)
    reg = REGISTRIES[registry]
    summary = WORK / "corpus" / (f"{profile}.json" if registry == "src" else f"{profile}-{registry}.json")
    marker = reg.dir / "storage" / f".ferry-corpus-{profile}"
    (WORK / "corpus").mkdir(parents=True, exist_ok=True)
    with open(WORK / "corpus" / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _marker_valid(marker, summary):
            cmd = [PYTHON, str(SCRIPTS / "make-corpus"), "--profile", profile, "--registry", reg.host,
                   "--summary", str(summary)]
            if reg.creds:
                cmd.append(f"--creds={reg.creds}")
            if reg.scheme == "https":
                cmd += ["--cert-dir", str(CERT_DIR)]
            if registry != "src":
                cmd.append("--no-many-tags")
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            marker.write_text(_generator_key() + " " + sha256_digest(summary.read_bytes()))
    _corpora[(registry, profile)] = json.loads(summary.read_text())
    return _corpora[(registry, profile)]


def _marker_valid(marker: Path, summary: Path) -> bool:
    if not marker.exists() or not summary.exists():
        return False
    return marker.read_text().strip() == _generator_key() + " " + sha256_digest(summary.read_bytes())


# ---------------------------------------------------------------------------------------- files

_counter = itertools.count()


def unique_repo(prefix="it") -> str:
    """A repository name no other test (or earlier run) uses."""
    return f"{prefix}/r{os.getpid()}-{next(_counter)}-{os.urandom(3).hex()}"


def temp_dir() -> Path:
    """A fresh directory under .work/tmp, removed when the test process exits."""
    return Path(tempfile.mkdtemp(dir=_SESSION))


def write_authfile(directory: Path, auths=None, cred_helpers=None) -> Path:
    """Writes a docker config.json: auths = {host: (user, password)}, cred_helpers = {host: name}."""
    config = {"auths": {host: {"auth": base64.b64encode(f"{u}:{p}".encode()).decode()}
                        for host, (u, p) in (auths or {}).items()}}
    if cred_helpers:
        config["credHelpers"] = dict(cred_helpers)
    path = Path(directory) / "config.json"
    path.write_text(json.dumps(config, indent=2))
    path.chmod(0o600)
    return path


def write_credential_helper(directory: Path, name: str, credentials: dict) -> Path:
    """Writes an executable docker-credential-<name> into `directory` (put it first on PATH).
    credentials = {server_url: (user, secret)}. Each call appends 'ACTION SERVER' to calls.log."""
    path = Path(directory) / f"docker-credential-{name}"
    table = {k: {"ServerURL": k, "Username": u, "Secret": s} for k, (u, s) in credentials.items()}
    path.write_text(f"""#!{PYTHON}
import json, sys
table = {json.dumps(table)!s}
action = sys.argv[1] if len(sys.argv) > 1 else ""
server = sys.stdin.read().strip()
with open({str(Path(directory) / 'calls.log')!r}, "a") as log:
    log.write(action + " " + server + "\\n")
if action != "get":
    sys.exit(0 if action in ("store", "erase") else 1)
entry = table.get(server) or table.get(server.split("://")[-1].rstrip("/"))
if entry is None:
    print("credentials not found in native keychain")
    sys.exit(1)
print(json.dumps(entry))
""")
    path.chmod(0o755)
    return path


def secret_leaks(text: str, secrets=None) -> list:
    """Lines of `text` that carry a test password, its base64 basic-auth form, or a JWT."""
    needles = []
    for reg in REGISTRIES.values():
        if reg.password:
            needles += [reg.password, base64.b64encode(reg.creds.encode()).decode()]
    needles += list(secrets or [])
    jwt = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}")
    return [l for l in text.splitlines() if any(n in l for n in needles) or jwt.search(l)]


def env_with_path(directory: Path) -> dict:
    """An env addition (for run_ferry(env=…)) that puts `directory` first on PATH."""
    return {"PATH": f"{directory}{os.pathsep}{os.environ.get('PATH', '')}"}


def skip_unless_tools(*tools):
    """Raises unittest.SkipTest naming the first of `tools` not on PATH (for a setUpClass; every
    tool a test needs is installed by scripts/install-deps.sh, so this skips only elsewhere)."""
    for tool in tools:
        if shutil.which(tool) is None:
            raise unittest.SkipTest(f"{tool} is not installed (bash scripts/install-deps.sh)")
