"""`ferry cron --listen` under a connection flood (issue 25): with `ulimit -n 1024` (systemd's
default soft limit) and 1,100 connections held open, the daemon must not spin in its accept
loop, and /healthz must answer within a second once the flood ends. Two ways in: the default
connection cap (256: the rest wait in the kernel's backlog) and a cap above the descriptor
limit (the daemon runs out of descriptors, EMFILE, and must back off instead of retrying at
once). CPU time is read from /proc/PID/stat (utime + stime, proc(5))."""
import os
import resource
import shlex
import socket
import subprocess
import time
import unittest

import ferrytest as ft
from test_cron import http_get, metric, parse_metrics

SRC = ft.REGISTRIES["src"]
DST = ft.REGISTRIES["dst"]
HELD = 1100
MEASURE_SECONDS = 4.0
MAX_CPU_SHARE = 0.15  # a spinning accept loop burns a whole core (the issue saw 40-80 %)


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


class ConnectionFloodTest(unittest.TestCase):
    def setUp(self):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard < HELD + 100:
            self.skipTest(f"the hard descriptor limit ({hard}) is below {HELD + 100}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, HELD + 100), hard))
        self.addCleanup(resource.setrlimit, resource.RLIMIT_NOFILE, (soft, hard))
        self.plan = ft.write_plan(ft.temp_dir() / "plan.yaml", f"""  - name: alpine
    source: {SRC.host}/corpus/alpine
    target: {DST.host}/{ft.unique_repo('flood')}/alpine
""", ft.plain_registries(SRC.host, DST.host), """schedule:
  - name: yearly
    cron: "0 0 1 1 *"
""")

    def start(self, *flags):
        self.port = ft.free_port()
        command = " ".join(shlex.quote(str(a)) for a in [ft.FERRY_BIN, "cron", "-c", self.plan, "--listen",
                                                           f"127.0.0.1:{self.port}", *flags])
        proc = subprocess.Popen(["bash", "-c", f"ulimit -n 1024; exec {command}"], env=ft.base_env(),
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.addCleanup(lambda: (proc.poll() is None and proc.kill(), proc.wait()))
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if http_get(self.port, "/healthz")[0] == 200:
                    return proc
            except OSError:
                pass
            time.sleep(0.1)
        self.fail("the daemon never answered /healthz")

    def flood_and_recover(self, *flags):
        proc = self.start(*flags)
        rss_before = metric(parse_metrics(http_get(self.port, "/metrics")[1]), "process_resident_memory_bytes")
        held = []
        try:
            for _ in range(HELD):
                s = socket.socket()
                s.settimeout(10)
                s.connect(("127.0.0.1", self.port))
                held.append(s)
            time.sleep(0.5)
            cpu0, t0 = cpu_seconds(proc.pid), time.monotonic()
            time.sleep(MEASURE_SECONDS)
            share = (cpu_seconds(proc.pid) - cpu0) / (time.monotonic() - t0)
            self.assertIsNone(proc.poll(), "the daemon died under the flood")
        finally:
            for s in held:
                s.close()
        asked = time.monotonic()
        status, _ = http_get(self.port, "/healthz")
        answered = time.monotonic() - asked
        time.sleep(1)
        rss_after = metric(parse_metrics(http_get(self.port, "/metrics")[1]), "process_resident_memory_bytes")
        print(f"\n{' '.join(flags) or 'default cap'}: CPU {share:.1%} of a core while {HELD} connections were held; "
              f"/healthz {status} in {answered * 1000:.0f} ms after; RSS {rss_before / 2**20:.1f} -> "
              f"{rss_after / 2**20:.1f} MiB")
        self.assertLess(share, MAX_CPU_SHARE, f"the daemon used {share:.0%} of a core while connections were held")
        self.assertEqual(status, 200)
        self.assertLess(answered, 1.0)
        self.assertLess(rss_after - rss_before, 8 * 2**20, "memory did not return after the flood")
        self.assertEqual(proc.poll(), None)

    def test_default_cap_keeps_the_daemon_calm_and_healthz_answers_after(self):
        self.flood_and_recover()

    def test_out_of_descriptors_backs_off_instead_of_spinning(self):
        self.flood_and_recover("--max-connections", "4096")


if __name__ == "__main__":
    unittest.main()
