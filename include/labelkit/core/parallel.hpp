#pragma once
/// @file
/// Opt-in parallelism: an executor the host passes in (or labelkit's own thread executor), and the
/// chunking every parallel algorithm of labelkit uses.
///
/// **Results never depend on the parallelism.** Each algorithm splits its items into fixed chunks,
/// computes one partial result per chunk, and merges the partial results in chunk order with an
/// exact merge (top-k by score then lower index, integer counts, fixed-point sums, argmax with ties
/// to the lower index). The merged result is therefore bit-identical to the serial run whatever the
/// executor, the thread count, the order in which the chunks run or the chunk size.
///
/// **Exceptions.** A chunk that throws does not escape through the executor: every chunk runs (or
/// is skipped once a failure is known), and after the executor returns, the exception of the
/// lowest-numbered failed chunk is rethrown on the calling thread, so the error a caller sees is
/// the same as in the serial run.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <functional>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"

LABELKIT_BEGIN_NAMESPACE

/// A host's executor: it must call `run(t)` exactly once for every `t` in `[0, tasks)`, on any
/// threads and in any order, and return only after every call has returned. labelkit's `run`
/// never throws. Adapters are one line for a thread pool, TBB (`tbb::parallel_for`), OpenMP or
/// Taskflow; `thread_executor(n)` is a ready-made one.
using Executor =
    std::function<void(std::size_t tasks, const std::function<void(std::size_t)>& run)>;

/// How an algorithm may parallelise (passed as its last, defaulted argument). The default runs
/// serially on the calling thread.
struct Parallel {
  /// Runs the chunks; empty means serial on the calling thread.
  Executor executor;
  /// Items per chunk; 0 means the algorithm's default (chosen so that a chunk is about 256 KiB of
  /// input, large enough to amortise the scheduling and small enough to balance two to 64
  /// threads). Affects speed only, never the result.
  std::size_t grain = 0;

  /// True when an executor is set.
  [[nodiscard]] bool enabled() const noexcept { return static_cast<bool>(executor); }
};

/// An executor that runs the tasks on `threads` threads: the calling thread and `threads - 1`
/// threads started for the call and joined before it returns. The threads take the next task
/// from a shared counter, so uneven tasks balance. `threads` of 0 means
/// `std::thread::hardware_concurrency()` (at least 1). If a thread cannot be started, the threads
/// already running, and the calling thread, run the remaining tasks.
///
/// Starting threads costs some tens of microseconds per call: it pays for calls that take a
/// millisecond or more (scoring 100,000 items or more). Hosts that call labelkit often on small
/// inputs should pass their own pool instead.
template <class = void>
[[nodiscard]] Executor thread_executor(unsigned threads = 0) {
  if (threads == 0) threads = std::max(1U, std::thread::hardware_concurrency());
  return [threads](std::size_t tasks, const std::function<void(std::size_t)>& run) {
    std::atomic<std::size_t> next{0};
    const auto work = [&] {
      for (std::size_t t = next.fetch_add(1); t < tasks; t = next.fetch_add(1)) run(t);
    };
    const std::size_t helpers =
        std::min<std::size_t>(threads - 1, tasks > 0 ? tasks - 1 : std::size_t{0});
    std::vector<std::thread> pool;
    pool.reserve(helpers);
    for (std::size_t i = 0; i < helpers; ++i) {
      try {
        pool.emplace_back(work);
      } catch (const std::system_error&) {
        break;  // no more threads: the ones running and the caller finish the work
      }
    }
    work();
    for (auto& thread : pool) thread.join();
  };
}

/// A `Parallel` that runs on `threads` threads (`thread_executor(threads)`), 0 meaning every
/// hardware thread.
template <class = void>
[[nodiscard]] Parallel parallel_threads(unsigned threads = 0) {
  return Parallel{thread_executor(threads), 0};
}

LABELKIT_END_NAMESPACE

LABELKIT_BEGIN_NAMESPACE
namespace detail {

/// Number of chunks of `grain` items (the last one shorter) covering `items`; 0 for no items.
[[nodiscard]] constexpr std::size_t chunk_count(std::size_t items, std::size_t grain) noexcept {
  return grain == 0 ? (items == 0 ? 0 : 1) : (items + grain - 1) / grain;
}

/// The grain to use: `parallel.grain` when set, else `default_grain` (at least 1).
[[nodiscard]] inline std::size_t grain_of(const Parallel& parallel,
                                          std::size_t default_grain) noexcept {
  return std::max<std::size_t>(1, parallel.grain != 0 ? parallel.grain : default_grain);
}

/// Calls `body(chunk, begin, end)` for each chunk of `[0, items)` of `grain` items, serially in
/// chunk order without an executor (or with one chunk), otherwise through `parallel.executor`.
/// Exceptions: the lowest-numbered failing chunk's exception is rethrown after every chunk has
/// finished, so the caller sees the error the serial run would throw; chunks numbered above a
/// chunk known to have failed are skipped. An exception thrown
/// by the host's executor itself is reported as `labelkit::state_error`.
template <class Body>
void for_each_chunk(const Parallel& parallel, std::size_t items, std::size_t grain, Body&& body) {
  const std::size_t chunks = chunk_count(items, grain);
  if (!parallel.enabled() || chunks <= 1) {
    for (std::size_t c = 0; c < chunks; ++c) body(c, c * grain, std::min(items, (c + 1) * grain));
    return;
  }
  std::vector<std::exception_ptr> errors(chunks);
  std::atomic<std::size_t> first_failed{chunks};
  const std::function<void(std::size_t)> run = [&](std::size_t c) {
    if (c >= chunks || c > first_failed.load(std::memory_order_relaxed)) return;
    try {
      body(c, c * grain, std::min(items, (c + 1) * grain));
    } catch (...) {
      errors[c] = std::current_exception();
      std::size_t seen = first_failed.load(std::memory_order_relaxed);
      while (c < seen && !first_failed.compare_exchange_weak(seen, c, std::memory_order_relaxed)) {
      }
    }
  };
  try {
    parallel.executor(chunks, run);
  } catch (const error&) {
    throw;
  } catch (const std::exception& e) {
    fail<state_error>("Parallel::executor", "the host's executor threw: ", e.what());
  } catch (...) {
    fail<state_error>("Parallel::executor", "the host's executor threw a non-standard exception");
  }
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace detail
LABELKIT_END_NAMESPACE
