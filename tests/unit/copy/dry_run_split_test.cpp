#include <catch2/catch.hpp>

#include "copy/copy_image.hpp"

using namespace ferry;
using copy::BlobDecision;
using copy::BlobOutcome;

namespace {

manifest::Digest digest(char c) { return manifest::Digest::parse("sha256:" + std::string(64, c)).value(); }

copy::CopyStats stats_of(const std::vector<BlobDecision>& decided) {
    copy::CopyStats s;
    for (const auto& b : decided) {
        if (b.outcome == BlobOutcome::Copied) ++s.blobs_copied, s.bytes_copied += b.size;
        if (b.outcome == BlobOutcome::Mounted) ++s.blobs_mounted, s.bytes_mounted += b.size;
        if (b.outcome == BlobOutcome::Skipped) ++s.blobs_skipped, s.bytes_skipped += b.size;
    }
    return s;
}

}  // namespace

TEST_CASE("DryRunSplit gives a shared blob to the first image in plan order, the others mount it") {
    // Two images of the plan need blob 'a' (and each one of its own) at registry t.io; 'c' is
    // already in the second image's repository.
    const std::vector<BlobDecision> first{{digest('a'), 100, BlobOutcome::Copied}, {digest('b'), 10, BlobOutcome::Copied}};
    const std::vector<BlobDecision> second{{digest('a'), 100, BlobOutcome::Copied}, {digest('c'), 7, BlobOutcome::Skipped}};
    const std::vector<BlobDecision> same_repo{{digest('a'), 100, BlobOutcome::Copied}};
    const std::vector<BlobDecision> other_host{{digest('a'), 100, BlobOutcome::Copied}};

    copy::DryRunSplit split;
    auto s1 = stats_of(first);
    split.settle("t.io", "team/one", first, s1);
    CHECK(s1.blobs_copied == 2);
    CHECK(s1.bytes_copied == 110);

    auto s2 = stats_of(second);
    s2.manifests_pushed = 1;
    split.settle("t.io", "team/two", second, s2);
    CHECK(s2.blobs_copied == 0);
    CHECK(s2.blobs_mounted == 1);
    CHECK(s2.bytes_mounted == 100);
    CHECK(s2.blobs_skipped == 1);  // its own skip stands
    CHECK(s2.manifests_pushed == 1);  // only the blob counts change

    auto s3 = stats_of(same_repo);
    split.settle("t.io", "team/one", same_repo, s3);
    CHECK(s3.blobs_skipped == 1);  // the first image's repository will have it
    CHECK(s3.blobs_copied == 0);

    auto s4 = stats_of(other_host);
    split.settle("u.io", "team/one", other_host, s4);
    CHECK(s4.blobs_copied == 1);  // a blob crosses the wire once per host
}

TEST_CASE("DryRunSplit gives the same split whichever image was decided first") {
    // The images' own decisions do not depend on each other: settling them in plan order
    // is all that orders the split.
    const std::vector<BlobDecision> a{{digest('a'), 5, BlobOutcome::Mounted}};  // mountable from its source
    const std::vector<BlobDecision> b{{digest('a'), 5, BlobOutcome::Copied}};
    copy::DryRunSplit split;
    auto sa = stats_of(a), sb = stats_of(b);
    split.settle("t.io", "x", a, sa);
    split.settle("t.io", "y", b, sb);
    CHECK(sa.blobs_mounted == 1);
    CHECK(sb.blobs_mounted == 1);
    CHECK(sb.blobs_copied == 0);
}
