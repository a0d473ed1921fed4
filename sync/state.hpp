#pragma once
/// Remembers which index ferry built for (source index digest, platform subset), so a no-op
/// rerun of a platform-subset entry compares the target against the built digest with HEAD
/// requests only, instead of fetching the source index to rebuild it; and the child manifests
/// of indexes whose repository carries artifacts, so their signatures are found without
/// fetching the index again. Both are facts about immutable digests.
/// The file is JSON, rewritten by save() when something changed (core::fileio::write_file_atomic).
/// Thread-safe.
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "manifest/digest.hpp"
#include "manifest/platform.hpp"

namespace ferry::sync {

class SubsetState {
public:
    /// Loads `path`; a missing file is an empty state; an unreadable or corrupt one is
    /// ignored with a warning (the state is a cache, never the truth).
    explicit SubsetState(std::filesystem::path path);

    std::optional<manifest::Digest> built_for(const manifest::Digest& source,
                                              const std::vector<manifest::Platform>& platforms) const;
    void remember(const manifest::Digest& source, const std::vector<manifest::Platform>& platforms,
                  const manifest::Digest& built);
    std::optional<std::vector<manifest::Digest>> children_of(const manifest::Digest& source,
                                                             const std::vector<manifest::Platform>& platforms) const;
    void remember_children(const manifest::Digest& source, const std::vector<manifest::Platform>& platforms,
                           const std::vector<manifest::Digest>& children);
    core::Status save() const;

private:
    static std::string key(const manifest::Digest& source, const std::vector<manifest::Platform>& platforms);
    std::filesystem::path path_;
    mutable std::mutex mutex_;
    std::map<std::string, std::string> entries_;
    std::map<std::string, std::vector<std::string>> children_;
    bool dirty_ = false;
};

}  // namespace ferry::sync
