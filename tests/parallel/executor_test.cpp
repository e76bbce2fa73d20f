// labelkit::Parallel, thread_executor and detail::for_each_chunk: every chunk runs exactly once,
// partial results merged in chunk order equal the serial run whatever the executor's order, and
// the exception a caller sees is the serial run's.

#include <doctest/doctest.h>

#include <atomic>
#include <cstddef>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "labelkit/core/error.hpp"
#include "labelkit/core/parallel.hpp"

namespace {

// Runs the tasks serially in reverse order: the worst order for code that assumes chunk order.
void reverse_order_executor(std::size_t tasks, const std::function<void(std::size_t)>& run) {
  for (std::size_t t = tasks; t-- > 0;) run(t);
}

std::vector<long long> chunk_sums(const labelkit::Parallel& parallel, std::size_t items,
                                  std::size_t grain) {
  std::vector<long long> sums(labelkit::detail::chunk_count(items, grain), 0);
  labelkit::detail::for_each_chunk(parallel, items, grain,
                                   [&](std::size_t c, std::size_t begin, std::size_t end) {
                                     for (std::size_t i = begin; i < end; ++i)
                                       sums[c] += static_cast<long long>(i * i);
                                   });
  return sums;
}

}  // namespace

TEST_CASE("chunk_count covers the items with chunks of grain items") {
  using labelkit::detail::chunk_count;
  CHECK(chunk_count(0, 10) == 0);
  CHECK(chunk_count(1, 10) == 1);
  CHECK(chunk_count(10, 10) == 1);
  CHECK(chunk_count(11, 10) == 2);
  CHECK(chunk_count(1000001, 65536) == 16);
  CHECK(labelkit::detail::grain_of(labelkit::Parallel{}, 0) == 1);
  CHECK(labelkit::detail::grain_of(labelkit::Parallel{{}, 7}, 100) == 7);
  CHECK(labelkit::detail::grain_of(labelkit::Parallel{}, 100) == 100);
}

TEST_CASE("thread_executor runs every task exactly once") {
  for (const unsigned threads : {0U, 1U, 2U, 3U, 8U}) {
    const auto executor = labelkit::thread_executor(threads);
    for (const std::size_t tasks :
         {std::size_t{0}, std::size_t{1}, std::size_t{5}, std::size_t{1000}}) {
      std::vector<std::atomic<int>> runs(tasks);
      executor(tasks, [&](std::size_t t) { runs[t].fetch_add(1); });
      for (std::size_t t = 0; t < tasks; ++t) CHECK(runs[t].load() == 1);
    }
  }
}

TEST_CASE("for_each_chunk gives the serial chunks under any executor") {
  const std::size_t items = 10007;
  const std::size_t grain = 1000;
  const auto serial = chunk_sums(labelkit::Parallel{}, items, grain);
  REQUIRE(serial.size() == 11);
  long long total = 0;
  for (const long long s : serial) total += s;
  // sum of i^2 for i < n = (n-1) n (2n-1) / 6
  const auto n = static_cast<long long>(items);
  CHECK(total == (n - 1) * n * (2 * n - 1) / 6);
  CHECK(chunk_sums(labelkit::Parallel{reverse_order_executor, 0}, items, grain) == serial);
  CHECK(chunk_sums(labelkit::parallel_threads(2), items, grain) == serial);
  CHECK(chunk_sums(labelkit::parallel_threads(5), items, grain) == serial);
  CHECK(chunk_sums(labelkit::parallel_threads(2), 0, grain).empty());
}

TEST_CASE("for_each_chunk rethrows the serial run's exception") {
  // Chunks 3 and 7 fail; the serial run stops at chunk 3, so every executor must report chunk 3.
  const auto body = [](std::size_t c, std::size_t, std::size_t) {
    if (c == 3 || c == 7) throw labelkit::invalid_argument("chunk " + std::to_string(c));
  };
  for (const auto& parallel : {labelkit::Parallel{}, labelkit::Parallel{reverse_order_executor, 0},
                               labelkit::parallel_threads(2), labelkit::parallel_threads(4)}) {
    try {
      labelkit::detail::for_each_chunk(parallel, 100, 10, body);
      FAIL("no exception");
    } catch (const labelkit::invalid_argument& e) {
      CHECK(std::string(e.what()) == "chunk 3");
    }
  }
}

TEST_CASE("an executor that throws is reported as labelkit::state_error") {
  const labelkit::Parallel broken{[](std::size_t, const std::function<void(std::size_t)>&) {
                                    throw std::runtime_error("pool shut down");
                                  },
                                  0};
  CHECK_THROWS_AS(chunk_sums(broken, 100, 10), labelkit::state_error);
  // Task numbers beyond the range asked for are ignored.
  const labelkit::Parallel extra{
      [](std::size_t tasks, const std::function<void(std::size_t)>& run) {
        for (std::size_t t = 0; t <= tasks + 3; ++t) run(t);
      },
      0};
  CHECK(chunk_sums(extra, 100, 10) == chunk_sums(labelkit::Parallel{}, 100, 10));
}
