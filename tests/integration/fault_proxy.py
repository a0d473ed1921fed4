"""A fault-injecting HTTP/1.1 reverse proxy for ferry's integration tests (stdlib only).

ferry talks to 127.0.0.1:<proxy port> as if it were the registry; every request is forwarded to
one upstream registry over a kept-alive connection, and with probability `rate` one fault is
injected instead of (or on top of) the real answer. Faults are drawn from a seeded RNG and
counted per kind, so a test can assert that every kind really happened:

  reset_before_headers  the request reaches the registry, the client gets a TCP reset
  reset_after_headers   status line and headers arrive, then a reset
  reset_mid_body        part of the body arrives, then a reset
  status_500/502/503    an error status with a JSON error body (the registry never sees it)
  retry_after_seconds   429 with Retry-After: <seconds>
  retry_after_date      429 with Retry-After: <HTTP date>
  truncated_body        correct Content-Length, part of the body, then a clean close (FIN)
  stall                 part of the answer, then silence until the client gives up or
                        `stall_seconds` pass
  wrong_content_length  a Content-Length larger or smaller than the body, then a close

Location headers naming the upstream are rewritten to the proxy so uploads stay on it; the Host
header is passed on as the proxy's, so the registry builds its own URLs for the proxy anyway.
`bytes_to_client` counts response bytes sent, `bytes_seen` those plus request bodies received;
wait_for_bytes() lets a crash test act at a seeded point of a transfer in either direction. Run as a script to proxy by hand:
  python3 fault_proxy.py UPSTREAM_HOST:PORT --rate 0.2 --seed 7
"""
import argparse
import collections
import email.utils
import http.client
import json
import random
import re
import select
import socket
import struct
import threading
import time
import weakref

KINDS = ("reset_before_headers", "reset_after_headers", "reset_mid_body", "status_500", "status_502",
         "status_503", "retry_after_seconds", "retry_after_date", "truncated_body", "stall",
         "wrong_content_length")
BODY_KINDS = {"reset_mid_body", "truncated_body", "wrong_content_length"}
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "te", "trailer",
              "upgrade", "content-length"}
PIECE = 16 * 1024


class _ClientGone(Exception):
    """The client closed its side; the connection thread ends quietly."""


class FaultProxy:
    def __init__(self, upstream: str, rate: float = 0.0, seed: int = 0, kinds=KINDS,
                 stall_seconds: float = 5.0, retry_after: int = 1, only: str = None):
        """`only`: a regular expression; when set, only requests whose target matches it may
        get a fault (e.g. r"/blobs/sha256:" for blob transfers)."""
        unknown = set(kinds) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds: {sorted(unknown)}")
        self.upstream = upstream
        self.rate = rate
        self.kinds = tuple(kinds)
        self.stall_seconds = stall_seconds
        self.retry_after = retry_after
        self.only = re.compile(only) if only else None
        self.range_requests = 0  # requests that carried a Range header (resumed downloads)
        self.counts = collections.Counter()
        self.requests = 0
        self.bytes_to_client = 0
        self.bytes_seen = 0
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._bytes_changed = threading.Condition(self._lock)
        self._sockets = set()
        self._stopping = False
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.host = f"127.0.0.1:{self.port}"

    # ------------------------------------------------------------------ public

    def start(self) -> "FaultProxy":
        self._listener.listen(64)
        threading.Thread(target=self._accept_loop, daemon=True).start()
        return self

    def stop(self):
        self._stopping = True
        self._listener.close()
        with self._lock:
            for s in list(self._sockets):
                _close_quietly(s)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def set_rate(self, rate: float):
        with self._lock:
            self.rate = rate

    def fault_counts(self) -> dict:
        with self._lock:
            return dict(self.counts)

    def wait_for_bytes(self, n: int, timeout: float) -> bool:
        """Blocks until bytes_seen reaches n (True) or timeout passes (False)."""
        deadline = time.monotonic() + timeout
        with self._bytes_changed:
            while self.bytes_seen < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._bytes_changed.wait(min(left, 0.2))
        return True

    def summary(self) -> str:
        counts = self.fault_counts()
        parts = ", ".join(f"{k}={counts.get(k, 0)}" for k in self.kinds)
        return f"fault proxy -> {self.upstream}: {self.requests} requests, {sum(counts.values())} faults ({parts})"

    # ------------------------------------------------------------------ connections

    def _accept_loop(self):
        while not self._stopping:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self._sockets.add(client)
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket):
        upstream = None
        reader = client.makefile("rb")
        _READERS[client] = reader
        try:
            while not self._stopping:
                request = _read_request(reader)
                if request is None:
                    return
                self._saw(len(request["body"]), to_client=False)
                if upstream is None:
                    upstream = self._connect_upstream()
                keep = self._answer(client, request, upstream)
                if not keep:
                    return
                if request["close"]:
                    return
        except (_ClientGone, OSError, http.client.HTTPException, ValueError):
            return
        finally:
            with self._lock:
                self._sockets.discard(client)
            _close_quietly(client)
            if upstream is not None:
                upstream.close()

    def _connect_upstream(self) -> http.client.HTTPConnection:
        host, port = self.upstream.rsplit(":", 1)
        return http.client.HTTPConnection(host, int(port), timeout=60)

    def _draw(self, request) -> str:
        with self._lock:
            self.requests += 1
            if any(name.lower() == "range" for name, _ in request["headers"]):
                self.range_requests += 1
            if self.only and not self.only.search(request["target"]):
                return ""
            if self._rng.random() >= self.rate:
                return ""
            return self._rng.choice(self.kinds)

    def _count(self, kind: str):
        with self._lock:
            self.counts[kind] += 1

    # ------------------------------------------------------------------ one exchange

    def _answer(self, client, request, upstream) -> bool:
        """Serves one request; False when the connection must end."""
        kind = self._draw(request)
        if kind.startswith("status_") or kind.startswith("retry_after"):
            self._count(kind)
            self._send_error(client, kind)
            return True
        status, reason, headers, body = _forward(upstream, request)
        if kind in BODY_KINDS and (request["method"] == "HEAD" or len(body) < 2):
            kind = "reset_after_headers"  # no body to damage: the nearest fault that fits
        if kind:
            self._count(kind)
        head = self._head(status, reason, headers, len(body), request["method"])
        return self._deliver(client, kind, head, body)

    def _deliver(self, client, kind, head: bytes, body: bytes) -> bool:
        cut = len(body) // 2
        if kind == "reset_before_headers":
            _reset(client)
            return False
        if kind == "wrong_content_length":
            return self._wrong_length(client, head, body)
        self._send(client, head)
        if kind == "reset_after_headers":
            _reset(client)
            return False
        if kind in ("reset_mid_body", "truncated_body"):
            self._send(client, body[:cut])
            (_reset if kind == "reset_mid_body" else _close_quietly)(client)
            return False
        if kind == "stall":
            self._send(client, body[:cut])
            self._stall(client)
            return False
        self._send(client, body)
        return True

    def _wrong_length(self, client, head: bytes, body: bytes) -> bool:
        with self._lock:
            delta = self._rng.choice((-1, 1)) * self._rng.randint(1, max(1, len(body) // 4))
        wrong = f"Content-Length: {len(body)}\r\n".encode(), f"Content-Length: {len(body) + delta}\r\n".encode()
        self._send(client, head.replace(*wrong, 1))
        self._send(client, body)
        _close_quietly(client)
        return False

    def _stall(self, client):
        """Silence until the client closes (its timeout) or stall_seconds pass."""
        deadline = time.monotonic() + self.stall_seconds
        while not self._stopping and time.monotonic() < deadline:
            ready, _, _ = select.select([client], [], [], 0.1)
            if ready:
                try:
                    if not client.recv(65536):
                        return
                except OSError:
                    return

    def _send_error(self, client, kind: str):
        status = {"status_500": 500, "status_502": 502, "status_503": 503}.get(kind, 429)
        code = "TOOMANYREQUESTS" if status == 429 else "UNAVAILABLE"
        body = json.dumps({"errors": [{"code": code, "message": f"injected {kind}"}]}).encode()
        lines = [f"HTTP/1.1 {status} {http.client.responses.get(status, 'Error')}",
                 "Content-Type: application/json", f"Content-Length: {len(body)}"]
        if kind == "retry_after_seconds":
            lines.append(f"Retry-After: {self.retry_after}")
        elif kind == "retry_after_date":
            lines.append("Retry-After: " + email.utils.formatdate(time.time() + self.retry_after, usegmt=True))
        self._send(client, ("\r\n".join(lines) + "\r\n\r\n").encode() + body)

    def _head(self, status, reason, headers, length, method) -> bytes:
        lines = [f"HTTP/1.1 {status} {reason}"]
        upstream_length = None
        for name, value in headers:
            low = name.lower()
            if low == "content-length":
                upstream_length = value
            if low in HOP_BY_HOP:
                continue
            if low == "location":
                value = value.replace(f"//{self.upstream}/", f"//{self.host}/")
            lines.append(f"{name}: {value}")
        if method == "HEAD":
            lines.append(f"Content-Length: {upstream_length or 0}")
        else:
            lines.append(f"Content-Length: {length}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _send(self, client, data: bytes):
        for start in range(0, len(data), PIECE):
            piece = data[start:start + PIECE]
            try:
                client.sendall(piece)
            except OSError as e:
                raise _ClientGone() from e
            self._saw(len(piece), to_client=True)

    def _saw(self, n: int, to_client: bool):
        with self._bytes_changed:
            self.bytes_seen += n
            if to_client:
                self.bytes_to_client += n
            self._bytes_changed.notify_all()


# ---------------------------------------------------------------------- HTTP plumbing

def _read_request(reader):
    """{method, target, headers, body, close} or None at EOF."""
    line = reader.readline(65537)
    while line in (b"\r\n", b"\n"):
        line = reader.readline(65537)
    if not line:
        return None
    method, target, version = line.decode("latin-1").split()
    headers = []
    while True:
        h = reader.readline(65537)
        if h in (b"\r\n", b"\n", b""):
            break
        name, _, value = h.decode("latin-1").partition(":")
        headers.append((name.strip(), value.strip()))
    lookup = {n.lower(): v for n, v in headers}
    if "chunked" in lookup.get("transfer-encoding", "").lower():
        body = _read_chunked(reader)
    else:
        body = _read_exactly(reader, int(lookup.get("content-length", "0") or 0))
    close = lookup.get("connection", "").lower() == "close" or version == "HTTP/1.0"
    return {"method": method, "target": target, "headers": headers, "body": body, "close": close,
            "has_length": "content-length" in lookup or "transfer-encoding" in lookup}


def _read_exactly(reader, n: int) -> bytes:
    data = reader.read(n) if n else b""
    if len(data) != n:
        raise _ClientGone()
    return data


def _read_chunked(reader) -> bytes:
    parts = []
    while True:
        size = int(reader.readline().split(b";")[0].strip() or b"0", 16)
        if size == 0:
            while reader.readline() not in (b"\r\n", b"\n", b""):
                pass
            return b"".join(parts)
        parts.append(_read_exactly(reader, size))
        reader.readline()


def _forward(upstream: http.client.HTTPConnection, request):
    """Sends the request upstream (reconnecting once on a stale connection); returns
    (status, reason, headers, body)."""
    for attempt in (1, 2):
        try:
            upstream.putrequest(request["method"], request["target"], skip_host=True, skip_accept_encoding=True)
            for name, value in request["headers"]:
                if name.lower() not in HOP_BY_HOP:
                    upstream.putheader(name, value)
            if request["body"] or request["has_length"]:
                upstream.putheader("Content-Length", str(len(request["body"])))
            upstream.endheaders(request["body"] or None)
            response = upstream.getresponse()
            try:
                body = response.read()
            except http.client.IncompleteRead as e:  # the registry's own short body (e.g. its 416)
                body = e.partial
                upstream.close()
            return response.status, response.reason, response.getheaders(), body
        except (ConnectionError, http.client.RemoteDisconnected, http.client.CannotSendRequest,
                http.client.ResponseNotReady, BrokenPipeError):
            upstream.close()
            if attempt == 2:
                raise


_READERS = weakref.WeakKeyDictionary()  # socket -> its makefile() reader (it holds the fd open)


def _reset(sock: socket.socket):
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    _close_quietly(sock)


def _close_quietly(sock: socket.socket):
    reader = _READERS.pop(sock, None)
    try:
        if reader is not None:
            reader.close()
        sock.close()
    except OSError:
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("upstream", help="HOST:PORT of the registry")
    parser.add_argument("--rate", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--stall-seconds", type=float, default=5.0)
    args = parser.parse_args()
    proxy = FaultProxy(args.upstream, args.rate, args.seed, args.kinds.split(","), args.stall_seconds).start()
    print(f"listening on {proxy.host}", flush=True)
    try:
        while True:
            time.sleep(10)
            print(proxy.summary(), flush=True)
    except KeyboardInterrupt:
        proxy.stop()
        print(proxy.summary())


if __name__ == "__main__":
    main()
