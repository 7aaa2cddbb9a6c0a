#include "daemon/config.h"

#include <cmath>
#include <cstdlib>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "daemon/config_check.h"
#include "ipc/curve_keys.h"

namespace earshot::daemon {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kSourceTable = "source";
constexpr std::string_view kFileName = "earshotd.toml";

// Where values being read come from.
struct Place {
  Origin origin = Origin::kDefault;
  std::string name{};    // the file's path, or "--set key=value"
  fs::path base_dir{};   // relative paths are taken from here
};

std::string describe_node(const toml::node& node) {
  if (auto s = node.as_string()) return "\"" + s->get() + "\"";
  if (node.is_table()) return "a table";
  if (node.is_array()) return "an array";
  if (const auto* b = node.as_boolean()) return b->get() ? "true" : "false";
  if (const auto* i = node.as_integer()) return std::to_string(i->get());
  if (const auto* f = node.as_floating_point()) {
    std::ostringstream out;
    out << f->get();
    return out.str();
  }
  return "a date or time";
}

template <class Settings>
std::set<std::string, std::less<>> known_keys() {
  std::set<std::string, std::less<>> keys;
  Settings settings;
  Settings::visit(settings, [&](auto&, const SettingInfo& info, const auto&) { keys.emplace(info.key); });
  return keys;
}

// Reads the keys of one TOML table into a settings struct (a visitor for
// Settings::visit), recording each value's origin.
class TableReader {
 public:
  TableReader(const toml::table& table, const Place& place, std::string origin_prefix, std::string context,
              DaemonConfig& config)
      : table_(table),
        place_(place),
        origin_prefix_(std::move(origin_prefix)),
        context_(std::move(context)),
        config_(config) {}

  template <class Field, class Default>
  void operator()(Field& field, const SettingInfo& info, const Default&) {
    const toml::node* node = table_.get(info.key);
    if (!node) return;
    read(*node, info, field);
    config_.origins[origin_prefix_ + std::string(info.key)] = ValueOrigin{place_.origin, where(*node)};
  }

  // Throws for keys of the table that `Settings` does not have (`extra` aside).
  template <class Settings>
  void reject_unknown_keys(std::string_view extra = {}) const {
    const auto keys = known_keys<Settings>();
    for (const auto& [key, node] : table_) {
      if (keys.contains(key.str()) || (!extra.empty() && key.str() == extra)) continue;
      std::string list;
      for (const auto& k : keys) {
        if (k.starts_with("test_")) continue;
        list += (list.empty() ? "" : ", ") + k;
      }
      throw ConfigError(where(node) + ": unknown key '" + std::string(key.str()) + "'" + context_ +
                        " (known keys: " + list + ")");
    }
  }

 private:
  std::string where(const toml::node& node) const {
    if (place_.origin != Origin::kFile) return place_.name;
    const auto& begin = node.source().begin;
    return place_.name + ":" + std::to_string(begin.line) + ":" + std::to_string(begin.column);
  }

  [[noreturn]] void fail(const toml::node& node, const SettingInfo& info, const std::string& expected) const {
    throw ConfigError(where(node) + ": key '" + std::string(info.key) + "'" + context_ + ": expected " +
                      expected + ", got " + describe_node(node));
  }

  std::string range_text(const SettingInfo& info, bool integer) const {
    std::ostringstream out;
    out << (integer ? "an integer" : "a number");
    if (std::isfinite(info.min) && std::isfinite(info.max)) {
      out << " from " << info.min << " to " << info.max;
    } else if (std::isfinite(info.min)) {
      out << " of at least " << info.min;
    }
    return out.str();
  }

  void read(const toml::node& node, const SettingInfo& info, std::string& field) const {
    const auto* s = node.as_string();
    if (!s) fail(node, info, "a string");
    field = s->get();
    if (info.is_path && !field.empty() && !(info.may_be_key && ipc::is_z85_key(field))) {
      fs::path p(field);
      if (p.is_relative()) p = place_.base_dir / p;
      field = p.lexically_normal().string();
    }
  }

  void read(const toml::node& node, const SettingInfo& info, int& field) const {
    const auto* i = node.as_integer();
    if (!i || static_cast<double>(i->get()) < info.min || static_cast<double>(i->get()) > info.max) {
      fail(node, info, range_text(info, true));
    }
    field = static_cast<int>(i->get());
  }

  void read(const toml::node& node, const SettingInfo& info, double& field) const {
    double value = 0;
    if (const auto* i = node.as_integer()) {
      value = static_cast<double>(i->get());
    } else if (const auto* f = node.as_floating_point()) {
      value = f->get();
    } else {
      fail(node, info, range_text(info, false));
    }
    if (!std::isfinite(value) || value < info.min || value > info.max) fail(node, info, range_text(info, false));
    field = value;
  }

  void read(const toml::node& node, const SettingInfo& info, bool& field) const {
    const auto* b = node.as_boolean();
    if (!b) fail(node, info, "true or false");
    field = b->get();
  }

  void read(const toml::node& node, const SettingInfo& info, std::vector<std::string>& field) const {
    if (const auto* s = node.as_string()) {
      field = {s->get()};
      return;
    }
    const auto* array = node.as_array();
    if (!array) fail(node, info, "a list of strings");
    std::vector<std::string> values;
    for (const auto& element : *array) {
      const auto* s = element.as_string();
      if (!s) fail(node, info, "a list of strings");
      values.push_back(s->get());
    }
    field = std::move(values);
  }

  template <class Enum>
    requires std::is_enum_v<Enum>
  void read(const toml::node& node, const SettingInfo& info, Enum& field) const {
    std::string names;
    for (const auto& [value, name] : EnumNames<Enum>::kNames) {
      if (const auto* s = node.as_string(); s && s->get() == name) {
        field = value;
        return;
      }
      names += (names.empty() ? "" : ", ") + std::string(name);
    }
    fail(node, info, "one of " + names);
  }

  const toml::table& table_;
  const Place& place_;
  const std::string origin_prefix_;
  const std::string context_;  // " of [[source]] 'mic'" or ""
  DaemonConfig& config_;
};

std::string source_context(const SourceSettings& source, size_t index) {
  return " of [[source]] #" + std::to_string(index + 1) + " ('" + source.label + "')";
}

void read_source_table(const toml::table& table, const Place& place, size_t index, DaemonConfig& config) {
  SourceSettings& source = config.sources[index];
  // The label first, so that every other message can name the source.
  if (const auto* label = table.get_as<std::string>("label")) source.label = label->get();
  TableReader reader(table, place, source_key(index, ""), source_context(source, index), config);
  reader.reject_unknown_keys<SourceSettings>();
  SourceSettings::visit(source, reader);
}

toml::table parse_file(const fs::path& path) {
  try {
    return toml::parse_file(path.string());
  } catch (const toml::parse_error& e) {
    const auto& begin = e.source().begin;
    throw ConfigError(path.string() + ":" + std::to_string(begin.line) + ":" + std::to_string(begin.column) +
                      ": not valid TOML: " + std::string(e.description()));
  }
}

void read_file(const fs::path& path, DaemonConfig& config) {
  const toml::table table = parse_file(path);
  const Place place{Origin::kFile, path.string(), path.parent_path()};
  TableReader reader(table, place, "", "", config);
  reader.reject_unknown_keys<ServiceSettings>(kSourceTable);
  ServiceSettings::visit(config.service, reader);

  const toml::node* sources = table.get(kSourceTable);
  if (!sources) return;
  const toml::array* list = sources->as_array();
  if (!list || !list->is_array_of_tables()) {
    const auto& begin = sources->source().begin;
    throw ConfigError(path.string() + ":" + std::to_string(begin.line) + ":" + std::to_string(begin.column) +
                      ": 'source' must be written as [[source]] tables");
  }
  for (const auto& element : *list) {
    config.sources.emplace_back();
    read_source_table(*element.as_table(), place, config.sources.size() - 1, config);
  }
}

// A --set value as a TOML node; text that is not a TOML value is a string.
toml::table override_table(const std::string& key, const std::string& value) {
  if (value.find('\n') == std::string::npos) {
    try {
      toml::table parsed = toml::parse("v = " + value);
      toml::table table;
      table.insert(key, std::move(*parsed.get("v")));
      return table;
    } catch (const toml::parse_error&) {
    }
  }
  toml::table table;
  table.insert(key, value);
  return table;
}

void apply_override(const std::string& text, DaemonConfig& config) {
  const std::string where = "--set " + text;
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw ConfigError(where + ": expected KEY=VALUE (e.g. threads=4 or source.mic.language=German)");
  }
  const std::string key = text.substr(0, eq);
  const std::string value = text.substr(eq + 1);
  const Place place{Origin::kCommandLine, where, fs::current_path()};

  if (!key.starts_with(std::string(kSourceTable) + ".")) {
    if (key == kSourceTable) throw ConfigError(where + ": sources are set as source.LABEL.KEY=VALUE");
    const toml::table table = override_table(key, value);
    TableReader reader(table, place, "", "", config);
    reader.reject_unknown_keys<ServiceSettings>();
    ServiceSettings::visit(config.service, reader);
    return;
  }
  const std::string rest = key.substr(kSourceTable.size() + 1);
  const size_t dot = rest.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == rest.size()) {
    throw ConfigError(where + ": expected source.LABEL.KEY=VALUE (e.g. source.mic.language=German)");
  }
  const std::string label = rest.substr(0, dot);
  size_t index = 0;
  while (index < config.sources.size() && config.sources[index].label != label) ++index;
  if (index == config.sources.size()) {
    config.sources.emplace_back();
    config.sources.back().label = label;
    config.origins[source_key(index, "label")] = ValueOrigin{Origin::kCommandLine, where};
  }
  const toml::table table = override_table(rest.substr(dot + 1), value);
  TableReader reader(table, place, source_key(index, ""), source_context(config.sources[index], index), config);
  reader.reject_unknown_keys<SourceSettings>();
  SourceSettings::visit(config.sources[index], reader);
}

}  // namespace

std::string_view origin_name(Origin origin) {
  switch (origin) {
    case Origin::kDefault: return "default";
    case Origin::kFile: return "file";
    case Origin::kCommandLine: return "command line";
  }
  return "?";
}

const ValueOrigin& DaemonConfig::origin_of(std::string_view key) const {
  static const ValueOrigin kDefault{};
  const auto it = origins.find(key);
  return it == origins.end() ? kDefault : it->second;
}

const SourceSettings* DaemonConfig::find_source(std::string_view label) const {
  for (const auto& source : sources) {
    if (source.label == label) return &source;
  }
  return nullptr;
}

std::string source_key(size_t index, std::string_view key) {
  return std::string(kSourceTable) + "." + std::to_string(index) + "." + std::string(key);
}

std::vector<fs::path> config_search_path() {
  std::vector<fs::path> places;
  const char* config_home = std::getenv("XDG_CONFIG_HOME");
  const char* home = std::getenv("HOME");
  if (config_home && config_home[0] == '/') {
    places.push_back(fs::path(config_home) / "earshot" / kFileName);
  } else if (home && home[0] != '\0') {
    places.push_back(fs::path(home) / ".config" / "earshot" / kFileName);
  }
  places.push_back(fs::path("/etc/earshot") / kFileName);
  return places;
}

fs::path find_config_file(const std::string& explicit_path) {
  if (!explicit_path.empty()) {
    std::error_code ec;
    if (!fs::is_regular_file(explicit_path, ec)) {
      throw ConfigError("--config " + explicit_path + ": no such file");
    }
    return fs::absolute(explicit_path).lexically_normal();
  }
  for (const auto& place : config_search_path()) {
    std::error_code ec;
    if (fs::is_regular_file(place, ec)) return place;
  }
  return {};
}

DaemonConfig load_config(const ConfigRequest& request) {
  DaemonConfig config;
  config.file = find_config_file(request.config_path);
  if (!config.file.empty()) read_file(config.file, config);
  for (const auto& text : request.overrides) apply_override(text, config);
  if (config.sources.empty()) config.sources.emplace_back();  // the default input, as "mic"
  check_config(config);
  return config;
}

}  // namespace earshot::daemon
