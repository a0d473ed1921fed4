#include "sync/state.hpp"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/file_io.hpp"
#include "core/log.hpp"

namespace ferry::sync {

SubsetState::SubsetState(std::filesystem::path path) : path_(std::move(path)) {
    std::ifstream in(path_);
    if (!in) return;
    try {
        auto j = nlohmann::json::parse(in);
        for (auto& [k, v] : j.at("subsets").items()) entries_[k] = v.get<std::string>();
        if (j.contains("children"))
            for (auto& [k, v] : j.at("children").items()) children_[k] = v.get<std::vector<std::string>>();
    } catch (const std::exception& e) {
        core::log::warn("ignoring unreadable state file {}: {}", path_.string(), e.what());
        entries_.clear();
        children_.clear();
    }
}

std::string SubsetState::key(const manifest::Digest& source, const std::vector<manifest::Platform>& platforms) {
    std::vector<std::string> names;
    for (const auto& p : platforms) names.push_back(p.normalized().str());
    std::sort(names.begin(), names.end());
    std::string k = source.str();
    for (const auto& n : names) k += "|" + n;
    return k;
}

std::optional<manifest::Digest> SubsetState::built_for(const manifest::Digest& source,
                                                       const std::vector<manifest::Platform>& platforms) const {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key(source, platforms));
    if (it == entries_.end()) return std::nullopt;
    auto d = manifest::Digest::parse(it->second);
    if (!d) return std::nullopt;
    return *d;
}

void SubsetState::remember(const manifest::Digest& source, const std::vector<manifest::Platform>& platforms,
                           const manifest::Digest& built) {
    std::lock_guard lock(mutex_);
    auto& slot = entries_[key(source, platforms)];
    if (slot != built.str()) {
        slot = built.str();
        dirty_ = true;
    }
}

std::optional<std::vector<manifest::Digest>> SubsetState::children_of(
    const manifest::Digest& source, const std::vector<manifest::Platform>& platforms) const {
    std::lock_guard lock(mutex_);
    auto it = children_.find(key(source, platforms));
    if (it == children_.end()) return std::nullopt;
    std::vector<manifest::Digest> out;
    for (const auto& text : it->second) {
        auto d = manifest::Digest::parse(text);
        if (!d) return std::nullopt;
        out.push_back(*d);
    }
    return out;
}

void SubsetState::remember_children(const manifest::Digest& source, const std::vector<manifest::Platform>& platforms,
                                    const std::vector<manifest::Digest>& children) {
    std::vector<std::string> texts;
    for (const auto& d : children) texts.push_back(d.str());
    std::lock_guard lock(mutex_);
    auto& slot = children_[key(source, platforms)];
    if (slot != texts) {
        slot = std::move(texts);
        dirty_ = true;
    }
}

core::Status SubsetState::save() const {
    std::lock_guard lock(mutex_);
    if (!dirty_ || path_.empty()) return {};
    nlohmann::json j = {{"version", 1}, {"subsets", entries_}, {"children", children_}};
    if (auto st = core::fileio::write_file_atomic(path_, j.dump(2) + "\n"); !st)
        return std::unexpected(st.error().with_context("writing state file " + path_.string()));
    return {};
}

}  // namespace ferry::sync
