"""Acceptance tests of `ferry export` / `ferry import` (air-gapped transfers): a multi-repository
plan with shared base layers goes into one deduplicated OCI layout (directory and tar) that
skopeo reads, is imported into an empty registry with identical tags and digests, delta bundles
carry only new blobs and are refused where their base is absent, and corrupted or malicious
bundles are refused before anything is pushed. skopeo and the registries' API are the referees."""
import io
import json
import os
import shutil
import subprocess
import tarfile
import time
import unittest
import urllib.error
import urllib.request
from pathlib import Path

import ferrytest as ft

SRC = ft.REGISTRIES["src"]
EXIT = ft.EXIT  # cli/exit_codes.hpp
WRITES = ('"PUT ', '"POST ', '"PATCH ', '"DELETE ')


class EmptyRegistry:
    """A private docker-registry on a free port with its own storage (an 'empty registry')."""

    def __init__(self):
        self.dir = ft.temp_dir()
        self.port = ft.free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.log = self.dir / "access.log"
        (self.dir / "config.yml").write_text(f"""version: 0.1
log: {{level: info, formatter: text, accesslog: {{disabled: false}}}}
storage:
  filesystem: {{rootdirectory: {self.dir}/storage}}
  delete: {{enabled: true}}
http: {{addr: "{self.host}", secret: bundle-test}}
""")
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(["docker-registry", "serve", str(self.dir / "config.yml")],
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        deadline = time.time() + 20
        while True:
            try:
                urllib.request.urlopen(f"http://{self.host}/v2/", timeout=2).read()
                return
            except (urllib.error.URLError, ConnectionError):
                if time.time() > deadline:
                    raise AssertionError("private registry did not start")
                time.sleep(0.1)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=20)

    def writes(self) -> int:
        time.sleep(0.3)
        return sum(1 for l in self.log.read_text(errors="replace").splitlines() if any(w in l for w in WRITES)
                   and " - " in l and "HTTP/1.1\"" in l)

    def catalog(self) -> list:
        with urllib.request.urlopen(f"http://{self.host}/v2/_catalog", timeout=10) as r:
            return json.loads(r.read()).get("repositories") or []


def manifest_blobs(ref: str) -> dict:
    """{digest: size} of every manifest, config and layer of the image at docker ref (skopeo)."""
    out = {}
    raw = ft.skopeo_raw(ref)
    out[ft.sha256_digest(raw)] = len(raw)
    m = json.loads(raw)
    repo = ref.rsplit("@", 1)[0].rsplit(":", 1)[0] if "@" not in ref else ref.split("@")[0]
    for child in m.get("manifests", []):
        out.update(manifest_blobs(f"{repo}@{child['digest']}"))
    for d in ([m["config"]] if "config" in m else []) + m.get("layers", []):
        out[d["digest"]] = d["size"]
    return out


def disk_bytes(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


class BundleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ft.ensure_registries("src")
        cls.corpus = ft.corpus("src")
        cls.empty = EmptyRegistry()

    @classmethod
    def tearDownClass(cls):
        cls.empty.stop()

    def setUp(self):
        self.dir = ft.temp_dir()
        self.scratch = ft.unique_repo("tbundle")  # a repository on src this test may write

    def ferry(self, *args, want=EXIT.OK):
        rc, out, err = ft.run_ferry("--insecure-registry", SRC.host, "--insecure-registry", self.empty.host, *args)
        self.assertEqual(rc, want, f"ferry {' '.join(map(str, args))} exited {rc}, want {want}:\n{out}\n{err}")
        return out, err

    def write_plan(self, with_app=True) -> Path:
        app = f"""
  - name: app
    source: {SRC.host}/corpus/app
    target: {self.empty.host}/mirror/app
    tags: {{allow: ['^1\\.0\\.0$', '^2\\.0\\.0$']}}""" if with_app else ""
        return ft.write_plan(self.dir / "plan.yaml", f"""\
  - name: alpine
    source: {SRC.host}/corpus/alpine
    target: {self.empty.host}/mirror/alpine
    tags: {{allow: ['^3\\.1[89]$']}}{app}
  - name: scratch
    source: {SRC.host}/{self.scratch}
    target: {self.empty.host}/mirror/scratch
""", ft.plain_registries(SRC.host, self.empty.host))

    def source_images(self, with_app=True) -> dict:
        refs = [f"{SRC.host}/corpus/alpine:3.18", f"{SRC.host}/corpus/alpine:3.19"]
        if with_app:
            refs += [f"{SRC.host}/corpus/app:1.0.0", f"{SRC.host}/corpus/app:2.0.0"]
        tags = json.loads(ft.skopeo("list-tags", "--tls-verify=false", f"docker://{SRC.host}/{self.scratch}").stdout)["Tags"]
        refs += [f"{SRC.host}/{self.scratch}:{t}" for t in tags]
        return {r: ft.skopeo_digest(r) for r in refs}

    def assert_imported(self, images: dict, prefix: str):
        for source, digest in images.items():
            path = source.split("/", 1)[1]
            self.assertEqual(ft.skopeo_digest(f"{self.empty.host}/{prefix}/{path}"), digest, path)

    # ------------------------------------------------------------------ full bundles

    def test_directory_bundle_is_deduplicated_readable_by_skopeo_and_imports_identically(self):
        ft.skopeo_copy(f"{SRC.host}/corpus/dockerlist:1.0", f"{SRC.host}/{self.scratch}:v1")
        plan, out = self.write_plan(), self.dir / "bundle"
        self.ferry("export", "-c", plan, "-o", out)
        self.assertFalse(Path(str(out) + ".partial").exists())
        images = self.source_images()
        unique = {}
        for ref in images:
            unique.update(manifest_blobs(ref))
        unique_bytes = sum(unique.values())
        on_disk = disk_bytes(out)
        ratio = on_disk / unique_bytes
        print(f"\nbundle dir: {on_disk} bytes on disk, {unique_bytes} unique blob bytes, ratio {ratio:.3f}")
        self.assertLess(ratio, 1.1)
        blobs = {f"sha256:{p.name}" for p in (out / "blobs" / "sha256").iterdir()}
        self.assertEqual(blobs, set(unique), "the bundle holds exactly the images' blobs, once each")

        meta = json.loads((out / "ferry-bundle.json").read_text())
        self.assertEqual({i["source"]: i["digest"] for i in meta["images"]}, images)
        self.assertEqual(meta["plan"]["sha256"], ft.hashlib.sha256(plan.read_bytes()).hexdigest())
        self.assertFalse(meta["delta"])
        # skopeo 1.9 only looks up index.json entries of OCI media types; Docker-schema images
        # keep their bytes (and digests) in the bundle, so skopeo cannot name them by ref there.
        oci = [i["source"] for i in meta["images"] if i["media_type"].startswith("application/vnd.oci.")]
        self.assertGreaterEqual(len(oci), 4)
        for source in oci:
            raw = ft.skopeo("inspect", "--raw", f"oci:{out}:{source}").stdout
            self.assertEqual(ft.sha256_digest(raw), images[source])

        prefix = ft.unique_repo("imp")
        self.ferry("import", out, "--to", f"{self.empty.host}/{prefix}")
        self.assert_imported(images, prefix)
        before = self.empty.writes()
        stdout, _ = self.ferry("import", out, "--to", f"{self.empty.host}/{prefix}")
        self.assertEqual(self.empty.writes(), before, "a rerun writes nothing")
        self.assertEqual(stdout.count("unchanged "), len(images))

    def test_tar_bundle_is_readable_by_skopeo_and_imports_to_the_recorded_targets(self):
        ft.skopeo_copy(f"{SRC.host}/corpus/single:1.0", f"{SRC.host}/{self.scratch}:s")
        plan, out = self.write_plan(with_app=False), self.dir / "bundle.tar"
        self.ferry("export", "-c", plan, "-o", out)
        self.assertFalse(Path(str(out) + ".partial").exists())
        self.assertFalse(Path(str(out) + ".partial.d").exists())
        images = self.source_images(with_app=False)
        for source, digest in images.items():  # all OCI media types here (alpine, single:1.0)
            raw = ft.skopeo("inspect", "--raw", f"oci-archive:{out}:{source}").stdout
            self.assertEqual(ft.sha256_digest(raw), digest)
        # recorded targets: mirror/alpine and mirror/scratch on the private registry
        self.ferry("import", out, "-c", plan)
        self.assertEqual(ft.skopeo_digest(f"{self.empty.host}/mirror/scratch:s"), images[f"{SRC.host}/{self.scratch}:s"])
        self.assertEqual(ft.skopeo_digest(f"{self.empty.host}/mirror/alpine:3.19"), images[f"{SRC.host}/corpus/alpine:3.19"])

    # ------------------------------------------------------------------ deltas

    def test_delta_holds_only_new_blobs_and_needs_its_base_at_the_target(self):
        ft.skopeo_copy(f"{SRC.host}/corpus/dockerlist:1.0", f"{SRC.host}/{self.scratch}:v1")
        plan = self.write_plan(with_app=False)
        base, delta = self.dir / "base", self.dir / "delta.tar"
        self.ferry("export", "-c", plan, "-o", base)
        base_blobs = {f"sha256:{p.name}" for p in (base / "blobs" / "sha256").iterdir()}
        # a new tag appears at the source: app shares its base layers with alpine
        ft.skopeo_copy(f"{SRC.host}/corpus/app:1.0.0", f"{SRC.host}/{self.scratch}:v2")
        self.ferry("export", "-c", plan, "-o", delta, "--since", base / "ferry-bundle.json")
        meta = self.read_tar_json(delta)
        self.assertTrue(meta["delta"])
        base_meta = json.loads((base / "ferry-bundle.json").read_text())
        self.assertEqual(meta["base"]["id"], base_meta["id"])
        self.assertEqual(meta["base"]["manifest_digest"], ft.sha256_digest((base / "ferry-bundle.json").read_bytes()))

        new_image = manifest_blobs(f"{SRC.host}/{self.scratch}:v2")
        manifests = self.manifest_digests(f"{SRC.host}/corpus/alpine") | self.manifest_digests(f"{SRC.host}/{self.scratch}")
        want_layers = set(new_image) - base_blobs - manifests
        carried = {"sha256:" + n.rsplit("/", 1)[1] for n in self.tar_names(delta) if n.startswith("blobs/")}
        self.assertTrue(want_layers, "the new image has blobs the base lacks")
        self.assertTrue(set(new_image) & base_blobs - manifests, "the new image shares layers with the base")
        self.assertEqual(carried - manifests, want_layers, "only the new layer/config blobs travel")
        print(f"\ndelta: {len(carried)} blob files ({len(want_layers)} new layers/configs), base had {len(base_blobs)}")

        prefix = ft.unique_repo("delta")
        _, err = self.ferry("import", delta, "--to", f"{self.empty.host}/{prefix}", want=EXIT.NOT_FOUND)
        self.assertIn("import its base first", err)
        self.assertIn(sorted(set(new_image) & base_blobs - manifests)[0], err)
        self.assertEqual([r for r in self.empty.catalog() if r.startswith(prefix)], [], "nothing pushed")

        self.ferry("import", base, "--to", f"{self.empty.host}/{prefix}")
        self.ferry("import", delta, "--to", f"{self.empty.host}/{prefix}")
        self.assert_imported(self.source_images(with_app=False), prefix)

    # ------------------------------------------------------------------ refusals

    def test_corrupted_blob_fails_the_import_before_anything_is_pushed(self):
        ft.skopeo_copy(f"{SRC.host}/corpus/single:1.0", f"{SRC.host}/{self.scratch}:s")
        out = self.dir / "bundle"
        self.ferry("export", "-c", self.write_plan(with_app=False), "-o", out)
        biggest = max((out / "blobs" / "sha256").iterdir(), key=lambda p: p.stat().st_size)
        data = bytearray(biggest.read_bytes())
        data[len(data) // 2] ^= 0xFF
        biggest.write_bytes(bytes(data))
        prefix = ft.unique_repo("corrupt")
        before = self.empty.writes()
        _, err = self.ferry("import", out, "--to", f"{self.empty.host}/{prefix}", want=EXIT.INTEGRITY)
        self.assertIn(biggest.name, err)
        self.assertIn("nothing pushed", err)
        self.assertEqual(self.empty.writes(), before)
        self.assertEqual([r for r in self.empty.catalog() if r.startswith(prefix)], [])

    def test_malicious_tars_are_refused_before_anything_is_pushed(self):
        ft.skopeo_copy(f"{SRC.host}/corpus/single:1.0", f"{SRC.host}/{self.scratch}:s")
        good = self.dir / "good"
        self.ferry("export", "-c", self.write_plan(with_app=False), "-o", good)
        cases = {
            "absolute": lambda t: add_bytes(t, "/tmp/ferry-evil", b"x"),
            "dotdot": lambda t: add_bytes(t, "blobs/../../evil", b"x"),
            "symlink": lambda t: add_link(t, "blobs/sha256/evil", tarfile.SYMTYPE, "/etc/passwd"),
            "hardlink": lambda t: add_link(t, "blobs/sha256/evil", tarfile.LNKTYPE, "oci-layout"),
            "duplicate": lambda t: add_bytes(t, "oci-layout", (good / "oci-layout").read_bytes()),
            "oversized-index": None,
        }
        prefix = ft.unique_repo("evil")
        before = self.empty.writes()
        for name, extra in cases.items():
            with self.subTest(name=name):
                path = self.dir / f"{name}.tar"
                with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as t:
                    for f in sorted(good.rglob("*")):
                        rel = f.relative_to(good).as_posix()
                        if f.is_file() and not (name == "oversized-index" and rel == "index.json"):
                            t.add(f, arcname=rel)
                    if extra:
                        extra(t)
                    else:
                        add_bytes(t, "index.json", b" " * (5 * 1024 * 1024) + (good / "index.json").read_bytes())
                _, err = self.ferry("import", path, "--to", f"{self.empty.host}/{prefix}", want=EXIT.INVALID_INPUT)
                self.assertIn("refusing bundle", err)
        self.assertEqual(self.empty.writes(), before)

    # ------------------------------------------------------------------ helpers

    def manifest_digests(self, repo) -> set:
        """Every manifest digest (roots and index children) of every tag of repo."""
        tags = json.loads(ft.skopeo("list-tags", "--tls-verify=false", f"docker://{repo}").stdout)["Tags"]
        out = set()
        for t in tags:
            raw = ft.skopeo_raw(f"{repo}:{t}")
            out.add(ft.sha256_digest(raw))
            out |= {c["digest"] for c in json.loads(raw).get("manifests", [])}
        return out

    def tar_names(self, path) -> list:
        with tarfile.open(path) as t:
            return [m.name for m in t.getmembers() if m.isfile()]

    def read_tar_json(self, path) -> dict:
        with tarfile.open(path) as t:
            return json.loads(t.extractfile("ferry-bundle.json").read())


def add_bytes(t: tarfile.TarFile, name: str, data: bytes):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    t.addfile(info, io.BytesIO(data))


def add_link(t: tarfile.TarFile, name: str, kind, target: str):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    t.addfile(info)


if __name__ == "__main__":
    unittest.main()
