#!/usr/bin/env python3
"""A TCP proxy on 127.0.0.1 that adds a round-trip time to a loopback link (no netem here).

  delay_proxy.py --upstream HOST:PORT --rtt-ms 50 --port-file FILE --log FILE

Listens on 127.0.0.1, port 0 (the kernel picks a free one; written to --port-file once it
listens). Every connection accepted is forwarded to --upstream; each chunk read from either
side is stamped with its arrival time and written to the other side RTT/2 later, in order.
The reader never waits for the writer, so many chunks are in flight at once: a delay, not a
bandwidth limit (a 100 MB transfer pays RTT/2 once, not per chunk).

A real TCP connection costs one round trip (SYN, SYN-ACK) before the client can send; here
the client's connect() completes at once on loopback, so the first bytes from the client are
released no earlier than 1.5 × RTT after the connection opened: the server sees them when it
would have across a real link.

--log gets one line per connection opened ("open <unix time> <peer port>") and one per close
("close <unix time> <bytes up> <bytes down>"): the benchmark counts connections (and, on a TLS
port, handshakes) from it. The proxy does not look into the bytes.
SIGTERM stops it.
"""
import argparse
import asyncio
import collections
import os
import signal
import sys
import time

CHUNK = 256 * 1024


class Pipe:
    """One direction: reader → (delay) → writer, order kept."""

    def __init__(self, reader, writer, delay, first_release=0.0):
        self.reader, self.writer, self.delay = reader, writer, delay
        self.first_release = first_release  # monotonic time before which nothing is released
        self.queue = collections.deque()
        self.ready = asyncio.Event()
        self.bytes = 0

    async def read_loop(self):
        try:
            while True:
                data = await self.reader.read(CHUNK)
                self.queue.append((max(time.monotonic() + self.delay, self.first_release), data))
                self.ready.set()
                if not data:
                    return
        except (ConnectionError, OSError):
            self.queue.append((time.monotonic(), b""))
            self.ready.set()

    async def write_loop(self):
        try:
            while True:
                while not self.queue:
                    self.ready.clear()
                    await self.ready.wait()
                due, data = self.queue.popleft()
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                if not data:
                    if self.writer.can_write_eof():
                        self.writer.write_eof()
                    await self.writer.drain()
                    return
                self.writer.write(data)
                self.bytes += len(data)
                await self.writer.drain()
        except (ConnectionError, OSError):
            pass


async def serve(args):
    host, port = args.upstream.rsplit(":", 1)
    rtt = args.rtt_ms / 1000.0
    log = open(args.log, "a", buffering=1) if args.log else None

    async def handle(c_reader, c_writer):
        opened = time.monotonic()
        peer = c_writer.get_extra_info("peername")
        if log:
            log.write(f"open {time.time():.3f} {peer[1] if peer else '-'}\n")
        try:
            u_reader, u_writer = await asyncio.open_connection(host, int(port))
        except OSError:
            c_writer.close()
            return
        up = Pipe(c_reader, u_writer, rtt / 2, first_release=opened + 1.5 * rtt)
        down = Pipe(u_reader, c_writer, rtt / 2)
        await asyncio.gather(up.read_loop(), up.write_loop(), down.read_loop(), down.write_loop())
        for w in (u_writer, c_writer):
            w.close()
        if log:
            log.write(f"close {time.time():.3f} {up.bytes} {down.bytes}\n")

    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
    bound = server.sockets[0].getsockname()[1]
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{bound}\n")
    os.replace(tmp, args.port_file)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with server:
        await stop.wait()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--upstream", required=True, help="HOST:PORT to forward to")
    p.add_argument("--rtt-ms", type=float, required=True, help="round trip time to add")
    p.add_argument("--port-file", required=True, help="file to write the listening port to")
    p.add_argument("--log", help="connection log (one line per open and per close)")
    args = p.parse_args()
    if args.rtt_ms < 0:
        sys.exit("delay_proxy.py: --rtt-ms must be ≥ 0")
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
