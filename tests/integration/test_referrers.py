"""Signatures, attestations and OCI referrers travel with their images under `ferry sync`, and the
`verify:` policy refuses unsigned or wrongly signed images, against real docker-registry servers.

docker-registry 2.8 has no referrers API: the source keeps its OCI 1.1 artifact in the referrers
fallback tag (`sha256-<hex>` index, pushed here by the test as a client would), and ferry must
maintain that tag at the target. The referee is independent of ferry: signatures are checked at
the target with `openssl dgst -verify` (signing.verify_at), manifests with skopeo and plain HTTP."""
import json
import os
import sys
import unittest
import urllib.request
from pathlib import Path

import ferrytest as ft
import signing

SRC = ft.REGISTRIES["src"]
DST = ft.REGISTRIES["dst"]
EXIT = ft.EXIT  # cli/exit_codes.hpp
REPORT_TYPE = "application/vnd.example.scan-report"
OCI_MANIFEST, OCI_INDEX = signing.OCI_MANIFEST, signing.OCI_INDEX
WRITES = ("PUT", "POST", "PATCH", "DELETE")

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import regclient  # noqa: E402


sha256 = ft.sha256_digest


def fallback_tag(digest: str) -> str:
    return digest.replace(":", "-")


def get_manifest(reg, repo, ref):
    req = urllib.request.Request(reg.url(f"/v2/{repo}/manifests/{ref}"),
                                 headers={"Accept": signing.ACCEPT})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.read()
    except urllib.error.HTTPError as e:
        if e.code == 404:
            return None
        raise


def tags_of(reg, repo) -> set:
    return set(ft.list_tags(reg.url(""), repo, all_pages=False))


def push_artifact(repo: str, subject_digest: str, subject_size: int) -> str:
    """Pushes an OCI 1.1 artifact whose subject is the given manifest to src, and records it in
    the subject's fallback tag index. Returns the artifact manifest's digest."""
    client = regclient.Registry(SRC.host)
    empty, report = b"{}", json.dumps({"scanner": "ferry-it", "findings": []}).encode()
    for blob in (empty, report):
        client.push_blob(repo, sha256(blob), blob)
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": REPORT_TYPE,
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": sha256(empty), "size": 2},
        "layers": [{"mediaType": "application/json", "digest": sha256(report), "size": len(report)}],
        "subject": {"mediaType": OCI_INDEX, "digest": subject_digest, "size": subject_size},
    }, separators=(",", ":")).encode()
    digest = sha256(manifest)
    client.put_manifest(repo, digest, OCI_MANIFEST, manifest)
    index = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [
        {"mediaType": OCI_MANIFEST, "artifactType": REPORT_TYPE, "digest": digest, "size": len(manifest)}]},
        separators=(",", ":")).encode()
    client.put_manifest(repo, fallback_tag(subject_digest), OCI_INDEX, index)
    client.close()
    return digest


class ReferrersTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ft.ensure_registries("src", "dst")
        ft.corpus("src")
        cls.keys = signing.generate_keypair()
        cls.other_keys = signing.generate_keypair()

    def setUp(self):
        self.dir = ft.temp_dir()
        self.prefix = ft.unique_repo("tref")
        self.src_repo = f"{self.prefix}/app"

    def seed(self, *tags):
        for tag in tags:
            ft.skopeo_copy(f"{SRC.host}/corpus/app:{tag}", f"{SRC.host}/{self.src_repo}:{tag}")

    def digest_of(self, reg, repo, tag) -> str:
        return ft.skopeo_digest(f"{reg.host}/{repo}:{tag}")

    def write_plan(self, entry_extra: str, target_repo: str) -> Path:
        return ft.write_plan(self.dir / "plan.yaml", f"""\
  - name: app
    source: {SRC.host}/{self.src_repo}
    target: {DST.host}/{target_repo}
{entry_extra}""", ft.plain_registries(SRC.host, DST.host))

    def ferry(self, *args, want=EXIT.OK):
        rc, out, err = ft.run_ferry(*args)
        self.assertEqual(rc, want, f"ferry {' '.join(map(str, args))} exited {rc}, want {want}:\n{out}\n{err}")
        return out, err

    def sync(self, plan, want=EXIT.OK) -> dict:
        report = self.dir / f"report-{os.urandom(3).hex()}.json"
        self.ferry("sync", "-c", plan, "--report", report, want=want)
        return json.loads(report.read_text())

    def test_signatures_and_artifacts_arrive_verifiable_and_a_rerun_writes_nothing(self):
        self.seed("1.0.0", "2.0.0")
        signed = signing.sign_all(SRC.url(""), self.src_repo, "1.0.0", self.keys.private)
        index_raw = get_manifest(SRC, self.src_repo, "1.0.0")
        artifact = push_artifact(self.src_repo, signed[0], len(index_raw))
        target = f"{self.prefix}/mirror"
        plan = self.write_plan("    referrers: all\n", target)

        planned = json.loads(self.ferry("plan", "-c", plan, "--output", "json")[0])
        planned_artifacts = [a for i in planned["images"] for a in i["artifacts"]]
        self.assertEqual(len(planned_artifacts), len(signed) + 1, planned_artifacts)
        self.assertTrue(all(a["action"] == "copy" for a in planned_artifacts))
        self.assertEqual(tags_of(DST, target), set(), "ferry plan wrote to the target")

        report = self.sync(plan)
        images = {i["target"].rsplit(":", 1)[1]: i for i in report["images"]}
        self.assertEqual(set(images), {"1.0.0", "2.0.0"}, "artifact tags were synced as images")
        self.assertEqual(report["summary"]["artifactsCopied"], len(signed) + 1)
        for digest in signed:
            self.assertTrue(signing.verify_at(DST.url(""), target, digest, self.keys.public),
                            f"signature of {digest} does not verify at the target")
        self.assertEqual(self.digest_of(DST, target, "1.0.0"), signed[0])
        fallback = json.loads(get_manifest(DST, target, fallback_tag(signed[0])))
        self.assertEqual([m["digest"] for m in fallback["manifests"]], [artifact])
        self.assertEqual(fallback["manifests"][0].get("artifactType"), REPORT_TYPE)
        self.assertEqual(sha256(get_manifest(DST, target, artifact)), artifact)
        self.assertEqual(tags_of(DST, target),
                         {"1.0.0", "2.0.0", fallback_tag(signed[0])} | {signing.signature_tag(d) for d in signed})

        mark, src_mark = ft.log_mark("dst"), ft.log_mark("src")
        again = self.sync(plan)
        self.assertEqual(again["summary"]["artifactsCopied"], 0)
        self.assertEqual(again["summary"]["artifactsPresent"], len(signed) + 1)
        writes = [r for r in ft.requests_since("dst", mark)
                  if r.method in WRITES and r.path.startswith(f"/v2/{target}/")]
        self.assertEqual(writes, [], "a no-op rerun wrote to the target")
        source_gets = [r for r in ft.requests_since("src", src_mark)
                       if r.method == "GET" and "/manifests/" in r.path and r.path.startswith(f"/v2/{self.src_repo}/")]
        self.assertEqual([r.path.rsplit("/", 1)[1] for r in source_gets], [fallback_tag(signed[0])],
                         "a no-op rerun fetched source manifests other than the referrers fallback index")

    def test_signatures_cross_the_air_gap_in_a_bundle(self):
        self.seed("1.0.0")
        signed = signing.sign_all(SRC.url(""), self.src_repo, "1.0.0", self.keys.private)
        plan = self.write_plan("", f"{self.prefix}/unused")
        bundle = self.dir / "bundle"
        self.ferry("export", "-c", plan, "-o", bundle)
        meta = json.loads((bundle / "ferry-bundle.json").read_text())
        exported = {i["source"].rsplit(":", 1)[1] for i in meta["images"]}
        self.assertEqual(exported, {"1.0.0"} | {signing.signature_tag(d) for d in signed})
        self.ferry("--insecure-registry", DST.host, "import", bundle, "--to", f"{DST.host}/{self.prefix}/gap")
        target = f"{self.prefix}/gap/{self.src_repo}"
        self.assertEqual(self.digest_of(DST, target, "1.0.0"), signed[0])
        for digest in signed:
            self.assertTrue(signing.verify_at(DST.url(""), target, digest, self.keys.public),
                            f"signature of {digest} does not verify after import")

    def test_default_selection_carries_signatures_but_not_other_artifacts(self):
        self.seed("1.0.0")
        signed = signing.sign_all(SRC.url(""), self.src_repo, "1.0.0", self.keys.private)
        push_artifact(self.src_repo, signed[0], len(get_manifest(SRC, self.src_repo, "1.0.0")))
        target = f"{self.prefix}/default"
        report = self.sync(self.write_plan("", target))
        self.assertEqual(len(report["images"]), 1)
        self.assertEqual(report["summary"]["artifactsCopied"], len(signed))
        self.assertEqual(tags_of(DST, target), {"1.0.0"} | {signing.signature_tag(d) for d in signed})

    def test_verify_policy_refuses_unsigned_and_tampered_images_and_syncs_the_rest(self):
        self.seed("1.0.0", "1.1.0", "2.0.0")
        signing.sign_all(SRC.url(""), self.src_repo, "1.0.0", self.keys.private)
        tampered = self.digest_of(SRC, self.src_repo, "1.1.0")
        signing.tamper(SRC.url(""), self.src_repo, tampered, f"{SRC.host}/{self.src_repo}", self.keys.private)
        target = f"{self.prefix}/verified"
        plan = self.write_plan(f"    verify: {{key: {self.keys.public}}}\n", target)
        report = self.sync(plan, want=EXIT.REJECTED)
        actions = {i["target"].rsplit(":", 1)[1]: i for i in report["images"]}
        self.assertEqual(actions["1.0.0"]["action"], "new")
        self.assertEqual(actions["1.1.0"]["action"], "rejected")
        self.assertEqual(actions["2.0.0"]["action"], "rejected")
        self.assertIn(tampered, actions["1.1.0"]["error"])
        self.assertEqual(report["summary"]["rejected"], 2)
        self.assertEqual({t for t in tags_of(DST, target) if not t.startswith("sha256-")}, {"1.0.0"})

        wrong_key = self.write_plan(f"    verify: {{key: {self.other_keys.public}}}\n", f"{self.prefix}/wrongkey")
        report = self.sync(wrong_key, want=EXIT.REJECTED)
        self.assertEqual({i["action"] for i in report["images"]}, {"rejected"})
        self.assertEqual(tags_of(DST, f"{self.prefix}/wrongkey"), set())

    def test_a_missing_verify_key_is_a_config_error(self):
        self.seed("1.0.0")
        plan = self.write_plan(f"    verify: {{key: {self.dir / 'absent.pub'}}}\n", f"{self.prefix}/nokey")
        _, err = self.ferry("sync", "-c", plan, want=EXIT.USAGE)
        self.assertIn("absent.pub", err)


if __name__ == "__main__":
    unittest.main()


class ReferrersApiTest(unittest.TestCase):
    """A source with the referrers API (scripted: docker-registry 2.8 has none) to a real target."""

    SBOM_TYPE = "application/spdx+json"

    @classmethod
    def setUpClass(cls):
        ft.ensure_registries("dst")

    def setUp(self):
        from referrers_api_server import Content, ReferrersRegistry
        self.dir = ft.temp_dir()
        self.prefix = ft.unique_repo("trefapi")
        content = Content("app")
        layer = content.blob(os.urandom(2048), "application/vnd.oci.image.layer.v1.tar+gzip")
        self.image = content.manifest([layer], tag="1.0")
        self.sbom = content.manifest([content.blob(b'{"spdxVersion":"SPDX-2.3"}', "application/spdx+json")],
                                     subject=self.image, artifact_type=self.SBOM_TYPE)
        self.report = content.manifest([content.blob(b'{"findings":[]}', "application/json")],
                                       subject=self.image, artifact_type=REPORT_TYPE)
        self.server = ReferrersRegistry(content)

    def tearDown(self):
        self.server.close()

    def sync(self, selection: str, target: str) -> dict:
        plan = ft.write_plan(self.dir / f"plan-{os.urandom(3).hex()}.yaml", f"""\
  - name: app
    source: {self.server.host}/app
    target: {DST.host}/{target}
    referrers: {selection}
""", ft.plain_registries(self.server.host, DST.host))
        report = self.dir / "report.json"
        rc, out, err = ft.run_ferry("sync", "-c", plan, "--report", report)
        self.assertEqual(rc, EXIT.OK, f"{out}\n{err}")
        return json.loads(report.read_text())

    def test_selected_referrers_arrive_and_the_target_fallback_index_lists_them(self):
        target = f"{self.prefix}/sbom-only"
        report = self.sync("[sbom]", target)
        self.assertEqual(report["summary"]["artifactsCopied"], 1)
        pages = [p for m, p in self.server.calls if "/referrers/" in p]
        self.assertIn(f"/v2/app/referrers/{self.image['digest']}?page=1", pages, "Link pagination not followed")
        index = json.loads(get_manifest(DST, target, fallback_tag(self.image["digest"])))
        self.assertEqual([(m["digest"], m.get("artifactType")) for m in index["manifests"]],
                         [(self.sbom["digest"], self.SBOM_TYPE)])
        self.assertEqual(sha256(get_manifest(DST, target, self.sbom["digest"])), self.sbom["digest"])

        report = self.sync("all", target)
        self.assertEqual(report["summary"]["artifactsCopied"], 1)
        self.assertEqual(report["summary"]["artifactsPresent"], 1)
        index = json.loads(get_manifest(DST, target, fallback_tag(self.image["digest"])))
        self.assertEqual([m["digest"] for m in index["manifests"]], [self.sbom["digest"], self.report["digest"]],
                         "the fallback index was not merged (existing entries first)")
