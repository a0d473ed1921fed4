#pragma once
/// Version constraints of other tools rewritten as ferry `semver:` ranges (node-semver, see
/// plan/semver.hpp). Private to convert/. Pure.
#include <string>
#include <vector>

#include "core/error.hpp"

namespace ferry::convert {

struct ConvertedRange {
    std::string range;               ///< node-semver text for `tags.semver`
    bool names_prerelease = false;   ///< some comparator carries a pre-release (1.2.0-rc1)
};

/// skopeo's images-by-semver (Masterminds/semver v3 constraints: `,` or blanks for AND, `||`
/// for OR, `=>` `=<` `~>` spellings, x-ranges, `~`, `^`, hyphen ranges) as a node-semver range
/// with the same meaning for release versions. Errors (InvalidInput) name what cannot be
/// expressed (`!=`) or is not a constraint.
core::Result<ConvertedRange> masterminds_range(const std::string& constraint);

/// regsync's tags.semverRange (regclient internal/semver): each element an AND of blank-
/// separated comparators (`>=` `<=` `>` `<` `=`, bare = exact, `^`, `~`), elements OR'ed;
/// versions are compared part by part with missing parts 0 (`1.2` = 1.2.0), so every
/// comparator is written with three parts. Errors (InvalidInput): a constraint regsync itself
/// refuses, or a version with a fourth non-zero part.
core::Result<ConvertedRange> regsync_range(const std::vector<std::string>& constraints);

}  // namespace ferry::convert
