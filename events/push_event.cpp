#include "events/push_event.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include <nlohmann/json.hpp>

#include "core/text.hpp"

namespace ferry::events {
namespace {

using nlohmann::json;

core::Error bad(std::string_view where, std::string_view what) {
    return core::make_error(core::ErrorKind::InvalidInput, std::string(where) + ": " + std::string(what));
}

/// The string under `key` of object `node`: nullopt when absent or null, an error when it is
/// another type.
core::Result<std::optional<std::string>> optional_string(const json& node, std::string_view key,
                                                         std::string_view where) {
    const auto it = node.find(key);
    if (it == node.end() || it->is_null()) return std::optional<std::string>{};
    if (!it->is_string()) return std::unexpected(bad(std::string(where) + "." + std::string(key), "expected a string"));
    return std::optional<std::string>{it->get<std::string>()};
}

core::Result<std::string> required_string(const json& node, std::string_view key, std::string_view where) {
    auto value = optional_string(node, key, where);
    if (!value) return std::unexpected(value.error());
    if (!*value || (*value)->empty())
        return std::unexpected(bad(std::string(where) + "." + std::string(key), "missing"));
    return **value;
}

/// True for media types of manifests and indexes (a blob event carries a layer or config type,
/// or application/octet-stream).
bool is_manifest_type(std::string_view media_type) {
    return media_type.empty() || media_type.find("manifest") != std::string_view::npos ||
           media_type.find("image.index") != std::string_view::npos;
}

core::Status read_distribution_event(const json& event, std::string_view where, ParsedPayload& out) {
    if (!event.is_object()) return std::unexpected(bad(where, "expected an object"));
    auto action = optional_string(event, "action", where);
    if (!action) return std::unexpected(action.error());
    const auto target_it = event.find("target");
    if (target_it == event.end() || !target_it->is_object())
        return std::unexpected(bad(std::string(where) + ".target", "expected an object"));
    const json& target = *target_it;
    const std::string target_where = std::string(where) + ".target";
    auto media_type = optional_string(target, "mediaType", target_where);
    auto tag = optional_string(target, "tag", target_where);
    if (!media_type) return std::unexpected(media_type.error());
    if (!tag) return std::unexpected(tag.error());
    if (action->value_or("") != "push" || !*tag || (*tag)->empty() || !is_manifest_type(media_type->value_or(""))) {
        ++out.ignored;
        return {};
    }
    PushEvent push;
    push.format = PayloadFormat::Distribution;
    push.tag = **tag;
    auto repository = required_string(target, "repository", target_where);
    if (!repository) return std::unexpected(repository.error());
    push.repository = std::move(*repository);
    auto digest = optional_string(target, "digest", target_where);
    auto url = optional_string(target, "url", target_where);
    if (!digest) return std::unexpected(digest.error());
    if (!url) return std::unexpected(url.error());
    push.digest = digest->value_or("");
    push.host = host_of_url(url->value_or(""));
    if (push.host.empty())
        if (const auto request = event.find("request"); request != event.end() && request->is_object())
            if (auto host = optional_string(*request, "host", std::string(where) + ".request"); host && *host)
                push.host = core::ascii_lower(**host);
    out.pushes.push_back(std::move(push));
    return {};
}

core::Result<ParsedPayload> read_distribution(const json& doc) {
    ParsedPayload out;
    out.format = PayloadFormat::Distribution;
    const json& events = doc.at("events");
    if (!events.is_array()) return std::unexpected(bad("events", "expected an array"));
    for (std::size_t i = 0; i < events.size(); ++i) {
        if (auto st = read_distribution_event(events[i], "events[" + std::to_string(i) + "]", out); !st)
            return std::unexpected(st.error());
    }
    return out;
}

core::Result<ParsedPayload> read_harbor(const json& doc) {
    ParsedPayload out;
    out.format = PayloadFormat::Harbor;
    auto type = required_string(doc, "type", "payload");
    if (!type) return std::unexpected(type.error());
    const auto data = doc.find("event_data");
    if (data == doc.end() || !data->is_object()) return std::unexpected(bad("event_data", "expected an object"));
    const auto resources = data->find("resources");
    if (resources == data->end() || !resources->is_array())
        return std::unexpected(bad("event_data.resources", "expected an array"));
    if (*type != "PUSH_ARTIFACT") {
        out.ignored = std::max<std::size_t>(resources->size(), 1);
        return out;
    }
    const auto repo = data->find("repository");
    if (repo == data->end() || !repo->is_object())
        return std::unexpected(bad("event_data.repository", "expected an object"));
    auto full_name = required_string(*repo, "repo_full_name", "event_data.repository");
    if (!full_name) return std::unexpected(full_name.error());
    for (std::size_t i = 0; i < resources->size(); ++i) {
        const std::string where = "event_data.resources[" + std::to_string(i) + "]";
        const json& resource = (*resources)[i];
        if (!resource.is_object()) return std::unexpected(bad(where, "expected an object"));
        auto tag = optional_string(resource, "tag", where);
        auto digest = optional_string(resource, "digest", where);
        auto url = optional_string(resource, "resource_url", where);
        if (!tag) return std::unexpected(tag.error());
        if (!digest) return std::unexpected(digest.error());
        if (!url) return std::unexpected(url.error());
        if (!*tag || (*tag)->empty()) {
            ++out.ignored;
            continue;
        }
        out.pushes.push_back(PushEvent{host_of_reference(url->value_or("")), *full_name, **tag,
                                       digest->value_or(""), PayloadFormat::Harbor});
    }
    return out;
}

std::string strip_default_port(std::string host, std::string_view scheme) {
    if ((scheme == "http" && host.ends_with(":80")) || (scheme == "https" && host.ends_with(":443")))
        host.erase(host.rfind(':'));
    return host;
}

}  // namespace

std::string_view to_string(PayloadFormat format) {
    return format == PayloadFormat::Harbor ? "harbor" : "distribution";
}

std::string PushEvent::display() const {
    return (host.empty() ? "" : host + "/") + repository + ":" + tag;
}

std::string host_of_url(std::string_view url) {
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) return {};
    const std::string scheme = core::ascii_lower(url.substr(0, scheme_end));
    std::string_view rest = url.substr(scheme_end + 3);
    rest = rest.substr(0, rest.find_first_of("/?#"));
    if (const auto at = rest.rfind('@'); at != std::string_view::npos) rest = rest.substr(at + 1);
    return strip_default_port(core::ascii_lower(rest), scheme);
}

std::string host_of_reference(std::string_view reference) {
    const auto slash = reference.find('/');
    if (slash == std::string_view::npos) return {};
    const std::string_view first = reference.substr(0, slash);
    if (first.find_first_of(".:") == std::string_view::npos && first != "localhost") return {};
    return core::ascii_lower(first);
}

core::Result<ParsedPayload> parse_payload(std::string_view body) {
    json doc;
    try {
        doc = json::parse(body);
    } catch (const json::parse_error& e) {
        return core::fail(core::ErrorKind::InvalidInput,
                          "malformed JSON at byte " + std::to_string(e.byte) + ": " +
                              std::string(e.what()).substr(std::string(e.what()).find(':') + 2));
    } catch (const json::exception& e) {
        // A number out of range ({"events":[1e999999]}) is the sender's fault too: a 400, not a
        // 500 that a registry would retry for ever.
        const std::string what = e.what();
        return core::fail(core::ErrorKind::InvalidInput, "malformed JSON: " + what.substr(what.find(']') + 2));
    }
    if (!doc.is_object()) return core::fail(core::ErrorKind::InvalidInput, "expected a JSON object");
    try {
        if (doc.contains("events")) return read_distribution(doc);
        if (doc.contains("event_data")) return read_harbor(doc);
    } catch (const json::exception& e) {
        return core::fail(core::ErrorKind::InvalidInput, std::string("unexpected payload: ") + e.what());
    }
    return core::fail(core::ErrorKind::InvalidInput,
                      "neither a registry notification ({\"events\": [...]}) nor a Harbor webhook "
                      "({\"type\", \"event_data\"})");
}

}  // namespace ferry::events
