// Internal to ipc/: the JSON form of bus events and status objects, shared by the
// event codec (transcript_event.cpp), the control server and the control client.
// Plain functions on values: any thread.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "ipc/transcript_event.h"

namespace earshot::ipc {

nlohmann::json source_status_to_json(const SourceStatus& source);
nlohmann::json daemon_status_to_json(const DaemonStatus& status);
nlohmann::json event_to_json(const TranscriptEvent& event);

// These throw JsonFieldError naming the field; `where` is the path of `value`.
SourceStatus source_status_from_json(const nlohmann::json& value, const std::string& where);
DaemonStatus daemon_status_from_json(const nlohmann::json& value, const std::string& where);
TranscriptEvent event_from_json(const nlohmann::json& value, const std::string& where);

// Throws JsonFieldError unless value["schema"] is kSchemaVersion.
void check_schema(const nlohmann::json& value, const std::string& where);

}  // namespace earshot::ipc
