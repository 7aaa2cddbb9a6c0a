// Live captions in a terminal: the newest partial is drawn on the last line and
// rewritten in place ("\r" + ANSI clear-line) as it is revised; finals and
// translations are printed on lines of their own and stay. Without a terminal
// (a pipe, a file) only finals, translations and status lines are printed.
// Used by the main thread only.
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>

#include "ipc/transcript_event.h"

namespace earshot::cli {

class CaptionScreen {
 public:
  // `live`: rewrite partials in place (stdout is a terminal); `columns`: width
  // of the terminal, to keep the live line on one row; `note_losses`: say when
  // a source's sequence numbers skip (only true when every kind of a source's
  // events is received: a filter by kind skips numbers by itself).
  CaptionScreen(std::FILE* out, bool live, int columns, bool note_losses = true);

  void show(const ipc::TranscriptEvent& event);
  // A final from the control socket's history: printed, but not counted in
  // the bus's sequence (the partials between finals are not in the history).
  void show_past(const ipc::TranscriptEvent& event);

  // Clears the live line before the program exits.
  void finish();

 private:
  void print_line(const std::string& line);  // above the live line
  void draw_live_line();
  void clear_live_line();
  void note_sequence(const ipc::TranscriptEvent& event);

  std::FILE* out_;
  const bool live_;
  const int columns_;
  const bool note_losses_;
  bool live_line_drawn_ = false;
  std::string newest_partial_source_;
  std::map<std::string, ipc::TranscriptEvent> partial_by_source_;
  std::map<std::string, uint64_t> last_sequence_by_source_;
};

// The last `n_columns` display columns of `text` (one per UTF-8 code point),
// prefixed with "…" when something was cut.
std::string tail_that_fits(const std::string& text, int n_columns);

}  // namespace earshot::cli
