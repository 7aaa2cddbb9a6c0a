// Bus topic names: "<kind>/<source>" (e.g. "final/mic"), or
// "translation/<lang>/<source>" for translations. Subscribers filter by prefix,
// so "final/" receives the finals of every source; since "final/mic" is also a
// prefix of "final/mic2", a client that wants one source checks parse_topic().
// Pure functions: any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace earshot::ipc {

enum class EventKind { kPartial, kFinal, kTranslation, kStatus };

std::string_view kind_name(EventKind kind);
std::optional<EventKind> kind_from_name(std::string_view name);

// Source labels are short identifiers: letters, digits, '-' and '_'.
bool is_valid_source_label(std::string_view label);

// Language tags ("en", "pt-BR"): 1-16 letters, digits or '-'.
bool is_valid_language_tag(std::string_view tag);

// Throws std::invalid_argument for an invalid label or a translation without language.
std::string make_topic(EventKind kind, std::string_view source, std::string_view language = {});

struct TopicParts {
  EventKind kind = EventKind::kPartial;
  std::string language{};  // translations only
  std::string source{};
};

// The inverse of make_topic(); std::nullopt for anything it would not produce.
std::optional<TopicParts> parse_topic(std::string_view topic);

}  // namespace earshot::ipc
