#pragma once
/// @file
/// The batch runner: splits items into batches, calls a `PreLabeler`, isolates failures, retries
/// a bounded number of times, routes each result, and returns every input item exactly once —
/// auto-accepted, needs-review or failed (with the reason). Optionally runs up to N batches at
/// once on a small thread pool; the output is always in input order.

#include <Eigen/Core>
#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/label_set.hpp"
#include "labelkit/prelabel/detail/thread_pool.hpp"
#include "labelkit/prelabel/prelabeler.hpp"
#include "labelkit/prelabel/routing.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace prelabel {

/// Where a run stands; passed to `RunOptions::progress` after each batch completes.
struct RunProgress {
  Eigen::Index items_total = 0;    ///< Items in the run.
  Eigen::Index items_done = 0;     ///< Items with a final outcome so far.
  Eigen::Index batches_total = 0;  ///< Batches in the run.
  Eigen::Index batches_done = 0;   ///< Batches finished (retries included).
  Eigen::Index auto_accepted = 0;  ///< Items auto-accepted so far.
  Eigen::Index needs_review = 0;   ///< Items sent to review so far.
  Eigen::Index failed = 0;         ///< Items failed so far.
};

/// How to run a pre-labeler.
struct RunOptions {
  /// Items per call to `label_batch` (the last batch may be shorter). Must be >= 1.
  Eigen::Index batch_size = 16;
  /// Extra attempts for items whose attempt failed (exception, wrong-length result, invalid
  /// PreLabel or a PreLabel with a failure reason). 0 = no retries. Must be >= 0.
  int max_retries = 2;
  /// Batches in flight at once. 1 runs everything on the calling thread; N > 1 runs on N worker
  /// threads and requires a pre-labeler that may be called concurrently (see `PreLabeler`).
  int concurrency = 1;
  /// Called on the calling thread after each batch (never concurrently). May be empty. An
  /// exception it throws stops the run (running batches finish first) and propagates.
  std::function<void(const RunProgress&)> progress{};
};

/// The result for one input item.
struct ItemResult {
  Outcome outcome = Outcome::failed;  ///< auto_accepted, needs_review or failed.
  PreLabel prelabel{};                ///< The accepted pre-label (label -1 when failed).
  std::string failure{};              ///< Why the item failed (empty otherwise).
  int attempts = 0;                   ///< Calls that included this item (1 + retries used).
};

/// The outcome of a run: `items[i]` is the result for input item i.
struct RunReport {
  std::vector<ItemResult> items{};  ///< One per input item, in input order.
  Eigen::Index auto_accepted = 0;   ///< Count of auto-accepted items.
  Eigen::Index needs_review = 0;    ///< Count of items for review.
  Eigen::Index failed = 0;          ///< Count of failed items.
  Eigen::Index calls = 0;           ///< Calls made to label_batch (retries included).

  /// Indices (into the input) of the items with outcome `which`, ascending. O(n).
  template <class = void>
  [[nodiscard]] std::vector<Eigen::Index> indices(Outcome which) const {
    std::vector<Eigen::Index> out;
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (items[i].outcome == which) out.push_back(static_cast<Eigen::Index>(i));
    }
    return out;
  }

  /// Auto-accepted items over all items (0 for an empty run).
  [[nodiscard]] double coverage() const noexcept {
    return items.empty() ? 0.0
                         : static_cast<double>(auto_accepted) / static_cast<double>(items.size());
  }
};

}  // namespace prelabel
namespace detail {

inline void check_run_options(const prelabel::RunOptions& options, int n_classes,
                              const prelabel::Router& router) {
  if (options.batch_size < 1) {
    labelkit::detail::fail("run_prelabeler", "'options.batch_size' must be at least 1 (got ",
                           options.batch_size, ")");
  }
  if (options.max_retries < 0) {
    labelkit::detail::fail("run_prelabeler", "'options.max_retries' is negative (got ",
                           options.max_retries, ")");
  }
  if (options.concurrency < 1) {
    labelkit::detail::fail("run_prelabeler", "'options.concurrency' must be at least 1 (got ",
                           options.concurrency, ")");
  }
  if (n_classes < 1) {
    labelkit::detail::fail("run_prelabeler", "'n_classes' must be at least 1 (got ", n_classes,
                           ")");
  }
  if (router.n_classes() != 0 && router.n_classes() != n_classes) {
    labelkit::detail::fail<dimension_mismatch>("run_prelabeler", "'router' has thresholds for ",
                                               router.n_classes(),
                                               " classes (expected n_classes = ", n_classes, ")");
  }
}

/// Runs one batch [first, first + count) with retries and writes `out[first..first+count)`.
/// Items still unresolved after an attempt are retried in maximal contiguous runs, so no Item is
/// ever copied. Returns the number of label_batch calls made. Never throws for pre-labeler
/// failures (it catches everything the pre-labeler throws).
template <class Item>
Eigen::Index run_batch(prelabel::PreLabeler<Item>& labeler, std::span<const Item> items,
                       std::size_t first, std::size_t count, int n_classes,
                       const prelabel::Router& router, int max_retries,
                       std::span<prelabel::ItemResult> out) {
  std::vector<std::size_t> pending(count);
  for (std::size_t i = 0; i < count; ++i) pending[i] = first + i;
  std::vector<std::size_t> still_pending;
  Eigen::Index calls = 0;
  for (int attempt = 0; attempt <= max_retries && !pending.empty(); ++attempt) {
    still_pending.clear();
    for (std::size_t run_begin = 0; run_begin < pending.size();) {
      std::size_t run_end = run_begin + 1;
      while (run_end < pending.size() && pending[run_end] == pending[run_end - 1] + 1) ++run_end;
      const std::size_t start = pending[run_begin];
      const std::size_t length = run_end - run_begin;
      for (std::size_t i = start; i < start + length; ++i) ++out[i].attempts;
      auto fail_all = [&](const std::string& reason) {
        for (std::size_t i = start; i < start + length; ++i) {
          out[i].failure = reason;
          still_pending.push_back(i);
        }
      };
      ++calls;
      std::vector<prelabel::PreLabel> result;
      bool threw = true;
      try {
        result = labeler.label_batch(items.subspan(start, length));
        threw = false;
      } catch (const std::exception& e) {
        fail_all(labelkit::detail::concat("label_batch threw: ", e.what()));
      } catch (...) {
        fail_all("label_batch threw a non-standard exception");
      }
      if (!threw) {
        if (result.size() != length) {
          fail_all(labelkit::detail::concat("label_batch returned ", result.size(),
                                            " pre-labels for ", length, " items"));
        } else {
          for (std::size_t k = 0; k < length; ++k) {
            prelabel::ItemResult& slot = out[start + k];
            if (auto problem = prelabel_problem(result[k], n_classes)) {
              slot.failure = std::move(*problem);
              still_pending.push_back(start + k);
            } else {
              slot.prelabel = std::move(result[k]);
              slot.outcome = router.route(slot.prelabel);
              slot.failure.clear();
            }
          }
        }
      }
      run_begin = run_end;
    }
    pending.swap(still_pending);
  }
  for (const std::size_t i : pending) {
    out[i].outcome = prelabel::Outcome::failed;
    out[i].prelabel = prelabel::PreLabel{};
    if (out[i].failure.empty()) out[i].failure = "failed";  // unreachable: reasons are always set
  }
  return calls;
}

inline void tally(prelabel::RunProgress& progress, std::span<const prelabel::ItemResult> batch) {
  for (const prelabel::ItemResult& r : batch) {
    switch (r.outcome) {
      case prelabel::Outcome::auto_accepted:
        ++progress.auto_accepted;
        break;
      case prelabel::Outcome::needs_review:
        ++progress.needs_review;
        break;
      case prelabel::Outcome::failed:
        ++progress.failed;
        break;
    }
  }
  progress.items_done += static_cast<Eigen::Index>(batch.size());
  ++progress.batches_done;
}

}  // namespace detail
namespace prelabel {

/// Runs `labeler` over `items` and returns one result per item, in input order.
///
/// Items are cut into batches of `options.batch_size`. Each batch is passed to
/// `labeler.label_batch`; the result is checked (one PreLabel per item, each valid for
/// `n_classes` classes: see `PreLabeler`). A batch that throws or returns the wrong number of
/// pre-labels fails as a whole; an invalid PreLabel (or one carrying a `failure` reason) fails
/// its item only. Failed items are retried, in contiguous runs, up to `options.max_retries`
/// times; then they are reported as `Outcome::failed` with the last reason. Valid pre-labels go
/// through `router`. Every item ends up exactly once in the report, whatever the pre-labeler
/// does — the counts always add up to `items.size()`.
///
/// With `options.concurrency = N > 1`, up to N batches run at once on N worker threads (the
/// pre-labeler must then be safe to call concurrently); results are written to disjoint slots,
/// so the output order and content do not depend on scheduling as long as the pre-labeler's
/// answers do not. Progress is reported on the calling thread.
///
/// Complexity: O(n) besides the pre-labeler's own cost; memory O(n).
/// @throws labelkit::invalid_argument if batch_size < 1, max_retries < 0, concurrency < 1 or
/// n_classes < 1; labelkit::dimension_mismatch if a per-class router has a different number of
/// classes. Exceptions from the pre-labeler are never propagated; one from `progress` is.
template <class Item>
[[nodiscard]] RunReport run_prelabeler(PreLabeler<Item>& labeler,
                                       std::type_identity_t<std::span<const Item>> items,
                                       int n_classes, const Router& router,
                                       const RunOptions& options = {}) {
  detail::check_run_options(options, n_classes, router);
  RunReport report;
  report.items.resize(items.size());
  const auto batch = static_cast<std::size_t>(options.batch_size);
  const std::size_t n_batches = (items.size() + batch - 1) / batch;
  RunProgress progress;
  progress.items_total = static_cast<Eigen::Index>(items.size());
  progress.batches_total = static_cast<Eigen::Index>(n_batches);
  const std::span<ItemResult> out(report.items);
  auto batch_span = [&](std::size_t b) {
    const std::size_t first = b * batch;
    return std::pair{first, std::min(batch, items.size() - first)};
  };

  const auto workers =
      std::min<std::size_t>(static_cast<std::size_t>(options.concurrency), n_batches);
  if (workers <= 1) {
    for (std::size_t b = 0; b < n_batches; ++b) {
      const auto [first, count] = batch_span(b);
      report.calls += detail::run_batch(labeler, items, first, count, n_classes, router,
                                        options.max_retries, out);
      detail::tally(progress, out.subspan(first, count));
      if (options.progress) options.progress(progress);
    }
  } else {
    // Declared before the pool: the pool's destructor waits for running tasks, which use these.
    std::mutex mutex;
    std::condition_variable done_signal;
    std::deque<std::size_t> done;  // finished batch numbers, in completion order
    std::vector<Eigen::Index> calls(n_batches, 0);
    std::exception_ptr internal_error;
    detail::ThreadPool pool(workers);
    for (std::size_t b = 0; b < n_batches; ++b) {
      pool.submit([&, b] {
        const auto [first, count] = batch_span(b);
        std::exception_ptr error;
        try {
          calls[b] = detail::run_batch(labeler, items, first, count, n_classes, router,
                                       options.max_retries, out);
        } catch (...) {  // only allocation failures get here: run_batch catches the labeler's
          error = std::current_exception();
        }
        {
          std::lock_guard<std::mutex> lock(mutex);
          if (error && !internal_error) internal_error = error;
          done.push_back(b);
        }
        done_signal.notify_one();
      });
    }
    for (std::size_t finished = 0; finished < n_batches; ++finished) {
      std::size_t b = 0;
      {
        std::unique_lock<std::mutex> lock(mutex);
        done_signal.wait(lock, [&] { return !done.empty(); });
        b = done.front();
        done.pop_front();
        if (internal_error) std::rethrow_exception(internal_error);
      }
      // The mutex hand-off above orders the worker's writes to out[b's range] before these reads.
      const auto [first, count] = batch_span(b);
      detail::tally(progress, out.subspan(first, count));
      report.calls += calls[b];
      if (options.progress) options.progress(progress);
    }
  }
  report.auto_accepted = progress.auto_accepted;
  report.needs_review = progress.needs_review;
  report.failed = progress.failed;
  return report;
}

/// The items of a run after human review, for choose_threshold(), calibration and acceptance
/// tracking: `report.items[i]`'s pre-label (label -1 when the item failed or had no answer) with
/// the reviewed label `final_labels[i]`. O(n).
/// @throws labelkit::dimension_mismatch if the sizes differ; labelkit::invalid_argument for a
///   negative final label.
template <class = void>
[[nodiscard]] std::vector<ReviewedItem> reviewed_items(const RunReport& report,
                                                       std::span<const int> final_labels) {
  if (final_labels.size() != report.items.size()) {
    detail::fail<dimension_mismatch>("reviewed_items", "'final_labels' has ", final_labels.size(),
                                     " labels for ", report.items.size(), " results");
  }
  std::vector<ReviewedItem> out;
  out.reserve(final_labels.size());
  for (std::size_t i = 0; i < final_labels.size(); ++i) {
    if (final_labels[i] < 0) {
      detail::fail("reviewed_items", "'final_labels' entry ", i, " is negative (got ",
                   final_labels[i], ")");
    }
    const PreLabel& p = report.items[i].prelabel;
    out.push_back({p.has_label() ? p.label : -1, p.confidence, final_labels[i]});
  }
  return out;
}

/// run_prelabeler() for the classes of `labels` (its size is the class count).
template <class Item>
[[nodiscard]] RunReport run_prelabeler(PreLabeler<Item>& labeler,
                                       std::type_identity_t<std::span<const Item>> items,
                                       const LabelSet& labels, const Router& router,
                                       const RunOptions& options = {}) {
  return run_prelabeler(labeler, items, labels.size(), router, options);
}

}  // namespace prelabel
LABELKIT_END_NAMESPACE
