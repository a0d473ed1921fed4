"""Acceptance tests of what a plan means at the target, against real docker-registry
instances with skopeo as the referee: one writer per target tag (two entries that only meet
after expansion: the first in plan order writes, the second reports `conflict`, exit 3, and the
tag never flips), and digest-pinned sources (copied once, then HEAD-only no-ops)."""
import unittest

import ferrytest as ft
from sync_support import DST, EXIT, SRC, WRITES, SyncCase, tags_of, under


class PlanSemanticsTest(SyncCase):
    def test_two_entries_meeting_on_one_target_tag_first_writes_second_conflicts_and_the_tag_stays(self):
        p = self.prefix
        one, two, only_two = (self.app_digest(t) for t in ("1.0.0", "2.0.0", "1.1.0"))
        # Two sources with the same path {p}/x/nginx, on two registries (src and dst). Entry
        # "first" maps src's namespace {p}/x/* under the prefix {p}/m/, entry "second" the
        # repository dst/{p}/x/nginx under the same prefix: both land on {p}/m/{p}/x/nginx,
        # which only the catalog of src shows (the plan itself is accepted).
        self.scratch_copy(f"{SRC.host}/corpus/app:1.0.0", f"{SRC.host}/{p}/x/nginx:1.0")
        self.scratch_copy(f"{SRC.host}/corpus/app:2.0.0", f"{DST.host}/{p}/x/nginx:1.0")
        self.scratch_copy(f"{SRC.host}/corpus/app:1.1.0", f"{DST.host}/{p}/x/nginx:2.0")
        plan = self.write_plan(f"""\
  - name: first
    source: {SRC.host}/{p}/x/*
    target: {DST.host}/{p}/m/
    referrers: none
  - name: second
    source: {DST.host}/{p}/x/nginx
    target: {DST.host}/{p}/m/
    referrers: none
""")
        target = f"{DST.host}/{p}/m/{p}/x/nginx"
        for run in range(2):
            with self.subTest(run=run):
                mark = ft.log_mark("dst")
                report = self.sync(plan, want=EXIT.CONFLICT)
                images = {(i["entry"], i["target"]): i for i in report["images"]}
                self.assertEqual(set(images), {("first", f"{target}:1.0"), ("second", f"{target}:1.0"),
                                               ("second", f"{target}:2.0")})
                won, lost = images[("first", f"{target}:1.0")], images[("second", f"{target}:1.0")]
                self.assertEqual(won["action"], "new" if run == 0 else "unchanged")
                self.assertEqual(lost["action"], "conflict")
                self.assertIn("also written by entry 'first', earlier in the plan", lost["error"])
                self.assertEqual(report["summary"]["conflicts"], 1)
                # the loser wrote nothing to the contested tag
                puts = [r for r in under(f"{p}/m", ft.requests_since("dst", mark))
                        if r.method == "PUT" and r.path.endswith("/manifests/1.0")]
                self.assertEqual(len(puts), 1 if run == 0 else 0, puts)
                self.assertEqual(ft.skopeo_digest(f"{target}:1.0"), one)  # never the second's digest
                self.assertEqual(ft.skopeo_digest(f"{target}:2.0"), only_two)
        self.assertNotEqual(one, two)
        self.assertEqual(tags_of(DST, f"{p}/m/{p}/x/nginx"), {"1.0", "2.0"})

    def test_digest_pinned_source_into_a_repository_is_copied_once_then_a_head_only_noop(self):
        p = self.prefix
        digest = self.app_digest("1.0.0")
        plan = self.write_plan(f"""\
  - name: pinned
    source: {SRC.host}/corpus/app@{digest}
    target: {DST.host}/{p}/pinned
    referrers: none
""")
        first = self.sync(plan)
        self.assertEqual([i["action"] for i in first["images"]], ["new"])
        self.assertEqual(ft.skopeo_digest(f"{DST.host}/{p}/pinned@{digest}"), digest)
        self.assertEqual(tags_of(DST, f"{p}/pinned"), set())  # no tag the entry does not name

        mark = ft.log_mark("dst")
        second = self.sync(plan)
        image = second["images"][0]
        self.assertEqual((image["action"], image["targetDigest"], image["previousDigest"]),
                         ("unchanged", digest, digest))
        seen = under(f"{p}/pinned", ft.requests_since("dst", mark))
        self.assertTrue(seen, "the rerun did not ask the target at all")
        self.assertEqual({r.method for r in seen}, {"HEAD"}, seen)
        self.assertEqual([r for r in seen if r.method in WRITES], [])


if __name__ == "__main__":
    unittest.main()
