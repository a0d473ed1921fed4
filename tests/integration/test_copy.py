"""Acceptance tests of ferry's copy engine (`ferry copy`) against real docker-registry instances,
with skopeo as the referee: digests kept, every child manifest and blob present at the target,
platform subsets built consistently, cross-repository mounts, OCI layout and archive round trips
in both directions with skopeo, idempotent reruns, corruption caught before anything is tagged,
and copies through the TLS+htpasswd and token registries."""
import json
import subprocess
import unittest
import urllib.parse
from pathlib import Path

import ferrytest as ft

SRC = ft.REGISTRIES["src"]
DST = ft.REGISTRIES["dst"]
TLS = ft.REGISTRIES["tls"]
TOKEN = ft.REGISTRIES["token"]
# (repository, tag) of each manifest kind in the small corpus
OCI_INDEX = ("corpus/alpine", "3.18")
DOCKER_LIST = ("corpus/dockerlist", "1.0")
OCI_IMAGE = ("corpus/single", "1.0")
ATTESTATION_REF = "vnd.docker.reference.digest"
EXIT = ft.EXIT  # cli/exit_codes.hpp


def blob_status(reg: ft.Registry, repo: str, digest: str) -> int:
    """HTTP status of `curl -I` on the blob at registry `reg` (with its credentials / token)."""
    url = reg.url(f"/v2/{repo}/blobs/{digest}")
    args = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-I"]
    if reg.scheme == "https":
        args += ["--cacert", str(ft.CA_FILE)]
    if reg.name == "tls":
        args += ["-u", reg.creds]
    if reg.name == "token":
        args += ["-H", f"Authorization: Bearer {registry_token(reg, repo)}"]
    return int(subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout)


def registry_token(reg: ft.Registry, repo: str) -> str:
    return ft.bearer_token(ft.TOKEN_SERVER, reg.creds, f"repository:{repo}:pull")


def tags_of(reg: ft.Registry, repo: str) -> list:
    """The repository's tags as the registry lists them (HTTPError 404 when it is unknown)."""
    return ft.list_tags(reg.url(""), repo, all_pages=False, missing_ok=False)


def tags_or_empty(reg: ft.Registry, repo: str) -> list:
    return ft.list_tags(reg.url(""), repo, all_pages=False)


class CopyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ft.ensure_registries("src", "dst", "tls", "token")
        cls.corpus = ft.corpus("src")
        ft.corpus("tls")
        ft.corpus("token")

    # ------------------------------------------------------------------ helpers

    def ferry(self, *args, want=0, **kwargs):
        """Runs ferry with every local plain-HTTP registry marked insecure; asserts the exit code
        and that no secret reaches stdout/stderr."""
        insecure = []
        for reg in (SRC, DST, TOKEN):
            insecure += ["--insecure-registry", reg.host]
        rc, out, err = ft.run_ferry(*insecure, *args, **kwargs)
        self.assertEqual(ft.secret_leaks(out + err), [], f"secret in the output of ferry {args}")
        self.assertEqual(rc, want, f"ferry {' '.join(map(str, args))} exited {rc}, want {want}:\n{err}")
        return out, err

    def copy_json(self, src, dst, *extra, **kwargs) -> dict:
        out, _ = self.ferry("copy", src, dst, *extra, "--output", "json", **kwargs)
        return json.loads(out)

    def expected(self, repo, tag):
        return self.corpus["repositories"][repo]["tags"][tag]

    def authfile(self):
        return ft.write_authfile(ft.temp_dir(), {TLS.host: (TLS.user, TLS.password),
                                                 TOKEN.host: (TOKEN.user, TOKEN.password)})

    def skopeo_access(self, reg):
        kwargs = {}
        if reg.creds:
            kwargs["creds"] = reg.creds
        if reg.scheme == "https":
            kwargs["cert_dir"] = ft.CERT_DIR
        return kwargs

    def assert_complete_at(self, reg, repo, root_digest):
        """The manifest `root_digest`, each child it lists and each blob they name are present
        in reg/repo, with the exact bytes (checked by skopeo and curl HEAD)."""
        access = self.skopeo_access(reg)
        root = ft.skopeo_raw(f"{reg.host}/{repo}@{root_digest}", **access)
        self.assertEqual(ft.sha256_digest(root), root_digest)
        doc = json.loads(root)
        images = [doc]
        for child in doc.get("manifests", []):
            raw = ft.skopeo_raw(f"{reg.host}/{repo}@{child['digest']}", **access)
            self.assertEqual(ft.sha256_digest(raw), child["digest"], f"child {child['digest']}")
            self.assertEqual(len(raw), child["size"])
            images.append(json.loads(raw))
        blobs = {d["digest"] for m in images if "config" in m for d in [m["config"], *m["layers"]]}
        self.assertTrue(blobs, "no blob found to check")
        for digest in sorted(blobs):
            self.assertEqual(blob_status(reg, repo, digest), 200, f"blob {digest} missing in {repo}")

    def assert_copied_keeps_digest(self, result, want_digest):
        self.assertEqual(result["sourceDigest"], want_digest)
        self.assertEqual(result["targetDigest"], want_digest)
        self.assertFalse(result["builtSubset"])

    # ------------------------------------------------------------------ registry → registry

    def test_registry_to_registry_keeps_index_and_list_digests(self):
        for repo, tag in (OCI_INDEX, DOCKER_LIST):
            with self.subTest(repo=repo):
                want = self.expected(repo, tag)["digest"]
                target = ft.unique_repo("copy")
                result = self.copy_json(f"docker://{SRC.host}/{repo}:{tag}", f"docker://{DST.host}/{target}:{tag}")
                self.assert_copied_keeps_digest(result, want)
                self.assertEqual(ft.skopeo_digest(f"{SRC.host}/{repo}:{tag}"), want)
                self.assertEqual(ft.skopeo_digest(f"{DST.host}/{target}:{tag}"), want)
                self.assertEqual(result["stats"]["manifestsPushed"], 4)
                self.assert_complete_at(DST, target, want)

    def test_bare_references_and_the_source_tag_by_default(self):
        repo, tag = OCI_IMAGE
        target = ft.unique_repo("copy")
        out, _ = self.ferry("copy", f"{SRC.host}/{repo}:{tag}", f"{DST.host}/{target}")
        self.assertIn("copied", out)
        want = self.expected(repo, tag)["digest"]
        self.assertEqual(ft.skopeo_digest(f"{DST.host}/{target}:{tag}"), want)
        self.assert_complete_at(DST, target, want)

    # ------------------------------------------------------------------ platform subset

    def subset_entries(self, source_index, platform_arch):
        """The entries of a source index a subset for one architecture must keep: the image
        entries of that architecture and the attestations that describe them."""
        images = [m for m in source_index["manifests"]
                  if m.get("platform", {}).get("architecture") == platform_arch
                  and m.get("platform", {}).get("os") == "linux"]
        kept = {m["digest"] for m in images}
        attestations = [m for m in source_index["manifests"]
                        if m.get("annotations", {}).get(ATTESTATION_REF) in kept]
        return images + attestations

    def test_platform_subset_builds_a_consistent_new_index(self):
        for repo, tag in (OCI_INDEX, DOCKER_LIST):
            with self.subTest(repo=repo):
                source_raw = ft.skopeo_raw(f"{SRC.host}/{repo}:{tag}")
                source = json.loads(source_raw)
                target = ft.unique_repo("subset")
                result = self.copy_json(f"docker://{SRC.host}/{repo}:{tag}", f"{DST.host}/{target}:{tag}",
                                        "--platform", "linux/arm64")
                target_raw = ft.skopeo_raw(f"{DST.host}/{target}:{tag}")
                target_digest = ft.sha256_digest(target_raw)
                self.assertTrue(result["builtSubset"])
                self.assertEqual(result["sourceDigest"], ft.sha256_digest(source_raw))
                self.assertEqual(result["targetDigest"], target_digest)
                self.assertNotEqual(target_digest, result["sourceDigest"])
                index = json.loads(target_raw)
                self.assertEqual(index["mediaType"], source["mediaType"])
                self.assertEqual(index["schemaVersion"], 2)
                want_entries = self.subset_entries(source, "arm64")
                self.assertEqual(len(want_entries), 1, "the corpus has one arm64 image per index")
                self.assertEqual(index["manifests"], want_entries)
                self.assert_complete_at(DST, target, target_digest)
                # skopeo can copy the whole subset out, unchanged
                out = ft.unique_repo("subset-out")
                ft.skopeo_copy(f"{DST.host}/{target}:{tag}", f"{DST.host}/{out}:{tag}")
                self.assertEqual(ft.skopeo_digest(f"{DST.host}/{out}:{tag}"), target_digest)

    def test_platform_subset_text_output_says_so(self):
        repo, tag = OCI_INDEX
        target = ft.unique_repo("subset")
        out, _ = self.ferry("copy", f"{SRC.host}/{repo}:{tag}", f"{DST.host}/{target}:{tag}",
                            "--platform", "linux/arm64")
        self.assertIn("platform subset", out)
        target_digest = ft.skopeo_digest(f"{DST.host}/{target}:{tag}")
        self.assertIn(target_digest, out)
        self.assertIn(self.expected(repo, tag)["digest"], out)

    def test_platform_list_naming_every_platform_keeps_the_digest(self):
        repo, tag = OCI_INDEX
        target = ft.unique_repo("subset")
        result = self.copy_json(f"{SRC.host}/{repo}:{tag}", f"{DST.host}/{target}:{tag}",
                                "--platform", "linux/amd64", "--platform", "linux/arm64",
                                "--platform", "linux/arm/v7")
        self.assert_copied_keeps_digest(result, self.expected(repo, tag)["digest"])

    # ------------------------------------------------------------------ mounts within one registry

    def test_copy_within_one_registry_mounts_every_blob(self):
        repo, tag = ("corpus/app", "1.0.0")
        want = self.expected(repo, tag)["digest"]
        first, second = ft.unique_repo("mount"), ft.unique_repo("mount")
        self.copy_json(f"{SRC.host}/{repo}:{tag}", f"{DST.host}/{first}:{tag}")
        mark = ft.log_mark("dst")
        result = self.copy_json(f"{DST.host}/{first}:{tag}", f"{DST.host}/{second}:{tag}")
        requests = ft.requests_since("dst", mark)
        self.assert_copied_keeps_digest(result, want)
        self.assertEqual(ft.skopeo_digest(f"{DST.host}/{second}:{tag}"), want)

        blobs = {d for m in self.expected(repo, tag)["manifests"]
                 for d in [m["config"], *(l["digest"] for l in m["layers"])]}
        mounts = [r for r in requests if r.method == "POST" and f"/v2/{second}/blobs/uploads/" in r.path]
        self.assertEqual(len(mounts), len(blobs), [f"{r.method} {r.path} {r.status}" for r in requests])
        for r in mounts:
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(r.path).query)
            self.assertEqual(query.get("from"), [first], r.path)
            self.assertIn(query.get("mount", [""])[0], blobs, r.path)
            self.assertEqual(r.status, 201, r.path)
        uploads = [r for r in requests if r.method in ("PATCH", "PUT") and "/blobs/" in r.path]
        self.assertEqual(uploads, [], "blob bytes were uploaded instead of mounted")
        self.assertEqual(result["stats"]["blobsMounted"], len(blobs))
        self.assertEqual(result["stats"]["blobsCopied"], 0)
        self.assertEqual(result["stats"]["bytesCopied"], 0)
        self.assert_complete_at(DST, second, want)

    # ------------------------------------------------------------------ OCI layout and archive

    def test_oci_layout_round_trip_keeps_digests_and_skopeo_reads_it(self):
        for repo, tag in (OCI_INDEX, OCI_IMAGE, DOCKER_LIST):
            with self.subTest(repo=repo):
                want = self.expected(repo, tag)["digest"]
                layout = ft.temp_dir() / "layout"
                result = self.copy_json(f"{SRC.host}/{repo}:{tag}", f"oci:{layout}:img")
                self.assert_copied_keeps_digest(result, want)
                self.assertEqual(json.loads((layout / "oci-layout").read_text())["imageLayoutVersion"], "1.0.0")
                if not self.expected(repo, tag)["mediaType"].startswith("application/vnd.docker"):
                    # Debian's skopeo 1.9 skips Docker media types in index.json
                    raw = ft.skopeo("inspect", "--raw", f"oci:{layout}:img").stdout
                    self.assertEqual(ft.sha256_digest(raw), want)
                target = ft.unique_repo("layout")
                back = self.copy_json(f"oci:{layout}:img", f"docker://{DST.host}/{target}:{tag}")
                self.assert_copied_keeps_digest(back, want)
                self.assertEqual(ft.skopeo_digest(f"{DST.host}/{target}:{tag}"), want)
                self.assert_complete_at(DST, target, want)

    def test_oci_archive_round_trip_keeps_digests_and_skopeo_reads_it(self):
        for repo, tag in (OCI_INDEX, DOCKER_LIST):
            with self.subTest(repo=repo):
                want = self.expected(repo, tag)["digest"]
                archive = ft.temp_dir() / "image.tar"
                self.assert_copied_keeps_digest(
                    self.copy_json(f"{SRC.host}/{repo}:{tag}", f"oci-archive:{archive}:img"), want)
                self.assertTrue(archive.is_file())
                if not self.expected(repo, tag)["mediaType"].startswith("application/vnd.docker"):
                    other = ft.temp_dir() / "other"
                    ft.skopeo("copy", "--all", "--preserve-digests", f"oci-archive:{archive}:img",
                              f"oci:{other}:img")
                    self.assertEqual(ft.sha256_digest(ft.skopeo("inspect", "--raw", f"oci:{other}:img").stdout),
                                     want)
                target = ft.unique_repo("archive")
                back = self.copy_json(f"oci-archive:{archive}:img", f"{DST.host}/{target}:{tag}")
                self.assert_copied_keeps_digest(back, want)
                self.assertEqual(ft.skopeo_digest(f"{DST.host}/{target}:{tag}"), want)
                self.assert_complete_at(DST, target, want)

    def test_ferry_reads_an_archive_tar_wrote(self):
        repo, tag = OCI_INDEX
        want = self.expected(repo, tag)["digest"]
        layout = ft.temp_dir() / "layout"
        self.copy_json(f"{SRC.host}/{repo}:{tag}", f"oci:{layout}:img")
        archive = ft.temp_dir() / "by-tar.tar"
        subprocess.run(["tar", "-C", str(layout), "-cf", str(archive), "."], check=True)  # "./" entries
        target = ft.unique_repo("from-tar")
        self.assert_copied_keeps_digest(self.copy_json(f"oci-archive:{archive}:img", f"{DST.host}/{target}:{tag}"),
                                        want)
        self.assert_complete_at(DST, target, want)

    def test_ferry_reads_layouts_skopeo_wrote(self):
        for repo, tag in (OCI_INDEX, OCI_IMAGE):
            with self.subTest(repo=repo):
                want = self.expected(repo, tag)["digest"]
                layout = ft.temp_dir() / "by-skopeo"
                ft.skopeo("copy", "--all", "--preserve-digests", "--src-tls-verify=false",
                          f"docker://{SRC.host}/{repo}:{tag}", f"oci:{layout}:ref")
                target = ft.unique_repo("from-skopeo")
                result = self.copy_json(f"oci:{layout}:ref", f"docker://{DST.host}/{target}:{tag}")
                self.assert_copied_keeps_digest(result, want)
                self.assertEqual(ft.skopeo_digest(f"{DST.host}/{target}:{tag}"), want)
                self.assert_complete_at(DST, target, want)

    # ------------------------------------------------------------------ idempotence

    def test_second_copy_transfers_nothing_and_puts_no_manifest(self):
        for repo, tag in (OCI_INDEX, DOCKER_LIST):
            with self.subTest(repo=repo):
                target = ft.unique_repo("again")
                src, dst = f"{SRC.host}/{repo}:{tag}", f"{DST.host}/{target}:{tag}"
                first = self.copy_json(src, dst)
                self.assertFalse(first["unchanged"])
                mark = ft.log_mark("dst")
                second = self.copy_json(src, dst)
                writes = [f"{r.method} {r.path}" for r in ft.requests_since("dst", mark)
                          if r.method in ("PUT", "PATCH", "POST", "DELETE") and r.path.startswith(f"/v2/{target}/")]
                self.assertEqual(writes, [])
                self.assertTrue(second["unchanged"])
                self.assertEqual(second["targetDigest"], self.expected(repo, tag)["digest"])
                stats = second["stats"]
                self.assertEqual((stats["blobsCopied"], stats["bytesCopied"], stats["manifestsPushed"]), (0, 0, 0))

    def test_second_copy_into_a_layout_is_unchanged(self):
        repo, tag = OCI_INDEX
        layout = ft.temp_dir() / "layout"
        self.copy_json(f"{SRC.host}/{repo}:{tag}", f"oci:{layout}:img")
        index_before = (layout / "index.json").read_bytes()
        again = self.copy_json(f"{SRC.host}/{repo}:{tag}", f"oci:{layout}:img")
        self.assertTrue(again["unchanged"])
        self.assertEqual(again["stats"]["blobsCopied"], 0)
        self.assertEqual((layout / "index.json").read_bytes(), index_before)

    # ------------------------------------------------------------------ integrity

    def corrupt_a_layer(self, layout: Path, layer_digest: str) -> Path:
        path = layout / "blobs" / "sha256" / layer_digest.split(":", 1)[1]
        data = bytearray(path.read_bytes())
        for i in range(0, len(data), 4096):  # same size, different bytes
            data[i] ^= 0xFF
        path.write_bytes(bytes(data))
        return path

    def test_corrupted_layout_blob_is_caught_and_nothing_is_tagged(self):
        repo, tag = OCI_IMAGE
        want = self.expected(repo, tag)
        layer = max(want["layers"], key=lambda l: l["size"])["digest"]
        for location in ("oci", "oci-archive"):
            with self.subTest(location=location):
                layout = ft.temp_dir() / "layout"
                self.copy_json(f"{SRC.host}/{repo}:{tag}", f"oci:{layout}:img")
                self.corrupt_a_layer(layout, layer)
                source = f"oci:{layout}:img"
                if location == "oci-archive":
                    archive = ft.temp_dir() / "corrupt.tar"
                    subprocess.run(["tar", "-C", str(layout), "-cf", str(archive), "."], check=True)
                    source = f"oci-archive:{archive}:img"
                target = ft.unique_repo("corrupt")
                out, err = self.ferry("copy", source, f"docker://{DST.host}/{target}:{tag}", want=EXIT.INTEGRITY)
                self.assertIn(layer, err, "the message must name the corrupted blob")
                self.assertRegex(err.lower(), r"digest|mismatch|integrity")
                self.assertNotIn(tag, tags_or_empty(DST, target))
                failed = ft.skopeo("inspect", "--raw", "--tls-verify=false",
                                   f"docker://{DST.host}/{target}:{tag}", check=False)
                self.assertNotEqual(failed.returncode, 0, "the target tag exists after a failed copy")
                self.assertEqual(blob_status(DST, target, layer), 404, "the corrupted blob became visible")

    # ------------------------------------------------------------------ TLS + htpasswd, token auth

    def test_copy_to_and_from_the_tls_registry(self):
        authfile = self.authfile()
        for repo, tag in (OCI_INDEX, DOCKER_LIST):
            with self.subTest(repo=repo):
                want = self.expected(repo, tag)["digest"]
                there = ft.unique_repo("tls")
                out, _ = self.ferry("--authfile", authfile, "--ca-file", ft.CA_FILE, "copy",
                                    f"{SRC.host}/{repo}:{tag}", f"docker://{TLS.host}/{there}:{tag}",
                                    "--output", "json")
                self.assert_copied_keeps_digest(json.loads(out), want)
                self.assertEqual(ft.skopeo_digest(f"{TLS.host}/{there}:{tag}", **self.skopeo_access(TLS)), want)
                self.assert_complete_at(TLS, there, want)
                back = ft.unique_repo("from-tls")
                out, _ = self.ferry("--authfile", authfile, "--ca-file", ft.CA_FILE, "copy",
                                    f"docker://{TLS.host}/{there}:{tag}", f"{DST.host}/{back}:{tag}",
                                    "--output", "json")
                self.assert_copied_keeps_digest(json.loads(out), want)
                self.assertEqual(ft.skopeo_digest(f"{DST.host}/{back}:{tag}"), want)
                self.assert_complete_at(DST, back, want)

    def test_copy_to_and_from_the_token_registry(self):
        authfile = self.authfile()
        for repo, tag in (OCI_INDEX, DOCKER_LIST):
            with self.subTest(repo=repo):
                want = self.expected(repo, tag)["digest"]
                there = ft.unique_repo("token")
                out, _ = self.ferry("--authfile", authfile, "copy", f"{SRC.host}/{repo}:{tag}",
                                    f"docker://{TOKEN.host}/{there}:{tag}", "--output", "json")
                self.assert_copied_keeps_digest(json.loads(out), want)
                self.assertEqual(ft.skopeo_digest(f"{TOKEN.host}/{there}:{tag}", creds=TOKEN.creds), want)
                self.assert_complete_at(TOKEN, there, want)
                # within the token registry: a mount needs push on the target and pull on the source
                sibling = ft.unique_repo("token")
                out, _ = self.ferry("--authfile", authfile, "copy", f"docker://{TOKEN.host}/{there}:{tag}",
                                    f"docker://{TOKEN.host}/{sibling}:{tag}", "--output", "json")
                result = json.loads(out)
                self.assert_copied_keeps_digest(result, want)
                self.assertGreater(result["stats"]["blobsMounted"], 0, result["stats"])
                self.assertEqual(result["stats"]["blobsCopied"], 0, result["stats"])
                back = ft.unique_repo("from-token")
                out, _ = self.ferry("--authfile", authfile, "copy", f"docker://{TOKEN.host}/{sibling}:{tag}",
                                    f"{DST.host}/{back}:{tag}", "--output", "json")
                self.assert_copied_keeps_digest(json.loads(out), want)
                self.assert_complete_at(DST, back, want)

    def test_copy_between_the_tls_and_the_token_registry(self):
        repo, tag = OCI_INDEX
        want = self.expected(repo, tag)["digest"]
        there = ft.unique_repo("tls-to-token")
        out, _ = self.ferry("--authfile", self.authfile(), "--ca-file", ft.CA_FILE, "copy",
                            f"docker://{TLS.host}/{repo}:{tag}", f"docker://{TOKEN.host}/{there}:{tag}",
                            "--output", "json")
        self.assert_copied_keeps_digest(json.loads(out), want)
        self.assert_complete_at(TOKEN, there, want)


if __name__ == "__main__":
    unittest.main()
