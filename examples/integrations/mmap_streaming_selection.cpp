// Querying a pool that need not fit in memory: the class probabilities live in a binary file
// (float32, row-major, items x classes), memory-mapped with POSIX mmap and scored chunk by chunk
// into a labelkit::query::TopKAccumulator. Pages already scored are handed back to the kernel
// (madvise MADV_DONTNEED), so the resident set stays at a few chunks whatever the file size.
//
// The program writes the file first (5 million items x 10 classes = 200 MB by default, in the
// working directory), streams it, prints the peak resident set size (getrusage ru_maxrss), checks
// the selection against labelkit::query::top_k over scores computed another way (from the
// generator, not the file), then maps the file once more without MADV_DONTNEED to show what the
// peak would be if the mapping were simply read through. The file is deleted at the end.
//
// Run: mmap_streaming_selection [--items N] [--k K] [--file PATH]

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <Eigen/Core>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "labelkit/query/random.hpp"
#include "labelkit/query/select.hpp"
#include "labelkit/query/streaming.hpp"
#include "labelkit/query/uncertainty.hpp"
#include "synthetic_pool.hpp"

namespace {

using RowMatrixF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
constexpr std::uint64_t seed = 99;
constexpr int classes = 10;
// Items per chunk: 2.5 MB of probabilities, a whole number of 4 KiB pages, and a multiple of
// entropy's 256-row blocks (so the reference sees every item at the same block position).
constexpr std::int64_t chunk_items = 1 << 16;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// Peak resident set size of this process so far, in MiB (Linux reports ru_maxrss in KiB).
double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

[[noreturn]] void system_error(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

/// Deletes the file when the program leaves, also on an exception.
struct RemoveOnExit {
  std::string path;
  ~RemoveOnExit() { std::remove(path.c_str()); }
};

void write_pool(const std::string& path, std::int64_t items) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) system_error("cannot create " + path);
  std::vector<float> buffer(static_cast<std::size_t>(chunk_items * classes));
  for (std::int64_t first = 0; first < items; first += chunk_items) {
    const std::int64_t rows = std::min(chunk_items, items - first);
    examples::pool::fill_probabilities(first, rows, classes, seed, buffer.data());
    const auto count = static_cast<std::size_t>(rows * classes);
    if (std::fwrite(buffer.data(), sizeof(float), count, file) != count) {
      std::fclose(file);
      system_error("cannot write " + path);
    }
  }
  if (std::fclose(file) != 0) system_error("cannot close " + path);
}

/// A read-only mapping of a whole file, unmapped on destruction.
class MappedFile {
 public:
  explicit MappedFile(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0) system_error("cannot open " + path);
    struct stat info {};
    if (::fstat(fd, &info) != 0) {
      ::close(fd);
      system_error("cannot stat " + path);
    }
    size_ = static_cast<std::size_t>(info.st_size);
    void* address = ::mmap(nullptr, size_, PROT_READ, MAP_SHARED, fd, 0);
    ::close(fd);  // the mapping keeps the file open
    if (address == MAP_FAILED) system_error("cannot map " + path);
    data_ = static_cast<const float*>(address);
    ::madvise(address, size_, MADV_SEQUENTIAL);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile() { ::munmap(const_cast<float*>(data_), size_); }

  [[nodiscard]] const float* data() const noexcept { return data_; }
  [[nodiscard]] std::size_t bytes() const noexcept { return size_; }

  /// Drops the pages of [first, first + count) floats from this process (they stay in the page
  /// cache, but no longer count in its resident set). The range must start on a page boundary.
  void release(std::size_t first, std::size_t count) const {
    ::madvise(const_cast<float*>(data_ + first), count * sizeof(float), MADV_DONTNEED);
  }

 private:
  const float* data_ = nullptr;
  std::size_t size_ = 0;
};

/// Streams the mapped pool through a TopKAccumulator; `release` drops each chunk after use.
std::vector<Eigen::Index> stream_top_k(const MappedFile& file, std::int64_t items, Eigen::Index k,
                                       bool release) {
  labelkit::query::TopKAccumulator<float> best(k);
  for (std::int64_t first = 0; first < items; first += chunk_items) {
    const std::int64_t rows = std::min(chunk_items, items - first);
    const auto offset = static_cast<std::size_t>(first * classes);
    const Eigen::Map<const RowMatrixF> probabilities(file.data() + offset, rows, classes);
    best.add(labelkit::query::entropy(probabilities), first);
    if (release) file.release(offset, static_cast<std::size_t>(rows * classes));
  }
  return best.ids();
}

}  // namespace

int main(int argc, char** argv) {
  std::int64_t items = 5'000'000;
  Eigen::Index k = 1000;
  std::string path = "labelkit_mmap_pool.f32";
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--items") == 0) items = std::max(1LL, std::atoll(argv[i + 1]));
    if (std::strcmp(argv[i], "--k") == 0) k = std::max(1L, std::atol(argv[i + 1]));
    if (std::strcmp(argv[i], "--file") == 0) path = argv[i + 1];
  }
  try {
    const double file_mib = static_cast<double>(items) * classes * sizeof(float) / 1048576.0;
    std::printf(
        "pool: %lld items x %d classes, float32, %.0f MiB in %s; k = %ld; chunks of %lld "
        "items (%.1f MiB)\n",
        static_cast<long long>(items), classes, file_mib, path.c_str(), static_cast<long>(k),
        static_cast<long long>(chunk_items),
        static_cast<double>(chunk_items) * classes * sizeof(float) / 1048576.0);
    const RemoveOnExit cleanup{path};
    auto start = std::chrono::steady_clock::now();
    write_pool(path, items);
    std::printf("write:  %.2f s (peak RSS so far %.1f MiB)\n", seconds_since(start),
                peak_rss_mib());

    std::vector<Eigen::Index> streamed;
    {
      const MappedFile file(path);
      if (file.bytes() != static_cast<std::size_t>(items * classes) * sizeof(float)) {
        throw std::runtime_error(path + " has an unexpected size");
      }
      start = std::chrono::steady_clock::now();
      streamed = stream_top_k(file, items, k, /*release=*/true);
      const double t = seconds_since(start);
      std::printf("stream: %.2f s, %.0f MiB/s; peak RSS %.1f MiB (the file is %.0f MiB)\n", t,
                  file_mib / t, peak_rss_mib(), file_mib);
    }
    const double streaming_peak = peak_rss_mib();
    std::printf("selection (first 10 of %zu):", streamed.size());
    for (std::size_t i = 0; i < std::min<std::size_t>(10, streamed.size()); ++i) {
      std::printf(" %ld", static_cast<long>(streamed[i]));
    }
    std::printf("\n");

    // Another way: scores from the generator itself (not the file), all n of them in memory
    // (4 bytes per item), then one top_k.
    start = std::chrono::steady_clock::now();
    Eigen::VectorXf scores(items);
    std::vector<float> buffer(static_cast<std::size_t>(chunk_items * classes));
    for (std::int64_t first = 0; first < items; first += chunk_items) {
      const std::int64_t rows = std::min(chunk_items, items - first);
      examples::pool::fill_probabilities(first, rows, classes, seed, buffer.data());
      scores.segment(first, rows) =
          labelkit::query::entropy(Eigen::Map<const RowMatrixF>(buffer.data(), rows, classes));
    }
    const std::vector<Eigen::Index> expected = labelkit::query::top_k(scores, k);
    const bool same = expected == streamed;
    std::printf(
        "check:  top_k over %lld scores recomputed from the generator (%.2f s, peak RSS "
        "%.1f MiB): %s\n",
        static_cast<long long>(items), seconds_since(start), peak_rss_mib(),
        same ? "identical ids in identical order" : "DIFFERENT");

    {
      const MappedFile file(path);
      start = std::chrono::steady_clock::now();
      const auto again = stream_top_k(file, items, k, /*release=*/false);
      std::printf(
          "same stream without MADV_DONTNEED: %.2f s, peak RSS %.1f MiB (%s): the "
          "mapped pages stay resident until unmapped\n",
          seconds_since(start), peak_rss_mib(),
          again == streamed ? "same selection" : "DIFFERENT selection");
    }
    std::printf("streaming peak RSS %.1f MiB for a %.0f MiB pool\n", streaming_peak, file_mib);
    return same ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
