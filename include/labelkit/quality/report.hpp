#pragma once
/// @file
/// Annotator quality reports (per annotator and overall) for a host to show as feedback, built
/// from Dawid–Skene consensus, gold-standard tests and consistency checks, and serialisable to
/// JSON with nlohmann_json (`to_json` / `from_json`, found by argument-dependent lookup).

#include <Eigen/Core>
#include <cstddef>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/annotation.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/quality/consistency.hpp"
#include "labelkit/quality/dawid_skene.hpp"
#include "labelkit/quality/gold_label.hpp"
#include "labelkit/quality/gold_standard.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace quality {

/// Options of quality_report().
struct ReportOptions {
  GoldStandardOptions gold = {};        ///< Gold-standard flagging rule.
  ConsistencyOptions consistency = {};  ///< Single-label and speed rules.
  DawidSkeneOptions aggregation = {};   ///< Consensus by Dawid–Skene (gold is added).
  /// Without enough gold evidence, flag an annotator whose agreement with the consensus is
  /// below this, once they have min_answers answers.
  double min_consensus_agreement = 0.6;
  Eigen::Index min_answers = 10;  ///< Evidence needed for the consensus flag.
};

/// One annotator's report.
struct AnnotatorReport {
  Eigen::Index annotator = 0;           ///< Annotator id.
  Eigen::Index n_answers = 0;           ///< Records.
  Eigen::Index n_items = 0;             ///< Distinct items answered.
  Eigen::Index n_gold = 0;              ///< Answers on gold items.
  std::optional<double> gold_accuracy;  ///< Accuracy on gold (empty when n_gold = 0).
  Interval gold_interval;               ///< Wilson interval ([0, 1] when n_gold = 0).
  double consensus_agreement = 0;       ///< Share of answers equal to the consensus label.
  /// Consensus class on which the annotator agrees least (-1 if none).
  int worst_class = -1;
  double worst_class_agreement = 1;  ///< Agreement on worst_class (1 if none).
  Eigen::Index contradictions = 0;   ///< Items given different labels by them.
  double repeat_agreement = 1;       ///< Intra-annotator agreement on repeats.
  bool single_label = false;         ///< Always the same label (enough answers).
  bool too_fast = false;             ///< Too many implausibly fast answers.
  bool flagged = false;              ///< Any reason below.
  std::vector<std::string>
      reasons;  ///< Why flagged: "gold_accuracy", "consensus", "single_label", "too_fast".

  /// Member-wise equality.
  friend bool operator==(const AnnotatorReport&, const AnnotatorReport&) = default;
};

/// The overall report.
struct QualityReport {
  Eigen::Index n_annotations = 0;           ///< Records.
  Eigen::Index n_items = 0;                 ///< Distinct items.
  Eigen::Index n_annotators = 0;            ///< Distinct annotators.
  int n_classes = 0;                        ///< Classes.
  std::string method = "dawid_skene";       ///< Aggregation used for the consensus.
  Eigen::Index n_gold = 0;                  ///< Answers on gold items.
  std::optional<double> gold_accuracy;      ///< Pooled accuracy on gold (empty when n_gold = 0).
  double mean_consensus_agreement = 0;      ///< Share of all answers equal to the consensus.
  Eigen::Index n_adjudication = 0;          ///< Items with high vote entropy.
  Eigen::Index n_flagged = 0;               ///< Flagged annotators.
  std::vector<AnnotatorReport> annotators;  ///< Ascending annotator id.

  /// Member-wise equality.
  friend bool operator==(const QualityReport&, const QualityReport&) = default;
};

/// Builds the report: Dawid–Skene consensus (gold items clamped), gold-standard scores,
/// consistency checks, per-class agreement with the consensus. `durations` is optional (see
/// consistency_checks()). Complexity: that of its parts, O(N·C·iterations + N log N).
/// @throws labelkit::invalid_argument for bad annotations, gold records, durations or options
///   (as the underlying functions).
/// @tparam Scalar the scalar of the tables of the report and of the functions it calls (double;
///   a template parameter so that the function is compiled only where it is used).
template <class Scalar = double>
[[nodiscard]] QualityReport quality_report(std::span<const Annotation> annotations, int n_classes,
                                           std::span<const GoldLabel> gold = {},
                                           ReportOptions options = {},
                                           std::span<const double> durations = {}) {
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  constexpr const char* function = "quality_report";
  detail::check_nonnegative(options.min_consensus_agreement, function,
                            "options.min_consensus_agreement");
  const auto crowd = detail::make_crowd(annotations, n_classes, function);
  detail::check_tables(2, crowd.n_annotators(), n_classes, function,
                       "the annotators x classes tables");
  options.aggregation.gold.insert(options.aggregation.gold.end(), gold.begin(), gold.end());
  const auto consensus = dawid_skene<Scalar>(annotations, n_classes, options.aggregation);
  const auto scores = gold_standard<Scalar>(annotations, gold, n_classes, options.gold);
  const auto consistency =
      consistency_checks<Scalar>(annotations, n_classes, options.consistency, durations);

  const Eigen::Index c = n_classes;
  const Eigen::Index n_annotators = crowd.n_annotators();
  Matrix per_class_total = Matrix::Zero(n_annotators, c);
  Matrix per_class_agree = Matrix::Zero(n_annotators, c);
  for (Eigen::Index i = 0; i < crowd.n_items(); ++i) {
    const int z = consensus.labels[static_cast<std::size_t>(i)];
    for (Eigen::Index a = crowd.item_start[static_cast<std::size_t>(i)];
         a < crowd.item_start[static_cast<std::size_t>(i) + 1]; ++a) {
      const auto s = static_cast<std::size_t>(a);
      per_class_total(crowd.annotator[s], z) += 1;
      per_class_agree(crowd.annotator[s], z) += crowd.label[s] == z ? 1 : 0;
    }
  }

  QualityReport report;
  report.n_annotations = crowd.size();
  report.n_items = crowd.n_items();
  report.n_annotators = n_annotators;
  report.n_classes = n_classes;
  report.n_gold = scores.n_gold;
  if (scores.n_gold > 0) report.gold_accuracy = scores.accuracy;
  report.n_adjudication = static_cast<Eigen::Index>(consistency.adjudication.size());
  report.mean_consensus_agreement = per_class_agree.sum() / per_class_total.sum();
  for (Eigen::Index j = 0; j < n_annotators; ++j) {
    const auto& g = scores.annotators[static_cast<std::size_t>(j)];
    const auto& k = consistency.annotators[static_cast<std::size_t>(j)];
    AnnotatorReport r;
    r.annotator = crowd.annotators.id(j);
    r.n_answers = k.n_answers;
    r.n_items = k.n_items;
    r.n_gold = g.n_gold;
    if (g.n_gold > 0) r.gold_accuracy = g.accuracy;
    r.gold_interval = g.interval;
    r.consensus_agreement = per_class_agree.row(j).sum() / per_class_total.row(j).sum();
    for (Eigen::Index z = 0; z < c; ++z) {
      if (per_class_total(j, z) == 0) continue;
      const double share = per_class_agree(j, z) / per_class_total(j, z);
      if (r.worst_class < 0 || share < r.worst_class_agreement) {
        r.worst_class = static_cast<int>(z);
        r.worst_class_agreement = share;
      }
    }
    r.contradictions = k.n_contradictions;
    r.repeat_agreement = k.repeat_agreement;
    r.single_label = k.single_label;
    r.too_fast = k.too_fast;
    const bool gold_evidence = g.n_gold > 0 && g.n_gold >= options.gold.min_gold;
    if (g.flagged) r.reasons.emplace_back("gold_accuracy");
    if (!gold_evidence && r.n_answers >= options.min_answers &&
        r.consensus_agreement < options.min_consensus_agreement) {
      r.reasons.emplace_back("consensus");
    }
    if (r.single_label) r.reasons.emplace_back("single_label");
    if (r.too_fast) r.reasons.emplace_back("too_fast");
    r.flagged = !r.reasons.empty();
    report.n_flagged += r.flagged ? 1 : 0;
    report.annotators.push_back(std::move(r));
  }
  return report;
}

}  // namespace quality
namespace detail {

/// A number, or null for an empty optional.
template <class Json = nlohmann::json>
Json optional_to_json(const std::optional<double>& value) {
  return value ? Json(*value) : Json(nullptr);
}

/// What optional_to_json writes, read back.
template <class Json>
std::optional<double> optional_from_json(const Json& j) {
  if (j.is_null()) return std::nullopt;
  return j.template get<double>();
}

}  // namespace detail
namespace quality {

// The to_json / from_json pairs are templates over the JSON type (found by nlohmann_json's
// argument-dependent lookup as before), so that their code is compiled only where a report is
// converted.

/// JSON: {"annotator", "n_answers", "n_items", "n_gold", "gold_accuracy" (number or null),
/// "gold_interval": [lower, upper], "consensus_agreement", "worst_class",
/// "worst_class_agreement", "contradictions", "repeat_agreement", "single_label", "too_fast",
/// "flagged", "reasons"}.
template <class Json>
void to_json(Json& j, const AnnotatorReport& r) {
  j = Json{{"annotator", r.annotator},
           {"n_answers", r.n_answers},
           {"n_items", r.n_items},
           {"n_gold", r.n_gold},
           {"gold_accuracy", detail::optional_to_json<Json>(r.gold_accuracy)},
           {"gold_interval", {r.gold_interval.lower, r.gold_interval.upper}},
           {"consensus_agreement", r.consensus_agreement},
           {"worst_class", r.worst_class},
           {"worst_class_agreement", r.worst_class_agreement},
           {"contradictions", r.contradictions},
           {"repeat_agreement", r.repeat_agreement},
           {"single_label", r.single_label},
           {"too_fast", r.too_fast},
           {"flagged", r.flagged},
           {"reasons", r.reasons}};
}

/// Reads what to_json(AnnotatorReport) writes.
/// @throws nlohmann::json::exception on a missing key or a wrong type.
template <class Json>
void from_json(const Json& j, AnnotatorReport& r) {
  j.at("annotator").get_to(r.annotator);
  j.at("n_answers").get_to(r.n_answers);
  j.at("n_items").get_to(r.n_items);
  j.at("n_gold").get_to(r.n_gold);
  r.gold_accuracy = detail::optional_from_json(j.at("gold_accuracy"));
  r.gold_interval = {j.at("gold_interval").at(0).template get<double>(),
                     j.at("gold_interval").at(1).template get<double>()};
  j.at("consensus_agreement").get_to(r.consensus_agreement);
  j.at("worst_class").get_to(r.worst_class);
  j.at("worst_class_agreement").get_to(r.worst_class_agreement);
  j.at("contradictions").get_to(r.contradictions);
  j.at("repeat_agreement").get_to(r.repeat_agreement);
  j.at("single_label").get_to(r.single_label);
  j.at("too_fast").get_to(r.too_fast);
  j.at("flagged").get_to(r.flagged);
  j.at("reasons").get_to(r.reasons);
}

/// JSON: the QualityReport fields by name, "gold_accuracy" a number or null, "annotators" an
/// array of AnnotatorReport objects.
template <class Json>
void to_json(Json& j, const QualityReport& r) {
  j = Json{{"n_annotations", r.n_annotations},
           {"n_items", r.n_items},
           {"n_annotators", r.n_annotators},
           {"n_classes", r.n_classes},
           {"method", r.method},
           {"n_gold", r.n_gold},
           {"gold_accuracy", detail::optional_to_json<Json>(r.gold_accuracy)},
           {"mean_consensus_agreement", r.mean_consensus_agreement},
           {"n_adjudication", r.n_adjudication},
           {"n_flagged", r.n_flagged},
           {"annotators", r.annotators}};
}

/// Reads what to_json(QualityReport) writes.
/// @throws nlohmann::json::exception on a missing key or a wrong type.
template <class Json>
void from_json(const Json& j, QualityReport& r) {
  j.at("n_annotations").get_to(r.n_annotations);
  j.at("n_items").get_to(r.n_items);
  j.at("n_annotators").get_to(r.n_annotators);
  j.at("n_classes").get_to(r.n_classes);
  j.at("method").get_to(r.method);
  j.at("n_gold").get_to(r.n_gold);
  r.gold_accuracy = detail::optional_from_json(j.at("gold_accuracy"));
  j.at("mean_consensus_agreement").get_to(r.mean_consensus_agreement);
  j.at("n_adjudication").get_to(r.n_adjudication);
  j.at("n_flagged").get_to(r.n_flagged);
  j.at("annotators").get_to(r.annotators);
}

}  // namespace quality
LABELKIT_END_NAMESPACE
