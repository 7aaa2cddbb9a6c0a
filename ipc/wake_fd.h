// An eventfd that one thread polls (with zmq_poll or poll) and any thread can
// signal. notify() is one non-blocking write: it never waits and never throws.
// Thread-safe: any thread may notify(); the polling thread calls drain().
#pragma once

namespace earshot::ipc {

class WakeFd {
 public:
  WakeFd();  // throws std::system_error when no eventfd can be made
  ~WakeFd();
  WakeFd(const WakeFd&) = delete;
  WakeFd& operator=(const WakeFd&) = delete;

  int fd() const { return fd_; }
  void notify() noexcept;
  void drain() noexcept;  // clears the signal; call before looking at the shared state

 private:
  int fd_ = -1;
};

}  // namespace earshot::ipc
