"""Acceptance tests of `ferry verify REF --key FILE` against the plain registry on 5101: cosign-format
signatures made with the openssl CLI (signing.py) on copies of corpus images; signed images pass
(exit 0), unsigned, tampered, wrongly keyed and other-digest signatures are rejected (exit 10) with a
message naming the reference and the digest; a missing key file is a config error (exit 2).
signing.verify_at (openssl dgst -verify, no ferry) is the referee for what was pushed."""
import json
import unittest

import ferrytest as ft
import signing

SRC = ft.REGISTRIES["src"]
EXIT = ft.EXIT  # cli/exit_codes.hpp


class VerifyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ft.ensure_registries("src")
        ft.corpus("src")
        keys = ft.temp_dir()
        cls.ec = signing.generate_keypair(keys / "ec", kind="ec")
        cls.rsa = signing.generate_keypair(keys / "rsa", kind="rsa")
        cls.stranger = signing.generate_keypair(keys / "stranger", kind="ec")

    # ------------------------------------------------------------------ helpers

    def image(self, corpus_ref="corpus/alpine:3.19", tag="1.0") -> str:
        """A copy of a corpus image in a fresh repository of SRC; returns HOST/REPO."""
        repo = ft.unique_repo("verify")
        ft.skopeo_copy(f"{SRC.host}/{corpus_ref}", f"{SRC.host}/{repo}:{tag}")
        return repo

    def digest(self, repo, tag="1.0") -> str:
        return ft.skopeo_digest(f"{SRC.host}/{repo}:{tag}")

    def verify(self, ref, key, *extra, want):
        rc, out, err = ft.run_ferry("--insecure-registry", SRC.host, "verify", ref, "--key", key, *extra)
        self.assertEqual(rc, want, f"ferry verify {ref} exited {rc}, want {want}:\n{out}\n{err}")
        return out, err

    def assert_rejected(self, ref, key, digest, reason):
        _, err = self.verify(ref, key, want=EXIT.REJECTED)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        for text in ("rejected", ref, digest, reason):
            self.assertIn(text, err)

    # ------------------------------------------------------------------ tests

    def test_signed_index_and_children_verify(self):
        repo = self.image()
        signed = signing.sign_all(SRC.host, repo, "1.0", self.ec.private)
        self.assertEqual(signed[0], self.digest(repo))
        self.assertGreater(len(signed), 1)
        for digest in signed:
            self.assertTrue(signing.verify_at(SRC.host, repo, digest, self.ec.public))
        out, _ = self.verify(f"{SRC.host}/{repo}:1.0", self.ec.public, want=EXIT.OK)
        self.assertIn(signed[0], out)
        for child in signed[1:]:
            out, _ = self.verify(f"docker://{SRC.host}/{repo}@{child}", self.ec.public, want=EXIT.OK)
            self.assertIn(child, out)

    def test_rsa_signature_verifies_with_the_rsa_key_only(self):
        repo = self.image("corpus/single:1.0")
        digest = signing.sign_all(SRC.host, repo, "1.0", self.rsa.private)[0]
        self.assertTrue(signing.verify_at(SRC.host, repo, digest, self.rsa.public))
        self.verify(f"{SRC.host}/{repo}:1.0", self.rsa.public, want=EXIT.OK)
        self.assert_rejected(f"{SRC.host}/{repo}:1.0", self.ec.public, digest, "does not verify")

    def test_unsigned_image_is_rejected(self):
        repo = self.image()
        digest = self.digest(repo)
        self.assertFalse(signing.verify_at(SRC.host, repo, digest, self.ec.public))
        self.assert_rejected(f"{SRC.host}/{repo}:1.0", self.ec.public, digest, "unsigned")

    def test_signed_child_does_not_sign_the_index(self):
        repo = self.image()
        index = self.digest(repo)
        child = json.loads(ft.skopeo_raw(f"{SRC.host}/{repo}:1.0"))["manifests"][0]["digest"]
        signing.sign_image(SRC.host, repo, child, f"{SRC.host}/{repo}", self.ec.private)
        self.verify(f"{SRC.host}/{repo}@{child}", self.ec.public, want=EXIT.OK)
        self.assert_rejected(f"{SRC.host}/{repo}:1.0", self.ec.public, index, "unsigned")

    def test_tampered_signature_is_rejected(self):
        repo = self.image()
        digest = self.digest(repo)
        signing.tamper(SRC.host, repo, digest, f"{SRC.host}/{repo}", self.ec.private)
        self.assertFalse(signing.verify_at(SRC.host, repo, digest, self.ec.public))
        self.assert_rejected(f"{SRC.host}/{repo}:1.0", self.ec.public, digest, "does not verify")

    def test_signature_by_another_key_is_rejected(self):
        repo = self.image()
        digest = signing.sign_all(SRC.host, repo, "1.0", self.stranger.private)[0]
        self.assertTrue(signing.verify_at(SRC.host, repo, digest, self.stranger.public))
        self.assert_rejected(f"{SRC.host}/{repo}:1.0", self.ec.public, digest, "invalid")

    def test_payload_naming_another_digest_is_rejected(self):
        repo = self.image()
        digest = self.digest(repo)
        other = ft.skopeo_digest(f"{SRC.host}/corpus/alpine:3.18")
        signing.sign_image(SRC.host, repo, digest, f"{SRC.host}/{repo}", self.ec.private, payload_digest=other)
        self.assertFalse(signing.verify_at(SRC.host, repo, digest, self.ec.public))
        self.assert_rejected(f"{SRC.host}/{repo}:1.0", self.ec.public, digest, other)

    def test_a_second_good_signature_is_enough(self):
        repo = self.image()
        digest = self.digest(repo)
        signing.sign_image(SRC.host, repo, digest, f"{SRC.host}/{repo}", self.stranger.private)
        self.assert_rejected(f"{SRC.host}/{repo}:1.0", self.ec.public, digest, "does not verify")
        signing.sign_image(SRC.host, repo, digest, f"{SRC.host}/{repo}", self.ec.private, append=True)
        self.verify(f"{SRC.host}/{repo}:1.0", self.ec.public, want=EXIT.OK)

    def test_json_output(self):
        repo = self.image("corpus/single:1.0")
        digest = self.digest(repo)
        out, _ = self.verify(f"{SRC.host}/{repo}:1.0", self.ec.public, "-o", "json", want=EXIT.REJECTED)
        self.assertEqual(json.loads(out)["outcome"], "unsigned")
        self.assertEqual(json.loads(out)["digest"], digest)
        signing.sign_all(SRC.host, repo, "1.0", self.ec.private)
        out, _ = self.verify(f"{SRC.host}/{repo}:1.0", self.ec.public, "-o", "json", want=EXIT.OK)
        self.assertEqual(json.loads(out)["outcome"], "verified")

    def test_missing_key_file_is_a_config_error(self):
        repo = self.image("corpus/single:1.0")
        missing = ft.temp_dir() / "no-such-key.pem"
        _, err = self.verify(f"{SRC.host}/{repo}:1.0", missing, want=EXIT.USAGE)
        self.assertIn(str(missing), err)

    def test_garbage_key_file_is_a_config_error(self):
        repo = self.image("corpus/single:1.0")
        _, err = self.verify(f"{SRC.host}/{repo}:1.0", self.ec.private, want=EXIT.USAGE)
        self.assertIn(str(self.ec.private), err)
        self.assertIn("not a PEM public key", err)

    def test_missing_image_is_not_found(self):
        repo = self.image("corpus/single:1.0")
        self.verify(f"{SRC.host}/{repo}:no-such-tag", self.ec.public, want=EXIT.NOT_FOUND)


if __name__ == "__main__":
    unittest.main()
