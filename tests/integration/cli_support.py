"""Shared parts of the front-door tests (test_cli.py, test_cli_accounts.py): the registries,
corpus images, --insecure-registry flags and a TestCase that runs ferry and checks for leaked
secrets."""
import unittest
from pathlib import Path

import ferrytest as ft
from support import EXIT

SRC = ft.REGISTRIES["src"]
DST = ft.REGISTRIES["dst"]
TLS = ft.REGISTRIES["tls"]
TOKEN = ft.REGISTRIES["token"]
EXIT_USAGE, EXIT_AUTH, EXIT_TLS = EXIT.USAGE, EXIT.AUTH, EXIT.TLS
INDEX = ("corpus/alpine", "3.18")   # an OCI index with several platforms
SINGLE = ("corpus/single", "1.0")   # a single OCI image manifest


def insecure(*regs):
    out = []
    for reg in regs or (SRC, DST, TOKEN):
        out += ["--insecure-registry", reg.host]
    return out


class CliCase(unittest.TestCase):
    more_corpora = ()  # registries besides src whose corpus the tests read ("tls", "token")

    @classmethod
    def setUpClass(cls):
        ft.ensure_registries("src", "dst", "tls", "token")
        cls.corpus = ft.corpus("src")
        for name in cls.more_corpora:
            ft.corpus(name)

    def ferry(self, *args, want=0, env=None, input=None):
        rc, out, err = ft.run_ferry(*args, env=env, input=input)
        self.assertEqual(ft.secret_leaks(out + err), [], f"secret in the output of ferry {args}")
        self.assertEqual(rc, want, f"ferry {' '.join(map(str, args))} exited {rc}, want {want}:\n{out}\n{err}")
        return out, err

    def digest(self, repo, tag):
        return self.corpus["repositories"][repo]["tags"][tag]["digest"]

    def write(self, name, text) -> Path:
        path = ft.temp_dir() / name
        path.write_text(text)
        return path

    def plain_http_plan(self, body):
        """plan.yaml: version 1, src and dst as plain-HTTP registries (lines 1-4), then `body`."""
        return self.write("plan.yaml", f"""version: 1
registries:
  "{SRC.host}": {{tls: disabled}}
  "{DST.host}": {{tls: disabled}}
{body}""")

    def single_image_plan(self, target, entry_extra="", extra=""):
        """A plan copying SINGLE from src to dst/target (both plain HTTP); `entry_extra` adds
        keys to the entry (lines 9-), `extra` top-level sections after it."""
        return self.plain_http_plan(f"""sync:
  - name: one
    source: {SRC.host}/{SINGLE[0]}:{SINGLE[1]}
    target: {DST.host}/{target}:{SINGLE[1]}
{entry_extra}{extra}""")

