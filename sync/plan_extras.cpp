#include <algorithm>
#include <charconv>
#include <set>

#include "sync/plan_sections.hpp"

namespace ferry::sync::detail {
namespace {

std::optional<manifest::Reference> read_reference(PlanReader& reader, const PlanNode& node, std::string_view path) {
    auto text = reader.text(node, path);
    if (!text) return std::nullopt;
    auto ref = manifest::Reference::parse(*text, true);
    if (!ref) {
        reader.error(node.mark, path, ref.error().message);
        return std::nullopt;
    }
    return *ref;
}

std::optional<ManifestImage> read_manifest_image(PlanReader& reader, const PlanNode& node, std::string_view path) {
    if (node.kind == PlanNode::Kind::Scalar) {
        auto ref = read_reference(reader, node, path);
        if (!ref) return std::nullopt;
        return ManifestImage{*ref, std::nullopt};
    }
    if (node.kind != PlanNode::Kind::Map) {
        reader.error(node.mark, path, "expected a reference or {image, platform}");
        return std::nullopt;
    }
    reader.map(node, path, {"image", "platform"});
    const PlanNode* image = reader.require(node, path, "image");
    std::optional<manifest::Reference> ref;
    if (image) ref = read_reference(reader, *image, child_path(path, "image"));
    ManifestImage out;
    if (const PlanNode* platform = find(node, "platform")) {
        std::string where = child_path(path, "platform");
        if (auto text = reader.text(*platform, where)) {
            if (auto parsed = manifest::Platform::parse(*text)) {
                out.platform = parsed->normalized();
            } else {
                reader.error(platform->mark, where, parsed.error().message);
            }
        }
    }
    if (!ref) return std::nullopt;
    out.image = *ref;
    return out;
}

void read_manifest_target(PlanReader& reader, const PlanNode& node, std::string_view path, ManifestEntry& out) {
    auto text = reader.text(node, path);
    if (!text) return;
    auto ref = manifest::Reference::parse(*text, false);
    if (!ref) {
        reader.error(node.mark, path, ref.error().message);
    } else if (!ref->tag || ref->digest) {
        reader.error(node.mark, path, "the target of a manifest list must name a tag (and no digest)");
    } else {
        out.target = *ref;
    }
}

ManifestEntry read_manifest(PlanReader& reader, const PlanNode& node, std::string_view path) {
    ManifestEntry out;
    if (!reader.map(node, path, {"target", "format", "annotations", "images", "ignore_missing"})) return out;
    if (const PlanNode* target = reader.require(node, path, "target")) {
        read_manifest_target(reader, *target, child_path(path, "target"), out);
    }
    if (const PlanNode* format = find(node, "format")) {
        if (auto which = reader.choice(*format, child_path(path, "format"), {"oci", "docker"})) {
            out.format = *which == 0 ? ManifestFormat::Oci : ManifestFormat::Docker;
        }
    }
    if (const PlanNode* annotations = find(node, "annotations")) {
        std::string where = child_path(path, "annotations");
        if (annotations->kind == PlanNode::Kind::Map) {
            for (const PlanNode& a : annotations->children) {
                if (auto value = reader.text(a, child_path(where, a.key))) out.annotations[a.key] = *value;
            }
        } else if (annotations->kind != PlanNode::Kind::Null) {
            reader.error(annotations->mark, where, "expected a map of strings");
        }
    }
    if (const PlanNode* ignore = find(node, "ignore_missing")) {
        out.ignore_missing = reader.boolean(*ignore, child_path(path, "ignore_missing")).value_or(false);
    }
    const PlanNode* images = reader.require(node, path, "images");
    if (!images) return out;
    std::string where = child_path(path, "images");
    if (images->kind != PlanNode::Kind::Sequence || images->children.empty()) {
        reader.error(images->mark, where, "expected a non-empty list of images");
        return out;
    }
    for (std::size_t i = 0; i < images->children.size(); ++i) {
        if (auto image = read_manifest_image(reader, images->children[i], item_path(where, i))) {
            out.images.push_back(std::move(*image));
        }
    }
    return out;
}

void read_schedule_jobs(PlanReader& reader, const PlanNode& node, std::string_view path,
                        const std::vector<SyncEntry>& entries, ScheduleEntry& out) {
    if (!reader.sequence(node, path)) return;
    if (node.children.empty()) {
        reader.error(node.mark, path, "expected at least one sync entry name (leave the key out for all entries)");
    }
    for (std::size_t i = 0; i < node.children.size(); ++i) {
        std::string where = item_path(path, i);
        auto name = reader.text(node.children[i], where);
        if (!name) continue;
        bool known = std::any_of(entries.begin(), entries.end(), [&](const SyncEntry& e) { return e.name == *name; });
        if (!known) {
            reader.error(node.children[i].mark, where, "no sync entry is named '" + *name + "'");
        } else {
            out.jobs.push_back(*name);
        }
    }
}

void read_schedule_setting(PlanReader& reader, const PlanNode& child, std::string_view where, ScheduleEntry& out) {
    if (child.key == "name") {
        out.name = reader.text(child, where).value_or(out.name);
    } else if (child.key == "cron") {
        out.cron = reader.text(child, where).value_or("");
        if (out.cron.find_first_not_of(" \t") == std::string::npos && child.kind == PlanNode::Kind::Scalar) {
            reader.error(child.mark, where, "the cron expression is empty");
        }
    } else if (child.key == "jitter") {
        auto text = reader.text(child, where);
        if (!text) return;
        if (auto duration = parse_duration(*text)) {
            out.jitter = *duration;
        } else {
            reader.error(child.mark, where, "expected a duration such as 30s, 5m or 1h30m, got '" + *text + "'");
        }
    } else if (child.key == "run_at_start") {
        out.run_at_start = reader.boolean(child, where).value_or(false);
    } else if (child.key == "timezone") {
        if (auto which = reader.choice(child, where, {"UTC", "local"})) {
            out.timezone = *which == 0 ? ScheduleTimezone::Utc : ScheduleTimezone::Local;
        }
    }
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
    if (text.empty()) return std::nullopt;
    if (text == "0") return std::chrono::milliseconds{0};
    static constexpr std::pair<std::string_view, long long> kUnits[] = {
        {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}};
    long long total = 0;
    while (!text.empty()) {
        long long n = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
        if (ec != std::errc{} || n < 0) return std::nullopt;
        text.remove_prefix(static_cast<std::size_t>(end - text.data()));
        auto unit = std::find_if(std::begin(kUnits), std::end(kUnits),
                                 [&](const auto& u) { return text.starts_with(u.first); });
        if (unit == std::end(kUnits)) return std::nullopt;
        total += n * unit->second;
        text.remove_prefix(unit->first.size());
    }
    return std::chrono::milliseconds{total};
}

std::vector<ManifestEntry> read_manifests(PlanReader& reader, const PlanNode& node) {
    std::vector<ManifestEntry> out;
    if (!reader.sequence(node, "manifests")) return out;
    for (std::size_t i = 0; i < node.children.size(); ++i) {
        out.push_back(read_manifest(reader, node.children[i], item_path("manifests", i)));
    }
    return out;
}

std::vector<ScheduleEntry> read_schedule(PlanReader& reader, const PlanNode& node, const std::vector<SyncEntry>& entries) {
    std::vector<ScheduleEntry> out;
    if (!reader.sequence(node, "schedule")) return out;
    std::set<std::string> names;
    for (std::size_t i = 0; i < node.children.size(); ++i) {
        const PlanNode& item = node.children[i];
        std::string path = item_path("schedule", i);
        ScheduleEntry entry;
        entry.name = path;
        if (!reader.map(item, path, {"name", "cron", "jobs", "jitter", "run_at_start", "timezone"})) continue;
        reader.require(item, path, "cron");
        for (const PlanNode& child : item.children) read_schedule_setting(reader, child, child_path(path, child.key), entry);
        if (const PlanNode* jobs = find(item, "jobs")) {
            read_schedule_jobs(reader, *jobs, child_path(path, "jobs"), entries, entry);
        } else {
            for (const SyncEntry& e : entries) entry.jobs.push_back(e.name);
        }
        if (!names.insert(entry.name).second) {
            reader.error(item.mark, child_path(path, "name"), "duplicate schedule name '" + entry.name + "'");
        }
        out.push_back(std::move(entry));
    }
    return out;
}

}  // namespace ferry::sync::detail
