// Aggregating a real crowd: 39 workers labelled 108 bird images (Indigo Bunting vs Blue
// Grosbeak; Welinder et al. 2010). Compares majority vote with the model-based aggregators
// against the expert truth, then shows what the annotator report says about the workers.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "datasets.hpp"
#include "labelkit/quality/dawid_skene.hpp"
#include "labelkit/quality/glad.hpp"
#include "labelkit/quality/mace.hpp"
#include "labelkit/quality/majority_vote.hpp"
#include "labelkit/quality/report.hpp"
#include "labelkit/quality/wawa.hpp"

namespace q = labelkit::quality;

int main() {
  const examples::Crowd crowd = examples::load_bluebirds();
  std::vector<int> truth;
  for (const auto& [item, label] : crowd.truth) truth.push_back(label);
  const auto wrong = [&](const std::vector<int>& labels) {
    int n = 0;
    for (std::size_t i = 0; i < truth.size(); ++i) n += labels[i] != truth[i] ? 1 : 0;
    return n;
  };

  std::printf("bluebirds: %zu answers, 39 workers, %zu images, 2 classes\n\n",
              crowd.annotations.size(), truth.size());
  std::printf("%-22s %6s %9s\n", "aggregator", "wrong", "accuracy");
  const auto row = [&](const char* name, const std::vector<int>& labels) {
    const int w = wrong(labels);
    std::printf("%-22s %6d %8.1f%%\n", name, w,
                100.0 * static_cast<double>(static_cast<int>(truth.size()) - w) /
                    static_cast<double>(truth.size()));
  };
  const auto mv = q::majority_vote(crowd.annotations, 2);
  // Progress on stderr (stdout stays the table): one line rewritten in place per EM iteration.
  q::DawidSkeneOptions ds_options;
  ds_options.progress = [](const q::EmProgress& p) {
    std::fprintf(stderr, "\rDawid-Skene: iteration %d, log-likelihood %.1f  ", p.iteration,
                 p.objective);  // trailing blanks clear a longer previous line
  };
  const auto ds = q::dawid_skene(crowd.annotations, 2, ds_options);
  std::fputc('\n', stderr);
  row("majority vote", mv.labels);
  row("Wawa", q::wawa(crowd.annotations, 2).labels);
  row("Dawid-Skene", ds.labels);
  row("one-coin Dawid-Skene", q::one_coin_dawid_skene(crowd.annotations, 2).labels);
  row("GLAD", q::glad(crowd.annotations, 2).labels);
  row("MACE", q::mace(crowd.annotations, 2).labels);
  std::printf("(Dawid-Skene: %d EM iterations, converged: %s)\n\n", ds.iterations,
              ds.converged ? "yes" : "no");

  // The workers Dawid-Skene trusts least: lowest mean diagonal of the confusion matrix.
  std::vector<std::size_t> order(ds.annotators.size());
  for (std::size_t j = 0; j < order.size(); ++j) order[j] = j;
  const auto balanced = [&](std::size_t j) { return ds.confusion[j].diagonal().mean(); };
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return balanced(a) < balanced(b); });
  std::printf("least reliable workers by Dawid-Skene (P(answer = truth | class)):\n");
  for (std::size_t r = 0; r < 5; ++r) {
    const std::size_t j = order[r];
    std::printf("  worker %3lld: class 0 %.2f, class 1 %.2f\n",
                static_cast<long long>(ds.annotators[j]), ds.confusion[j](0, 0),
                ds.confusion[j](1, 1));
  }

  // A report with every third image used as a gold item, as a host would show it.
  std::vector<q::GoldLabel> gold;
  for (std::size_t i = 0; i < crowd.truth.size(); i += 3) {
    gold.push_back({crowd.truth[i].first, crowd.truth[i].second});
  }
  const auto report = q::quality_report(crowd.annotations, 2, gold);
  std::printf(
      "\nreport (36 gold images): pooled gold accuracy %.3f, %lld of %lld workers flagged\n",
      report.gold_accuracy.value_or(0.0), static_cast<long long>(report.n_flagged),
      static_cast<long long>(report.n_annotators));
  const nlohmann::json first = report.annotators.front();
  std::printf("first worker as JSON: %s\n", first.dump().c_str());
  return wrong(mv.labels) == 26 ? 0 : 1;  // the data set's known majority-vote result
}
