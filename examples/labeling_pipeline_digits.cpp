// The whole labeling pipeline on the UCI handwritten digits (1797 8x8 images, 10 classes):
//
//   raw pool -> pre-labels routed by confidence -> human review in the task queue (overlap 2,
//   hidden gold, annotators working from several threads) -> agreement and Dawid–Skene with
//   gold -> active learning picks the next batch -> retrain -> export.
//
// The data is split (seed 7) into a held-out test set of 299 images (for the model's accuracy)
// and a pool of 1498: an expert has labeled 160 of them (60 to train the pre-labeler, 100 that
// calibrate the auto-accept threshold and then serve as hidden gold items); the other 1338 are
// unlabeled.
//
// The outside world is simulated in the first part of this file: a stand-in LLM behind the real
// PreLabeler interface (a logistic regression that answers in JSON, overconfident, and sometimes
// malformed, off the label set, or timing out), and six annotators of unequal skill, one of them
// a spammer. The pipeline itself is the part between the two "pipeline" markers in main().
//
// Which annotator answers which item depends on thread scheduling, so figures can differ in the
// last digit between runs; everything else is seeded.
//
// Prints a line per active-learning round, the annotators' gold scores, and ends with
//   pipeline: items=N auto_accepted=N reviewed=N gold=N exported=N label_accuracy=X
//   model_accuracy=X
// Exits non-zero if the exported labels are less accurate than majority vote on the same answers.

#include <unistd.h>
#include <Eigen/Core>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "datasets.hpp"
#include "labelkit/agreement.hpp"
#include "labelkit/annotation.hpp"
#include "labelkit/learner/active_learner.hpp"
#include "labelkit/models/logistic_regression.hpp"
#include "labelkit/pipeline.hpp"
#include "labelkit/prelabel.hpp"
#include "labelkit/quality.hpp"
#include "labelkit/query/uncertainty_sampling.hpp"

namespace {

using labelkit::Index;

// A deterministic uniform number in [0, 1) for a pair of integers (the simulation's dice).
double dice(std::uint64_t a, std::uint64_t b) {
  std::uint64_t x = a * 0x9E3779B97F4A7C15ULL ^ (b + 0x632BE59BD9B4E019ULL);
  x ^= x >> 31;
  x *= 0xBF58476D1CE4E5B9ULL;
  x ^= x >> 29;
  return static_cast<double>(x >> 11) * 0x1.0p-53;
}

// A stand-in LLM: a logistic regression that replies in JSON like a chat model. It is
// overconfident (probabilities sharpened), a batch sometimes times out (an exception), and about
// one reply in 25 is truncated JSON or names a class that does not exist. Replies go through the
// library's real reply parser, as an LLM's would.
class StandInLlm final : public labelkit::prelabel::PreLabeler<Index> {
 public:
  StandInLlm(const Eigen::MatrixXd& features, std::span<const Index> train,
             std::span<const int> labels, const labelkit::LabelSet& classes)
      : features_(features), classes_(classes) {
    Eigen::MatrixXd x(static_cast<Index>(train.size()), features.cols());
    for (std::size_t r = 0; r < train.size(); ++r)
      x.row(static_cast<Index>(r)) = features.row(train[r]);
    model_.fit(x, std::vector<int>(labels.begin(), labels.end()));
  }

  std::vector<labelkit::prelabel::PreLabel> label_batch(std::span<const Index> items) override {
    if (dice(items.front(), calls_++) < 0.03) throw std::runtime_error("HTTP 504: gateway timeout");
    Eigen::MatrixXd x(static_cast<Index>(items.size()), features_.cols());
    for (std::size_t r = 0; r < items.size(); ++r)
      x.row(static_cast<Index>(r)) = features_.row(items[r]);
    const Eigen::MatrixXd p = model_.predict_proba(x);
    std::vector<labelkit::prelabel::PreLabel> out;
    for (std::size_t r = 0; r < items.size(); ++r) {
      Index best = 0;
      const double top = p.row(static_cast<Index>(r)).maxCoeff(&best);
      const double confidence = std::min(0.999, std::sqrt(top));
      std::string reply = "{\"label\": \"" + classes_.name(static_cast<int>(best)) +
                          "\", \"confidence\": " + std::to_string(confidence) + "}";
      const double u = dice(items[r], 17);
      if (u < 0.02) reply = reply.substr(0, reply.size() / 2);  // truncated
      if (u >= 0.02 && u < 0.04)
        reply = R"({"label": "eleven", "confidence": 0.9})";  // off the set
      auto parsed = labelkit::prelabel::parse_reply(reply, classes_);
      labelkit::prelabel::PreLabel p_label;
      p_label.failure = parsed.message;
      out.push_back(parsed.ok() ? *parsed.prelabel : p_label);
    }
    return out;
  }

 private:
  const Eigen::MatrixXd& features_;
  labelkit::LabelSet classes_;
  labelkit::models::LogisticRegression model_{0.05};
  std::uint64_t calls_ = 0;
};

// An annotator of accuracy `skill`: the true label with that probability, else another one.
int annotate(Index annotator, Index item, int truth, double skill) {
  if (dice(static_cast<std::uint64_t>(item), static_cast<std::uint64_t>(annotator)) < skill)
    return truth;
  return (truth + 1 + static_cast<int>(dice(item, annotator + 100) * 9)) % 10;
}

// Share of `labels` (from `source`, or all) equal to the truth.
double accuracy(const labelkit::pipeline::FinalLabels& labels, const std::vector<int>& truth,
                std::optional<labelkit::pipeline::LabelSource> source = std::nullopt) {
  Index right = 0, n = 0;
  for (const auto& f : labels.items) {
    if (source && f.source != *source) continue;
    ++n;
    right += f.label == truth[static_cast<std::size_t>(f.item)];
  }
  return n == 0 ? 1.0 : static_cast<double>(right) / static_cast<double>(n);
}

}  // namespace

int main() {
  // Items 0-59 carry known labels that train the pre-labeler; items 60-159 carry known labels
  // that calibrate the threshold and then serve as hidden gold; the rest of the pool is
  // unlabeled. The test split measures the model.
  const auto split = examples::train_test_split(examples::load_digits(), 1.0 / 6.0, 7);
  const auto& truth = split.pool.labels;  // known to the simulation only
  const labelkit::LabelSet digits(
      {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"},
      {.from_name = "digit", .to_name = "image"});
  std::vector<Index> seed(60), gold(100),
      pool(static_cast<std::size_t>(split.pool.features.rows() - 160));
  std::iota(seed.begin(), seed.end(), Index{0});
  std::iota(gold.begin(), gold.end(), Index{60});
  std::iota(pool.begin(), pool.end(), Index{160});
  std::vector<int> seed_labels, gold_labels;
  for (Index i : seed) seed_labels.push_back(truth[static_cast<std::size_t>(i)]);
  for (Index i : gold) gold_labels.push_back(truth[static_cast<std::size_t>(i)]);
  std::vector<labelkit::pipeline::FinalLabel> expert;  // the expert's seed labels, as final labels
  for (std::size_t i = 0; i < seed.size(); ++i) expert.push_back({seed[i], seed_labels[i]});
  const std::vector<double> skill{0.95, 0.92, 0.88, 0.80, 0.70, 0.35};
  const int batch = 120;
  const bool tty = isatty(fileno(stderr)) != 0;
  const auto model_accuracy = [&](const auto& model) {
    const auto predicted = model.predict(split.test.features);
    Index right = 0;
    for (std::size_t i = 0; i < predicted.size(); ++i)
      right += predicted[i] == split.test.labels[i];
    return static_cast<double>(right) / static_cast<double>(predicted.size());
  };

  // ---- pipeline ---------------------------------------------------------------------------
  // Pre-label; auto-accept above the threshold that reaches 98% precision on the reviewed items.
  StandInLlm llm(split.pool.features, seed, seed_labels, digits);
  const auto reviewed = labelkit::prelabel::reviewed_items(
      labelkit::prelabel::run_prelabeler(llm, gold, digits, {}), gold_labels);
  const auto choice = labelkit::prelabel::choose_threshold(reviewed, 0.98, 20);
  const labelkit::prelabel::Router router(choice.threshold.value_or(1.0));
  const auto report = labelkit::prelabel::run_prelabeler(llm, pool, digits, router);

  // Review: the uncertain and failed items become tasks, the expert's 100 items hidden gold.
  labelkit::annotation::TaskQueue queue({.overlap = 2, .gold_rate = 0.1, .seed = 3});
  const int set = queue.add_label_set(digits);
  const auto routed = labelkit::pipeline::add_prelabel_run(
      queue, set, pool, report,
      {.model_version = "stand-in-llm", .review_priority = 0.0, .failed_priority = 0.0});
  queue.add_gold(gold, set, gold_labels);

  // The learner starts from the expert's labels and the auto-accepted pre-labels.
  labelkit::ActiveLearner learner(labelkit::models::LogisticRegression(1.0, {.n_classes = 10}),
                                  split.pool.features, labelkit::query::entropy_sampling, 5);
  learner.teach(seed, seed_labels, labelkit::Refit::no);
  learner.teach(gold, gold_labels, labelkit::Refit::no);
  learner.teach(labelkit::pipeline::item_ids(routed.auto_accepted),
                labelkit::pipeline::class_labels(routed.auto_accepted));

  labelkit::quality::DawidSkeneResult crowd;
  for (int round = 1; !queue.finished(); ++round) {
    // The learner picks the next batch (entropy); its scores become the queue's priorities.
    if (learner.candidates().size() > 0) {
      const auto picked =
          learner.dispatch(std::min<Index>(batch, learner.pool().unlabeled_count()));
      queue.update_priorities(picked.items, picked.scores);
    }
    // Six annotators work from six threads, each through a shift of 2 * batch / 6 answers.
    std::vector<std::thread> team;
    for (Index a = 0; a < static_cast<Index>(skill.size()); ++a) {
      team.emplace_back([&, a] {
        for (int shift = 2 * batch / 6, idle = 0;
             shift > 0 && idle < 100000 && !queue.finished();) {
          const auto task = queue.next(a);
          if (!task) {
            ++idle;
            std::this_thread::yield();
            continue;
          }
          --shift;
          const int label = annotate(a, task->item, truth[static_cast<std::size_t>(task->item)],
                                     skill[static_cast<std::size_t>(a)]);
          (void)queue.submit(a, task->item, label);
        }
      });
    }
    for (auto& t : team) t.join();

    // Aggregate with gold clamped (one accuracy per annotator), teach the learner, retrain.
    const auto answers = queue.answer_set(set);
    crowd = labelkit::quality::one_coin_dawid_skene(answers);
    learner.teach(crowd.items, crowd.labels);
    std::printf("round %d: answers=%zu items_answered=%zu alpha=%.3f model_accuracy=%.3f\n", round,
                answers.answers.size(), crowd.items.size(),
                labelkit::agreement::krippendorff_alpha(answers.regular_answers()),
                model_accuracy(learner.model()));
    if (tty) {
      std::fprintf(stderr, "\rqueue: %lld of %lld review tasks complete",
                   static_cast<long long>(queue.progress().tasks.complete),
                   static_cast<long long>(queue.progress().tasks.regular));
    }
  }
  if (tty) std::fprintf(stderr, "\n");

  // Final labels: gold, the expert's, the aggregate, then the auto-accepted pre-labels; export.
  const auto answers = queue.answer_set(set);
  const auto final_labels = labelkit::pipeline::final_labels(
      digits, labelkit::pipeline::LabelParts<labelkit::quality::DawidSkeneResult>{
                  .gold = answers.gold,
                  .adjudicated = expert,
                  .aggregated = &crowd,
                  .auto_accepted = routed.auto_accepted});
  std::ofstream out("labeling_pipeline_labels.jsonl");
  labelkit::pipeline::write_jsonl(out, final_labels);
  const auto gold_scores = labelkit::quality::gold_standard(answers);
  // ---- end pipeline -----------------------------------------------------------------------

  for (const auto& a : gold_scores.annotators) {
    std::printf("annotator %lld: skill=%.2f gold accuracy=%.2f on %lld gold answers%s\n",
                static_cast<long long>(a.annotator), skill[static_cast<std::size_t>(a.annotator)],
                a.accuracy, static_cast<long long>(a.n_gold), a.flagged ? "  FLAGGED" : "");
  }
  const auto mv = labelkit::quality::majority_vote(answers);
  const auto mv_labels = labelkit::pipeline::final_labels(
      digits, labelkit::pipeline::LabelParts<labelkit::quality::MajorityVoteResult>{
                  .gold = answers.gold,
                  .adjudicated = expert,
                  .aggregated = &mv,
                  .auto_accepted = routed.auto_accepted});
  const double label_accuracy = accuracy(final_labels, truth);
  const double mv_accuracy = accuracy(mv_labels, truth);
  std::printf("auto-accept threshold %.3f (precision %.3f on the %lld reviewed items)\n",
              choice.threshold.value_or(1.0), choice.precision(),
              static_cast<long long>(choice.considered));
  std::printf("pre-labeling: auto_accepted=%zu review=%zu failed=%zu calls=%lld\n",
              routed.auto_accepted.size(), routed.review.size(), routed.failed.size(),
              static_cast<long long>(report.calls));
  using Source = labelkit::pipeline::LabelSource;
  std::printf("accuracy by source: auto_accepted %.3f, reviewed %.3f (majority vote: %.3f)\n",
              accuracy(final_labels, truth, Source::auto_accepted),
              accuracy(final_labels, truth, Source::aggregated),
              accuracy(mv_labels, truth, Source::aggregated));
  std::printf("label accuracy: one-coin dawid_skene with gold %.3f, majority vote %.3f\n",
              label_accuracy, mv_accuracy);
  std::printf("wrote labeling_pipeline_labels.jsonl (%zu labels)\n", final_labels.items.size());
  std::printf(
      "pipeline: items=%zu auto_accepted=%lld reviewed=%lld gold=%lld exported=%zu "
      "label_accuracy=%.3f model_accuracy=%.3f\n",
      final_labels.items.size(),
      static_cast<long long>(count(final_labels, labelkit::pipeline::LabelSource::auto_accepted)),
      static_cast<long long>(count(final_labels, labelkit::pipeline::LabelSource::aggregated)),
      static_cast<long long>(count(final_labels, labelkit::pipeline::LabelSource::gold)),
      final_labels.items.size(), label_accuracy, model_accuracy(learner.model()));
  return label_accuracy < mv_accuracy ? 1 : 0;
}
