// Parallel stepping helpers on oneTBB. Work is split into chunks whose boundaries depend only on
// the problem size (never on the thread count), and per-chunk results are combined in chunk
// order, so floating-point sums come out bit-identical on any number of threads.
#pragma once
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <cstddef>
#include <utility>

namespace culturesim::core {

/// Runs body(begin, end) over [0, n) in fixed chunks of `grain`, in parallel.
template <class Body>
void parallel_chunks(std::size_t n, std::size_t grain, Body&& body) {
  if (n == 0) return;
  if (n <= grain) {  // one chunk: run inline, no task overhead
    body(std::size_t{0}, n);
    return;
  }
  const std::size_t chunks = (n + grain - 1) / grain;
  tbb::parallel_for(
      tbb::blocked_range<std::size_t>(0, chunks, 1),
      [&](const tbb::blocked_range<std::size_t>& r) {
        for (std::size_t c = r.begin(); c != r.end(); ++c) {
          const std::size_t begin = c * grain;
          const std::size_t end = begin + grain < n ? begin + grain : n;
          body(begin, end);
        }
      },
      tbb::simple_partitioner{});
}

/// Runs body(i) for each i in [0, n), one task each (for coarse work: units, runs).
template <class Body>
void parallel_each(std::size_t n, Body&& body) {
  if (n == 1) {
    body(std::size_t{0});
    return;
  }
  tbb::parallel_for(
      tbb::blocked_range<std::size_t>(0, n, 1),
      [&](const tbb::blocked_range<std::size_t>& r) {
        for (std::size_t i = r.begin(); i != r.end(); ++i) body(i);
      },
      tbb::simple_partitioner{});
}

/// Runs f() with at most `threads` worker threads (0 = all cores).
template <class F>
decltype(auto) with_threads(int threads, F&& f) {
  if (threads <= 0) return std::forward<F>(f)();
  tbb::task_arena arena(threads);
  return arena.execute(std::forward<F>(f));
}

}  // namespace culturesim::core
