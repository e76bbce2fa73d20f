#pragma once
/// @file
/// A small fixed-size thread pool for the pre-labeling runner (std::thread, std::mutex,
/// std::condition_variable only). Internal: not part of the public API.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "labelkit/config.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace detail {

/// Runs submitted tasks on `threads` worker threads, first in, first out.
///
/// Tasks must not throw (wrap them); a throwing task terminates the program like any exception
/// escaping a std::thread. The destructor discards tasks that have not started and waits for the
/// running ones, so objects the tasks reference must outlive the pool (declare them before it).
class ThreadPool {
 public:
  /// Starts `threads` workers (at least 1).
  template <class = void>
  explicit ThreadPool(std::size_t threads) {
    if (threads == 0) threads = 1;
    workers_.reserve(threads);
    try {
      for (std::size_t t = 0; t < threads; ++t) workers_.emplace_back([this] { work<>(); });
    } catch (...) {
      stop();
      throw;
    }
  }

  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  ~ThreadPool() { stop(); }

  /// Queues a task.
  template <class = void>
  void submit(std::function<void()> task) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      tasks_.push_back(std::move(task));
    }
    wake_.notify_one();
  }

  /// Number of worker threads.
  [[nodiscard]] std::size_t size() const noexcept { return workers_.size(); }

 private:
  // Templates (like the constructor and submit()) so that std::thread, std::function and the
  // task deque are compiled only where a pool is used.
  template <class = void>
  void work() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
        if (stopping_) return;
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      task();
    }
  }

  void stop() noexcept {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
      tasks_.clear();
    }
    wake_.notify_all();
    for (std::thread& worker : workers_) {
      if (worker.joinable()) worker.join();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace detail
LABELKIT_END_NAMESPACE
