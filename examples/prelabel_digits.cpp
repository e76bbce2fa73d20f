// Pre-labeling handwritten digits (UCI, 1797 8x8 images, 10 classes) with two pre-labelers a
// host might wire up, and routing their output between auto-accept and human review.
//
// The data is shuffled (seed 7) into 200 training images, 400 "already reviewed" images used to
// calibrate and to choose thresholds, and a pool of 1197 images to pre-label.
//
// (a) The reference model: an L2 logistic regression (C = 1) trained on the 200 images, plugged
//     in with ModelPreLabeler; temperature scaling fitted on the reviewed images; per-class
//     thresholds chosen for 98% precision on them.
// (b) A stand-in "LLM": the host renders each image as ASCII art, builds the prompt with
//     build_prompt, and "sends" it to a canned responder that answers in the ways real models
//     do — bare JSON, fenced JSON, JSON inside prose, label words in odd casing — and sometimes
//     wrongly, over-confidently, malformed (truncated JSON, a label outside the set, a
//     confidence of "very high" or 95), or not at all (a transient HTTP 503). Its stated
//     confidences are calibrated with isotonic regression on the reviewed images.
//
// For each: coverage (share auto-accepted), precision of the auto-accepted labels against the
// truth (and how many wrong labels slipped through), review-queue size, failures, calls made,
// the calibration error of the confidences on the pool, and the effort saved once the queue is
// reviewed (EffortModel defaults: from scratch 1, confirm 0.3, correct 1.1, auto-accept 0 —
// wrong auto-accepted labels cost nothing in that count, which is why precision matters).

#include <Eigen/Core>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <numeric>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "datasets.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/models/logistic_regression.hpp"
#include "labelkit/prelabel/acceptance.hpp"
#include "labelkit/prelabel/adapters.hpp"
#include "labelkit/prelabel/calibration.hpp"
#include "labelkit/prelabel/llm_prelabeler.hpp"
#include "labelkit/prelabel/routing.hpp"
#include "labelkit/prelabel/runner.hpp"

namespace pl = labelkit::prelabel;

namespace {

const std::vector<std::string> digit_words{"zero", "one", "two",   "three", "four",
                                           "five", "six", "seven", "eight", "nine"};

// An 8x8 image (pixel counts 0..16) as 8 lines of ASCII art.
std::string ascii_art(const Eigen::MatrixXd& features, Eigen::Index row) {
  static const char shades[] = " .:-=+*#%@";
  std::string text;
  for (int y = 0; y < 8; ++y) {
    for (int x = 0; x < 8; ++x) {
      const double v = features(row, y * 8 + x);
      text += shades[static_cast<int>(v * 9.0 / 16.0 + 0.5)];
    }
    text += '\n';
  }
  return text;
}

std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// The canned "LLM". It knows the true digit of each text (a lookup filled by the host below),
// answers right 88% of the time, and misbehaves in seeded, per-attempt ways so that retries can
// succeed. Thread-safe: the attempt counter is guarded by a mutex.
class CannedLlm {
 public:
  explicit CannedLlm(std::map<std::string, int> truth) : truth_(std::move(truth)) {}

  std::string operator()(const pl::Prompt& prompt) {
    // A real host would send prompt.system and prompt.user to its model; the stand-in reads
    // the item back out of the delimited user message.
    const auto body = nlohmann::json::parse(prompt.user.substr(prompt.user.find('{')));
    const std::string item = body.at("item");
    const int truth = truth_.at(item);
    std::uint64_t attempt;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      attempt = static_cast<std::uint64_t>(attempts_[item]++);
    }
    const std::uint64_t item_hash = mix(std::hash<std::string>{}(item) ^ 0x5eed);
    const std::uint64_t call_hash = mix(item_hash + attempt);
    auto u = [](std::uint64_t h, int shift) {
      return static_cast<double>((h >> shift) & 0xffff) / 65536.0;
    };
    if (u(call_hash, 0) < 0.03) throw std::runtime_error("HTTP 503 Service Unavailable");
    // Right or wrong depends on the item only (asking again gives the same opinion).
    const bool right = u(item_hash, 16) < 0.88;
    const int label = right ? truth : (truth + 1 + static_cast<int>((item_hash >> 40) % 9)) % 10;
    // Over-confident, but not useless: right answers at 0.85..0.99, wrong ones at 0.55..0.95.
    const double confidence =
        static_cast<double>(static_cast<int>(
            100.0 * (right ? 0.85 + 0.14 * u(item_hash, 32) : 0.55 + 0.40 * u(item_hash, 32)))) /
        100.0;
    std::string word = digit_words[static_cast<std::size_t>(label)];
    if (u(call_hash, 16) < 0.3) word[0] = static_cast<char>(word[0] - 'a' + 'A');  // "Seven"
    const std::string json = "{\"label\": \"" + word +
                             "\", \"confidence\": " + std::to_string(confidence).substr(0, 4) +
                             ", \"rationale\": \"The strokes look like a " + word + ".\"}";
    const double style = u(call_hash, 32);
    if (style < 0.55) return json;
    if (style < 0.75) return "```json\n" + json + "\n```";
    if (style < 0.88) return "Looking at the shape, I'd say:\n" + json + "\nHope this helps!";
    if (style < 0.91) return json.substr(0, json.size() / 2);  // truncated
    if (style < 0.94) return "{\"label\": \"" + word + "-ish\", \"confidence\": 0.5}";
    if (style < 0.97) return "{\"label\": \"" + word + "\", \"confidence\": \"very high\"}";
    if (style < 0.985) return "{\"label\": \"" + word + "\", \"confidence\": 95}";
    return "It is clearly a " + word + ".";
  }

 private:
  std::map<std::string, int> truth_;
  std::map<std::string, int> attempts_;
  std::mutex mutex_;
};

struct Figures {
  Eigen::Index items = 0, accepted = 0, accepted_right = 0, review = 0, failed = 0, calls = 0;
  double ece = 0.0;
  pl::AcceptanceReport acceptance;
};

// Scores a run against the truth; the review queue (and failures) are "reviewed" by a human who
// gives the true label.
Figures score(const pl::RunReport& report, const std::vector<int>& truth) {
  Figures f;
  f.items = static_cast<Eigen::Index>(report.items.size());
  f.review = report.needs_review;
  f.failed = report.failed;
  f.calls = report.calls;
  pl::AcceptanceTracker tracker(10);
  std::vector<pl::ReviewedItem> all;  // every answered item, for the out-of-sample ECE
  for (std::size_t i = 0; i < report.items.size(); ++i) {
    const auto& r = report.items[i];
    if (r.prelabel.has_label()) all.push_back({r.prelabel.label, r.prelabel.confidence, truth[i]});
    if (r.outcome == pl::Outcome::auto_accepted) {
      ++f.accepted;
      if (r.prelabel.label == truth[i]) ++f.accepted_right;
    } else {
      tracker.record(r.prelabel, truth[i]);
    }
  }
  tracker.add_auto_accepted(f.accepted);
  pl::EffortModel effort;  // relative: label from scratch 1, confirm 0.3, correct 1.1
  f.acceptance = tracker.report(effort);
  f.ece = pl::expected_calibration_error(all, 10);
  return f;
}

void print_row(const char* name, const Figures& f) {
  std::printf("%-26s %6ld %9.1f%% %10.2f%% %7ld %8ld %7ld %6ld %8.3f %9.1f%%\n", name,
              static_cast<long>(f.items),
              100.0 * static_cast<double>(f.accepted) / static_cast<double>(f.items),
              f.accepted == 0
                  ? 100.0
                  : 100.0 * static_cast<double>(f.accepted_right) / static_cast<double>(f.accepted),
              static_cast<long>(f.accepted - f.accepted_right), static_cast<long>(f.review),
              static_cast<long>(f.failed), static_cast<long>(f.calls), f.ece,
              100.0 * f.acceptance.effort_saved_fraction());
}

std::vector<pl::ReviewedItem> reviewed_from(const pl::RunReport& report,
                                            const std::vector<int>& truth) {
  std::vector<pl::ReviewedItem> out;
  for (std::size_t i = 0; i < report.items.size(); ++i) {
    const auto& p = report.items[i].prelabel;
    out.push_back({p.has_label() ? p.label : -1, p.has_label() ? p.confidence : 0.0, truth[i]});
  }
  return out;
}

}  // namespace

int main() {
  const auto start = std::chrono::steady_clock::now();
  const examples::Dataset digits = examples::load_digits();
  const Eigen::MatrixXd x = digits.features / 16.0;
  std::vector<Eigen::Index> order(static_cast<std::size_t>(x.rows()));
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  labelkit::Random random(7);
  random.shuffle(std::span<Eigen::Index>(order));
  const std::vector<Eigen::Index> train(order.begin(), order.begin() + 200);
  const std::vector<Eigen::Index> calibration(order.begin() + 200, order.begin() + 600);
  const std::vector<Eigen::Index> pool(order.begin() + 600, order.end());
  auto truth_of = [&](const std::vector<Eigen::Index>& ids) {
    std::vector<int> t;
    for (const Eigen::Index i : ids) t.push_back(digits.labels[static_cast<std::size_t>(i)]);
    return t;
  };
  const std::vector<int> calibration_truth = truth_of(calibration);
  const std::vector<int> pool_truth = truth_of(pool);
  constexpr double target = 0.98;
  std::printf(
      "digits: %ld images; %zu to train the model, %zu reviewed for calibration, %zu to "
      "pre-label\ntarget precision of auto-accepted labels: %.0f%%\n\n",
      static_cast<long>(x.rows()), train.size(), calibration.size(), pool.size(), 100.0 * target);

  pl::RunOptions options;
  options.batch_size = 64;
  options.max_retries = 2;
  options.concurrency = 2;

  // (a) Logistic regression through ModelPreLabeler.
  labelkit::models::LogisticRegression model(1.0);
  model.set_n_classes(10);
  const Eigen::MatrixXd x_train = labelkit::select_rows(x, train);
  model.fit(x_train, truth_of(train));
  const Eigen::MatrixXd p_calibration = model.predict_proba(labelkit::select_rows(x, calibration));
  const auto temperature = pl::fit_temperature_from_probabilities(p_calibration, calibration_truth);
  pl::ModelPreLabeler<labelkit::models::LogisticRegression, Eigen::MatrixXd> model_labeler(
      model, x, temperature.temperature);
  const auto model_reviewed = reviewed_from(
      pl::run_prelabeler(model_labeler, calibration, 10, pl::Router::review_all(), options),
      calibration_truth);
  const auto model_plan = pl::choose_class_thresholds(model_reviewed, 10, target, 10);
  const auto model_global = pl::choose_threshold(model_reviewed, target, 10);
  const pl::RunReport model_run =
      pl::run_prelabeler(model_labeler, pool, 10, model_plan.router, options);
  const Figures model_figures = score(model_run, pool_truth);

  // (b) The stand-in LLM through LlmPreLabeler, calibrated with isotonic regression.
  std::map<std::string, int> known;
  std::vector<std::string> calibration_texts, pool_texts;
  for (const Eigen::Index i : calibration)
    calibration_texts.push_back(ascii_art(digits.features, i));
  for (const Eigen::Index i : pool) pool_texts.push_back(ascii_art(digits.features, i));
  for (std::size_t k = 0; k < calibration.size(); ++k)
    known[calibration_texts[k]] = calibration_truth[k];
  for (std::size_t k = 0; k < pool.size(); ++k) known[pool_texts[k]] = pool_truth[k];
  CannedLlm llm(known);
  pl::PromptOptions prompt;
  prompt.task =
      "Which digit does this 8x8 image of a handwritten digit show? Darker characters "
      "are darker pixels (' ' blank ... '@' full).";
  pl::LlmPreLabeler llm_labeler(
      pl::LabelSet(digit_words), [&llm](const pl::Prompt& p) { return llm(p); }, prompt);
  const pl::RunReport llm_calibration_run =
      pl::run_prelabeler(llm_labeler, calibration_texts, 10, pl::Router::review_all(), options);
  const auto llm_reviewed = reviewed_from(llm_calibration_run, calibration_truth);
  const auto isotonic = pl::IsotonicCalibrator::fit(llm_reviewed);
  std::vector<pl::ReviewedItem> llm_reviewed_calibrated = llm_reviewed;
  for (auto& r : llm_reviewed_calibrated) {
    if (r.predicted >= 0) r.confidence = isotonic(r.confidence);
  }
  const auto llm_plan = pl::choose_threshold(llm_reviewed_calibrated, target, 10);
  const auto llm_raw_plan = pl::choose_threshold(llm_reviewed, target, 10);
  pl::CalibratedPreLabeler<std::string> calibrated_llm(llm_labeler, isotonic);
  const pl::Router llm_router =
      llm_plan.threshold ? pl::Router(*llm_plan.threshold) : pl::Router::review_all();
  std::size_t progress_calls = 0;
  options.progress = [&](const pl::RunProgress&) { ++progress_calls; };
  const pl::RunReport llm_run =
      pl::run_prelabeler(calibrated_llm, pool_texts, 10, llm_router, options);
  const Figures llm_figures = score(llm_run, pool_truth);
  pl::RunOptions raw_options = options;
  raw_options.progress = nullptr;
  const pl::RunReport llm_raw_run =
      pl::run_prelabeler(llm_labeler, pool_texts, 10, pl::Router(0.0), raw_options);
  const Figures llm_raw_figures = score(llm_raw_run, pool_truth);

  std::printf("logistic regression: temperature %.3f (NLL %.4f -> %.4f on the reviewed set)\n",
              temperature.temperature, temperature.nll_before, temperature.nll_after);
  std::printf("  per-class thresholds for %.0f%%:", 100.0 * target);
  for (int c = 0; c < 10; ++c) {
    const auto t = model_plan.router.threshold(c);
    t ? std::printf(" %.3f", *t) : std::printf(" -");
  }
  std::printf("\n  reviewed-set coverage: per-class %.1f%%, one global threshold %.1f%%\n",
              100.0 * model_plan.coverage(), 100.0 * model_global.coverage());
  std::printf(
      "stand-in LLM: threshold %s on isotonic-calibrated confidence (raw confidences: "
      "%s);\n  ECE on the reviewed set %.3f -> %.3f (in-sample; the pool's ECE is in the "
      "table)\n\n",
      llm_plan.threshold ? std::to_string(*llm_plan.threshold).substr(0, 5).c_str() : "none",
      llm_raw_plan.threshold ? std::to_string(*llm_raw_plan.threshold).substr(0, 5).c_str()
                             : "no threshold reaches the target",
      pl::expected_calibration_error(llm_reviewed, 10),
      pl::expected_calibration_error(llm_reviewed_calibrated, 10));

  std::printf("%-26s %6s %10s %11s %7s %8s %7s %6s %8s %10s\n", "pre-labeler (pool)", "items",
              "coverage", "precision", "wrong", "review", "failed", "calls", "ECE", "effort saved");
  print_row("logistic regression", model_figures);
  print_row("stand-in LLM (calibrated)", llm_figures);
  print_row("stand-in LLM, accept all", llm_raw_figures);
  std::printf(
      "\nLLM review queue: accept rate of shown pre-labels %.1f%%, %ld items with no "
      "usable answer\n",
      100.0 * llm_figures.acceptance.accept_rate(),
      static_cast<long>(llm_figures.acceptance.no_answer));
  std::printf("LLM failures, first reason: %s\n",
              [&]() -> std::string {
                for (const auto& r : llm_run.items) {
                  if (r.outcome == pl::Outcome::failed) return r.failure;
                }
                return "none";
              }()
                           .c_str());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%.1f s\n", seconds);

  // Every item comes out exactly once, and the calibrated routes beat accepting everything.
  bool ok = true;
  for (const pl::RunReport* r : {&model_run, &llm_run, &llm_raw_run}) {
    ok = ok &&
         r->auto_accepted + r->needs_review + r->failed == static_cast<Eigen::Index>(pool.size());
  }
  auto precision = [](const Figures& f) {
    return f.accepted == 0
               ? 1.0
               : static_cast<double>(f.accepted_right) / static_cast<double>(f.accepted);
  };
  ok =
      ok && precision(model_figures) >= 0.95 && precision(llm_figures) > precision(llm_raw_figures);
  ok = ok && progress_calls > 0;
  if (!ok) std::printf("CHECK FAILED\n");
  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
