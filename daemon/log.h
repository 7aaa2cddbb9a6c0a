// The service's log: one line per message on stderr. Under systemd (stderr
// connected to the journal, $JOURNAL_STREAM) each line starts with its syslog
// priority ("<3>"), so the journal files it as error, warning, ...; on a
// terminal it reads "earshotd: warning: ...". Repeated messages are rate
// limited: a message that differs only in its numbers counts as the same.
//
//   log(Priority::kWarning, "source 'mic': reconnecting to the sound server");
//
// Thread contract: any thread except capture threads (it locks and allocates).
#pragma once

#include <string_view>

namespace earshot::daemon {

enum class Priority { kError = 3, kWarning = 4, kNotice = 5, kInfo = 6, kDebug = 7 };

void log(Priority priority, std::string_view text);

inline void log_error(std::string_view text) { log(Priority::kError, text); }
inline void log_warning(std::string_view text) { log(Priority::kWarning, text); }
inline void log_notice(std::string_view text) { log(Priority::kNotice, text); }
inline void log_info(std::string_view text) { log(Priority::kInfo, text); }

// True when stderr is the journal ($JOURNAL_STREAM names stderr's device and inode).
bool stderr_is_journal();

}  // namespace earshot::daemon
