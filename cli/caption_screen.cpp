#include "cli/caption_screen.h"

#include <algorithm>

namespace earshot::cli {
namespace {

constexpr const char* kClearLine = "\r\033[2K";
constexpr const char* kDim = "\033[2m";
constexpr const char* kPlain = "\033[0m";

bool is_continuation_byte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

int count_code_points(const std::string& text) {
  int n = 0;
  for (char c : text) n += is_continuation_byte(c) ? 0 : 1;
  return n;
}

std::string label_of(const ipc::TranscriptEvent& event) {
  if (event.kind == ipc::EventKind::kTranslation) return "[" + event.source + " -> " + event.target_language + "] ";
  return "[" + event.source + "] ";
}

std::string status_line(const ipc::DaemonStatus& status) {
  std::string line = "(status: " + status.model;
  for (const ipc::SourceStatus& source : status.sources) {
    line += ", " + source.source + " " + std::string(ipc::source_state_name(source.state));
  }
  char numbers[96];
  std::snprintf(numbers, sizeof numbers, ", rtf %.2f, %d subscribers)", status.real_time_factor,
                status.n_subscribers);
  return line + numbers;
}

}  // namespace

std::string tail_that_fits(const std::string& text, int n_columns) {
  if (n_columns <= 0) return {};
  if (count_code_points(text) <= n_columns) return text;
  // Keep the last n_columns - 1 code points and mark the cut.
  int n_kept = 0;
  size_t start = text.size();
  while (start > 0) {
    size_t previous = start - 1;
    while (previous > 0 && is_continuation_byte(text[previous])) --previous;
    if (n_kept == n_columns - 1) break;
    ++n_kept;
    start = previous;
  }
  return "\u2026" + text.substr(start);
}

CaptionScreen::CaptionScreen(std::FILE* out, bool live, int columns, bool note_losses)
    : out_(out), live_(live), columns_(columns), note_losses_(note_losses) {}

void CaptionScreen::show(const ipc::TranscriptEvent& event) {
  note_sequence(event);
  show_past(event);
}

void CaptionScreen::show_past(const ipc::TranscriptEvent& event) {
  switch (event.kind) {
    case ipc::EventKind::kPartial:
      if (!live_) return;
      partial_by_source_[event.source] = event;
      newest_partial_source_ = event.source;
      draw_live_line();
      return;
    case ipc::EventKind::kFinal:
      partial_by_source_.erase(event.source);  // the final replaces its partial
      if (!event.stable_text.empty()) print_line(label_of(event) + event.stable_text);
      return;
    case ipc::EventKind::kTranslation:
      print_line(label_of(event) + event.stable_text);
      return;
    case ipc::EventKind::kStatus:
      if (event.status) print_line(status_line(*event.status));
      return;
  }
}

void CaptionScreen::note_sequence(const ipc::TranscriptEvent& event) {
  if (!note_losses_) return;
  const auto last = last_sequence_by_source_.find(event.source);
  if (last != last_sequence_by_source_.end() && event.sequence > last->second + 1) {
    print_line("(" + event.source + ": " + std::to_string(event.sequence - last->second - 1) +
               " messages lost)");
  }
  last_sequence_by_source_[event.source] = event.sequence;
}

void CaptionScreen::print_line(const std::string& line) {
  clear_live_line();
  std::fprintf(out_, "%s\n", line.c_str());
  draw_live_line();
}

void CaptionScreen::clear_live_line() {
  if (live_ && live_line_drawn_) std::fputs(kClearLine, out_);
  live_line_drawn_ = false;
}

void CaptionScreen::draw_live_line() {
  if (!live_ || partial_by_source_.empty()) {
    std::fflush(out_);
    return;
  }
  auto partial = partial_by_source_.find(newest_partial_source_);
  if (partial == partial_by_source_.end()) partial = partial_by_source_.begin();
  const ipc::TranscriptEvent& event = partial->second;
  const std::string label = label_of(event);
  const int n_text_columns = columns_ - 1 - count_code_points(label);
  const std::string text = tail_that_fits(event.stable_text + event.unstable_text, n_text_columns);
  // Dim the unstable tail where it is still visible.
  const size_t n_unstable = std::min(event.unstable_text.size(), text.size());
  const std::string stable_part = text.substr(0, text.size() - n_unstable);
  const std::string unstable_part = text.substr(text.size() - n_unstable);
  std::fprintf(out_, "%s%s%s%s%s%s", kClearLine, label.c_str(), stable_part.c_str(), kDim, unstable_part.c_str(),
               kPlain);
  std::fflush(out_);
  live_line_drawn_ = true;
}

void CaptionScreen::finish() {
  if (live_ && live_line_drawn_) std::fputs("\n", out_);
  live_line_drawn_ = false;
  std::fflush(out_);
}

}  // namespace earshot::cli
