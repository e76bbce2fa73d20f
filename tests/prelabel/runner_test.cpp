#include <doctest/doctest.h>

#include <Eigen/Core>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <limits>
#include <mutex>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "labelkit/core/error.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/prelabel/adapters.hpp"
#include "labelkit/prelabel/prelabeler.hpp"
#include "labelkit/prelabel/routing.hpp"
#include "labelkit/prelabel/runner.hpp"

using labelkit::prelabel::ItemResult;
using labelkit::prelabel::Outcome;
using labelkit::prelabel::PreLabel;
using labelkit::prelabel::PreLabeler;
using labelkit::prelabel::Router;
using labelkit::prelabel::run_prelabeler;
using labelkit::prelabel::RunOptions;
using labelkit::prelabel::RunProgress;
using labelkit::prelabel::RunReport;

namespace {

constexpr int n_classes = 4;

// The answer the well-behaved path gives for item id i.
PreLabel truth_for(Eigen::Index i) {
  PreLabel p;
  p.label = static_cast<int>(i % n_classes);
  p.confidence = static_cast<double>(i % 11) / 10.0;  // 0.0 .. 1.0
  return p;
}

std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A pre-labeler that misbehaves on seeded random calls: it throws (std and non-std
// exceptions), returns too few or too many pre-labels, or returns one invalid pre-label. The
// decision depends only on (seed, first item, length, how often that first item has been sent),
// so a run gives the same report whatever the scheduling. It records how often each item was
// sent; concurrent calls touch disjoint items, so plain ints suffice.
class ChaosPreLabeler final : public PreLabeler<Eigen::Index> {
 public:
  ChaosPreLabeler(std::uint64_t seed, Eigen::Index n, double failure_rate)
      : seed_(seed), sent_(static_cast<std::size_t>(n), 0), failure_rate_(failure_rate) {}

  std::vector<PreLabel> label_batch(std::span<const Eigen::Index> items) override {
    for (const Eigen::Index i : items) ++sent_[static_cast<std::size_t>(i)];
    if (items.empty()) return {};
    const auto first = static_cast<std::uint64_t>(items.front());
    const std::uint64_t h =
        mix(seed_ ^ mix(first * 1000003ULL + items.size() * 7919ULL +
                        static_cast<std::uint64_t>(sent_[static_cast<std::size_t>(first)])));
    const double u = static_cast<double>(h >> 11) * 0x1.0p-53;
    std::vector<PreLabel> out;
    for (const Eigen::Index i : items) out.push_back(truth_for(i));
    if (u < failure_rate_ * 0.4) throw std::runtime_error("injected failure");
    if (u < failure_rate_ * 0.5) throw 42;  // not a std::exception
    if (u < failure_rate_ * 0.65) {
      out.pop_back();
      return out;
    }
    if (u < failure_rate_ * 0.7) {
      out.push_back(PreLabel{});
      return out;
    }
    if (u < failure_rate_) {
      const std::size_t bad = (h >> 3) % out.size();
      switch ((h >> 20) % 4) {
        case 0:
          out[bad].confidence = std::numeric_limits<double>::quiet_NaN();
          break;
        case 1:
          out[bad].label = n_classes;
          break;
        case 2:
          out[bad].probabilities = {0.5, 0.6, 0.0, 0.0};
          break;
        default:
          out[bad].failure = "could not reach the model";
          break;
      }
    }
    return out;
  }

  [[nodiscard]] const std::vector<int>& sent() const { return sent_; }

 private:
  std::uint64_t seed_;
  std::vector<int> sent_;
  double failure_rate_;
};

std::vector<Eigen::Index> iota_items(Eigen::Index n) {
  std::vector<Eigen::Index> items(static_cast<std::size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) items[static_cast<std::size_t>(i)] = i;
  return items;
}

// Checks the exactly-once guarantee and that every non-failed item carries its own answer.
void check_exactly_once(const RunReport& report, const std::vector<int>& sent, const Router& router,
                        int max_retries) {
  const auto n = static_cast<Eigen::Index>(sent.size());
  REQUIRE(static_cast<Eigen::Index>(report.items.size()) == n);
  CHECK(report.auto_accepted + report.needs_review + report.failed == n);
  Eigen::Index accepted = 0, review = 0, failed = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const ItemResult& r = report.items[static_cast<std::size_t>(i)];
    CHECK(r.attempts == sent[static_cast<std::size_t>(i)]);
    CHECK(r.attempts >= 1);
    CHECK(r.attempts <= max_retries + 1);
    if (r.outcome == Outcome::failed) {
      ++failed;
      CHECK(!r.failure.empty());
      CHECK(r.attempts == max_retries + 1);
      CHECK(r.prelabel.label == -1);
    } else {
      r.outcome == Outcome::auto_accepted ? ++accepted : ++review;
      CHECK(r.failure.empty());
      CHECK(r.prelabel.label == truth_for(i).label);
      CHECK(r.prelabel.confidence == truth_for(i).confidence);
      CHECK(r.outcome == router.route(truth_for(i)));
    }
  }
  CHECK(accepted == report.auto_accepted);
  CHECK(review == report.needs_review);
  CHECK(failed == report.failed);
}

bool same_report(const RunReport& a, const RunReport& b) {
  if (a.items.size() != b.items.size() || a.calls != b.calls) return false;
  for (std::size_t i = 0; i < a.items.size(); ++i) {
    const ItemResult& x = a.items[i];
    const ItemResult& y = b.items[i];
    if (x.outcome != y.outcome || x.failure != y.failure || x.attempts != y.attempts ||
        x.prelabel.label != y.prelabel.label || x.prelabel.confidence != y.prelabel.confidence) {
      return false;
    }
  }
  return true;
}

}  // namespace

// The contract surface other code compiles against (issue: exact names and types).
static_assert(std::is_abstract_v<PreLabeler<std::string>>);
static_assert(std::has_virtual_destructor_v<PreLabeler<int>>);
static_assert(std::is_same_v<decltype(PreLabel::label), int>);
static_assert(std::is_same_v<decltype(PreLabel::confidence), double>);
static_assert(std::is_same_v<decltype(PreLabel::probabilities), std::vector<double>>);
static_assert(std::is_same_v<decltype(PreLabel::rationale), std::string>);
static_assert(std::is_same_v<
              decltype(&PreLabeler<std::string>::label_batch),
              std::vector<PreLabel> (PreLabeler<std::string>::*)(std::span<const std::string>)>);

TEST_CASE("PreLabel is an aggregate that brace-initialises without warnings") {
  // This file compiles with -Wall -Wextra -Werror: partial initialisation must not warn.
  const PreLabel short_form{1, 0.9};
  const PreLabel designated{.label = 2, .confidence = 0.5};
  const PreLabel four{0, 0.7, {0.7, 0.3}, "looks like a cat"};
  const PreLabel none{};
  CHECK(short_form.has_label());
  CHECK(designated.probabilities.empty());
  CHECK(four.rationale == "looks like a cat");
  CHECK(none.label == -1);
  CHECK_FALSE(none.has_label());
  CHECK_FALSE(PreLabel{.label = 1, .confidence = 1.0, .failure = "timeout"}.has_label());
}

TEST_CASE("run_prelabeler routes every item of a well-behaved pre-labeler, in input order") {
  auto labeler = labelkit::prelabel::make_prelabeler<Eigen::Index>(
      [](const Eigen::Index& i) { return truth_for(i); });
  const auto items = iota_items(103);
  const Router router(0.5);
  RunOptions options;
  options.batch_size = 10;
  const RunReport report = run_prelabeler(labeler, items, n_classes, router, options);
  check_exactly_once(report, std::vector<int>(103, 1), router, options.max_retries);
  CHECK(report.failed == 0);
  CHECK(report.calls == 11);
  // confidence = (i % 11) / 10 >= 0.5 for i % 11 in 5..10: 6 of every 11 items.
  Eigen::Index expected = 0;
  for (Eigen::Index i = 0; i < 103; ++i) expected += (i % 11 >= 5) ? 1 : 0;
  CHECK(report.auto_accepted == expected);
  CHECK(report.coverage() == doctest::Approx(static_cast<double>(expected) / 103.0));
  CHECK(report.indices(Outcome::auto_accepted).size() == static_cast<std::size_t>(expected));
  CHECK(report.indices(Outcome::failed).empty());
}

TEST_CASE("exactly once under exceptions injected into random batches (seeded)") {
  Eigen::Index failed_total = 0;
  for (const std::uint64_t seed : {1ULL, 2ULL, 3ULL, 4ULL, 5ULL, 6ULL}) {
    CAPTURE(seed);
    labelkit::Random random(seed);
    const auto n = static_cast<Eigen::Index>(50 + random.uniform_index(400));
    const auto batch = static_cast<Eigen::Index>(1 + random.uniform_index(40));
    const int retries = static_cast<int>(random.uniform_index(4));
    const auto items = iota_items(n);
    const Router router(std::vector<double>{0.3, 0.6, 0.9, 1.0});
    RunOptions options;
    options.batch_size = batch;
    options.max_retries = retries;

    ChaosPreLabeler serial(seed, n, 0.5);
    const RunReport one = run_prelabeler(serial, items, n_classes, router, options);
    check_exactly_once(one, serial.sent(), router, retries);
    failed_total += one.failed;

    options.concurrency = 4;
    ChaosPreLabeler parallel(seed, n, 0.5);
    const RunReport four = run_prelabeler(parallel, items, n_classes, router, options);
    check_exactly_once(four, parallel.sent(), router, retries);
    CHECK(same_report(one, four));  // the same answers in the same places, whatever the schedule
  }
  CHECK(failed_total > 0);  // at a 50% failure rate some items run out of retries
}

TEST_CASE("an always-failing pre-labeler fails every item, with the reason, after the retries") {
  auto labeler = labelkit::prelabel::make_prelabeler<Eigen::Index>(
      [](std::span<const Eigen::Index>) -> std::vector<PreLabel> {
        throw std::runtime_error("service unavailable");
      });
  const auto items = iota_items(7);
  RunOptions options;
  options.batch_size = 3;
  options.max_retries = 1;
  for (const int concurrency : {1, 3}) {
    options.concurrency = concurrency;
    const RunReport report = run_prelabeler(labeler, items, n_classes, Router(0.0), options);
    CHECK(report.failed == 7);
    CHECK(report.calls == 6);  // 3 batches x 2 attempts
    for (const ItemResult& r : report.items) {
      CHECK(r.outcome == Outcome::failed);
      CHECK(r.failure == "label_batch threw: service unavailable");
      CHECK(r.attempts == 2);
    }
  }
}

TEST_CASE("wrong-length results and invalid pre-labels are reported with their reason") {
  const auto items = iota_items(4);
  RunOptions options;
  options.batch_size = 4;
  options.max_retries = 0;
  auto short_result =
      labelkit::prelabel::make_prelabeler<Eigen::Index>([](std::span<const Eigen::Index> batch) {
        return std::vector<PreLabel>(batch.size() - 1, PreLabel{0, 1.0, {}, {}, {}});
      });
  RunReport report = run_prelabeler(short_result, items, n_classes, Router(0.5), options);
  CHECK(report.failed == 4);
  CHECK(report.items[0].failure == "label_batch returned 3 pre-labels for 4 items");

  auto invalid = labelkit::prelabel::make_prelabeler<Eigen::Index>([](const Eigen::Index& i) {
    PreLabel p{0, 0.9, {}, {}, {}};
    if (i == 1) p.confidence = 1.5;
    if (i == 2) p.label = -2;
    if (i == 3) p.probabilities = {1.0};
    return p;
  });
  report = run_prelabeler(invalid, items, n_classes, Router(0.5), options);
  CHECK(report.items[0].outcome == Outcome::auto_accepted);
  CHECK(report.items[1].failure == "confidence outside [0, 1] (got 1.5)");
  CHECK(report.items[2].failure == "label out of range (got -2, expected -1 <= label < 4)");
  CHECK(report.items[3].failure == "probabilities has 1 entries (expected 4)");
  CHECK(report.failed == 3);
}

TEST_CASE("retries resend only the items that failed, in contiguous runs") {
  std::vector<std::vector<Eigen::Index>> calls;
  std::vector<int> seen(10, 0);
  auto flaky =
      labelkit::prelabel::make_prelabeler<Eigen::Index>([&](std::span<const Eigen::Index> batch) {
        calls.emplace_back(batch.begin(), batch.end());
        std::vector<PreLabel> out;
        for (const Eigen::Index i : batch) {
          PreLabel p = truth_for(i);
          if ((i == 2 || i == 3 || i == 6) && seen[static_cast<std::size_t>(i)]++ == 0) {
            p.failure = "reply did not parse";
          }
          out.push_back(p);
        }
        return out;
      });
  const auto items = iota_items(10);
  RunOptions options;
  options.batch_size = 10;
  const RunReport report = run_prelabeler(flaky, items, n_classes, Router(0.5), options);
  CHECK(report.failed == 0);
  REQUIRE(calls.size() == 3);
  CHECK(calls[1] == std::vector<Eigen::Index>{2, 3});
  CHECK(calls[2] == std::vector<Eigen::Index>{6});
  CHECK(report.items[2].attempts == 2);
  CHECK(report.items[6].attempts == 2);
  CHECK(report.items[0].attempts == 1);
  CHECK(report.calls == 3);
}

TEST_CASE("no-answer pre-labels go to review, not to failed") {
  auto abstain = labelkit::prelabel::make_prelabeler<Eigen::Index>([](const Eigen::Index&) {
    return PreLabel{-1, 0.0, {}, "unsure", {}};
  });
  const auto items = iota_items(5);
  const RunReport report = run_prelabeler(abstain, items, n_classes, Router(0.0));
  CHECK(report.needs_review == 5);
  CHECK(report.items[4].prelabel.rationale == "unsure");
}

TEST_CASE("progress is reported once per batch, on the calling thread, ending at the totals") {
  auto labeler = labelkit::prelabel::make_prelabeler<Eigen::Index>(
      [](const Eigen::Index& i) { return truth_for(i); });
  const auto items = iota_items(95);
  for (const int concurrency : {1, 3}) {
    std::vector<RunProgress> seen;
    bool other_thread = false;
    const auto caller = std::this_thread::get_id();
    RunOptions options;
    options.batch_size = 10;
    options.concurrency = concurrency;
    options.progress = [&](const RunProgress& p) {
      seen.push_back(p);
      other_thread = other_thread || std::this_thread::get_id() != caller;
    };
    const RunReport report = run_prelabeler(labeler, items, n_classes, Router(0.5), options);
    CHECK_FALSE(other_thread);
    REQUIRE(seen.size() == 10);
    for (std::size_t k = 0; k < seen.size(); ++k) {
      CHECK(seen[k].batches_done == static_cast<Eigen::Index>(k + 1));
      CHECK(seen[k].batches_total == 10);
      CHECK(seen[k].items_total == 95);
      CHECK(seen[k].auto_accepted + seen[k].needs_review + seen[k].failed == seen[k].items_done);
    }
    CHECK(seen.back().items_done == 95);
    CHECK(seen.back().auto_accepted == report.auto_accepted);
  }
}

TEST_CASE("an exception from the progress callback stops the run and propagates") {
  auto labeler = labelkit::prelabel::make_prelabeler<Eigen::Index>(
      [](const Eigen::Index& i) { return truth_for(i); });
  const auto items = iota_items(200);
  for (const int concurrency : {1, 4}) {
    RunOptions options;
    options.batch_size = 5;
    options.concurrency = concurrency;
    options.progress = [](const RunProgress& p) {
      if (p.batches_done == 3) throw std::runtime_error("user cancelled");
    };
    CHECK_THROWS_WITH_AS((void)run_prelabeler(labeler, items, n_classes, Router(0.5), options),
                         "user cancelled", std::runtime_error);
  }
}

TEST_CASE("concurrency runs batches at once, never more than asked") {
  // Each call waits (up to a deadline) for a second call to be in flight, so a correct pool
  // reaches 2 quickly; the maximum must never exceed the requested concurrency.
  std::mutex mutex;
  std::condition_variable changed;
  int in_flight = 0;
  int max_in_flight = 0;
  auto labeler =
      labelkit::prelabel::make_prelabeler<Eigen::Index>([&](std::span<const Eigen::Index> batch) {
        {
          std::unique_lock<std::mutex> lock(mutex);
          ++in_flight;
          max_in_flight = std::max(max_in_flight, in_flight);
          changed.notify_all();
          changed.wait_for(lock, std::chrono::milliseconds(200), [&] { return in_flight >= 2; });
        }
        std::vector<PreLabel> out;
        for (const Eigen::Index i : batch) out.push_back(truth_for(i));
        {
          std::lock_guard<std::mutex> lock(mutex);
          --in_flight;
        }
        return out;
      });
  const auto items = iota_items(60);
  RunOptions options;
  options.batch_size = 5;
  options.concurrency = 3;
  const RunReport report = run_prelabeler(labeler, items, n_classes, Router(0.5), options);
  CHECK(report.failed == 0);
  CHECK(max_in_flight >= 2);
  CHECK(max_in_flight <= 3);
}

TEST_CASE("an empty input gives an empty report without calling the pre-labeler") {
  int calls = 0;
  auto labeler =
      labelkit::prelabel::make_prelabeler<Eigen::Index>([&](std::span<const Eigen::Index> batch) {
        ++calls;
        return std::vector<PreLabel>(batch.size());
      });
  RunOptions options;
  options.concurrency = 4;
  const RunReport report =
      run_prelabeler(labeler, std::vector<Eigen::Index>{}, n_classes, Router(0.5), options);
  CHECK(report.items.empty());
  CHECK(calls == 0);
  CHECK(report.coverage() == 0.0);
}

TEST_CASE("run_prelabeler rejects bad configuration") {
  auto labeler = labelkit::prelabel::make_prelabeler<Eigen::Index>(
      [](const Eigen::Index& i) { return truth_for(i); });
  const auto items = iota_items(3);
  RunOptions options;
  options.batch_size = 0;
  CHECK_THROWS_WITH_AS(
      (void)run_prelabeler(labeler, items, n_classes, Router(0.5), options),
      "labelkit: run_prelabeler(): 'options.batch_size' must be at least 1 (got 0)",
      labelkit::invalid_argument);
  options = RunOptions{};
  options.concurrency = 0;
  CHECK_THROWS_AS((void)run_prelabeler(labeler, items, n_classes, Router(0.5), options),
                  labelkit::error);
  options = RunOptions{};
  options.max_retries = -1;
  CHECK_THROWS_AS((void)run_prelabeler(labeler, items, n_classes, Router(0.5), options),
                  labelkit::error);
  CHECK_THROWS_AS((void)run_prelabeler(labeler, items, 0, Router(0.5)), labelkit::error);
  CHECK_THROWS_AS((void)run_prelabeler(labeler, items, n_classes, Router(std::vector<double>{0.5})),
                  labelkit::dimension_mismatch);
}

// ---------------------------------------------------------------------------------------------
// Model adapter

namespace {

// A fixed "model": class scores from the first two features, normalised.
template <class Scalar>
struct TwoFeatureModel {
  int predict_calls = 0;
  void fit(const Eigen::MatrixXd&, const std::vector<int>&) {}
  Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> predict_proba(const Eigen::MatrixXd& x) {
    ++predict_calls;
    Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> p(x.rows(), 3);
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
      p(i, 0) = static_cast<Scalar>(x(i, 0));
      p(i, 1) = static_cast<Scalar>(x(i, 1));
      p(i, 2) = static_cast<Scalar>(1.0 - x(i, 0) - x(i, 1));
    }
    return p;
  }
};

}  // namespace

TEST_CASE("ModelPreLabeler turns predict_proba rows into pre-labels") {
  Eigen::MatrixXd x(4, 2);
  x << 0.7, 0.2,   //
      0.1, 0.3,    //
      0.4, 0.4,    // tie between classes 0 and 1: the lower class wins
      0.25, 0.25;  // class 2 at 0.5
  TwoFeatureModel<double> model;
  static_assert(labelkit::Model<TwoFeatureModel<double>, Eigen::MatrixXd>);
  auto labeler = labelkit::prelabel::make_model_prelabeler(model, x);
  const std::vector<Eigen::Index> ids{3, 0, 2, 1};
  const auto out = labeler->label_batch(ids);
  REQUIRE(out.size() == 4);
  CHECK(out[0].label == 2);
  CHECK(out[0].confidence == doctest::Approx(0.5));
  CHECK(out[1].label == 0);
  CHECK(out[1].confidence == doctest::Approx(0.7));
  CHECK(out[1].probabilities == std::vector<double>{0.7, 0.2, 1.0 - 0.7 - 0.2});
  CHECK(out[2].label == 0);
  CHECK(out[3].label == 2);
  CHECK(out[3].confidence == doctest::Approx(0.6));

  // Through the runner, with concurrency: ids out of range fail their batch, the rest pass.
  std::vector<Eigen::Index> items{0, 1, 2, 3, 0, 9};
  RunOptions options;
  options.batch_size = 2;
  options.concurrency = 2;
  options.max_retries = 1;
  const RunReport report = run_prelabeler(*labeler, items, 3, Router(0.6), options);
  CHECK(report.auto_accepted == 2);  // items 0 and 4 (row 0, confidence 0.7)
  CHECK(report.failed == 2);         // the batch {0, 9}
  CHECK(report.items[5].failure ==
        "label_batch threw: labelkit: ModelPreLabeler::label_batch(): item 1 has row id 9 "
        "(expected 0 <= id < 4)");
}

TEST_CASE("ModelPreLabeler applies a temperature and accepts float models") {
  Eigen::MatrixXd x(1, 2);
  x << 0.6, 0.3;
  TwoFeatureModel<float> model;
  labelkit::prelabel::ModelPreLabeler<TwoFeatureModel<float>, Eigen::MatrixXd> sharp(model, x, 0.5);
  const std::vector<Eigen::Index> ids{0};
  const auto out = sharp.label_batch(ids);
  // T = 0.5 squares the probabilities: 0.36, 0.09, 0.01 over 0.46.
  CHECK(out[0].label == 0);
  CHECK(out[0].confidence == doctest::Approx(0.36 / 0.46).epsilon(1e-6));
  CHECK(out[0].probabilities[2] == doctest::Approx(0.01 / 0.46).epsilon(1e-5));
  using Bad = labelkit::prelabel::ModelPreLabeler<TwoFeatureModel<float>, Eigen::MatrixXd>;
  CHECK_THROWS_AS(Bad(model, x, 0.0), labelkit::invalid_argument);
}
