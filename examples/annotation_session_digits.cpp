// A simulated annotation session on real handwritten digits (UCI, 1797 8x8 images, 10 classes).
//
// Three simulated annotators of different accuracy (95%, 85%, 65%) and speed work through a
// labelkit::annotation::TaskQueue with overlap 2 (every item is labeled by two of them) and 10%
// hidden gold items. Active learning drives the queue: after every batch of 20 completed items
// the answers are aggregated with one-coin Dawid-Skene (gold items clamped), a logistic regression
// is refit through labelkit::ActiveLearner, and the queue's priorities are updated in bulk with the
// model's predictive entropy, so annotators always get the items the model is least sure of.
//
// Prints: the learning curve (held-out accuracy against items labeled), agreement between the
// annotators (Krippendorff's alpha, percent agreement), each annotator's gold accuracy with a
// Wilson interval and throughput, Dawid-Skene vs majority-vote accuracy against the truth, and
// a Label Studio export / checkpoint round trip.

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <queue>
#include <sstream>
#include <string>
#include <vector>

#include "datasets.hpp"
#include "labelkit/agreement/krippendorff.hpp"
#include "labelkit/agreement/tables.hpp"
#include "labelkit/annotation/label_studio.hpp"
#include "labelkit/annotation/task_queue.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/learner/active_learner.hpp"
#include "labelkit/models/logistic_regression.hpp"
#include "labelkit/quality/dawid_skene.hpp"
#include "labelkit/quality/gold_standard.hpp"
#include "labelkit/quality/majority_vote.hpp"
#include "labelkit/query/uncertainty.hpp"
#include "labelkit/query/uncertainty_sampling.hpp"

namespace la = labelkit::annotation;
using namespace std::chrono_literals;

namespace {

struct SimulatedAnnotator {
  Eigen::Index id;
  double accuracy;      // probability of the true label; otherwise a uniformly wrong one
  double mean_seconds;  // mean time per task
};

/// Share of `labels` (for `items`) equal to the truth.
double accuracy_against(const std::vector<Eigen::Index>& items, const std::vector<int>& labels,
                        const std::function<int(Eigen::Index)>& truth) {
  if (items.empty()) return 0.0;
  std::size_t right = 0;
  for (std::size_t i = 0; i < items.size(); ++i) right += labels[i] == truth(items[i]);
  return static_cast<double>(right) / static_cast<double>(items.size());
}

double test_accuracy(const labelkit::models::LogisticRegression& model,
                     const examples::Dataset& test) {
  const Eigen::MatrixXd p = model.predict_proba(test.features);
  std::size_t right = 0;
  for (Eigen::Index i = 0; i < p.rows(); ++i) {
    Eigen::Index best = 0;
    p.row(i).maxCoeff(&best);
    right += static_cast<int>(best) == test.labels[static_cast<std::size_t>(i)];
  }
  return static_cast<double>(right) / static_cast<double>(p.rows());
}

}  // namespace

int main() {
  const auto data = examples::load_digits();
  const auto split = examples::train_test_split(data, 0.3, 7);
  const int n_classes = split.pool.n_classes;

  // The first 40 (shuffled) pool items become hidden gold; the rest is the active-learning pool.
  constexpr Eigen::Index n_gold = 40;
  constexpr Eigen::Index gold_offset = 100000;  // gold item ids: 100000 + pool row
  const Eigen::Index n_items = split.pool.features.rows() - n_gold;
  const Eigen::MatrixXd features = split.pool.features.bottomRows(n_items);
  const auto truth = [&](Eigen::Index item) {
    return item >= gold_offset ? split.pool.labels[static_cast<std::size_t>(item - gold_offset)]
                               : split.pool.labels[static_cast<std::size_t>(item + n_gold)];
  };

  la::ManualClock clock(1'764'316'800'000);  // 2025-11-28T08:00:00Z
  la::TaskQueue queue({.overlap = 2, .lease_timeout = 10min, .gold_rate = 0.1, .seed = 11}, clock);
  std::vector<std::string> digit_names;
  for (int k = 0; k < n_classes; ++k) digit_names.push_back(std::to_string(k));
  const la::LabelSet digit_set(digit_names, {.from_name = "digit", .to_name = "image"});
  const int digits = queue.add_label_set(digit_set);
  std::vector<Eigen::Index> items(static_cast<std::size_t>(n_items));
  for (Eigen::Index i = 0; i < n_items; ++i) items[static_cast<std::size_t>(i)] = i;
  queue.add_tasks(items, digits);  // priority 0 until there is a model
  std::vector<Eigen::Index> gold_items;
  std::vector<int> gold_answers;
  for (Eigen::Index g = 0; g < n_gold; ++g) {
    gold_items.push_back(gold_offset + g);
    gold_answers.push_back(truth(gold_offset + g));
  }
  queue.add_gold(gold_items, digits, gold_answers);

  const std::vector<SimulatedAnnotator> annotators{{1, 0.95, 9.0}, {2, 0.85, 6.0}, {3, 0.65, 4.0}};
  labelkit::Random random(2026);

  labelkit::models::LogisticRegression model(1.0);
  model.set_n_classes(n_classes);
  labelkit::ActiveLearner learner(model, features, labelkit::query::entropy_sampling, 7);

  // Event-driven simulation: each annotator takes a task when free and submits it after a
  // random duration; the clock only moves forward.
  struct Event {
    la::Millis time;
    std::size_t annotator;
    std::optional<la::Assignment> task;  // empty: the annotator is free
    bool operator>(const Event& other) const { return time > other.time; }
  };
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events;
  for (std::size_t a = 0; a < annotators.size(); ++a) events.push({clock(), a, std::nullopt});

  constexpr Eigen::Index batch = 20;
  constexpr Eigen::Index budget = 300;
  std::printf(
      "Annotation session: %lld digits, 3 annotators (accuracy 95%% / 85%% / 65%%), overlap 2, "
      "%lld hidden gold items at rate 10%%\n\n",
      static_cast<long long>(n_items), static_cast<long long>(n_gold));
  std::printf("Learning curve (one-coin Dawid-Skene labels, entropy priorities):\n");
  std::printf("  %8s  %10s  %14s  %14s\n", "labeled", "answers", "test accuracy", "label accuracy");

  std::vector<Eigen::Index> taught_items;
  std::vector<int> taught_labels;
  Eigen::Index completed = 0;
  while (completed < budget) {
    // 1. Priorities from the model: most uncertain first (bulk update, O(log n) per item).
    if (learner.fitted()) {
      const Eigen::VectorXd entropy =
          labelkit::query::entropy(learner.model().predict_proba(features));
      queue.update_priorities(items, entropy);
    }
    // 2. The annotators work until another batch of items has both its answers.
    const Eigen::Index target = std::min(budget, completed + batch);
    while (completed < target && !events.empty()) {
      Event event = events.top();
      events.pop();
      clock.set(std::max(clock(), event.time));
      const auto& who = annotators[event.annotator];
      if (!event.task) {
        auto task = queue.next(who.id);
        if (!task) continue;  // nothing left for this annotator
        const double seconds = who.mean_seconds * (0.5 + random.uniform01());
        events.push({clock() + static_cast<la::Millis>(seconds * 1000.0), event.annotator,
                     std::move(task)});
        continue;
      }
      const Eigen::Index item = event.task->item;
      int answer = truth(item);
      if (random.uniform01() >= who.accuracy) {
        answer =
            (answer + 1 +
             static_cast<int>(random.uniform_index(static_cast<std::uint64_t>(n_classes - 1)))) %
            n_classes;
      }
      queue.submit(who.id, item, answer);
      events.push({clock(), event.annotator, std::nullopt});
      completed = queue.progress().tasks.complete;
    }
    // 3. Aggregate every answer so far (gold clamped) and teach the learner the complete items.
    // queue.answer_set(): every answer (gold items' too), the gold labels and the label set.
    const labelkit::AnswerSet answers = queue.answer_set(digits);
    // One-coin Dawid-Skene: with 10 classes and two answers per item, a full confusion matrix
    // per annotator (90 free parameters) overfits; one accuracy per annotator does not.
    const auto ds = labelkit::quality::one_coin_dawid_skene(answers);
    std::vector<int> count(static_cast<std::size_t>(n_items), 0);
    for (const auto& a : queue.regular_annotations()) ++count[static_cast<std::size_t>(a.item)];
    taught_items.clear();
    taught_labels.clear();
    for (std::size_t r = 0; r < ds.items.size(); ++r) {
      const Eigen::Index item = ds.items[r];
      if (item < gold_offset && count[static_cast<std::size_t>(item)] == 2) {
        taught_items.push_back(item);
        taught_labels.push_back(ds.labels[r]);
      }
    }
    learner.teach(taught_items, taught_labels);
    std::printf("  %8zu  %10zu  %14.3f  %14.3f\n", taught_items.size(), answers.answers.size(),
                test_accuracy(learner.model(), split.test),
                accuracy_against(taught_items, taught_labels, truth));
  }

  // Agreement between the annotators on the regular items.
  const auto answers = queue.regular_annotations();
  const auto wide = labelkit::agreement::wide_ratings(answers);  // knows it is items x annotators
  const double alpha =
      labelkit::agreement::krippendorff_alpha(wide, labelkit::agreement::Level::nominal);
  const Eigen::MatrixXd& ratings = wide.items_by_annotators();
  std::size_t pairs = 0, agree = 0;
  for (Eigen::Index i = 0; i < ratings.rows(); ++i) {
    std::vector<double> row;
    for (Eigen::Index j = 0; j < ratings.cols(); ++j) {
      if (ratings(i, j) == ratings(i, j)) row.push_back(ratings(i, j));
    }
    if (row.size() == 2) {
      ++pairs;
      agree += row[0] == row[1];
    }
  }
  std::printf(
      "\nAgreement on %zu doubly-labeled items: Krippendorff's alpha (nominal) = %.3f, "
      "percent agreement = %.1f%%\n",
      pairs, alpha, 100.0 * static_cast<double>(agree) / static_cast<double>(pairs));

  // Gold accuracy per annotator (hidden gold items), with throughput from the queue.
  const auto gold = labelkit::quality::gold_standard(queue.gold_annotations(), queue.gold_labels(),
                                                     n_classes, {.min_gold = 5, .threshold = 0.75});
  const auto progress = queue.progress();
  std::printf(
      "\nAnnotators (true accuracy / gold accuracy [95%% Wilson] / tasks / mean time / "
      "throughput):\n");
  for (const auto& who : annotators) {
    const auto* score = &gold.annotators.front();
    for (const auto& s : gold.annotators) {
      if (s.annotator == who.id) score = &s;
    }
    const auto* figures = &progress.annotators.front();
    for (const auto& f : progress.annotators) {
      if (f.annotator == who.id) figures = &f;
    }
    std::printf(
        "  annotator %lld: %.2f / %.2f on %lld gold [%.2f, %.2f]%s / %lld tasks / %.1f s / %.0f "
        "per hour\n",
        static_cast<long long>(who.id), who.accuracy, score->accuracy,
        static_cast<long long>(score->n_gold), score->interval.lower, score->interval.upper,
        score->flagged ? " FLAGGED" : "", static_cast<long long>(figures->submitted),
        figures->mean_duration_ms() / 1000.0, figures->throughput_per_hour());
  }

  // Aggregation against the truth, on the items with both answers.
  std::vector<labelkit::Annotation> complete_answers;
  {
    std::vector<int> count(static_cast<std::size_t>(n_items), 0);
    for (const auto& a : answers) ++count[static_cast<std::size_t>(a.item)];
    for (const auto& a : answers) {
      if (count[static_cast<std::size_t>(a.item)] == 2) complete_answers.push_back(a);
    }
  }
  const auto mv = labelkit::quality::majority_vote(complete_answers, n_classes);
  std::vector<labelkit::Annotation> with_gold = complete_answers;
  const auto gold_answered = queue.gold_annotations();
  with_gold.insert(with_gold.end(), gold_answered.begin(), gold_answered.end());
  const auto regular_accuracy = [&](const labelkit::quality::DawidSkeneResult& result) {
    std::vector<Eigen::Index> kept_items;
    std::vector<int> kept_labels;
    for (std::size_t r = 0; r < result.items.size(); ++r) {
      if (result.items[r] < gold_offset) {  // the gold items are clamped: leave them out
        kept_items.push_back(result.items[r]);
        kept_labels.push_back(result.labels[r]);
      }
    }
    return accuracy_against(kept_items, kept_labels, truth);
  };
  const labelkit::quality::DawidSkeneOptions with_gold_labels{.gold = queue.gold_labels()};
  const auto ds = labelkit::quality::dawid_skene(with_gold, n_classes, with_gold_labels);
  const auto one_coin =
      labelkit::quality::one_coin_dawid_skene(with_gold, n_classes, with_gold_labels);
  std::printf(
      "\nAggregated labels vs truth on %zu items: majority vote %.3f, Dawid-Skene %.3f, "
      "one-coin Dawid-Skene %.3f (both with the gold answers clamped)\n",
      mv.items.size(), accuracy_against(mv.items, mv.labels, truth), regular_accuracy(ds),
      regular_accuracy(one_coin));

  // Hand-off: pre-labels for the items still open, exported to Label Studio as predictions,
  // and a checkpoint of the whole queue.
  const Eigen::MatrixXd p = learner.model().predict_proba(features);
  const auto set = queue.export_tasks();
  for (const auto& task : set.tasks) {
    if (task.gold || !task.annotations.empty()) continue;
    Eigen::Index best = 0;
    const double score = p.row(task.item).maxCoeff(&best);
    queue.add_prediction(task.item, {"logreg-al", score, {static_cast<int>(best)}});
  }
  std::ostringstream label_studio;
  la::write_label_studio(label_studio, queue.export_tasks());
  std::istringstream back_in(label_studio.str());
  std::ostringstream again;
  la::write_label_studio(again, la::read_label_studio(back_in, digit_set));
  const std::string checkpoint = queue.checkpoint();
  std::printf(
      "\nLabel Studio export: %lld tasks, %zu bytes (re-import and export byte-identical: %s); "
      "checkpoint %zu bytes\n",
      static_cast<long long>(queue.size()), label_studio.str().size(),
      again.str() == label_studio.str() ? "yes" : "NO", checkpoint.size());
  std::printf("Queue: %lld complete, %lld in progress, %lld pending, %lld answers (%lld on gold)\n",
              static_cast<long long>(progress.tasks.complete),
              static_cast<long long>(progress.tasks.in_progress),
              static_cast<long long>(progress.tasks.pending),
              static_cast<long long>(progress.tasks.accepted),
              static_cast<long long>(gold_answered.size()));
  return again.str() == label_studio.str() ? 0 : 1;
}
