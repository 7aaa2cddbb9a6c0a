// The last finals of each source, kept so that a subscriber that starts late can
// fill its screen (control command "history"). Bounded twice: at most
// n_finals_per_source finals per source, and at most n_sources sources (the one
// updated least recently is forgotten first).
// Thread-safe: the publisher thread records while the control thread reads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "ipc/transcript_event.h"

namespace earshot::ipc {

struct HistoryLimits {
  size_t n_finals_per_source = 200;
  size_t n_sources = 32;
};

class History {
 public:
  explicit History(HistoryLimits limits = {});

  // Keeps a copy of a final; other kinds are ignored.
  void record(const TranscriptEvent& event);

  // The last n finals of `source`, oldest first; empty for an unknown source.
  std::vector<TranscriptEvent> last(std::string_view source, size_t n) const;

  // Labels of the sources that have finals, sorted.
  std::vector<std::string> sources() const;

  const HistoryLimits& limits() const { return limits_; }

 private:
  struct SourceFinals {
    std::deque<TranscriptEvent> finals;
    uint64_t last_update = 0;
  };

  void forget_least_recent_source();

  const HistoryLimits limits_;
  mutable std::mutex mutex_;
  std::map<std::string, SourceFinals, std::less<>> by_source_;
  uint64_t n_records_ = 0;
};

}  // namespace earshot::ipc
