#include "ipc/json_fields.h"

#include <cmath>

namespace earshot::ipc {

std::string json_type_name(const nlohmann::json& value) {
  if (value.is_number_unsigned() || value.is_number_integer()) return "integer";
  if (value.is_number_float()) return "number";
  return value.type_name();
}

JsonFields::JsonFields(const nlohmann::json& object, std::string where)
    : object_(object), where_(std::move(where)) {
  if (!object_.is_object()) {
    throw JsonFieldError((where_.empty() ? std::string("message") : "'" + where_ + "'") +
                         ": expected a JSON object, got " + json_type_name(object_));
  }
}

std::string JsonFields::describe(const char* name) const {
  return "field '" + (where_.empty() ? std::string() : where_ + ".") + name + "'";
}

bool JsonFields::has(const char* name) const { return object_.contains(name); }

const nlohmann::json& JsonFields::at(const char* name) const {
  const auto it = object_.find(name);
  if (it == object_.end()) throw JsonFieldError(describe(name) + " is missing");
  return *it;
}

void JsonFields::wrong_type(const char* name, const char* expected) const {
  throw JsonFieldError(describe(name) + ": expected " + expected + ", got " +
                       json_type_name(at(name)));
}

std::string JsonFields::string(const char* name) const {
  const nlohmann::json& value = at(name);
  if (!value.is_string()) wrong_type(name, "a string");
  return value.get<std::string>();
}

std::string JsonFields::string_or(const char* name, std::string fallback) const {
  return has(name) ? string(name) : fallback;
}

uint64_t JsonFields::unsigned_integer(const char* name) const {
  const nlohmann::json& value = at(name);
  if (!value.is_number_unsigned()) wrong_type(name, "a non-negative integer");
  return value.get<uint64_t>();
}

uint64_t JsonFields::unsigned_integer_or(const char* name, uint64_t fallback) const {
  return has(name) ? unsigned_integer(name) : fallback;
}

double JsonFields::number(const char* name) const {
  const nlohmann::json& value = at(name);
  if (!value.is_number()) wrong_type(name, "a number");
  return value.get<double>();
}

double JsonFields::number_or(const char* name, double fallback) const {
  return has(name) ? number(name) : fallback;
}

const nlohmann::json& JsonFields::object(const char* name) const {
  const nlohmann::json& value = at(name);
  if (!value.is_object()) wrong_type(name, "an object");
  return value;
}

const nlohmann::json& JsonFields::array(const char* name) const {
  const nlohmann::json& value = at(name);
  if (!value.is_array()) wrong_type(name, "an array");
  return value;
}

std::string dump_json(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

double finite_or_zero(double value) { return std::isfinite(value) ? value : 0.0; }

}  // namespace earshot::ipc
