"""Acceptance tests of ferry's front door, part three (issue 27): what skopeo, crane and regctl
users type, exactly as they type it. Habits with a ferry meaning are accepted (copy --all,
--preserve-digests, --tls-verify=false, --src/dest-tls-verify=false, --creds on the read-only
verbs, list-tags); the others get the ferry way instead of a bare "unknown". TLS and 401 errors
that say what to do, skopeo's other transports named, and --platform listing what an index has.
skopeo is the referee of every copy."""
import json

import ferrytest as ft
from cli_support import DST, EXIT_AUTH, EXIT_TLS, EXIT_USAGE, INDEX, SINGLE, SRC, TLS, TOKEN, CliCase, insecure
from support import EXIT


class AcceptedHabitTest(CliCase):
    more_corpora = ("tls", "token")

    def test_skopeo_copy_all_and_preserve_digests(self):
        src = f"{SRC.host}/{INDEX[0]}:{INDEX[1]}"
        dst = f"{DST.host}/{ft.unique_repo('habit')}:{INDEX[1]}"
        self.ferry("copy", "--all", "--preserve-digests", *insecure(SRC, DST), src, dst)
        self.assertEqual(ft.skopeo_digest(dst), self.digest(*INDEX))  # the whole index, digest kept
        dst2 = f"{DST.host}/{ft.unique_repo('habit')}:{INDEX[1]}"
        self.ferry("copy", "-a", *insecure(SRC, DST), f"docker://{src}", f"docker://{dst2}")
        self.assertEqual(ft.skopeo_digest(dst2), self.digest(*INDEX))

    def test_src_tls_verify_false_skips_verification_of_the_source_only(self):
        src = f"{TLS.host}/{SINGLE[0]}:{SINGLE[1]}"
        dst = f"{DST.host}/{ft.unique_repo('habit')}:{SINGLE[1]}"
        # No --ca-file: the source's certificate is of an unknown issuer.
        _, err = self.ferry("copy", "--src-creds", TLS.creds, *insecure(DST), src, dst, want=EXIT_TLS)
        self.assertIn("ferry test CA", err)
        self.ferry("copy", "--src-tls-verify=false", "--src-creds", TLS.creds, *insecure(DST), src, dst)
        self.assertEqual(ft.skopeo_digest(dst), ft.skopeo_digest(src, creds=TLS.creds, cert_dir=ft.CERT_DIR))
        # --dest-tls-verify=false leaves the source verified.
        self.ferry("copy", "--dest-tls-verify=false", "--src-creds", TLS.creds, *insecure(DST), src, dst,
                   want=EXIT_TLS)
        back = f"{TLS.host}/{ft.unique_repo('habit')}:{SINGLE[1]}"
        self.ferry("copy", "--dest-tls-verify=false", "--dest-creds", TLS.creds, *insecure(SRC),
                   f"{SRC.host}/{SINGLE[0]}:{SINGLE[1]}", back)
        self.assertEqual(ft.skopeo_digest(back, creds=TLS.creds, cert_dir=ft.CERT_DIR), self.digest(*SINGLE))

    def test_tls_verify_false_and_creds_on_read_only_verbs(self):
        ref = f"{TLS.host}/{SINGLE[0]}:{SINGLE[1]}"
        out, _ = self.ferry("inspect", "--tls-verify=false", "--creds", TLS.creds, ref, "-o", "json")
        self.assertEqual(json.loads(out)["digest"], ft.skopeo_digest(ref, creds=TLS.creds, cert_dir=ft.CERT_DIR))
        out, _ = self.ferry("--tls-verify=false", "list-tags", "--creds", TLS.creds, f"{TLS.host}/{SINGLE[0]}")
        self.assertIn(SINGLE[1], out.split())
        out, _ = self.ferry("--ca-file", ft.CA_FILE, "tags", f"docker://{TLS.host}/{SINGLE[0]}", "--creds", TLS.creds)
        self.assertIn(SINGLE[1], out.split())
        out, _ = self.ferry("catalog", "--ca-file", ft.CA_FILE, "--creds", TLS.creds, TLS.host, "-o", "json")
        self.assertIn(SINGLE[0], json.loads(out))
        # A token registry: --creds goes to its token server.
        out, _ = self.ferry("list-tags", *insecure(TOKEN), "--creds", TOKEN.creds, f"docker://{TOKEN.host}/{SINGLE[0]}")
        self.assertIn(SINGLE[1], out.split())


class AnsweredHabitTest(CliCase):
    def test_other_tools_verbs_and_flags_get_the_ferry_way(self):
        ref = f"{SRC.host}/{SINGLE[0]}:{SINGLE[1]}"
        for args, answer in (
                (["ls", f"{SRC.host}/{SINGLE[0]}"], "ferry tags HOST/REPO"),
                (["delete", ref], "prune: true"),
                (["tag", ref, "new"], "ferry copy HOST/REPO:TAG HOST/REPO:NEWTAG"),
                (["digest", ref], "ferry inspect"),
                (["copy", "--override-arch", "arm64", ref, f"{DST.host}/x/y:1"], "--platform linux/ARCH"),
                (["copy", "--multi-arch", "all", ref, f"{DST.host}/x/y:1"], "every platform by default"),
                (["copy", "--creds", "u:p", ref, f"{DST.host}/x/y:1"], "--src-creds"),
                (["--debug", "inspect", ref], "--log-level debug"),
                (["inspect", "--debug", ref], "--log-level debug"),
                (["inspect", "--override-arch", "arm64", ref], "--platform linux/ARCH"),
                (["tags", "--src-tls-verify=false", ref], "'--tls-verify=false'")):
            with self.subTest(args=args):
                _, err = self.ferry(*args, want=EXIT_USAGE)
                self.assertIn(answer, err)
                self.assertNotIn("did you mean", err)

    def test_unsupported_transports_are_named(self):
        for location in ("dir:/tmp/image", "docker-archive:/tmp/image.tar", "docker-daemon:alpine:3.18"):
            with self.subTest(location=location):
                _, err = self.ferry("copy", *insecure(SRC, DST), location, f"{DST.host}/x/y:1", want=EXIT.INVALID_INPUT)
                self.assertIn(f"the transport {location.split(':')[0]}: is not supported", err)
                self.assertIn("oci-archive:", err)
                self.assertNotIn("invalid port", err)

    def test_platform_missing_from_an_index_lists_the_platforms_it_has(self):
        src = f"{SRC.host}/{INDEX[0]}:{INDEX[1]}"
        _, err = self.ferry("copy", "--platform", "linux/s390x", *insecure(SRC, DST), src,
                            f"{DST.host}/{ft.unique_repo('habit')}", want=EXIT.NOT_FOUND)
        self.assertIn("available platforms: linux/amd64, linux/arm64", err)
        _, err = self.ferry("inspect", "--platform", "linux/s390x", *insecure(SRC), src, want=EXIT.NOT_FOUND)
        self.assertIn("available platforms: linux/amd64, linux/arm64", err)


class ErrorHintTest(CliCase):
    more_corpora = ("tls", "token")

    def setUp(self):
        self.env = {"DOCKER_CONFIG": str(ft.temp_dir())}  # an empty docker config directory

    def test_unknown_issuer_is_named_with_the_way_out(self):
        _, err = self.ferry("inspect", "--creds", TLS.creds, f"{TLS.host}/{SINGLE[0]}:{SINGLE[1]}", want=EXIT_TLS)
        self.assertIn('issued by "CN = ferry test CA"', err)
        self.assertIn("--ca-file", err)
        self.assertIn("ca_file: under registries:", err)

    def test_a_401_says_whose_credentials_were_refused_or_that_there_were_none(self):
        ref = f"{TLS.host}/{SINGLE[0]}:{SINGLE[1]}"
        tls = ["--ca-file", ft.CA_FILE]
        _, err = self.ferry(*tls, "inspect", ref, env=self.env, want=EXIT_AUTH)
        self.assertIn("no credentials found", err)
        self.assertIn(f"ferry login {TLS.host}", err)
        _, err = self.ferry(*tls, "inspect", "--creds", f"{TLS.user}:not-the-password", ref, want=EXIT_AUTH)
        self.assertIn("refused the credentials from --creds", err)
        authfile = ft.write_authfile(ft.temp_dir(), auths={TLS.host: (TLS.user, "not-the-password")})
        _, err = self.ferry(*tls, "--authfile", authfile, "inspect", ref, want=EXIT_AUTH)
        self.assertIn(f"refused the credentials from {authfile}", err)
        helpers = ft.temp_dir()
        ft.write_credential_helper(helpers, "stale", {TLS.host: (TLS.user, "not-the-password")})
        helper_config = ft.write_authfile(ft.temp_dir(), cred_helpers={TLS.host: "stale"})
        _, err = self.ferry(*tls, "--authfile", helper_config, "tags", f"{TLS.host}/{SINGLE[0]}",
                            env=ft.env_with_path(helpers), want=EXIT_AUTH)
        self.assertIn("refused the credentials from credential helper docker-credential-stale", err)
        # copy: the side that was refused, and a token registry's token server.
        _, err = self.ferry(*tls, *insecure(TOKEN), "copy", "--src-creds", TOKEN.creds, "--dest-creds",
                            f"{TLS.user}:not-the-password", f"{TOKEN.host}/{SINGLE[0]}:{SINGLE[1]}",
                            f"{TLS.host}/{ft.unique_repo('refused')}:1", want=EXIT_AUTH)
        self.assertIn("refused the credentials from --dest-creds", err)
        _, err = self.ferry(*insecure(TOKEN), "inspect", "--creds", f"{TOKEN.user}:not-the-password",
                            f"{TOKEN.host}/{SINGLE[0]}:{SINGLE[1]}", want=EXIT_AUTH)
        self.assertIn("refused the credentials from --creds", err)
