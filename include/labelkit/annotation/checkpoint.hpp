#pragma once
/// @file
/// Checkpoint files for the annotation task queue, written atomically: the checkpoint goes to a
/// temporary file in the same directory, which is flushed, fsync'ed and renamed over the target,
/// and the directory is fsync'ed. A crash or kill at any moment leaves either the previous
/// checkpoint or the new one, never a mixture. Loading checks the header, size and checksum and
/// parses everything before the queue changes.
///
/// POSIX systems use open/write/fsync/rename; elsewhere the fallback is std::ofstream and
/// std::filesystem::rename (atomic replacement where the platform's rename is).

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <system_error>

#include "labelkit/annotation/detail/json_io.hpp"
#include "labelkit/annotation/task_queue.hpp"
#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"

#if defined(__unix__) || defined(__APPLE__)
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#define LABELKIT_ANNOTATION_POSIX_FILES 1
#endif

LABELKIT_BEGIN_NAMESPACE
namespace detail {

#ifdef LABELKIT_ANNOTATION_POSIX_FILES
[[noreturn]] inline void fail_errno(std::string_view function, std::string_view what,
                                    const std::filesystem::path& path) {
  const int code = errno;
  labelkit::detail::fail<labelkit::error>(function, what, " '", path.string(),
                                          "' failed: ", std::generic_category().message(code));
}
#endif

/// Writes `bytes` to `path` atomically (see the file comment).
/// @throws labelkit::error naming the step and the file if any system call fails; the target is
///         then unchanged and the temporary file removed.
template <class = void>
inline void write_file_atomically(const std::filesystem::path& path, std::string_view bytes,
                                  std::string_view function) {
  static std::atomic<std::uint64_t> counter{0};
  const std::filesystem::path directory =
      path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  std::string name = "." + path.filename().string() + ".tmp";
#ifdef LABELKIT_ANNOTATION_POSIX_FILES
  name +=
      labelkit::detail::concat('.', static_cast<long long>(::getpid()), '.', counter.fetch_add(1));
  const std::filesystem::path temp = directory / name;
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) fail_errno(function, "creating the temporary file", temp);
  const auto give_up = [&](std::string_view what) {
    const int code = errno;
    ::close(fd);
    ::unlink(temp.c_str());
    errno = code;
    fail_errno(function, what, temp);
  };
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ::ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      give_up("writing");
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) give_up("fsync of");
  if (::close(fd) != 0) {
    const int code = errno;
    ::unlink(temp.c_str());
    errno = code;
    fail_errno(function, "closing", temp);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int code = errno;
    ::unlink(temp.c_str());
    errno = code;
    fail_errno(function, "renaming the temporary file onto", path);
  }
  const int dir = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) fail_errno(function, "opening the directory", directory);
  const int synced = ::fsync(dir);
  ::close(dir);
  if (synced != 0) fail_errno(function, "fsync of the directory", directory);
#else
  name += labelkit::detail::concat('.', counter.fetch_add(1));
  const std::filesystem::path temp = directory / name;
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) {
      std::error_code ignored;
      std::filesystem::remove(temp, ignored);
      labelkit::detail::fail<labelkit::error>(function, "writing '", temp.string(), "' failed");
    }
  }
  std::error_code error;
  std::filesystem::rename(temp, path, error);
  if (error) {
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);
    labelkit::detail::fail<labelkit::error>(function, "renaming onto '", path.string(),
                                            "' failed: ", error.message());
  }
#endif
}

/// The whole content of the regular file `path`, at most `max_bytes` bytes.
/// @throws labelkit::error if it is missing, not a regular file (a directory), cannot be opened
///         or read; labelkit::parse_error if it is larger than `max_bytes`. Never a std::
///         exception other than std::bad_alloc.
template <class = void>
[[nodiscard]] inline std::string read_file(const std::filesystem::path& path,
                                           std::string_view function, std::size_t max_bytes) {
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (error) {
    labelkit::detail::fail<labelkit::error>(function, "cannot open '", path.string(),
                                            "': ", error.message());
  }
  if (!std::filesystem::is_regular_file(status)) {
    labelkit::detail::fail<labelkit::error>(
        function, "'", path.string(), "' is not a regular file",
        std::filesystem::is_directory(status) ? " (it is a directory)" : "");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) labelkit::detail::fail<labelkit::error>(function, "cannot open '", path.string(), "'");
  try {
    return read_all(in, max_bytes, function);
  } catch (const labelkit::parse_error& e) {
    labelkit::detail::fail<labelkit::parse_error>(function, "'", path.string(), "': ", e.what());
  } catch (const labelkit::error& e) {
    labelkit::detail::fail<labelkit::error>(function, "reading '", path.string(),
                                            "' failed: ", e.what());
  }
}

}  // namespace detail
namespace annotation {

/// Saves the queue's whole state to `path` atomically: after a crash at any moment the file
/// holds the previous checkpoint or this one. The state is snapshotted under the queue's lock,
/// the file written outside it. O(size of the state).
/// @throws labelkit::error naming the failing step and file.
template <class Json = nlohmann::json>
void save_checkpoint(const TaskQueue& queue, const std::filesystem::path& path) {
  detail::write_file_atomically(path, queue.checkpoint<Json>(), "save_checkpoint");
}

/// Replaces the queue's state with the checkpoint in `path`. Nothing changes unless the whole
/// file is valid.
/// The file may hold at most the queue's `json_limits.max_bytes` plus its header line.
/// @throws labelkit::error if the file is missing, a directory or cannot be read;
///         labelkit::parse_error naming the file and what is wrong (not a checkpoint, truncated,
///         checksum mismatch, bad value and its path, a limit).
template <class Json = nlohmann::json>
void load_checkpoint(TaskQueue& queue, const std::filesystem::path& path) {
  const std::size_t limit = queue.options().json_limits.max_bytes;
  constexpr std::size_t header_bytes = 128;
  const std::string text = detail::read_file(
      path, "load_checkpoint", limit > SIZE_MAX - header_bytes ? SIZE_MAX : limit + header_bytes);
  try {
    queue.restore_text<Json>(text);
  } catch (const labelkit::parse_error& e) {
    throw labelkit::parse_error(
        labelkit::detail::concat("labelkit: load_checkpoint(): '", path.string(), "': ", e.what()));
  }
}

}  // namespace annotation
LABELKIT_END_NAMESPACE
