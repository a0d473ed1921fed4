#include "store/detail/layout_index.hpp"

#include <algorithm>

#include "manifest/media_type.hpp"

namespace ferry::store {
namespace {

using nlohmann::json;

const json* ref_name_of(const json& entry) {
    auto ann = entry.find("annotations");
    if (ann == entry.end() || !ann->is_object()) return nullptr;
    auto name = ann->find(std::string(manifest::kAnnotationRefName));
    if (name == ann->end() || !name->is_string()) return nullptr;
    return &*name;
}

bool entry_has_ref(const json& entry, std::string_view ref) {
    const json* name = ref_name_of(entry);
    return name && name->get_ref<const std::string&>() == ref;
}

core::Result<manifest::Descriptor> descriptor_of(const json& entry) {
    try {
        auto d = manifest::Descriptor::from_json(entry);
        if (!d) return std::unexpected(d.error().with_context("index.json entry"));
        return d;
    } catch (const json::exception& e) {
        return core::fail(core::ErrorKind::Protocol, std::string("index.json entry: ") + e.what());
    }
}

json entry_for(const std::string& ref, const manifest::Descriptor& d) {
    manifest::Descriptor tagged = d;
    tagged.platform.reset();
    tagged.annotations[std::string(manifest::kAnnotationRefName)] = ref;
    return tagged.to_json();
}

}  // namespace

std::string oci_layout_file_content() { return R"({"imageLayoutVersion":"1.0.0"})"; }

core::Status check_oci_layout_file(std::string_view text, std::string_view where) {
    const std::string context = "reading oci-layout of " + std::string(where);
    auto j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return core::fail(core::ErrorKind::Protocol, context + ": not a JSON object");
    auto v = j.find("imageLayoutVersion");
    if (v == j.end() || !v->is_string())
        return core::fail(core::ErrorKind::Protocol, context + ": imageLayoutVersion missing");
    if (v->get_ref<const std::string&>() != "1.0.0")
        return core::fail(core::ErrorKind::Unsupported,
                          context + ": unsupported imageLayoutVersion " + v->dump());
    return {};
}

core::Result<json> parse_index_json(std::string_view text, std::string_view where) {
    const std::string context = "reading index.json of " + std::string(where);
    if (text.size() > kMaxIndexJsonBytes)
        return core::fail(core::ErrorKind::InvalidInput, context + ": larger than 4 MiB");
    auto j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return core::fail(core::ErrorKind::Protocol, context + ": not a JSON object");
    auto m = j.find("manifests");
    if (m == j.end()) {
        j["manifests"] = json::array();
    } else if (!m->is_array()) {
        return core::fail(core::ErrorKind::Protocol, context + ": \"manifests\" is not an array");
    }
    for (const auto& entry : j["manifests"]) {
        if (!entry.is_object())
            return core::fail(core::ErrorKind::Protocol, context + ": an entry is not an object");
        if (auto d = descriptor_of(entry); !d) return std::unexpected(d.error().with_context(context));
    }
    return j;
}

json empty_index_json() {
    return json{{"schemaVersion", 2},
                {"mediaType", std::string(manifest::media::kOciIndex)},
                {"manifests", json::array()}};
}

core::Result<std::optional<manifest::Descriptor>> RefTable::find(std::string_view ref) const {
    using Found = std::optional<manifest::Descriptor>;
    for (auto it = pending_.rbegin(); it != pending_.rend(); ++it)
        if (it->first == ref) return Found(it->second);
    const json& entries = base_["manifests"];
    if (ref.empty()) {
        if (entries.size() == 1 && pending_.empty()) {
            auto d = descriptor_of(entries[0]);
            if (!d) return std::unexpected(d.error());
            return Found(std::move(*d));
        }
        return Found();
    }
    for (const auto& entry : entries) {
        if (!entry_has_ref(entry, ref)) continue;
        auto d = descriptor_of(entry);
        if (!d) return std::unexpected(d.error());
        return Found(std::move(*d));
    }
    return Found();
}

std::optional<std::string> RefTable::media_type_of(const manifest::Digest& digest) const {
    for (const auto& [ref, d] : pending_)
        if (d.digest == digest) return d.media_type;
    const std::string wanted = digest.str();
    for (const auto& entry : base_["manifests"]) {
        if (entry.value("digest", std::string()) == wanted && entry.contains("mediaType") &&
            entry["mediaType"].is_string())
            return entry["mediaType"].get<std::string>();
    }
    return std::nullopt;
}

std::vector<std::string> RefTable::names() const {
    std::vector<std::string> out;
    auto add = [&](const std::string& name) {
        if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
    };
    for (const auto& entry : base_["manifests"])
        if (const json* name = ref_name_of(entry)) add(name->get<std::string>());
    for (const auto& [ref, d] : pending_) add(ref);
    return out;
}

void RefTable::set(const std::string& ref, const manifest::Descriptor& d) {
    std::erase_if(pending_, [&](const auto& p) { return p.first == ref; });
    pending_.emplace_back(ref, d);
}

json RefTable::merged_into(json fresh) const {
    json& entries = fresh["manifests"];
    for (const auto& [ref, d] : pending_) {
        json kept = json::array();
        for (auto& entry : entries)
            if (!entry_has_ref(entry, ref)) kept.push_back(std::move(entry));
        kept.push_back(entry_for(ref, d));
        entries = std::move(kept);
    }
    return fresh;
}

void RefTable::committed(json written) {
    base_ = std::move(written);
    pending_.clear();
}

}  // namespace ferry::store
