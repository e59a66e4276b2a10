// Cooperative cancellation: a long run polls a token between periods, so Ctrl-C in a notebook
// (or a failed task elsewhere in an ensemble) stops it within a fraction of a second.
#pragma once
#include <atomic>
#include <functional>

namespace culturesim::core {

class CancellationToken {
 public:
  void cancel() { cancelled_.store(true, std::memory_order_relaxed); }
  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }

  /// An extra check (e.g. "has Python seen a signal?"), polled from the calling thread only.
  void set_poll(std::function<bool()> poll) { poll_ = std::move(poll); }
  /// Polls the extra check; cancels when it fires. Call only from the thread that owns it.
  bool poll() {
    if (poll_ && poll_()) cancel();
    return cancelled();
  }

 private:
  std::atomic<bool> cancelled_{false};
  std::function<bool()> poll_;
};

}  // namespace culturesim::core
