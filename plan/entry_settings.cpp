#include "plan/entry_settings.hpp"

#include "plan/plan_reader.hpp"

namespace ferry::plan {
namespace detail {

PlatformSelection read_platforms(PlanReader& reader, const PlanNode& node, std::string_view path) {
    PlatformSelection out;
    if (node.kind == PlanNode::Kind::Scalar) {
        reader.choice(node, path, {"all"});
        return out;
    }
    if (node.kind != PlanNode::Kind::Sequence || node.children.empty()) {
        reader.error(node.mark, path, "expected 'all' or a non-empty list of os/arch[/variant]");
        return out;
    }
    for (const auto& [text, item] : reader.texts(node, path)) {
        auto platform = manifest::Platform::parse(text);
        if (platform) {
            out.platforms.push_back(platform->normalized());
        } else {
            reader.error(item->mark, item_path(path, static_cast<std::size_t>(item - node.children.data())),
                         platform.error().message);
        }
    }
    return out;
}

ReferrerSelection read_referrers(PlanReader& reader, const PlanNode& node, std::string_view path) {
    ReferrerSelection out;
    if (node.kind == PlanNode::Kind::Scalar) {
        if (auto which = reader.choice(node, path, {"all", "none"})) out.all = *which == 0;
        return out;
    }
    if (node.kind != PlanNode::Kind::Sequence) {
        reader.error(node.mark, path, "expected all, none or a list of signature|attestation|sbom|<artifactType>");
        return out;
    }
    for (const auto& [name, item] : reader.texts(node, path)) {
        if (name == "signature") {
            out.signatures = true;
        } else if (name == "attestation") {
            out.attestations = true;
        } else if (name == "sbom") {
            out.sboms = true;
        } else if (name.find('/') != std::string::npos && name.front() != '/' && name.back() != '/') {
            out.artifact_types.push_back(name);
        } else {
            reader.error(item->mark, item_path(path, static_cast<std::size_t>(item - node.children.data())),
                         "expected signature, attestation, sbom or an artifact media type, got '" + name + "'");
        }
    }
    return out;
}

std::optional<VerifySettings> read_verify(PlanReader& reader, const PlanNode& node, std::string_view path) {
    if (!reader.map(node, path, {"key"})) return std::nullopt;
    const PlanNode* key = reader.require(node, path, "key");
    if (!key) return std::nullopt;
    auto file = reader.file_path(*key, child_path(path, "key"), true);
    if (!file) return std::nullopt;
    return VerifySettings{*file};
}

std::optional<CopyPolicy> read_policy(PlanReader& reader, const PlanNode& node, std::string_view path) {
    auto which = reader.choice(node, path, {"changed", "missing", "immutable"});
    if (!which) return std::nullopt;
    static constexpr CopyPolicy kPolicies[] = {CopyPolicy::Changed, CopyPolicy::Missing, CopyPolicy::Immutable};
    return kPolicies[*which];
}

}  // namespace detail

std::string_view to_string(CopyPolicy policy) {
    switch (policy) {
        case CopyPolicy::Changed: return "changed";
        case CopyPolicy::Missing: return "missing";
        case CopyPolicy::Immutable: return "immutable";
    }
    return "?";
}

}  // namespace ferry::plan
