#pragma once
/// Where `ferry copy` writes, named in full before it starts: a destination without tag or
/// digest gets the source's tag, else "latest" (skopeo's and crane's rule), so a copy never
/// leaves an untagged image behind and every message names the full destination.
#include <optional>
#include <string>

#include "core/error.hpp"

namespace ferry::cli {

struct CopyNames {
    std::string source;                     ///< normalised source location
    std::string target;                     ///< normalised destination, with its tag or digest
    std::optional<std::string> target_tag;  ///< nullopt when the destination names a digest
};

/// Parses both locations and completes the destination's ref. Errors: InvalidInput naming
/// the location.
core::Result<CopyNames> copy_locations(const std::string& source, const std::string& target);

}  // namespace ferry::cli
