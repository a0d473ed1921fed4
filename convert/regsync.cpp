// regsync config -> ferry plan. Keys and meanings: regclient cmd/regsync/config.go and
// root.go (read, not copied): version; creds[] (regsync_creds.cpp); defaults (backup,
// interval, schedule, ratelimit {min, retry}, parallel, digestTags, referrers,
// referrerFilters, referrerSource/Target, referrerSlow, fastCheck, forceRecursive,
// includeExternal, mediaTypes, hooks, blobLimit, cacheCount, cacheTime, skipDockerConfig,
// userAgent), applied to each step unless it sets its own (syncSetDefaults; a step's
// schedule or interval replaces both of the defaults'); sync[] (source, target, type
// image|repository|registry, tags and tagSets {allow, deny, semverRange}: the union of the
// sets, within a set semverRange AND allow AND deny, regexes anchored as "^" + re + "$";
// repos {allow, deny}; platform (that platform's image manifest is copied) and platforms;
// the defaults' keys). Keys starting with x- are user extensions.
#include <fmt/format.h>

#include <set>

#include "convert/convert.hpp"
#include "convert/plan_writer.hpp"
#include "convert/regsync_creds.hpp"
#include "convert/version_ranges.hpp"

namespace ferry::convert {
namespace {

struct RegsyncContext {
    const std::string& file;
    PlanWriter& plan;
    const YAML::Node& defaults;
};

std::string at(const RegsyncContext& c, const YAML::Node& node) { return where(c.file, node); }

/// The step's own value of `key`, else the defaults' (regsync's syncSetDefaults: a step's
/// empty string or empty list counts as unset).
YAML::Node effective(const RegsyncContext& c, const YAML::Node& step, const std::string& key) {
    const YAML::Node own = step[key];
    const bool unset = !own || own.IsNull() || (own.IsScalar() && own.Scalar().empty()) ||
                       (own.IsSequence() && own.size() == 0);
    if (!unset) return own;
    return c.defaults[key];  // an undefined node when neither sets it
}

bool flag(const YAML::Node& node) { return node && !node.IsNull() && node.as<bool>(); }

/// One tag set as ferry filters: allow/deny anchored as regsync anchors them, semverRange.
struct TagSet {
    std::vector<std::string> allow, deny;
    std::optional<std::string> semver;
    bool operator==(const TagSet&) const = default;
};

std::optional<std::vector<std::string>> anchored(const RegsyncContext& c, const YAML::Node& list, std::string& problem) {
    std::vector<std::string> out;
    for (const auto& r : list) {
        const std::string re = "^" + r.as<std::string>() + "$";  // exactly regsync's "^" + pattern + "$"
        if (!ecmascript_regex_ok(re)) {
            problem = fmt::format("{}: regex '{}' (Go syntax) is not an ECMAScript regex ferry can read", at(c, r),
                                  r.as<std::string>());
            return std::nullopt;
        }
        out.push_back(re);
    }
    return out;
}

std::optional<TagSet> tag_set(const RegsyncContext& c, const YAML::Node& node, std::string& problem) {
    TagSet set;
    for (const auto& kv : node) {
        const std::string key = kv.first.as<std::string>();
        if (key != "allow" && key != "deny" && key != "semverRange") {
            c.plan.note(fmt::format("{}: tags.{}: not a regsync key (regsync ignores it); left out", at(c, kv.first), key));
            continue;
        }
        if (key == "semverRange") {
            std::vector<std::string> ranges;
            for (const auto& r : kv.second) ranges.push_back(r.as<std::string>());
            auto range = regsync_range(ranges);
            if (!range) {
                problem = fmt::format("{}: semverRange: {}", at(c, kv.second), range.error().message);
                return std::nullopt;
            }
            set.semver = range->range;
            c.plan.note(fmt::format("{}: semverRange: regsync compares every tag that reads as a version, pre-releases "
                                    "and suffixed tags (1.2-alpine) included, so ferry's semver gets include_prerelease: "
                                    "true; tags of four or more numbers (1.2.3.4) are versions to regsync, not to ferry",
                                    at(c, kv.second)));
            continue;
        }
        auto list = anchored(c, kv.second, problem);
        if (!list) return std::nullopt;
        (key == "allow" ? set.allow : set.deny) = *list;
    }
    return set;
}

YAML::Node tags_node(const TagSet& set) {
    YAML::Node tags(YAML::NodeType::Map);
    for (const auto& a : set.allow) tags["allow"].push_back(a);
    for (const auto& d : set.deny) tags["deny"].push_back(d);
    if (set.semver) {
        tags["semver"] = *set.semver;
        tags["include_prerelease"] = true;
    }
    return tags;
}

/// The tag filters of a step: one per entry to write (several only when the sets cannot
/// be one ferry filter). Empty: every tag.
std::optional<std::vector<TagSet>> tag_sets(const RegsyncContext& c, const YAML::Node& step, std::string& problem) {
    std::vector<TagSet> sets;
    for (const auto& node : step["tagSets"]) {
        auto set = tag_set(c, node, problem);
        if (!set) return std::nullopt;
        sets.push_back(*set);
    }
    if (step["tags"]) {
        auto set = tag_set(c, step["tags"], problem);
        if (!set) return std::nullopt;
        if (!(set->allow.empty() && set->deny.empty() && !set->semver)) sets.push_back(*set);
    }
    if (sets.size() <= 1) return sets;
    // The union of sets that differ only in allow is one set allowing either.
    TagSet merged = sets.front();
    bool mergeable = true;
    for (const auto& s : sets) {
        mergeable = mergeable && s.deny == merged.deny && s.semver == merged.semver;
        if (s.allow.empty()) merged.allow.clear();
    }
    if (mergeable) {
        if (!merged.allow.empty()) {
            merged.allow.clear();
            for (const auto& s : sets) merged.allow.insert(merged.allow.end(), s.allow.begin(), s.allow.end());
        }
        return std::vector<TagSet>{merged};
    }
    c.plan.note(fmt::format("{}: tagSets with different deny or semverRange are not one ferry filter: one entry per "
                            "set; a tag several sets select is written by each (same source, same digest)",
                            at(c, step["tagSets"])));
    return sets;
}

/// What travels with each image: regsync copies referrers only with referrers: true (those
/// matching referrerFilters) and cosign-style digest tags only with digestTags: true.
std::string referrers_for(const RegsyncContext& c, const YAML::Node& step, const std::string& type, YAML::Node& entry) {
    const bool referrers = flag(effective(c, step, "referrers"));
    const bool digest_tags = flag(effective(c, step, "digestTags"));
    const YAML::Node filters = effective(c, step, "referrerFilters");
    if (referrers && filters && filters.size() > 0) {
        bool by_type_only = true;
        for (const auto& f : filters) {
            if (f["annotations"]) by_type_only = false;
            if (f["artifactType"]) entry["referrers"].push_back(f["artifactType"].as<std::string>());
            else by_type_only = false;
        }
        if (!by_type_only) {
            entry["referrers"] = "all";
            c.plan.note(fmt::format("{}: referrerFilters by annotation: ferry selects artifacts by type only; written "
                                    "referrers: all (more than regsync copies)", at(c, filters)));
        } else if (digest_tags) {
            c.plan.note(fmt::format("{}: digestTags with referrerFilters: ferry applies the artifact types to "
                                    "digest tags as well", at(c, filters)));
        }
        return {};
    }
    if (referrers || digest_tags) {
        entry["referrers"] = "all";
        if (!referrers)
            c.plan.note(fmt::format("{}: digestTags: ferry carries artifacts from the referrers API as well as "
                                    "digest tags (referrers: all)", at(c, effective(c, step, "digestTags"))));
        return {};
    }
    entry["referrers"] = "none";
    return type == "image" ? std::string()
                           : std::string("regsync (referrers and digestTags off) copies tags like sha256-<hex>.sig "
                                         "that pass the tag filters as plain images; ferry never mirrors such tags as "
                                         "images and, with referrers: none, copies no artifacts");
}

const std::set<std::string> kDefaultMediaTypes = {
    "application/vnd.docker.distribution.manifest.v2+json", "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.image.index.v1+json"};

/// Step keys that have no ferry equivalent (or are ferry's behaviour anyway): noted where set.
void note_other_keys(const RegsyncContext& c, const YAML::Node& step) {
    auto where_set = [&](const std::string& key) { return at(c, step[key] ? step[key] : c.defaults[key]); };
    if (auto backup = effective(c, step, "backup"); backup && !backup.as<std::string>().empty())
        c.plan.note(fmt::format("{}: backup \"{}\": ferry overwrites a changed target tag without keeping the old "
                                "image (policy: immutable refuses to overwrite instead)",
                                where_set("backup"), backup.as<std::string>()));
    if (auto rl = effective(c, step, "ratelimit"); rl && rl["min"] && rl["min"].as<long>() > 0)
        c.plan.note(fmt::format("{}: ratelimit: ferry does not wait for a Docker Hub pull quota to refill; it honours "
                                "429 and Retry-After, pauses the host, and stops asking once the quota is spent "
                                "(requests_per_second under registries: paces it)", where_set("ratelimit")));
    if (auto types = effective(c, step, "mediaTypes"); types && types.size() > 0) {
        std::set<std::string> listed;
        for (const auto& t : types) listed.insert(t.as<std::string>());
        if (listed != kDefaultMediaTypes)
            c.plan.note(fmt::format("{}: mediaTypes: ferry copies Docker and OCI manifests and indexes whatever their "
                                    "type; regsync skips images of types not listed", where_set("mediaTypes")));
    }
    if (flag(effective(c, step, "forceRecursive")))
        c.plan.note(fmt::format("{}: forceRecursive: ferry does not look into an image whose target digest already "
                                "matches", where_set("forceRecursive")));
    if (flag(effective(c, step, "fastCheck")))
        c.plan.note(fmt::format("{}: fastCheck: ferry's behaviour anyway (a matching top-level digest is not looked "
                                "into)", where_set("fastCheck")));
    if (flag(effective(c, step, "includeExternal")))
        c.plan.note(fmt::format("{}: includeExternal: ferry leaves foreign (external) layers where they are",
                                where_set("includeExternal")));
    if (flag(effective(c, step, "referrerSlow")))
        c.plan.note(fmt::format("{}: referrerSlow: a regsync search option; ferry finds referrers its own way",
                                where_set("referrerSlow")));
    for (const char* key : {"referrerSource", "referrerTarget"})
        if (auto v = effective(c, step, key); v && !v.as<std::string>().empty())
            c.plan.note(fmt::format("{}: {}: ferry reads and writes an image's artifacts in its own repositories; "
                                    "left out", where_set(key), key));
    if (auto hooks = effective(c, step, "hooks"); hooks && hooks.size() > 0)
        c.plan.note(fmt::format("{}: hooks: ferry runs no commands; use its report file or /metrics; left out",
                                where_set("hooks")));
}

const std::set<std::string> kStepKeys = {"source", "target", "type", "tags", "tagSets", "repos", "digestTags",
                                         "referrers", "referrerFilters", "referrerSource", "referrerTarget",
                                         "referrerSlow", "platform", "platforms", "fastCheck", "forceRecursive",
                                         "includeExternal", "backup", "interval", "schedule", "ratelimit",
                                         "mediaTypes", "hooks"};

/// The cron expression of a step: its own schedule or interval, else the defaults'
/// schedule, else the defaults' interval.
std::string schedule_of(const RegsyncContext& c, const YAML::Node& step) {
    const YAML::Node& owner = step["schedule"] || step["interval"] ? step : c.defaults;
    if (owner["schedule"]) return owner["schedule"].as<std::string>();
    if (!owner["interval"]) return {};
    const std::string interval = owner["interval"].as<std::string>();
    if (auto cron = interval_as_cron(interval)) return *cron;
    c.plan.note(fmt::format("{}: interval {}: not an even division of a minute, hour or day; no schedule written",
                            at(c, owner["interval"]), interval));
    return {};
}

/// An image reference regsync completes with :latest when it names neither tag nor digest.
std::string with_tag(const std::string& ref) {
    const auto parts = split_reference(ref);
    return parts.tag.empty() && parts.digest.empty() ? ref + ":latest" : ref;
}

core::Status convert_step(const RegsyncContext& c, const YAML::Node& step,
                          std::map<std::string, std::vector<std::string>>& schedules) {
    const std::string type = step["type"].as<std::string>("");
    if (type != "image" && type != "repository" && type != "registry")
        return core::fail(core::ErrorKind::Config, at(c, step) + ": sync type must be image, repository or registry");
    auto source = expand_env_templates(step["source"].as<std::string>(""));
    auto target = expand_env_templates(step["target"].as<std::string>(""));
    if (!source || !target) {
        c.plan.note(fmt::format("{}: templates other than {{{{env \"X\"}}}} in source/target are not expanded; step "
                                "left out", at(c, step)));
        return {};
    }
    for (const auto& kv : step)
        if (const auto key = kv.first.as<std::string>(); !kStepKeys.contains(key) && !key.starts_with("x-"))
            c.plan.note(fmt::format("{}: {}: not a regsync sync key (regsync ignores it); left out", at(c, kv.first), key));
    YAML::Node entry;
    if (type == "registry") {
        entry["source"] = *source + "/*";
        entry["target"] = target->ends_with('/') ? *target : *target + "/";
    } else if (type == "image") {
        entry["source"] = with_tag(*source);
        entry["target"] = with_tag(*target);
    } else {
        entry["source"] = *source;
        entry["target"] = *target;
    }
    for (const char* key : {"tags", "tagSets", "repos"}) {
        const bool applies = std::string(key) == "repos" ? type == "registry" : type != "image";
        if (step[key] && !applies)
            c.plan.note(fmt::format("{}: {}: regsync ignores it for type {}; left out", at(c, step[key]), key, type));
    }
    std::string problem;
    std::vector<TagSet> sets;
    if (type != "image") {
        auto found = tag_sets(c, step, problem);
        if (!found) {
            c.plan.note(problem + "; step left out (a wider selection would copy what regsync does not)");
            return {};
        }
        sets = *found;
    }
    if (type == "registry" && step["repos"]) {
        for (const char* key : {"allow", "deny"})
            if (step["repos"][key]) {
                auto list = anchored(c, step["repos"][key], problem);
                if (!list) {
                    c.plan.note(problem + "; step left out");
                    return {};
                }
                for (const auto& re : *list) entry["repos"][key].push_back(re);
            }
    }
    if (step["platform"]) {
        entry["platforms"].push_back(step["platform"].as<std::string>());
        c.plan.note(fmt::format("{}: platform {}: regsync copies that platform's image manifest; ferry writes a "
                                "one-entry index of it (another digest)", at(c, step["platform"]),
                                step["platform"].as<std::string>()));
        if (step["platforms"])
            c.plan.note(fmt::format("{}: platforms: regsync applies platform: first, so this list has no effect",
                                    at(c, step["platforms"])));
    } else if (step["platforms"] && step["platforms"].size() > 0) {
        for (const auto& p : step["platforms"]) entry["platforms"].push_back(p.as<std::string>());
        c.plan.note(fmt::format("{}: platforms: regsync pushes the source index unchanged with only these platforms' "
                                "images (the others missing at the target); ferry writes an index of exactly these "
                                "platforms (another digest)", at(c, step["platforms"])));
    }
    const std::string referrer_note = referrers_for(c, step, type, entry);
    if (!referrer_note.empty()) c.plan.note(referrer_note);
    note_other_keys(c, step);

    const std::string src = entry["source"].as<std::string>();
    std::string hint = type == "registry" ? src.substr(0, src.find('/')) : split_reference(src).name;
    hint = type == "registry" ? hint.substr(0, hint.find(':')) : base_name(hint);
    const std::string schedule = schedule_of(c, step);
    const std::size_t n = std::max<std::size_t>(sets.size(), 1);
    for (std::size_t i = 0; i < n; ++i) {
        YAML::Node one = YAML::Clone(entry);
        if (i < sets.size()) {
            auto tags = tags_node(sets[i]);
            if (tags.size() > 0) one["tags"] = tags;
        }
        const std::string name = c.plan.add_entry(hint, one);
        if (!schedule.empty()) schedules[schedule].push_back(name);
    }
    return {};
}

void convert_defaults(const RegsyncContext& c) {
    static const std::set<std::string> kPerStep = {
        "backup", "interval", "schedule", "ratelimit", "digestTags", "referrers", "referrerFilters", "referrerSource",
        "referrerTarget", "referrerSlow", "fastCheck", "forceRecursive", "includeExternal", "mediaTypes", "hooks"};
    for (const auto& kv : c.defaults) {
        const std::string key = kv.first.as<std::string>();
        const std::string here = at(c, kv.first);
        if (kPerStep.contains(key) || key.starts_with("x-")) continue;  // applied (or noted) per step
        if (key == "parallel") {
            c.plan.note(fmt::format("{}: parallel {}: regsync's count of steps run at once; ferry runs an entry's "
                                    "images side by side and its jobs count blob transfers (default 8); left out",
                                    here, kv.second.as<std::string>()));
        } else if (key == "blobLimit") {
            c.plan.note(fmt::format("{}: blobLimit: ferry copies blobs of any size; left out", here));
        } else if (key == "cacheCount" || key == "cacheTime") {
            c.plan.note(fmt::format("{}: {}: a regsync cache setting, no effect on what is copied; left out", here, key));
        } else if (key == "skipDockerConfig") {
            if (kv.second.as<bool>())
                c.plan.note(fmt::format("{}: skipDockerConfig: ferry reads docker config.json for registries without "
                                        "credentials under registries:", here));
        } else if (key == "userAgent") {
            c.plan.note(fmt::format("{}: userAgent: ferry sends its own User-Agent; left out", here));
        } else {
            c.plan.note(fmt::format("{}: defaults.{}: not a regsync key (regsync ignores it); left out", here, key));
        }
    }
}

}  // namespace

core::Result<Conversion> convert_regsync(const std::string& text, const std::string& file) {
    try {
        const YAML::Node root = YAML::Load(text);
        if (!root.IsMap() || !root["sync"] || !root["sync"].IsSequence())
            return core::fail(core::ErrorKind::Config, file + ": not a regsync configuration (no sync: list)");
        if (root["version"] && root["version"].as<int>() > 1)
            return core::fail(core::ErrorKind::Config, where(file, root["version"]) + ": regsync version 1 expected");
        PlanWriter plan("regsync configuration " + file);
        for (const auto& kv : root)
            if (const auto key = kv.first.as<std::string>();
                key != "version" && key != "creds" && key != "defaults" && key != "sync" && !key.starts_with("x-"))
                plan.note(fmt::format("{}: {}: not a regsync key (regsync ignores it); left out", where(file, kv.first), key));
        for (const auto& cred : root["creds"]) convert_regsync_cred(file, plan, cred);
        const YAML::Node defaults = root["defaults"] ? root["defaults"] : YAML::Node(YAML::NodeType::Map);
        RegsyncContext c{file, plan, defaults};
        convert_defaults(c);
        std::map<std::string, std::vector<std::string>> schedules;
        for (const auto& step : root["sync"])
            if (auto st = convert_step(c, step, schedules); !st) return std::unexpected(st.error());
        int n = 0;
        for (const auto& [cron, jobs] : schedules)
            plan.add_schedule(schedules.size() == 1 ? "regsync" : "regsync-" + std::to_string(++n), cron, jobs);
        return plan.finish();
    } catch (const YAML::Exception& e) {
        return core::fail(core::ErrorKind::Config, fmt::format("{}:{}:{}: {}", file, e.mark.line + 1, e.mark.column + 1, e.msg));
    } catch (const std::exception& e) {  // e.g. a number out of range in an interval
        return core::fail(core::ErrorKind::Config, fmt::format("{}: cannot convert: {}", file, e.what()));
    }
}

}  // namespace ferry::convert
