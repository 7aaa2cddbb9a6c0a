// Internal to ipc/: reads typed fields out of a JSON object and names the field
// in every error, so that clients and the control server report exactly what was
// wrong with a message. Used by one thread at a time (plain functions on values).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace earshot::ipc {

class JsonFieldError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The JSON type name used in error messages: "string", "number", "object", ...
std::string json_type_name(const nlohmann::json& value);

class JsonFields {
 public:
  // Throws JsonFieldError unless `object` is a JSON object. `where` prefixes
  // field names in errors ("status.sources[1]").
  JsonFields(const nlohmann::json& object, std::string where);

  bool has(const char* name) const;
  const nlohmann::json& at(const char* name) const;  // throws when missing

  std::string string(const char* name) const;
  std::string string_or(const char* name, std::string fallback) const;
  uint64_t unsigned_integer(const char* name) const;
  uint64_t unsigned_integer_or(const char* name, uint64_t fallback) const;
  double number(const char* name) const;
  double number_or(const char* name, double fallback) const;
  const nlohmann::json& object(const char* name) const;
  const nlohmann::json& array(const char* name) const;

  // "field 'status.model'" for messages.
  std::string describe(const char* name) const;

 private:
  [[noreturn]] void wrong_type(const char* name, const char* expected) const;

  const nlohmann::json& object_;
  std::string where_;
};

// Dumps compact JSON; invalid UTF-8 in strings becomes U+FFFD instead of throwing.
std::string dump_json(const nlohmann::json& value);

// JSON has no NaN or infinity: they are written as 0.
double finite_or_zero(double value);

}  // namespace earshot::ipc
