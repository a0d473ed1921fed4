#pragma once
/// Internal to the manifest module: typed reads of JSON object fields that fail with Protocol
/// errors naming the field path ("field 'platform.os' must be a string"). `parent` is the
/// path of `object` itself ("" at the top, "platform" inside a platform object).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace ferry::manifest::detail {

using Json = nlohmann::json;

/// "parent.field", or "field" when parent is empty.
std::string field_path(std::string_view parent, std::string_view field);
core::Error field_error(std::string_view path, std::string_view why);

/// The field's value or nullptr when `object` lacks it (or it is JSON null).
const Json* find_field(const Json& object, const std::string& field);

/// A string field; `std::nullopt` when absent.
core::Result<std::optional<std::string>> string_field(const Json& object, const std::string& field,
                                                      std::string_view parent = {});
/// A string field that must exist.
core::Result<std::string> required_string(const Json& object, const std::string& field,
                                          std::string_view parent = {});
/// A non-negative integer field that must exist.
core::Result<std::int64_t> required_size(const Json& object, const std::string& field,
                                         std::string_view parent = {});
/// An object of string values; empty when absent.
core::Result<std::map<std::string, std::string>> string_map_field(const Json& object,
                                                                  const std::string& field,
                                                                  std::string_view parent = {});
/// An array of strings; empty when absent.
core::Result<std::vector<std::string>> string_list_field(const Json& object,
                                                         const std::string& field,
                                                         std::string_view parent = {});

}  // namespace ferry::manifest::detail
