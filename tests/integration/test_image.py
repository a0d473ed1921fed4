"""ferry's own container image (scripts/image.sh), used as a user would use it.

The layout is unpacked with umoci (Debian's OCI image tool, not ferry's code), ferry is run
from the unpacked root file system under chroot as the image's user 65532 with the image's
environment (`ferry version`, and a real `ferry copy` between the test registries, which needs
every shared library it links; a copy from the TLS registry shows it reads the image's CA
bundle), the layout is pushed to a test registry by ferry and pulled back by podman, a real
engine's client that validates manifest, config and layer digests while it stores the image.

Running the container itself (`podman run`) is not possible on these machines: they have no
cgroup delegation, so a runtime cannot create the container's cgroup; chroot with the image's
user, environment and working directory is the closest run of the entrypoint we have.

The image is built from the build directory of FERRY_BIN (it must be a Release build, as
scripts/test.sh's is), so nothing is compiled twice.
"""
import gzip
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import unittest
from pathlib import Path

import ferrytest as ft

SRC = ft.REGISTRIES["src"]
DST = ft.REGISTRIES["dst"]
TLS = ft.REGISTRIES["tls"]
ENTRYPOINT = "/usr/local/bin/ferry"
IMAGE_USER = "65532:65532"
CA_BUNDLE = "etc/ssl/certs/ca-certificates.crt"


def build_image(out: Path, umask=None, tmpdir=None) -> str:
    """Runs scripts/image.sh OUT from FERRY_BIN's build directory; returns the digest it prints."""
    env = ft.base_env({"FERRY_BUILD_DIR": str(ft.FERRY_BIN.parent)})
    if tmpdir:
        env["TMPDIR"] = str(tmpdir)
    p = subprocess.run(["bash", str(ft.SCRIPTS / "image.sh"), str(out)], env=env, capture_output=True,
                       text=True, timeout=600, preexec_fn=(lambda: os.umask(umask)) if umask is not None else None)
    if p.returncode != 0:
        raise AssertionError(f"image.sh exited {p.returncode}:\n{p.stderr}")
    return p.stdout.strip().splitlines()[-1]


def git(*args) -> str:
    return subprocess.run(["git", "-C", str(ft.ROOT), *args], capture_output=True, text=True,
                          check=True).stdout.strip()


class ImageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ft.skip_unless_tools("umoci", "podman", "chroot")
        if os.geteuid() != 0:
            raise unittest.SkipTest("chroot and umoci's unpack with image ownership need root")
        cls.chroot = shutil.which("chroot")   # the image's own PATH is the environment below
        ft.ensure_registries("src", "dst", "tls")
        cls.corpus = ft.corpus("src")
        ft.corpus("tls")
        cls.version = json.loads(ft.run_ferry("version", "-o", "json", check=True)[1])["version"]
        cls.dir = ft.temp_dir()
        cls.layout = cls.dir / "layout"
        cls.digest = build_image(cls.layout)
        cls.bundle = cls.dir / "bundle"
        p = subprocess.run(["umoci", "unpack", "--image", f"{cls.layout}:{cls.version}", str(cls.bundle)],
                           capture_output=True, text=True)
        if p.returncode != 0:
            raise AssertionError(f"umoci unpack failed:\n{p.stderr}")
        cls.rootfs = cls.bundle / "rootfs"
        cls.manifest = cls.blob_json(cls.digest)
        cls.config = cls.blob_json(cls.manifest["config"]["digest"])

    @classmethod
    def blob_json(cls, digest):
        return json.loads((cls.layout / "blobs" / "sha256" / digest.split(":", 1)[1]).read_bytes())

    def in_image(self, *args, timeout=300):
        """Runs the entrypoint with args under chroot in the unpacked root fs, as the image's user,
        with only the image's environment (its Env and WorkingDir)."""
        env = dict(e.split("=", 1) for e in self.config["config"]["Env"])
        cmd = [self.chroot, f"--userspec={self.config['config']['User']}", str(self.rootfs),
               *self.config["config"]["Entrypoint"], *args]
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout,
                           cwd=self.rootfs / self.config["config"]["WorkingDir"].lstrip("/"))
        return p.returncode, p.stdout, p.stderr

    # ----------------------------------------------------------------------------- the layout

    def test_layout_holds_the_image_under_both_tags_and_skopeo_reads_it(self):
        index = json.loads((self.layout / "index.json").read_text())
        tags = {m["annotations"]["org.opencontainers.image.ref.name"]: m["digest"] for m in index["manifests"]}
        self.assertEqual(tags, {self.version: self.digest, "latest": self.digest})
        for tag in (self.version, "latest"):
            raw = ft.skopeo("inspect", "--raw", f"oci:{self.layout}:{tag}").stdout
            self.assertEqual(ft.sha256_digest(raw), self.digest)
        # skopeo checks the config against the manifest while it reads it
        cfg = json.loads(ft.skopeo("inspect", "--config", f"oci:{self.layout}:{self.version}").stdout)
        self.assertEqual(cfg, self.config)

    def test_config_has_entrypoint_user_labels_and_the_commits_time(self):
        c = self.config["config"]
        self.assertEqual(c["Entrypoint"], [ENTRYPOINT])
        self.assertEqual(c["User"], IMAGE_USER)
        self.assertEqual((self.config["os"], self.config["architecture"]), ("linux", "amd64"))
        revision = git("rev-parse", "HEAD")
        if git("status", "--porcelain", "--untracked-files=no"):
            revision += "-dirty"
        epoch = int(git("log", "-1", "--format=%ct"))
        created = subprocess.run(["date", "-u", "-d", f"@{epoch}", "+%Y-%m-%dT%H:%M:%SZ"],
                                 capture_output=True, text=True, check=True).stdout.strip()
        self.assertEqual(self.config["created"], created)
        labels = c["Labels"]
        for key, want in (("version", self.version), ("revision", revision), ("created", created),
                          ("title", "ferry")):
            self.assertEqual(labels[f"org.opencontainers.image.{key}"], want, key)
        for key in ("source", "licenses"):
            self.assertTrue(labels.get(f"org.opencontainers.image.{key}"), key)
        self.assertEqual(self.manifest["annotations"], labels)

    def test_the_layer_is_a_reproducible_tar_with_only_ferry_its_libraries_and_certificates(self):
        (layer,) = self.manifest["layers"]
        self.assertEqual(layer["mediaType"], "application/vnd.oci.image.layer.v1.tar+gzip")
        blob = (self.layout / "blobs" / "sha256" / layer["digest"].split(":", 1)[1]).read_bytes()
        raw = gzip.decompress(blob)
        self.assertEqual(ft.sha256_digest(raw), self.config["rootfs"]["diff_ids"][0])
        self.assertEqual(blob[4:8], b"\0\0\0\0", "gzip header carries a time stamp")
        epoch = int(git("log", "-1", "--format=%ct"))
        with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
            members = tar.getmembers()
        names = [m.name for m in members]
        self.assertEqual({n.split("/")[0] for n in names}, {"etc", "home", "lib", "lib64", "tmp", "usr"})
        for m in members:
            self.assertEqual(m.mtime, epoch, m.name)
            owner = 65532 if m.name.startswith("home/nonroot") else 0
            self.assertEqual((m.uid, m.gid), (owner, owner), m.name)
        self.assertEqual(tar_entry(members, "usr/local/bin/ferry").mode & 0o777, 0o755)
        self.assertEqual(tar_entry(members, "tmp").mode & 0o7777, 0o1777)
        # every library ldd resolves for the build's binary is in the layer, and nothing else
        # beyond them, the loader, ferry and /etc
        ldd = subprocess.run(["ldd", str(ft.FERRY_BIN)], capture_output=True, text=True, check=True).stdout
        wanted = {Path(line.split("=>")[1].split()[0]).name for line in ldd.splitlines() if "=> /" in line}
        libs = {Path(n).name for n in names if n.startswith("usr/lib/") and tar_entry(members, n).isfile()}
        self.assertEqual(libs, wanted)
        files = {n for n in names if tar_entry(members, n).isfile() and not n.startswith("usr/lib/")}
        self.assertEqual(files, {"usr/local/bin/ferry", "usr/lib64/ld-linux-x86-64.so.2", CA_BUNDLE,
                                 "etc/passwd", "etc/group", "etc/nsswitch.conf"})

    def test_two_builds_of_the_commit_give_the_same_digest(self):
        # another run, another temporary directory, another umask: the same bytes
        again = self.dir / "again"
        tmp = self.dir / "tmp-again"
        tmp.mkdir()
        digest = build_image(again, umask=0o077, tmpdir=tmp)
        self.assertEqual(digest, self.digest)
        self.assertEqual((again / "index.json").read_bytes(), (self.layout / "index.json").read_bytes())

    # ----------------------------------------------------------------------------- run under chroot

    def test_ferry_version_runs_in_the_unpacked_image_as_the_image_user(self):
        self.assertTrue((self.rootfs / ENTRYPOINT.lstrip("/")).is_file())
        st = (self.rootfs / "home" / "nonroot").stat()
        self.assertEqual((st.st_uid, st.st_gid), (65532, 65532))
        rc, out, err = self.in_image("version")
        self.assertEqual(rc, 0, err)
        self.assertIn(f"ferry {self.version}", out)
        self.assertIn("build type: Release", out)

    def test_ferry_copy_between_the_test_registries_from_inside_the_image(self):
        digest = self.corpus["repositories"]["corpus/alpine"]["tags"]["3.18"]["digest"]
        target = f"{DST.host}/{ft.unique_repo('image')}:3.18"
        rc, _, err = self.in_image("--insecure-registry", SRC.host, "--insecure-registry", DST.host,
                                   "copy", f"docker://{SRC.host}/corpus/alpine:3.18", f"docker://{target}")
        self.assertEqual(rc, 0, err)
        self.assertEqual(ft.skopeo_digest(target), digest)

    def test_ferry_in_the_image_trusts_the_images_ca_bundle(self):
        bundle = self.rootfs / CA_BUNDLE
        original = bundle.read_bytes()
        self.assertGreater(original.count(b"BEGIN CERTIFICATE"), 50)
        self.assertEqual(original, Path("/" + CA_BUNDLE).read_bytes())
        source = f"docker://{TLS.host}/corpus/single:1.0"
        target = f"docker://{DST.host}/{ft.unique_repo('image-tls')}:1.0"
        args = ("--insecure-registry", DST.host, "copy", "--src-creds", TLS.creds, source, target)
        # the test CA is in no public bundle: refused
        rc, _, err = self.in_image(*args)
        self.assertEqual(rc, ft.EXIT.TLS, err)
        try:
            bundle.write_bytes(original + ft.CA_FILE.read_bytes())
            rc, _, err = self.in_image(*args)
            self.assertEqual(rc, 0, err)
        finally:
            bundle.write_bytes(original)
        self.assertEqual(ft.skopeo_digest(target),
                         ft.corpus("tls")["repositories"]["corpus/single"]["tags"]["1.0"]["digest"])

    # ----------------------------------------------------------------------------- ferry pushes ferry

    def test_ferry_pushes_the_image_and_podman_pulls_it(self):
        repo = f"{DST.host}/{ft.unique_repo('tools')}/ferry"
        ft.run_ferry("--insecure-registry", DST.host, "copy", f"oci:{self.layout}:{self.version}",
                     f"docker://{repo}:{self.version}", check=True)
        self.assertEqual(ft.skopeo_digest(f"{repo}:{self.version}"), self.digest)
        # podman refuses a run root path longer than 50 characters
        storage = Path(tempfile.mkdtemp(prefix="ferry-podman-", dir="/tmp"))
        podman = ["podman", "--root", str(storage / "root"), "--runroot", str(storage / "run"),
                  "--storage-driver", "vfs", "--cgroup-manager", "cgroupfs", "--events-backend", "file"]
        env = ft.base_env({"XDG_RUNTIME_DIR": str(storage / "xdg"), "XDG_CONFIG_HOME": str(storage / "cfg")})
        (storage / "xdg").mkdir(parents=True)
        try:
            p = subprocess.run([*podman, "pull", "--tls-verify=false", f"{repo}:{self.version}"],
                               env=env, capture_output=True, text=True, timeout=300)
            self.assertEqual(p.returncode, 0, p.stderr)
            p = subprocess.run([*podman, "image", "inspect", f"{repo}:{self.version}"],
                               env=env, capture_output=True, text=True, timeout=120, check=True)
            (info,) = json.loads(p.stdout)
            self.assertEqual(info["Digest"], self.digest)
            self.assertEqual(info["Config"]["Entrypoint"], [ENTRYPOINT])
            self.assertEqual(info["Config"]["User"], IMAGE_USER)
            self.assertEqual(info["Labels"]["org.opencontainers.image.version"], self.version)
        finally:
            subprocess.run([*podman, "system", "reset", "--force"], env=env, capture_output=True, timeout=120)
            shutil.rmtree(storage, ignore_errors=True)


def tar_entry(members, name):
    return next(m for m in members if m.name == name)


if __name__ == "__main__":
    unittest.main()
