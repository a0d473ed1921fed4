"""Names from outside never steer a write, read or delete outside the entry's target (issue 23).

A scripted registry (hostile_names_registry.py) lists hostile repository names in its catalog
and hostile tags in every tag list, and serves a valid image under any path it is asked for,
so a name that climbed out of the target prefix would really be copied. The target is the
real docker-registry (dst): its tag lists, its catalog and its access log are the referee,
skopeo checks that the pre-existing repository kept its digests.
"""
import json
import re
import unittest
import urllib.request

import ferrytest as ft
from hostile_names_registry import HostileNamesRegistry

SRC = ft.REGISTRIES["src"]
DST = ft.REGISTRIES["dst"]

# Catalog names that fail the distribution grammar, each for another reason.
BAD_REPOSITORIES = [
    "x/../../mirror/nginx",            # climbs out of the prefix once joined (the case)
    "x/./y",                           # a "." component
    ".",
    "%2e%2e/mirror/nginx",             # percent-encoded dot segments
    "x/%2e%2e/%2e%2e/mirror/nginx",
    "Upper/app",                       # upper case
    "a" * 256,                         # over 255 characters
    "bad\nname",                       # control characters: a newline ...
    "bad\x1b[31mname",                 # ... and ESC
]
BAD_TAGS = ["../../x", "%2e%2e", ".hidden", "t" * 129, "v1\nFORGED", "v1\x1b[31m"]


def escaped(text: str) -> str:
    """How ferry's text output shows `text` (core::escape_control)."""
    out = []
    for ch in text:
        if ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7f:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return "".join(out)


def dst_catalog() -> list:
    """Every repository of the target registry (docker-registry caps a page at 1000: follow Link)."""
    names, path = [], "/v2/_catalog?n=1000"
    while path:
        with urllib.request.urlopen(DST.url(path), timeout=10) as r:
            names += json.loads(r.read())["repositories"]
            link = r.headers.get("Link", "")
        path = link[link.index("<") + 1:link.index(">")] if link.startswith("<") else None
    return names


def plan_from(reg: HostileNamesRegistry, entry: str):
    """A plan with one sync entry (`entry`: its YAML lines after `- `) reading from `reg`."""
    plan = ft.temp_dir() / "plan.yaml"
    ft.write_plan(plan, "  - " + entry.strip().replace("\n", "\n    ") + "\n    referrers: none\n",
                  ft.plain_registries(reg.host, DST.host))
    return plan


def dst_tags(repo) -> list:
    return sorted(ft.list_tags(f"http://{DST.host}", repo))


class HostileNames(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ft.ensure_registries("src", "dst")
        corpus = ft.corpus("src")
        cls.alpine = {t: v["digest"] for t, v in corpus["repositories"]["corpus/alpine"]["tags"].items()}

    def test_a_hostile_catalog_and_tag_lists_write_read_and_prune_nothing_outside_the_target(self):
        base = ft.unique_repo("boundary")
        mirror = f"{base}/mirror/nginx"  # owned by "another plan": must stay exactly as it is
        ft.skopeo_copy(f"{SRC.host}/corpus/alpine:3.19", f"{DST.host}/{mirror}:1.0")
        ft.skopeo_copy(f"{SRC.host}/corpus/alpine:3.18", f"{DST.host}/{mirror}:other")
        # A tag the source no longer has, inside the prefix: prune must delete it (prune ran).
        ft.skopeo_copy(f"{SRC.host}/corpus/alpine:3.18", f"{DST.host}/{base}/quarantine/ok/app:stale")
        before = {t: ft.skopeo_digest(f"{DST.host}/{mirror}:{t}") for t in ("1.0", "other")}
        self.assertEqual(before, {"1.0": self.alpine["3.19"], "other": self.alpine["3.18"]})

        with HostileNamesRegistry(catalog=["ok/app", *BAD_REPOSITORIES], tags=["1.0", *BAD_TAGS]) as reg:
            plan = plan_from(reg, f"""name: quarantine
source: {reg.host}/*
target: {DST.host}/{base}/quarantine/
prune: true
max_prune: 100%""")
            rc, out, err = ft.run_ferry("plan", "-c", plan)
            self.assertEqual(rc, 0, err)
            self.assertNotIn("\x1b", out + err)
            self.assertNotIn("/..", out)  # the plan shows no path that climbs
            self.assertIn(f"would prune  {DST.host}/{base}/quarantine/ok/app:stale", out)
            self.assertNotIn("mirror", out)

            mark = ft.log_mark("dst")
            rc, out, err = ft.run_ferry("sync", "-c", plan)
            self.assertEqual(rc, 0, out + err)
            requested = reg.repositories_requested()
            image_digest = reg.image_digest

        # The target registry's own access log: nothing outside the prefix was asked for.
        paths = [r.path for r in ft.requests_since("dst", mark)]
        self.assertTrue(paths)
        outside = [p for p in paths if p != "/v2/" and not p.startswith(f"/v2/{base}/quarantine/")]
        self.assertEqual(outside, [], "requests outside the entry's target")
        self.assertFalse([p for p in paths if ".." in p or "%2e" in p.lower()])
        # The other plan's repository: same tags, same digests (skopeo as referee).
        self.assertEqual(dst_tags(mirror), ["1.0", "other"])
        self.assertEqual({t: ft.skopeo_digest(f"{DST.host}/{mirror}:{t}") for t in ("1.0", "other")}, before)
        # Inside the prefix: the one valid name and tag, stale pruned.
        self.assertEqual(dst_tags(f"{base}/quarantine/ok/app"), ["1.0"])
        self.assertEqual(ft.skopeo_digest(f"{DST.host}/{base}/quarantine/ok/app:1.0"), image_digest)
        self.assertEqual(sorted(r for r in dst_catalog() if r.startswith(base + "/")),
                         [f"{base}/mirror/nginx", f"{base}/quarantine/ok/app"])
        # The hostile source was only asked about the one valid repository.
        self.assertEqual(requested, {"ok/app"})

        # Each bad name: one warning naming where it came from, the name escaped; nothing raw.
        self.assertNotIn("\x1b", err)
        self.assertFalse([l for l in err.splitlines() if l.startswith("FORGED") or l.startswith("name")])
        for name in BAD_REPOSITORIES:
            line = f'ignored repository name "{escaped(name)}" in the catalog of {reg.host}'
            self.assertEqual(err.count(line), 1, f"{line!r} in:\n{err}")
        for tag in BAD_TAGS:
            line = f'ignored tag "{escaped(tag)}" in the tag list of {reg.host}/ok/app'
            self.assertEqual(err.count(line), 1, f"{line!r} in:\n{err}")

    def test_a_registry_error_message_with_control_characters_is_shown_escaped(self):
        message = "denied\n\x1b[31mFORGED ERROR LINE"
        target = ft.unique_repo("boundary-err")
        with HostileNamesRegistry(tags=["1.0"], error_message=message) as reg:
            plan = plan_from(reg, f"""name: err
source: {reg.host}/ok/app:1.0
target: {DST.host}/{target}:1.0""")
            runs = {
                "sync": ft.run_ferry("--log-format", "text", "sync", "-c", plan),
                "plan": ft.run_ferry("plan", "-c", plan),
                "copy": ft.run_ferry("--insecure-registry", reg.host, "--insecure-registry", DST.host, "copy",
                                     f"{reg.host}/ok/app:1.0", f"{DST.host}/{target}:1.0"),
            }
        for verb, (rc, out, err) in runs.items():
            with self.subTest(verb=verb):
                self.assertNotEqual(rc, 0)
                text = out + err
                self.assertIn("denied\\n\\x1b[31mFORGED ERROR LINE", text)
                self.assertNotIn("\x1b", text)
                self.assertFalse([l for l in text.splitlines() if "FORGED" in l and "denied" not in l], text)
        self.assertEqual(dst_tags(target), [])


if __name__ == "__main__":
    unittest.main()
