#include "ipc/topic.h"

#include <stdexcept>

namespace earshot::ipc {

std::string_view kind_name(EventKind kind) {
  switch (kind) {
    case EventKind::kPartial: return "partial";
    case EventKind::kFinal: return "final";
    case EventKind::kTranslation: return "translation";
    case EventKind::kStatus: return "status";
  }
  return "unknown";
}

bool is_valid_source_label(std::string_view label) {
  if (label.empty() || label.size() > 64) return false;
  for (char c : label) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

std::string make_topic(EventKind kind, std::string_view source, std::string_view language) {
  if (!is_valid_source_label(source)) {
    throw std::invalid_argument("invalid source label '" + std::string(source) +
                                "': use 1-64 letters, digits, '-' or '_'");
  }
  std::string topic(kind_name(kind));
  topic += '/';
  if (kind == EventKind::kTranslation) {
    if (language.empty()) throw std::invalid_argument("a translation topic needs a language");
    topic += language;
    topic += '/';
  }
  topic += source;
  return topic;
}

}  // namespace earshot::ipc
