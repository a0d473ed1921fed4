"""ferry's Debian package (scripts/package.sh), installed on this machine as an administrator
would: `dpkg -i`, `ferry version`, the man page and completions in place, `systemd-analyze
verify` on the installed units, then `dpkg -r`.

It installs into the real system, so it runs only as root, never where a ferry package or a
/usr/bin/ferry already exists (it would replace them), and it removes the package (and the
`ferry` system user, when it created it) even when an assertion fails. The tests' own binary
(FERRY_BIN, in the build directory) is not touched. The package is built from FERRY_BIN's
build directory (a Release build), so nothing is compiled twice.
"""
import json
import os
import re
import subprocess
import unittest
from pathlib import Path

import ferrytest as ft

UNITS = ("ferry-sync.service", "ferry-sync.timer", "ferry-cron.service")
FILES = {"usr/bin/ferry", "usr/share/man/man1/ferry.1.gz", "usr/share/bash-completion/completions/ferry",
         "usr/share/zsh/vendor-completions/_ferry", "usr/share/doc/ferry/config.example.yaml",
         *(f"lib/systemd/system/{u}" for u in UNITS)}


def run(*cmd, **kwargs):
    return subprocess.run(list(map(str, cmd)), capture_output=True, text=True, timeout=300, **kwargs)


def installed(package="ferry") -> bool:
    return "install ok installed" in run("dpkg-query", "-W", "-f=${Status}", package).stdout


class PackageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ft.skip_unless_tools("dpkg-deb", "dpkg-shlibdeps", "systemd-analyze")
        if os.geteuid() != 0:
            raise unittest.SkipTest("dpkg -i installs into the system: needs root")
        if run("dpkg-query", "-W", "ferry").returncode == 0:
            raise unittest.SkipTest("a package named ferry is known to dpkg here; not touching it")
        if Path("/usr/bin/ferry").exists():
            raise unittest.SkipTest("/usr/bin/ferry exists (not from a package); dpkg -i would replace it")
        cls.version = json.loads(ft.run_ferry("version", "-o", "json", check=True)[1])["version"]
        out = ft.temp_dir()
        p = subprocess.run(["bash", str(ft.SCRIPTS / "package.sh"), str(out)], capture_output=True, text=True,
                           env=ft.base_env({"FERRY_BUILD_DIR": str(ft.FERRY_BIN.parent)}), timeout=600)
        if p.returncode != 0:
            raise AssertionError(f"package.sh exited {p.returncode}:\n{p.stderr}")
        cls.deb = Path(p.stdout.strip().splitlines()[-1])

    def test_package_is_named_by_version_and_holds_the_files(self):
        self.assertEqual(self.deb.name, f"ferry_{self.version}_amd64.deb")
        p = run("dpkg-deb", "-c", self.deb)
        self.assertEqual(p.returncode, 0, p.stderr)
        names = p.stdout.splitlines()
        files = {line.split()[-1].lstrip("./") for line in names if not line.startswith("d")}
        self.assertEqual(files, FILES)
        for line in names:   # owned by root, whoever built it
            self.assertIn("root/root", line.split()[1])

    def test_depends_names_the_package_of_every_linked_library(self):
        depends = run("dpkg-deb", "-f", self.deb, "Depends").stdout.strip()
        named = {d.strip().split()[0] for d in depends.split(",")}
        # independent of dpkg-shlibdeps: the binary's own NEEDED entries (readelf), where ldd
        # finds them, and the packages dpkg says own those files
        dynamic = run("readelf", "-d", ft.FERRY_BIN).stdout
        needed = set(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dynamic))
        self.assertIn("libcurl.so.4", needed)
        ldd = run("ldd", ft.FERRY_BIN).stdout
        where = {line.split("=>")[0].strip(): line.split("=>")[1].split()[0]
                 for line in ldd.splitlines() if "=> /" in line}
        paths = [where[name] for name in sorted(needed)]
        self.assertTrue(paths)
        owners = set()
        for path in paths:
            owner = run("dpkg", "-S", os.path.realpath(path))
            if owner.returncode != 0:   # merged /usr: dpkg knows the /lib path
                owner = run("dpkg", "-S", path)
            self.assertEqual(owner.returncode, 0, f"no package owns {path}")
            owners.add(owner.stdout.split(":")[0])
        # a library package may be named by what it provides (libspdlog1.10: libspdlog1.10-fmt9,
        # the name its shlibs file gives)
        missing = set()
        for package in owners - named:
            provides = run("dpkg-query", "-W", "-f=${Provides}", package).stdout
            if not {p.strip().split()[0] for p in provides.split(",") if p.strip()} & named:
                missing.add(package)
        self.assertEqual(missing, set(), f"Depends: {depends}")
        self.assertRegex(depends, r"libc6 \(>= [0-9.]+\)")

    def test_install_run_verify_units_and_remove(self):
        user_existed = run("getent", "passwd", "ferry").returncode == 0
        try:
            p = run("dpkg", "-i", self.deb)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertTrue(installed())
            p = run("/usr/bin/ferry", "version")
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn(f"ferry {self.version}", p.stdout)
            self.assertIn("build type: Release", p.stdout)
            man = run("sh", "-c", "zcat /usr/share/man/man1/ferry.1.gz").stdout
            self.assertRegex(man, r'(?m)^\.TH "?FERRY"? 1')
            p = run("bash", "-c", "source /usr/share/bash-completion/completions/ferry && complete -p ferry")
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertTrue(Path("/usr/share/zsh/vendor-completions/_ferry").read_text().startswith("#compdef ferry"))
            self.assertEqual(run("getent", "passwd", "ferry").returncode, 0, "postinst made no user ferry")
            # verify loads each unit with its dependencies and checks ExecStart's binary exists;
            # unknown keys and bad values are only warnings, so stderr must be empty too
            p = run("systemd-analyze", "verify", *(f"/lib/systemd/system/{u}" for u in UNITS))
            self.assertEqual((p.returncode, p.stderr.strip()), (0, ""))
            p = run("dpkg", "-r", "ferry")
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertFalse(installed())
            self.assertFalse(Path("/usr/bin/ferry").exists())
        finally:
            if installed():
                run("dpkg", "-r", "ferry")
            run("dpkg", "--purge", "ferry")
            if not user_existed and run("getent", "passwd", "ferry").returncode == 0:
                run("deluser", "--system", "ferry")
                run("delgroup", "--system", "ferry")
        self.assertTrue(ft.FERRY_BIN.exists())


if __name__ == "__main__":
    unittest.main()
