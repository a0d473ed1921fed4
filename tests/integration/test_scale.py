"""ferry at registry scale: a plan and a sync over 100,000 tags keep their memory bounded.

The source and the target are scripted registries (synthetic_registry.py) that make up
100 repositories × 1,000 tags page by page, every tag naming one small image, and store
nothing. Under policy `missing` the target's tag lists show every tag present, so the run
costs listings only (catalog and tag pages at both ends, which the servers cap at 50 names
a page, as the distribution spec lets a registry do) and the measure is ferry's own memory
for 100,000 images. Two bounds, neither a timing: the peak at 100,000 tags stays within
GROWTH_BOUND_MIB of the peak at 10,000 tags (an expansion, outcome list or report that held
every image grows by 20 MiB or more over those 90,000 images), and under RSS_BOUND_MIB overall
(ARCHITECTURE.md quotes 23 MiB measured; the bound leaves room for allocator variance).
"""
import json
import re
import subprocess
import unittest

from ferrytest import FERRY_BIN, base_env, temp_dir
from synthetic_registry import SyntheticRegistry

REPOS, TAGS = 100, 1000
PAGE = 50
SMALL_REPOS = 10
RSS_BOUND_MIB = 48
GROWTH_BOUND_MIB = 8


def run_measured(*args):
    """Runs ferry under /usr/bin/time -v; returns (rc, stdout, stderr, peak RSS in MiB)."""
    p = subprocess.run(["/usr/bin/time", "-v", str(FERRY_BIN), *map(str, args)], env=base_env(),
                       capture_output=True, text=True, timeout=900)
    found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    if not found:
        raise AssertionError(f"no peak RSS from /usr/bin/time:\n{p.stderr[-2000:]}")
    return p.returncode, p.stdout, p.stderr, int(found.group(1)) / 1024


def plan_for(directory, src, dst):
    plan = directory / f"plan-{len(src.repo_names)}.yaml"
    plan.write_text(
        "version: 1\n"
        "registries:\n"
        f'  "{src.host}": {{tls: disabled}}\n'
        f'  "{dst.host}": {{tls: disabled}}\n'
        "sync:\n"
        "  - name: synth\n"
        f"    source: {src.host}/synth/*\n"
        f"    target: {dst.host}/\n"
        "    policy: missing\n")
    return plan


class HundredThousandTags(unittest.TestCase):
    def setUp(self):
        self.src = SyntheticRegistry(REPOS, TAGS, max_page=PAGE).__enter__()
        self.dst = SyntheticRegistry(REPOS, TAGS, max_page=PAGE).__enter__()
        self.addCleanup(self.src.__exit__)
        self.addCleanup(self.dst.__exit__)
        self.dir = temp_dir()
        self.plan = plan_for(self.dir, self.src, self.dst)

    def check_run(self, verb, *extra, plan=None, repos=REPOS):
        rc, out, err, rss = run_measured(verb, "-c", plan or self.plan, "--state", self.dir / "state.json", *extra)
        self.assertEqual(rc, 0, f"ferry {verb} exited {rc}:\n{err[-3000:]}")
        images = repos * TAGS
        self.assertRegex(out, rf"{images} images: 0 new, 0 changed, {images} unchanged, .* 0 failed")
        self.assertLessEqual(rss, RSS_BOUND_MIB, f"ferry {verb} over {images} tags peaked at {rss:.1f} MiB")
        return rss

    def small_run_rss(self):
        """Peak RSS of the same sync over a tenth of the tags."""
        with SyntheticRegistry(SMALL_REPOS, TAGS, max_page=PAGE) as src, \
             SyntheticRegistry(SMALL_REPOS, TAGS, max_page=PAGE) as dst:
            plan = plan_for(self.dir, src, dst)
            return self.check_run("sync", "--report", self.dir / "small-report.json", plan=plan, repos=SMALL_REPOS)

    def test_plan_and_sync_over_100k_tags_stay_under_the_memory_bound(self):
        plan_rss = self.check_run("plan")
        sync_rss = self.check_run("sync", "--report", self.dir / "report.json")
        report = json.loads((self.dir / "report.json").read_text())
        self.assertEqual(len(report["images"]), REPOS * TAGS)
        self.assertEqual({i["action"] for i in report["images"]}, {"unchanged"})
        self.assertEqual(report["summary"]["unchanged"], REPOS * TAGS)
        # Every page was read at both ends; no image needed a manifest request.
        pages = REPOS * TAGS // PAGE
        for reg in (self.src, self.dst):
            self.assertEqual(reg.counts.get("tags"), 2 * pages, reg.counts)  # plan + sync
            self.assertFalse([k for k in reg.counts if k.startswith(("manifest", "blob", "write"))], reg.counts)
        self.assertEqual(self.src.counts.get("catalog"), 2 * REPOS // PAGE)
        small_rss = self.small_run_rss()
        print(f"\npeak RSS: sync over {SMALL_REPOS * TAGS} tags {small_rss:.1f} MiB; over {REPOS * TAGS} tags "
              f"plan {plan_rss:.1f} MiB, sync {sync_rss:.1f} MiB")
        self.assertLessEqual(sync_rss - small_rss, GROWTH_BOUND_MIB,
                             "memory must not grow with the number of images")

if __name__ == "__main__":
    unittest.main()
