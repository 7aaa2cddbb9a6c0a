#include "ipc/topic.h"

#include <stdexcept>

namespace earshot::ipc {
namespace {

constexpr EventKind kAllKinds[] = {EventKind::kPartial, EventKind::kFinal, EventKind::kTranslation,
                                   EventKind::kStatus};

bool is_ascii_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

}  // namespace

std::string_view kind_name(EventKind kind) {
  switch (kind) {
    case EventKind::kPartial: return "partial";
    case EventKind::kFinal: return "final";
    case EventKind::kTranslation: return "translation";
    case EventKind::kStatus: return "status";
  }
  return "unknown";
}

std::optional<EventKind> kind_from_name(std::string_view name) {
  for (EventKind kind : kAllKinds) {
    if (kind_name(kind) == name) return kind;
  }
  return std::nullopt;
}

bool is_valid_source_label(std::string_view label) {
  if (label.empty() || label.size() > 64) return false;
  for (char c : label) {
    if (!is_ascii_alnum(c) && c != '-' && c != '_') return false;
  }
  return true;
}

bool is_valid_language_tag(std::string_view tag) {
  if (tag.empty() || tag.size() > 16) return false;
  for (char c : tag) {
    if (!is_ascii_alnum(c) && c != '-') return false;
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
    if (!is_valid_language_tag(language)) {
      throw std::invalid_argument("invalid language tag '" + std::string(language) + "'");
    }
    topic += language;
    topic += '/';
  }
  topic += source;
  return topic;
}

std::optional<TopicParts> parse_topic(std::string_view topic) {
  const size_t kind_end = topic.find('/');
  if (kind_end == std::string_view::npos) return std::nullopt;
  const std::optional<EventKind> kind = kind_from_name(topic.substr(0, kind_end));
  if (!kind) return std::nullopt;
  TopicParts parts;
  parts.kind = *kind;
  std::string_view rest = topic.substr(kind_end + 1);
  if (*kind == EventKind::kTranslation) {
    const size_t language_end = rest.find('/');
    if (language_end == std::string_view::npos) return std::nullopt;
    parts.language = rest.substr(0, language_end);
    if (!is_valid_language_tag(parts.language)) return std::nullopt;
    rest = rest.substr(language_end + 1);
  }
  if (!is_valid_source_label(rest)) return std::nullopt;
  parts.source = rest;
  return parts;
}

}  // namespace earshot::ipc
