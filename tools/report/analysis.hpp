#pragma once
// Analysis of labelkit-report (tools/labelkit_report.cpp): per labeling field,
// the agreement coefficients with their intervals (labelkit::agreement), majority vote against
// Dawid-Skene (labelkit::quality), the per-annotator report, the items to adjudicate, and the
// matrices behind the SVG heat maps. Printing as text, as JSON, and as SVG. Not part of the
// library.
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <functional>
#include <limits>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "input.hpp"
#include "labelkit/agreement/fleiss.hpp"
#include "labelkit/agreement/gwet.hpp"
#include "labelkit/agreement/interpret.hpp"
#include "labelkit/agreement/krippendorff.hpp"
#include "labelkit/agreement/multi_rater.hpp"
#include "labelkit/agreement/tables.hpp"
#include "labelkit/quality/consistency.hpp"
#include "labelkit/quality/dawid_skene.hpp"
#include "labelkit/quality/majority_vote.hpp"
#include "labelkit/quality/report.hpp"
#include "multi_label.hpp"
#include "svg.hpp"

namespace labelkit_tools::report {

/// Knobs of analyse().
struct Options {
  double confidence = 0.95;               ///< Two-sided level of every interval.
  Eigen::Index bootstrap_samples = 1000;  ///< Krippendorff's alpha bootstrap replicates.
  std::uint64_t seed = 0;                 ///< Seed of the bootstrap.
  double entropy_threshold = 0.5;  ///< Normalised vote entropy that sends an item to adjudication.
};

/// One agreement coefficient. `error` is set (and the numbers NaN) when it is undefined here.
struct Coefficient {
  std::string key;   ///< JSON key, e.g. "krippendorff_alpha".
  std::string name;  ///< Printed name.
  double value = std::numeric_limits<double>::quiet_NaN();
  double ci_lower = std::numeric_limits<double>::quiet_NaN();  ///< NaN: no interval for it.
  double ci_upper = std::numeric_limits<double>::quiet_NaN();
  std::string method;          ///< How the interval was obtained (empty: none).
  std::string interpretation;  ///< Landis-Koch band or Krippendorff's reading (empty: none).
  std::string error;           ///< Why it could not be computed (empty: fine).
};

/// An item where majority vote and Dawid-Skene disagree.
struct Difference {
  Eigen::Index item = 0;  ///< Dense item id.
  int majority_vote = 0;  ///< Class.
  int dawid_skene = 0;    ///< Class.
  Eigen::VectorXd votes;  ///< Votes per class.
  double posterior = 0;   ///< Dawid-Skene's posterior of its label.
};

/// An item to adjudicate.
struct Adjudication {
  Eigen::Index item = 0;  ///< Dense item id.
  double entropy = 0;     ///< Vote entropy / ln C.
  Eigen::VectorXd votes;  ///< Votes per class.
  int consensus = 0;      ///< Dawid-Skene label (a suggestion).
};

/// The report on one field.
struct FieldReport {
  const Field* field = nullptr;
  int n_classes = 0;  ///< max(2, labels): the quality functions need two.
  std::vector<Coefficient> coefficients;
  labelkit::quality::MajorityVoteResult majority;
  labelkit::quality::DawidSkeneResult dawid_skene;
  std::vector<Difference> differences;
  labelkit::quality::QualityReport annotators;
  std::vector<Adjudication> adjudication;
  Eigen::MatrixXd pairwise_kappa;  ///< annotators x annotators Cohen's kappa (NaN: no common item).
  std::vector<Eigen::MatrixXd>
      confusion;                   ///< Per annotator: consensus (rows) x answer (columns) counts.
  double entropy_threshold = 0.5;  ///< As in Options.
  double confidence = 0.95;        ///< As in Options.
  /// Multi-label fields only: agreement on sets (MASI) and per label. Their `coefficients` then
  /// hold only the MASI alpha: nominal coefficients would make each combination a class.
  std::optional<SetAgreement> sets;
};

namespace detail {

inline Coefficient coefficient(std::string key, std::string name,
                               const std::function<void(Coefficient&)>& compute) {
  Coefficient c;
  c.key = std::move(key);
  c.name = std::move(name);
  try {
    compute(c);
  } catch (const std::exception& e) {
    c.value = c.ci_lower = c.ci_upper = std::numeric_limits<double>::quiet_NaN();
    c.method.clear();
    c.interpretation.clear();
    c.error = e.what();
  }
  return c;
}

inline void from_estimate(Coefficient& c, const labelkit::agreement::Estimate& e,
                          const char* method) {
  c.value = e.value;
  c.ci_lower = e.ci_lower;
  c.ci_upper = e.ci_upper;
  if (std::isfinite(e.ci_lower)) c.method = method;
}

inline std::string landis_koch(double v) {
  return std::string(labelkit::agreement::to_string(labelkit::agreement::landis_koch(v)));
}

}  // namespace detail

/// The agreement coefficients of one field's records (the library's functions, unchanged).
inline std::vector<Coefficient> agreement_coefficients(
    const std::vector<labelkit::Annotation>& records, const Options& options = {}) {
  namespace ag = labelkit::agreement;
  using detail::coefficient;
  const ag::RatingTable wide = ag::wide_ratings(records);
  const ag::CountTable table = ag::count_table(wide);
  const char* gwet_ci = "Gwet's variance, t interval";
  std::vector<Coefficient> out;
  out.push_back(
      coefficient("krippendorff_alpha", "Krippendorff's alpha (nominal)", [&](Coefficient& c) {
        ag::BootstrapOptions b;
        b.samples = options.bootstrap_samples;
        b.seed = options.seed;
        b.confidence = options.confidence;
        const auto boot = ag::krippendorff_alpha_bootstrap(wide, ag::Level::nominal, b);
        c.value = boot.alpha;
        c.ci_lower = boot.ci_lower;
        c.ci_upper = boot.ci_upper;
        c.method = "bootstrap, " + std::to_string(options.bootstrap_samples) + " samples";
        c.interpretation = std::string(ag::to_string(ag::krippendorff_reliability(boot.alpha)));
      }));
  out.push_back(coefficient("fleiss_kappa", "Fleiss' kappa (generalised)", [&](Coefficient& c) {
    detail::from_estimate(
        c, ag::fleiss_kappa_generalized(table, ag::WeightScheme::identity, options.confidence),
        gwet_ci);
    c.interpretation = detail::landis_koch(c.value);
  }));
  out.push_back(coefficient("conger_kappa", "Conger's kappa", [&](Coefficient& c) {
    detail::from_estimate(c, ag::conger_kappa(wide, ag::WeightScheme::identity, options.confidence),
                          gwet_ci);
    c.interpretation = detail::landis_koch(c.value);
  }));
  out.push_back(coefficient("light_kappa", "Light's kappa", [&](Coefficient& c) {
    c.value = ag::light_kappa(wide);
    c.interpretation = detail::landis_koch(c.value);
  }));
  out.push_back(coefficient("gwet_ac1", "Gwet's AC1", [&](Coefficient& c) {
    detail::from_estimate(c, ag::gwet_ac2(table, ag::WeightScheme::identity, options.confidence),
                          gwet_ci);
    c.interpretation = detail::landis_koch(c.value);
  }));
  out.push_back(coefficient("brennan_prediger", "Brennan-Prediger", [&](Coefficient& c) {
    detail::from_estimate(
        c, ag::brennan_prediger(table, ag::WeightScheme::identity, options.confidence), gwet_ci);
    c.interpretation = detail::landis_koch(c.value);
  }));
  out.push_back(coefficient("randolph_kappa", "Randolph's kappa", [&](Coefficient& c) {
    c.value = ag::randolph_kappa(table.counts);
    c.interpretation = detail::landis_koch(c.value);
  }));
  out.push_back(coefficient("percent_agreement", "Percent agreement", [&](Coefficient& c) {
    detail::from_estimate(
        c, ag::percent_agreement(table, ag::WeightScheme::identity, options.confidence), gwet_ci);
  }));
  return out;
}

/// The whole report on one field.
inline FieldReport analyse(const Field& field, const Options& options = {}) {
  namespace q = labelkit::quality;
  FieldReport r;
  r.field = &field;
  r.entropy_threshold = options.entropy_threshold;
  r.confidence = options.confidence;
  r.n_classes = std::max<int>(2, static_cast<int>(field.labels.size()));
  if (field.multi_label) {
    r.sets = set_agreement(field.sets, static_cast<Eigen::Index>(field.items.size()),
                           static_cast<Eigen::Index>(field.annotators.size()),
                           static_cast<int>(field.choice_labels.size()));
    Coefficient masi;
    masi.key = "krippendorff_alpha_masi";
    masi.name = "Krippendorff's alpha (MASI distance on sets)";
    masi.value = r.sets->masi_alpha;
    masi.error = r.sets->masi_error;
    if (masi.error.empty()) {
      masi.interpretation = std::string(labelkit::agreement::to_string(
          labelkit::agreement::krippendorff_reliability(masi.value)));
    }
    r.coefficients = {masi};
  } else {
    r.coefficients = agreement_coefficients(field.records, options);
  }
  r.majority = q::majority_vote(field.records, r.n_classes);
  q::DawidSkeneOptions ds;
  ds.gold = field.gold;
  r.dawid_skene = q::dawid_skene(field.records, r.n_classes, ds);
  for (std::size_t i = 0; i < r.majority.items.size(); ++i) {
    const auto row = static_cast<Eigen::Index>(i);
    if (r.majority.labels[i] == r.dawid_skene.labels[i]) continue;
    r.differences.push_back({r.majority.items[i], r.majority.labels[i], r.dawid_skene.labels[i],
                             r.majority.votes.row(row).transpose(),
                             r.dawid_skene.posterior(row, r.dawid_skene.labels[i])});
  }
  q::ReportOptions report_options;
  report_options.consistency.entropy_threshold = options.entropy_threshold;
  r.annotators = q::quality_report(field.records, r.n_classes, field.gold, report_options);
  q::ConsistencyOptions consistency;
  consistency.entropy_threshold = options.entropy_threshold;
  const auto checks = q::consistency_checks(field.records, r.n_classes, consistency);
  // Dense item ids are 0..items-1 and every item has a record, so row i of the aggregates is item
  // i.
  for (const auto& a : checks.adjudication) {
    r.adjudication.push_back({a.item, a.entropy, r.majority.votes.row(a.item).transpose(),
                              r.dawid_skene.labels[static_cast<std::size_t>(a.item)]});
  }
  const auto wide = labelkit::agreement::wide_ratings(field.records);
  r.pairwise_kappa = labelkit::agreement::pairwise_agreement(wide).values;
  r.confusion.assign(field.annotators.size(), Eigen::MatrixXd::Zero(r.n_classes, r.n_classes));
  for (const auto& a : field.records) {
    r.confusion[static_cast<std::size_t>(a.annotator)](
        r.dawid_skene.labels[static_cast<std::size_t>(a.item)], a.label) += 1;
  }
  return r;
}

/// Per-label counts of an aggregate.
inline std::vector<Eigen::Index> label_counts(const std::vector<int>& labels, int n_classes) {
  std::vector<Eigen::Index> counts(static_cast<std::size_t>(n_classes), 0);
  for (const int l : labels) ++counts[static_cast<std::size_t>(l)];
  return counts;
}

namespace detail {

inline std::string label_name(const Field& f, int label) {
  return label >= 0 && static_cast<std::size_t>(label) < f.labels.size()
             ? f.labels[static_cast<std::size_t>(label)]
             : "(class " + std::to_string(label) + ")";
}

inline std::string number(double v, int decimals = 3) {
  if (std::isnan(v)) return "n/a";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, v);
  return buffer;
}

inline std::string votes_text(const Field& f, const Eigen::VectorXd& votes) {
  std::string s;
  for (Eigen::Index k = 0; k < votes.size(); ++k) {
    if (votes(k) == 0) continue;
    if (!s.empty()) s += ", ";
    s += label_name(f, static_cast<int>(k)) + ": " +
         std::to_string(static_cast<long long>(votes(k)));
  }
  return s;
}

inline nlohmann::json votes_json(const Field& f, const Eigen::VectorXd& votes) {
  nlohmann::json j = nlohmann::json::object();
  for (Eigen::Index k = 0; k < votes.size(); ++k) {
    if (votes(k) != 0) j[label_name(f, static_cast<int>(k))] = static_cast<long long>(votes(k));
  }
  return j;
}

}  // namespace detail

namespace detail {

/// Width of `text` on a terminal: its UTF-8 code points (continuation bytes do not count).
inline std::size_t display_width(const std::string& text) {
  std::size_t width = 0;
  for (const char c : text) width += (static_cast<unsigned char>(c) & 0xC0U) != 0x80U ? 1 : 0;
  return width;
}

/// Prints `rows` as a table whose columns are as wide as their widest cell plus two spaces. A
/// row may have fewer cells than others; the last cell of a row is not padded and does not
/// widen its column (so a long message or flag list at the end of a row never shifts others).
inline void print_table(std::ostream& out, const std::vector<std::vector<std::string>>& rows,
                        const std::string& indent) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    if (row.size() > widths.size()) widths.resize(row.size(), 0);
    for (std::size_t c = 0; c + 1 < row.size(); ++c) {
      widths[c] = std::max(widths[c], display_width(row[c]));
    }
  }
  for (const auto& row : rows) {
    out << indent;
    for (std::size_t c = 0; c < row.size(); ++c) {
      out << row[c];
      if (c + 1 < row.size()) out << std::string(widths[c] - display_width(row[c]) + 2, ' ');
    }
    out << "\n";
  }
}

}  // namespace detail

/// The report on one field as text. Every table's columns fit their contents (annotator e-mails,
/// long label names).
inline void print_text(std::ostream& out, const FieldReport& r, std::size_t max_rows = 10) {
  using detail::number;
  using Rows = std::vector<std::vector<std::string>>;
  const Field& f = *r.field;
  out << "== field '" << f.name << "': " << f.items.size() << " items, " << f.annotators.size()
      << " annotators, " << f.records.size() << " annotations, " << f.labels.size() << " labels (";
  for (std::size_t k = 0; k < f.labels.size(); ++k) out << (k ? ", " : "") << f.labels[k];
  out << ")";
  if (!f.gold.empty()) out << ", " << f.gold.size() << " gold items";
  out << " ==\n\nagreement (" << number(100 * r.confidence, 0)
      << "% confidence intervals where available)\n";
  Rows rows;
  for (const auto& c : r.coefficients) {
    if (!c.error.empty()) {
      rows.push_back({c.name, "not available: " + c.error});
      continue;
    }
    std::vector<std::string> row{c.name, number(c.value),
                                 std::isfinite(c.ci_lower)
                                     ? "[" + number(c.ci_lower) + ", " + number(c.ci_upper) + "]"
                                     : "(no interval)"};
    if (!c.method.empty()) {
      row.push_back(c.interpretation);
      row.push_back(c.method);
    } else if (!c.interpretation.empty()) {
      row.push_back(c.interpretation);
    }
    rows.push_back(std::move(row));
  }
  detail::print_table(out, rows, "  ");
  if (r.sets) {
    out << "\nper label (each label as a yes/no question on every answer)\n";
    rows = {{"label", "answers", "share", "alpha (nominal)"}};
    for (const auto& l : r.sets->labels) {
      rows.push_back({f.choice_labels[static_cast<std::size_t>(l.label)], std::to_string(l.answers),
                      number(l.share), l.error.empty() ? number(l.alpha) : "n/a: " + l.error});
    }
    detail::print_table(out, rows, "  ");
    out << "  (the aggregation below takes each combination of choices as one answer)\n";
  }
  const auto mv = label_counts(r.majority.labels, r.n_classes);
  const auto ds = label_counts(r.dawid_skene.labels, r.n_classes);
  out << "\n";
  rows = {{"aggregated labels", "majority vote", "Dawid-Skene"}};
  for (int k = 0; k < r.n_classes; ++k) {
    rows.push_back({"  " + detail::label_name(f, k),
                    std::to_string(mv[static_cast<std::size_t>(k)]),
                    std::to_string(ds[static_cast<std::size_t>(k)])});
  }
  detail::print_table(out, rows, "");
  out << "  Dawid-Skene: " << r.dawid_skene.iterations << " EM iterations, "
      << (r.dawid_skene.converged ? "converged" : "not converged")
      << (f.gold.empty() ? "" : ", gold items clamped") << "\n";
  out << "  they differ on " << r.differences.size() << " of " << f.items.size() << " items";
  out << (r.differences.empty() ? "\n" : ":\n");
  rows.clear();
  for (std::size_t d = 0; d < r.differences.size() && d < max_rows; ++d) {
    const auto& x = r.differences[d];
    rows.push_back(
        {"item " + f.items[static_cast<std::size_t>(x.item)],
         "majority " + detail::label_name(f, x.majority_vote),
         "Dawid-Skene " + detail::label_name(f, x.dawid_skene),
         "(p " + number(x.posterior, 2) + "; votes " + detail::votes_text(f, x.votes) + ")"});
  }
  detail::print_table(out, rows, "    ");
  if (r.differences.size() > max_rows)
    out << "    ... and " << r.differences.size() - max_rows << " more (see --json)\n";

  out << "\nannotators (consensus = Dawid-Skene)\n";
  rows = {{"annotator", "answers", "items", "gold acc", "consensus", "worst class", "flags"}};
  for (const auto& a : r.annotators.annotators) {
    std::string flags;
    for (const auto& reason : a.reasons) flags += (flags.empty() ? "" : ",") + reason;
    rows.push_back(
        {f.annotators[static_cast<std::size_t>(a.annotator)], std::to_string(a.n_answers),
         std::to_string(a.n_items),
         a.gold_accuracy ? number(*a.gold_accuracy) + " (" + std::to_string(a.n_gold) + ")" : "-",
         number(a.consensus_agreement),
         a.worst_class < 0
             ? "-"
             : detail::label_name(f, a.worst_class) + " (" + number(a.worst_class_agreement) + ")",
         flags.empty() ? "-" : flags});
  }
  detail::print_table(out, rows, "  ");
  out << "  mean agreement with consensus " << number(r.annotators.mean_consensus_agreement);
  if (r.annotators.gold_accuracy)
    out << ", pooled gold accuracy " << number(*r.annotators.gold_accuracy);
  out << ", " << r.annotators.n_flagged << " of " << r.annotators.n_annotators << " flagged\n";

  out << "\nitems to adjudicate (normalised vote entropy >= " << number(r.entropy_threshold, 2)
      << "): " << r.adjudication.size() << "\n";
  rows.clear();
  for (std::size_t d = 0; d < r.adjudication.size() && d < max_rows; ++d) {
    const auto& x = r.adjudication[d];
    rows.push_back({"item " + f.items[static_cast<std::size_t>(x.item)],
                    "entropy " + number(x.entropy), "votes " + detail::votes_text(f, x.votes),
                    "suggested " + detail::label_name(f, x.consensus)});
  }
  detail::print_table(out, rows, "    ");
  if (r.adjudication.size() > max_rows)
    out << "    ... and " << r.adjudication.size() - max_rows << " more (see --json)\n";
}

/// The report on one field as JSON.
inline nlohmann::json to_json(const FieldReport& r) {
  using nlohmann::json;
  const Field& f = *r.field;
  json j;
  j["field"] = f.name;
  j["n_items"] = f.items.size();
  j["n_annotators"] = f.annotators.size();
  j["n_annotations"] = f.records.size();
  j["n_gold"] = f.gold.size();
  j["labels"] = f.labels;
  const auto nan_null = [](double v) { return std::isnan(v) ? json(nullptr) : json(v); };
  json agreement = json::object();
  for (const auto& c : r.coefficients) {
    json x;
    x["name"] = c.name;
    x["value"] = nan_null(c.value);
    x["ci_lower"] = nan_null(c.ci_lower);
    x["ci_upper"] = nan_null(c.ci_upper);
    x["interval_method"] = c.method.empty() ? json(nullptr) : json(c.method);
    x["interpretation"] = c.interpretation.empty() ? json(nullptr) : json(c.interpretation);
    if (!c.error.empty()) x["error"] = c.error;
    agreement[c.key] = x;
  }
  j["agreement"] = agreement;
  if (r.sets) {
    json per_label = json::array();
    for (const auto& l : r.sets->labels) {
      json x{{"label", f.choice_labels[static_cast<std::size_t>(l.label)]},
             {"answers", l.answers},
             {"share", l.share},
             {"alpha", nan_null(l.alpha)}};
      if (!l.error.empty()) x["error"] = l.error;
      per_label.push_back(std::move(x));
    }
    j["multi_label"] = {{"choice_labels", f.choice_labels},
                        {"masi_alpha", nan_null(r.sets->masi_alpha)},
                        {"per_label", per_label}};
  }
  const auto counts = [&](const std::vector<int>& labels) {
    json c = json::object();
    const auto n = label_counts(labels, r.n_classes);
    for (int k = 0; k < r.n_classes; ++k)
      c[detail::label_name(f, k)] = n[static_cast<std::size_t>(k)];
    return c;
  };
  json items = json::array();
  for (std::size_t i = 0; i < r.majority.items.size(); ++i) {
    items.push_back({{"item", f.items[i]},
                     {"majority_vote", detail::label_name(f, r.majority.labels[i])},
                     {"dawid_skene", detail::label_name(f, r.dawid_skene.labels[i])},
                     {"dawid_skene_posterior", r.dawid_skene.posterior(static_cast<Eigen::Index>(i),
                                                                       r.dawid_skene.labels[i])}});
  }
  json differences = json::array();
  for (const auto& d : r.differences) {
    differences.push_back({{"item", f.items[static_cast<std::size_t>(d.item)]},
                           {"majority_vote", detail::label_name(f, d.majority_vote)},
                           {"dawid_skene", detail::label_name(f, d.dawid_skene)},
                           {"dawid_skene_posterior", d.posterior},
                           {"votes", detail::votes_json(f, d.votes)}});
  }
  j["aggregation"] = {{"majority_vote", {{"counts", counts(r.majority.labels)}}},
                      {"dawid_skene",
                       {{"counts", counts(r.dawid_skene.labels)},
                        {"iterations", r.dawid_skene.iterations},
                        {"converged", r.dawid_skene.converged}}},
                      {"n_differences", r.differences.size()},
                      {"differences", differences},
                      {"items", items}};
  json report = r.annotators;  // labelkit's to_json, then names instead of dense ids
  for (auto& a : report["annotators"]) {
    const auto id = a["annotator"].get<std::size_t>();
    a["annotator"] = f.annotators[id];
    const int worst = a["worst_class"].get<int>();
    a["worst_class"] = worst < 0 ? json(nullptr) : json(detail::label_name(f, worst));
  }
  j["annotators"] = report;
  json adjudicate = json::array();
  for (const auto& a : r.adjudication) {
    adjudicate.push_back({{"item", f.items[static_cast<std::size_t>(a.item)]},
                          {"entropy", a.entropy},
                          {"votes", detail::votes_json(f, a.votes)},
                          {"suggested", detail::label_name(f, a.consensus)}});
  }
  j["adjudication"] = {{"entropy_threshold", r.entropy_threshold}, {"items", adjudicate}};
  json matrix = json::array();
  for (Eigen::Index g = 0; g < r.pairwise_kappa.rows(); ++g) {
    json row = json::array();
    for (Eigen::Index h = 0; h < r.pairwise_kappa.cols(); ++h)
      row.push_back(nan_null(r.pairwise_kappa(g, h)));
    matrix.push_back(row);
  }
  j["pairwise_cohen_kappa"] = {{"annotators", f.annotators}, {"matrix", matrix}};
  return j;
}

/// The whole dataset's report as JSON: {"input", "format", "notes", "fields": [...]}.
inline nlohmann::json to_json(const Dataset& data, const std::vector<FieldReport>& reports) {
  nlohmann::json j;
  j["input"] = data.source;
  j["format"] = data.format;
  j["notes"] = data.notes;
  j["fields"] = nlohmann::json::array();
  for (const auto& r : reports) j["fields"].push_back(to_json(r));
  return j;
}

namespace detail {

/// A file-name-safe version of a name: letters, digits, '-', '_' and '.' kept, others '_'.
inline std::string file_safe(const std::string& name) {
  std::string s;
  for (const char c : name) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.';
    s += keep ? c : '_';
  }
  return s.empty() ? "_" : s;
}

}  // namespace detail

/// The heat maps of one field: its pairwise-agreement matrix and every annotator's confusion
/// matrix against the consensus, as (file name, SVG text) pairs.
inline std::vector<std::pair<std::string, std::string>> heat_maps(const FieldReport& r) {
  const Field& f = *r.field;
  std::vector<std::pair<std::string, std::string>> out;
  const std::string stem = detail::file_safe(f.name);
  std::vector<std::string> class_names;
  for (int k = 0; k < r.n_classes; ++k) class_names.push_back(detail::label_name(f, k));
  examples::svg::HeatMap pairwise;
  pairwise.title = "Cohen's kappa between annotators, field '" + f.name + "'";
  pairwise.x_label = "annotator";
  pairwise.y_label = "annotator";
  pairwise.row_labels = pairwise.column_labels = f.annotators;
  pairwise.values = r.pairwise_kappa;
  pairwise.min = -1.0;
  pairwise.max = 1.0;
  const auto n = static_cast<int>(f.annotators.size());
  pairwise.cell = std::clamp(900 / std::max(1, n), 22, 56);
  pairwise.decimals = pairwise.cell < 34 ? 1 : 2;
  out.emplace_back(stem + "_agreement.svg", examples::svg::render(pairwise));
  for (std::size_t a = 0; a < f.annotators.size(); ++a) {
    examples::svg::HeatMap map;
    map.title = "annotator " + f.annotators[a] + " vs consensus, field '" + f.name + "'";
    map.x_label = "annotator's label";
    map.y_label = "consensus (Dawid-Skene)";
    map.row_labels = map.column_labels = class_names;
    map.values = r.confusion[a];
    map.min = 0.0;
    map.decimals = 0;
    out.emplace_back(stem + "_confusion_" + detail::file_safe(f.annotators[a]) + ".svg",
                     examples::svg::render(map));
  }
  return out;
}

}  // namespace labelkit_tools::report
