// The labeling pipeline end to end on a small pool: pre-labels routed into the queue, concurrent
// annotators with hidden gold, aggregation with gold clamping, the learner's picks as queue
// priorities, final labels and their export. Asserts the pipeline's invariants.

#include <doctest/doctest.h>

#include <Eigen/Core>
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "labelkit/annotation.hpp"
#include "labelkit/pipeline.hpp"
#include "labelkit/prelabel.hpp"
#include "labelkit/quality.hpp"

namespace la = labelkit::annotation;
namespace lp = labelkit::pipeline;
namespace pl = labelkit::prelabel;
using labelkit::Index;

namespace {

const labelkit::LabelSet three({"cat", "dog", "bird"}, {.from_name = "animal", .to_name = "image"});

int truth_of(Index item) { return static_cast<int>((item * 7 + 3) % 3); }

// A pre-labeler keyed by item id: sure of items divisible by 3, unsure of the others, failing on
// items ending in 7 and throwing once for the batch holding item 40.
class KeyedPreLabeler final : public pl::PreLabeler<Index> {
 public:
  std::vector<pl::PreLabel> label_batch(std::span<const Index> items) override {
    if (!thrown_ && std::find(items.begin(), items.end(), Index{40}) != items.end()) {
      thrown_ = true;
      throw std::runtime_error("timeout");
    }
    std::vector<pl::PreLabel> out;
    for (const Index i : items) {
      pl::PreLabel p;
      if (i % 10 == 7) {
        p.failure = "unparseable reply";
      } else {
        p.label = truth_of(i);
        p.confidence = i % 3 == 0 ? 0.99 : 0.6;
      }
      out.push_back(p);
    }
    return out;
  }

 private:
  bool thrown_ = false;
};

}  // namespace

TEST_CASE("pipeline: a pre-labeling run becomes queue tasks keyed by item id") {
  // Ids are not positions: the pool is 100, 103, 106, ... in a shuffled order.
  std::vector<Index> ids;
  for (Index k = 0; k < 30; ++k) ids.push_back(100 + 3 * ((k * 7) % 30));
  KeyedPreLabeler labeler;
  const auto report = pl::run_prelabeler(labeler, std::span<const Index>(ids), three,
                                         pl::Router(0.95), {.batch_size = 4});
  la::TaskQueue queue;
  const int set = queue.add_label_set(three);
  const auto run = lp::add_prelabel_run(queue, set, ids, report, {.model_version = "m1"});
  CHECK(run.auto_accepted.size() + run.review.size() + run.failed.size() == ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const auto& result = report.items[i];
    const Index id = ids[i];
    if (result.outcome == pl::Outcome::auto_accepted) {
      const auto it = std::find_if(run.auto_accepted.begin(), run.auto_accepted.end(),
                                   [&](const lp::FinalLabel& f) { return f.item == id; });
      REQUIRE(it != run.auto_accepted.end());
      CHECK(it->label == result.prelabel.label);
      CHECK(it->source == lp::LabelSource::auto_accepted);
      CHECK(it->confidence == result.prelabel.confidence);
    }
  }
  CHECK(std::is_sorted(run.review.begin(), run.review.end()));
  // Every queued task carries its own item's prediction (the label of that id, not a neighbour's).
  const auto tasks = queue.export_tasks();
  CHECK(tasks.tasks.size() == run.review.size() + run.failed.size());
  for (const auto& task : tasks.tasks) {
    const bool failed = std::binary_search(run.failed.begin(), run.failed.end(), task.item);
    if (failed) {
      CHECK(task.predictions.empty());
      CHECK(task.priority == 2.0);
    } else {
      REQUIRE(task.predictions.size() == 1);
      CHECK(task.predictions[0].labels == std::vector<int>{truth_of(task.item)});
      CHECK(task.predictions[0].model_version == "m1");
      CHECK(task.priority == doctest::Approx(1.0 - task.predictions[0].score));
    }
  }
  // A repeated id or a report of another size is refused before the queue changes.
  la::TaskQueue other;
  (void)other.add_label_set(three);
  std::vector<Index> repeated = ids;
  repeated[1] = repeated[0];
  CHECK_THROWS_AS((void)lp::add_prelabel_run(other, 0, repeated, report),
                  labelkit::invalid_argument);
  CHECK_THROWS_AS(
      (void)lp::add_prelabel_run(other, 0, std::span<const Index>(ids).first(3), report),
      labelkit::dimension_mismatch);
  CHECK(other.size() == 0);
}

TEST_CASE("pipeline: gold from the queue is clamped by every aggregator") {
  // Item 50 is gold with label 2 ("bird"); both annotators who see it answer 0. Without gold the
  // aggregate says 0; with the queue's answer set it must say 2.
  la::TaskQueue queue({.overlap = 2, .gold_rate = 1.0, .seed = 1});
  const int set = queue.add_label_set(three);
  const std::vector<Index> items{1, 2, 3, 4};
  queue.add_tasks(items, set);
  queue.add_gold(std::vector<Index>{50}, set, std::vector<int>{2});
  for (const Index annotator : {10, 11, 12}) {
    while (auto task = queue.next(annotator)) {
      const int label = task->item == 50 ? 0 : truth_of(task->item);
      CHECK(queue.submit(annotator, task->item, label) == la::SubmitStatus::accepted);
    }
  }
  const auto answers = queue.answer_set(set);
  REQUIRE(answers.gold == std::vector<labelkit::GoldLabel>{{50, 2}});
  CHECK(answers.gold_answers().size() >= 2);
  CHECK(answers.labels == three);
  CHECK(answers.durations.size() == answers.answers.size());

  // The hand-off that used to clamp nothing: gold answers were missing from the records.
  const auto without =
      labelkit::quality::dawid_skene(queue.regular_annotations(), 3, {.gold = queue.gold_labels()});
  CHECK_FALSE(without.label_of(50).has_value());
  // The queue's records now include gold items, so the README's hand-off clamps too.
  const auto handoff =
      labelkit::quality::dawid_skene(queue.annotations(), 3, {.gold = queue.gold_labels()});
  CHECK(handoff.label_of(50) == 2);
  // Unclamped, the crowd's answers say 0.
  CHECK(labelkit::quality::majority_vote(answers.answers, 3).label_of(50) == 0);
  CHECK(labelkit::quality::dawid_skene(answers.answers, 3).label_of(50) == 0);

  CHECK(labelkit::quality::majority_vote(answers).label_of(50) == 2);
  CHECK(labelkit::quality::wawa(answers).label_of(50) == 2);
  CHECK(labelkit::quality::dawid_skene(answers).label_of(50) == 2);
  CHECK(labelkit::quality::one_coin_dawid_skene(answers).label_of(50) == 2);
  CHECK(labelkit::quality::glad(answers).label_of(50) == 2);
  CHECK(labelkit::quality::mace(answers).label_of(50) == 2);
  const auto gold = labelkit::quality::gold_standard(answers);
  CHECK(gold.n_gold_items == 1);
  CHECK(gold.n_correct == 0);
  CHECK(gold.n_gold == static_cast<Index>(answers.gold_answers().size()));
}

TEST_CASE("pipeline: concurrent annotators lose no answer, every item ends labeled once") {
  constexpr Index n_items = 120;
  std::vector<Index> ids(static_cast<std::size_t>(n_items));
  for (Index i = 0; i < n_items; ++i) ids[static_cast<std::size_t>(i)] = 1000 + 2 * i;
  KeyedPreLabeler labeler;
  const auto report = pl::run_prelabeler(labeler, std::span<const Index>(ids), three,
                                         pl::Router(0.95), {.batch_size = 8, .concurrency = 1});
  la::TaskQueue queue({.overlap = 2, .gold_rate = 0.1, .seed = 9});
  const int set = queue.add_label_set(three);
  const auto run = lp::add_prelabel_run(queue, set, ids, report);
  const std::vector<Index> gold_items{1, 3, 5, 7};
  std::vector<int> gold_labels;
  for (const Index g : gold_items) gold_labels.push_back(truth_of(g));
  queue.add_gold(gold_items, set, gold_labels);

  // Six annotators on six threads; each acknowledged answer is recorded on the side.
  std::mutex mutex;
  std::vector<labelkit::Annotation> acknowledged;
  std::vector<std::thread> team;
  for (Index a = 0; a < 6; ++a) {
    team.emplace_back([&, a] {
      for (int idle = 0; idle < 200000 && !queue.finished();) {
        const auto task = queue.next(a);
        if (!task) {
          ++idle;
          std::this_thread::yield();
          continue;
        }
        const int label = (a == 5) ? static_cast<int>(task->item % 3) : truth_of(task->item);
        if (queue.submit(a, task->item, label) == la::SubmitStatus::accepted) {
          std::lock_guard lock(mutex);
          acknowledged.push_back({task->item, a, label});
        }
      }
    });
  }
  for (auto& t : team) t.join();
  REQUIRE(queue.finished());

  const auto answers = queue.answer_set(set);
  auto held = answers.answers;
  const auto key = [](const labelkit::Annotation& x) {
    return std::tuple(x.item, x.annotator, x.label);
  };
  const auto by_key = [&](const labelkit::Annotation& x, const labelkit::Annotation& y) {
    return key(x) < key(y);
  };
  std::sort(held.begin(), held.end(), by_key);
  std::sort(acknowledged.begin(), acknowledged.end(), by_key);
  CHECK(held == acknowledged);  // nothing lost, nothing invented
  std::set<std::pair<Index, Index>> pairs;
  for (const auto& a : held) CHECK(pairs.emplace(a.item, a.annotator).second);

  const auto ds = labelkit::quality::dawid_skene(answers);
  const auto labels = lp::final_labels(
      three, lp::LabelParts<labelkit::quality::DawidSkeneResult>{
                 .gold = answers.gold, .aggregated = &ds, .auto_accepted = run.auto_accepted});
  // Every pool item and every gold item exactly once, ascending, each with its source.
  std::vector<Index> expected = ids;
  expected.insert(expected.end(), gold_items.begin(), gold_items.end());
  std::sort(expected.begin(), expected.end());
  std::vector<Index> got;
  for (const auto& f : labels.items) got.push_back(f.item);
  CHECK(got == expected);
  std::map<lp::LabelSource, Index> by_source;
  for (const auto& f : labels.items) {
    ++by_source[f.source];
    const bool gold = std::binary_search(gold_items.begin(), gold_items.end(), f.item);
    const bool queued = std::binary_search(run.review.begin(), run.review.end(), f.item) ||
                        std::binary_search(run.failed.begin(), run.failed.end(), f.item);
    if (gold) {
      CHECK(f.source == lp::LabelSource::gold);
    } else if (queued) {
      CHECK(f.source == lp::LabelSource::aggregated);
    } else {
      CHECK(f.source == lp::LabelSource::auto_accepted);
    }
    CHECK(f.confidence >= 0.0);
    CHECK(f.confidence <= 1.0);
  }
  CHECK(by_source[lp::LabelSource::gold] == 4);
  CHECK(by_source[lp::LabelSource::auto_accepted] == static_cast<Index>(run.auto_accepted.size()));
  CHECK(by_source[lp::LabelSource::aggregated] ==
        static_cast<Index>(run.review.size() + run.failed.size()));
  // The export reads back equal to the final labels, in both formats.
  std::stringstream jsonl, csv;
  lp::write_jsonl(jsonl, labels);
  lp::write_csv(csv, labels);
  CHECK(lp::read_jsonl(jsonl, three) == labels);
  CHECK(lp::read_csv(csv, three) == labels);
  // Five honest annotators outvote the spammer: every aggregated label is the truth.
  for (const auto& f : labels.items) CHECK(f.label == truth_of(f.item));
}

TEST_CASE("pipeline: final labels refuse an item listed twice in one part") {
  const std::vector<lp::FinalLabel> twice{{4, 1, lp::LabelSource::auto_accepted, 0.9},
                                          {4, 2, lp::LabelSource::auto_accepted, 0.9}};
  CHECK_THROWS_AS(
      (void)lp::final_labels(
          three, lp::LabelParts<labelkit::quality::Aggregation>{.auto_accepted = twice}),
      labelkit::invalid_argument);
  const std::vector<lp::FinalLabel> bad{{4, 3, lp::LabelSource::auto_accepted, 0.9}};
  CHECK_THROWS_AS((void)lp::final_labels(
                      three, lp::LabelParts<labelkit::quality::Aggregation>{.auto_accepted = bad}),
                  labelkit::invalid_argument);
  // A gold label wins over an adjudication, which wins over an auto-accepted pre-label.
  const std::vector<labelkit::GoldLabel> gold{{4, 0}};
  const std::vector<lp::FinalLabel> decided{{4, 1}, {5, 1}};
  const std::vector<lp::FinalLabel> accepted{{5, 2, lp::LabelSource::auto_accepted, 0.97},
                                             {6, 2, lp::LabelSource::auto_accepted, 0.97}};
  const auto out =
      lp::final_labels(three, lp::LabelParts<labelkit::quality::Aggregation>{
                                  .gold = gold, .adjudicated = decided, .auto_accepted = accepted});
  CHECK(out.items == std::vector<lp::FinalLabel>{{4, 0, lp::LabelSource::gold, 1.0},
                                                 {5, 1, lp::LabelSource::adjudicated, 1.0},
                                                 {6, 2, lp::LabelSource::auto_accepted, 0.97}});
}
