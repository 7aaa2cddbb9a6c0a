// earshotd's configuration: the settings of settings.h read from a TOML file,
// then `--set key=value` overrides from the command line, each value
// remembering where it came from (default, file or command line).
//
//   DaemonConfig config = load_config({.config_path = "", .overrides = {"threads=4"}});
//
// Where the file is: --config PATH, else $XDG_CONFIG_HOME/earshot/earshotd.toml
// (~/.config/...), else /etc/earshot/earshotd.toml; with none of them, the
// defaults. Override keys: "threads", "bus", ... for the service and
// "source.LABEL.KEY" for a source (a new label adds a source). Values are TOML
// ("4", "[\"a\", \"b\"]", "\"text\""); a value that is not TOML is taken as a
// string, so "language=German" works.
//
// Thread contract: plain functions and values; the main thread loads.
#pragma once

#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/settings.h"

namespace earshot::daemon {

// A value that cannot be used: the message names the file (or --set), the key
// and what was expected.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class Origin { kDefault, kFile, kCommandLine };
std::string_view origin_name(Origin origin);  // "default", "file", "command line"

struct ValueOrigin {
  Origin origin = Origin::kDefault;
  std::string where{};  // "/etc/earshot/earshotd.toml:12:1", "--set threads=4"; "" for defaults
};

struct DaemonConfig {
  std::filesystem::path file{};  // the file read; empty when there was none
  ServiceSettings service{};
  std::vector<SourceSettings> sources{};
  // Origins by key: "threads", "source.0.step_ms" (index into sources).
  std::map<std::string, ValueOrigin, std::less<>> origins{};

  const ValueOrigin& origin_of(std::string_view key) const;
  const SourceSettings* find_source(std::string_view label) const;
};

struct ConfigRequest {
  std::string config_path{};             // --config; "" = search the usual places
  std::vector<std::string> overrides{};  // --set key=value, applied in order
};

// The places searched when no --config is given, in order.
std::vector<std::filesystem::path> config_search_path();

// The file load_config() would read: the explicit path (which must exist), the
// first of config_search_path() that exists, or empty.
std::filesystem::path find_config_file(const std::string& explicit_path);

// Reads, overrides and checks. Throws ConfigError naming the file or the
// override, the key, and what is wrong.
DaemonConfig load_config(const ConfigRequest& request);

// "source.<index>.<key>" as used in DaemonConfig::origins.
std::string source_key(size_t index, std::string_view key);

}  // namespace earshot::daemon
