#include "convert/plan_writer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <regex>

namespace ferry::convert {

YAML::Node PlanWriter::registry(const std::string& host) {
    if (!registries_[host]) registries_[host] = YAML::Node(YAML::NodeType::Map);
    return registries_[host];
}

std::string PlanWriter::add_entry(const std::string& name_hint, YAML::Node entry) {
    std::string name;
    for (char c : name_hint) name += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') ? c : '-';
    if (name.empty()) name = "entry";
    const int seen = ++names_[name];
    if (seen > 1) name += "-" + std::to_string(seen);
    YAML::Node named;
    named["name"] = name;
    for (const auto& kv : entry) named[kv.first] = kv.second;
    sync_.push_back(named);
    return name;
}

void PlanWriter::note(std::string text) {
    if (std::find(notes_.begin(), notes_.end(), text) == notes_.end()) notes_.push_back(std::move(text));
}

void PlanWriter::add_schedule(const std::string& name, const std::string& cron, const std::vector<std::string>& jobs) {
    YAML::Node s;
    s["name"] = name;
    s["cron"] = cron;
    s["jobs"] = jobs;
    schedule_.push_back(s);
}

Conversion PlanWriter::finish() const {
    YAML::Node plan;
    plan["version"] = 1;
    if (defaults_.size() > 0) plan["defaults"] = defaults_;
    if (registries_.size() > 0) plan["registries"] = registries_;
    plan["sync"] = sync_;
    if (schedule_.size() > 0) plan["schedule"] = schedule_;
    YAML::Emitter out;
    out << plan;
    std::string header = fmt::format("# ferry plan converted from {}.\n", origin_);
    if (notes_.empty()) header += "# Everything in it had a ferry equivalent.\n";
    else header += "# Not carried over, or different in ferry (check these):\n";
    for (const auto& n : notes_) header += "#  - " + n + "\n";
    return Conversion{header + out.c_str() + "\n", notes_};
}

std::string exact_tags_regex(const std::vector<std::string>& tags) {
    static const std::regex special(R"([.^$|()\[\]{}*+?\\])");
    std::string out = "^(?:";
    for (std::size_t i = 0; i < tags.size(); ++i)
        out += (i ? "|" : "") + std::regex_replace(tags[i], special, R"(\$&)");
    return out + ")$";
}

std::optional<std::string> interval_as_cron(const std::string& interval) {
    static const std::regex go_duration(R"(^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$)");
    std::smatch m;
    if (interval.empty() || !std::regex_match(interval, m, go_duration)) return std::nullopt;
    const long seconds = (m[1].matched ? std::stol(m[1]) * 3600 : 0) + (m[2].matched ? std::stol(m[2]) * 60 : 0) +
                         (m[3].matched ? std::stol(m[3]) : 0);
    if (seconds <= 0) return std::nullopt;
    if (seconds < 60 && 60 % seconds == 0) return fmt::format("*/{} * * * * *", seconds);
    if (seconds % 60 == 0 && seconds < 3600 && 60 % (seconds / 60) == 0) return fmt::format("0 */{} * * * *", seconds / 60);
    if (seconds % 3600 == 0 && seconds < 86400 && 24 % (seconds / 3600) == 0)
        return fmt::format("0 0 */{} * * *", seconds / 3600);
    if (seconds == 86400) return std::string("0 0 0 * * *");
    return std::nullopt;
}

std::string where(const std::string& file, const YAML::Node& node) {
    const auto mark = node.Mark();
    return fmt::format("{}:{}:{}", file, mark.line + 1, mark.column + 1);
}

std::string base_name(const std::string& repository) {
    const auto slash = repository.rfind('/');
    return slash == std::string::npos ? repository : repository.substr(slash + 1);
}

std::string password_variable(const std::string& host) {
    std::string var = "FERRY_PASSWORD_";
    for (char ch : host) var += std::isalnum(static_cast<unsigned char>(ch)) ? static_cast<char>(std::toupper(ch)) : '_';
    return var;
}

ReferenceParts split_reference(const std::string& reference) {
    ReferenceParts out;
    out.name = reference;
    if (const auto at = out.name.find('@'); at != std::string::npos) {
        out.digest = out.name.substr(at + 1);
        out.name.resize(at);
    }
    const auto colon = out.name.rfind(':');
    const auto slash = out.name.rfind('/');
    if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
        out.tag = out.name.substr(colon + 1);
        out.name.resize(colon);
    }
    return out;
}

bool ecmascript_regex_ok(const std::string& pattern) {
    try {
        std::regex compiled(pattern, std::regex::ECMAScript);
        return true;
    } catch (const std::regex_error&) {
        return false;
    }
}

}  // namespace ferry::convert
