"""Two HTTP listeners on 127.0.0.1 (port 0) for scripted test registries: the registry itself and
a second one that plays another host (reached as "localhost": a CDN, a foreign upload Location)."""
import threading
from http.server import ThreadingHTTPServer


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def handle_error(self, request, client_address):
        pass  # a client hanging up mid-reply (ferry refusing a body) is expected here


class ListenerPair:
    """`server` and `side`, each serving `handler_for(side: bool)` on its own thread.
    `wrap(server)` may replace the main listener's socket (TLS) before it serves."""

    def start_listeners(self, handler_for, wrap=None):
        self.server = QuietServer(("127.0.0.1", 0), handler_for(False))
        if wrap:
            wrap(self.server)
        self.side = QuietServer(("127.0.0.1", 0), handler_for(True))
        for srv in (self.server, self.side):
            threading.Thread(target=srv.serve_forever, daemon=True).start()

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.server.server_address[1]}"

    def close(self):
        for srv in (self.server, self.side):
            srv.shutdown()
            srv.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
