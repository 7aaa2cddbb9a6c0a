// Bus topic names: "<kind>/<source>" (e.g. "final/mic"), or
// "translation/<lang>/<source>" for translations. Subscribers filter by prefix,
// so "final/" receives the finals of every source.
#pragma once

#include <string>
#include <string_view>

namespace earshot::ipc {

enum class EventKind { kPartial, kFinal, kTranslation, kStatus };

std::string_view kind_name(EventKind kind);

// Source labels are short identifiers: letters, digits, '-' and '_'.
bool is_valid_source_label(std::string_view label);

// Throws std::invalid_argument for an invalid label or a translation without language.
std::string make_topic(EventKind kind, std::string_view source, std::string_view language = {});

}  // namespace earshot::ipc
