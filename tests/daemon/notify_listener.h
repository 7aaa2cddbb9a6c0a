// The service manager's end of sd_notify, for tests: a Unix datagram socket
// bound in a scratch folder (or, for "@name", in the abstract namespace), whose
// address is given to earshotd as NOTIFY_SOCKET. Each datagram is one
// notification ("READY=1", "STATUS=...\nREADY=1", ...). A test that stops
// calling receive() plays a manager that stopped reading: once
// /proc/sys/net/unix/max_dgram_qlen datagrams wait, the sender's queue is full.
//
// Thread contract: one test thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace earshot::daemon::testing {

class NotifyListener {
 public:
  // `address`: a socket path, or "@name" for an abstract one.
  explicit NotifyListener(const std::string& address);
  ~NotifyListener();
  NotifyListener(const NotifyListener&) = delete;
  NotifyListener& operator=(const NotifyListener&) = delete;

  // The address as NOTIFY_SOCKET gives it.
  const std::string& path() const { return path_; }

  // The next datagram, or nullopt when none came within timeout.
  std::optional<std::string> receive(std::chrono::milliseconds timeout);

  // Reads and forgets every datagram waiting. A test that waits on other
  // things should call it now and then: like systemd, it has to read, or the
  // socket's queue fills and the daemon drops STATUS= lines and holds back
  // READY=1 and STOPPING=1 (notify_stall_test.cpp).
  void drain();

  // Receives until a datagram has a line `line` (e.g. "READY=1") or one
  // starting with `line` when it ends in '=' ("STATUS="); returns it, with
  // everything received before it appended to *before.
  std::optional<std::string> wait_for(const std::string& line, std::chrono::milliseconds timeout,
                                      std::vector<std::string>* before = nullptr);

 private:
  std::string path_;
  int fd_ = -1;
};

// The lines of a datagram.
std::vector<std::string> notify_lines(const std::string& datagram);
// True when the datagram has the line (or, for "KEY=", a line starting with it).
bool has_line(const std::string& datagram, const std::string& line);
// The value of KEY= in the datagram, or "".
std::string value_of(const std::string& datagram, const std::string& key);

}  // namespace earshot::daemon::testing
