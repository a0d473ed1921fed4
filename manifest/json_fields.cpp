#include "manifest/json_fields.hpp"

#include <fmt/format.h>

namespace ferry::manifest::detail {

std::string field_path(std::string_view parent, std::string_view field) {
    return parent.empty() ? std::string(field) : fmt::format("{}.{}", parent, field);
}

core::Error field_error(std::string_view path, std::string_view why) {
    return core::make_error(core::ErrorKind::Protocol, fmt::format("field '{}' {}", path, why));
}

const Json* find_field(const Json& object, const std::string& field) {
    auto it = object.find(field);
    if (it == object.end() || it->is_null()) return nullptr;
    return &*it;
}

core::Result<std::optional<std::string>> string_field(const Json& object, const std::string& field,
                                                      std::string_view parent) {
    const Json* value = find_field(object, field);
    if (!value) return std::optional<std::string>{};
    if (!value->is_string())
        return core::fail(field_error(field_path(parent, field), "must be a string"));
    return std::optional<std::string>{value->get<std::string>()};
}

core::Result<std::string> required_string(const Json& object, const std::string& field,
                                          std::string_view parent) {
    auto value = string_field(object, field, parent);
    if (!value) return core::fail(value.error());
    if (!*value) return core::fail(field_error(field_path(parent, field), "is missing"));
    return std::move(**value);
}

core::Result<std::int64_t> required_size(const Json& object, const std::string& field,
                                         std::string_view parent) {
    const Json* value = find_field(object, field);
    auto path = field_path(parent, field);
    if (!value) return core::fail(field_error(path, "is missing"));
    if (value->is_number_unsigned()) {
        auto size = value->get<std::uint64_t>();
        if (size > static_cast<std::uint64_t>(INT64_MAX)) return core::fail(field_error(path, "is too large"));
        return static_cast<std::int64_t>(size);
    }
    if (value->is_number_integer() && value->get<std::int64_t>() >= 0) return value->get<std::int64_t>();
    return core::fail(field_error(path, "must be a non-negative integer"));
}

core::Result<std::map<std::string, std::string>> string_map_field(const Json& object,
                                                                  const std::string& field,
                                                                  std::string_view parent) {
    std::map<std::string, std::string> out;
    const Json* value = find_field(object, field);
    auto path = field_path(parent, field);
    if (!value) return out;
    if (!value->is_object()) return core::fail(field_error(path, "must be an object of strings"));
    for (const auto& [key, item] : value->items()) {
        if (!item.is_string()) return core::fail(field_error(field_path(path, key), "must be a string"));
        out.emplace(key, item.get<std::string>());
    }
    return out;
}

core::Result<std::vector<std::string>> string_list_field(const Json& object,
                                                         const std::string& field,
                                                         std::string_view parent) {
    std::vector<std::string> out;
    const Json* value = find_field(object, field);
    auto path = field_path(parent, field);
    if (!value) return out;
    if (!value->is_array()) return core::fail(field_error(path, "must be an array of strings"));
    for (std::size_t i = 0; i < value->size(); ++i) {
        if (!(*value)[i].is_string())
            return core::fail(field_error(fmt::format("{}[{}]", path, i), "must be a string"));
        out.push_back((*value)[i].get<std::string>());
    }
    return out;
}

}  // namespace ferry::manifest::detail
