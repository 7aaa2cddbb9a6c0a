#include "daemon/config_print.h"

#include <charconv>
#include <cstdlib>
#include <sstream>

#include "daemon/config.h"
#include "daemon/model_paths.h"

namespace earshot::daemon {
namespace {

std::string quote(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

// Values as TOML writes them.
std::string toml_value(const std::string& v) { return quote(v); }
std::string toml_value(int v) { return std::to_string(v); }
std::string toml_value(bool v) { return v ? "true" : "false"; }
std::string toml_value(double v) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  std::string text(buf, ec == std::errc() ? end : buf);
  if (text.find_first_of(".eEn") == std::string::npos) text += ".0";  // stays a float in TOML
  return text;
}
std::string toml_value(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + quote(v[i]);
  return out + "]";
}
template <class Enum>
  requires std::is_enum_v<Enum>
std::string toml_value(Enum v) {
  return quote(enum_name(v));
}

std::string runtime_endpoint(std::string_view name) {
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  if (!runtime || runtime[0] == '\0') return "ipc://$XDG_RUNTIME_DIR/earshot/" + std::string(name) + " (unset here)";
  return "ipc://" + std::string(runtime) + "/earshot/" + std::string(name);
}

// What an empty default becomes when the daemon starts.
std::string filled_in(const SettingInfo& info) {
  if (info.key == "model") {
    const auto found = find_bundled_model();
    if (!found.empty()) return "the bundled model, " + found.string();
    std::string places;
    for (const auto& c : bundled_model_candidates()) places += (places.empty() ? "" : ", ") + c.string();
    return "the bundled model, not installed (looked for " + places + ")";
  }
  if (info.key == "bus") return runtime_endpoint("bus");
  if (info.key == "control") return runtime_endpoint("control");
  return {};
}

template <class Settings>
void print_settings(const Settings& settings, const DaemonConfig& config, const std::string& origin_prefix,
                    std::ostringstream& out) {
  Settings::visit(settings, [&](const auto& field, const SettingInfo& info, const auto& default_value) {
    const ValueOrigin& origin = config.origin_of(origin_prefix + std::string(info.key));
    if (info.test_only && origin.origin == Origin::kDefault) return;
    out << info.key << " = " << toml_value(field) << "  # " << origin_name(origin.origin);
    if (!origin.where.empty()) out << " " << origin.where;
    if (origin.origin == Origin::kDefault || field == default_value) {
      const std::string note = field == default_value ? filled_in(info) : std::string{};
      if (!note.empty()) out << ": " << note;
    }
    out << "\n";
  });
}

std::string markdown_cell(std::string_view text) {
  std::string out;
  for (const char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

template <class Settings>
void reference_table(bool test_only, std::ostringstream& out) {
  out << "| key | default | meaning |\n| --- | --- | --- |\n";
  Settings settings;
  Settings::visit(settings, [&](const auto&, const SettingInfo& info, const auto& default_value) {
    if (info.test_only != test_only) return;
    out << "| `" << info.key << "` | `" << markdown_cell(toml_value(default_value)) << "` | "
        << markdown_cell(info.help) << " |\n";
  });
}

}  // namespace

std::string format_config(const DaemonConfig& config) {
  std::ostringstream out;
  out << "# earshotd configuration in effect\n";
  out << "# file: " << (config.file.empty() ? std::string("none (defaults)") : config.file.string()) << "\n";
  out << "# each value: where it came from (default, file, command line)\n\n";
  print_settings(config.service, config, "", out);
  for (size_t i = 0; i < config.sources.size(); ++i) {
    out << "\n[[source]]\n";
    print_settings(config.sources[i], config, source_key(i, ""), out);
  }
  return out.str();
}

std::string format_reference() {
  std::ostringstream out;
  out << "### Service (top level)\n\n";
  reference_table<ServiceSettings>(false, out);
  out << "\n### Sources (`[[source]]`, one table per source)\n\n";
  reference_table<SourceSettings>(false, out);
  out << "\n### Test-only settings\n\n"
         "These exist for the test suite and are not shown by `earshot config` unless set.\n\n";
  reference_table<SourceSettings>(true, out);
  return out.str();
}

}  // namespace earshot::daemon
