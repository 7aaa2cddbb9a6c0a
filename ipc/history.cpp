#include "ipc/history.h"

#include <algorithm>

namespace earshot::ipc {

History::History(HistoryLimits limits) : limits_(limits) {}

void History::record(const TranscriptEvent& event) {
  if (event.kind != EventKind::kFinal || limits_.n_finals_per_source == 0 || limits_.n_sources == 0) {
    return;
  }
  std::lock_guard lock(mutex_);
  auto it = by_source_.find(event.source);
  if (it == by_source_.end()) {
    if (by_source_.size() >= limits_.n_sources) forget_least_recent_source();
    it = by_source_.emplace(event.source, SourceFinals{}).first;
  }
  SourceFinals& entry = it->second;
  if (entry.finals.size() >= limits_.n_finals_per_source) entry.finals.pop_front();
  entry.finals.push_back(event);
  entry.last_update = ++n_records_;
}

void History::forget_least_recent_source() {
  const auto oldest = std::min_element(by_source_.begin(), by_source_.end(), [](const auto& a, const auto& b) {
    return a.second.last_update < b.second.last_update;
  });
  if (oldest != by_source_.end()) by_source_.erase(oldest);
}

std::vector<TranscriptEvent> History::last(std::string_view source, size_t n) const {
  std::lock_guard lock(mutex_);
  const auto it = by_source_.find(source);
  if (it == by_source_.end()) return {};
  const std::deque<TranscriptEvent>& finals = it->second.finals;
  const size_t n_taken = std::min(n, finals.size());
  return std::vector<TranscriptEvent>(finals.end() - static_cast<std::ptrdiff_t>(n_taken), finals.end());
}

std::vector<std::string> History::sources() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> labels;
  labels.reserve(by_source_.size());
  for (const auto& [label, entry] : by_source_) labels.push_back(label);
  return labels;
}

}  // namespace earshot::ipc
