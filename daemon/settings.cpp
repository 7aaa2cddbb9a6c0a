#include "daemon/settings.h"

#include "model/language_names.h"

namespace earshot::daemon {

std::string language_tag(const std::string& tag_or_name) {
  const std::optional<model::Language> language = model::find_language(tag_or_name);
  return language ? language->tag : tag_or_name;
}

stream::StreamConfig stream_config_of(const SourceSettings& source) {
  stream::StreamConfig config;
  config.step_ms = source.step_ms;
  config.pause_ms = source.pause_ms;
  config.short_pause_ms = source.short_pause_ms;
  config.preroll_ms = source.preroll_ms;
  config.max_segment_s = source.max_segment_s;
  config.tokens_per_s = source.tokens_per_s;
  config.skip_partials_backlog_s = source.skip_partials_backlog_s;
  config.drop_backlog_s = source.drop_backlog_s;
  config.language = language_tag(source.language);
  if (source.task == ipc::Task::kTranslate) config.target_language = language_tag(source.target_language);
  config.vad.speech_margin_db = source.vad_speech_margin_db;
  config.vad.absolute_gate_dbfs = source.vad_absolute_gate_dbfs;
  config.vad.onset_frames = source.vad_onset_frames;
  config.vad.hangover_frames = source.vad_hangover_frames;
  config.vad.floor_rise_db_per_s = source.vad_floor_rise_db_per_s;
  config.vad.speech_range_db = source.vad_speech_range_db;
  return config;
}

}  // namespace earshot::daemon
