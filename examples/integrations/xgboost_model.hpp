#pragma once
// XGBoost behind labelkit's Model concept, through XGBoost's C API (Debian libxgboost-dev).
// Not part of the library: an example adapter a user copies and adjusts.
//
//     examples::xgb::Features x = ...;             // float, row-major: rows are items
//     examples::xgb::XGBoostClassifier model(10, {.rounds = 20, .seed = 7});
//     model.fit(x, labels);                        // labels in 0..9
//     Eigen::MatrixXf p = model.predict_proba(x);  // n x 10, rows sum to 1
//
// The three things labelkit needs from a model, and how this adapter provides them:
// - `fit(const X&, const std::vector<int>&)`: a DMatrix built straight from the row-major float
//   buffer (XGDMatrixCreateFromMat reads it in place; XGBoost then builds its own training
//   representation, which no API avoids), the labels as float info, `rounds` boosting rounds.
// - `predict_proba(const X&)`: in-place prediction (XGBoosterPredictFromDense) over the caller's
//   buffer, described by a NumPy __array_interface__ JSON string: no copy, no DMatrix. The
//   booster's multi:softprob output is already n x C; binary:logistic gives P(class 1) and the
//   adapter returns [1 - p, p].
// - copyable: `labelkit::simulate` copies a configured model once per run; copying a fitted
//   booster serialises it (XGBoosterSerializeToBuffer) and loads the bytes into a new one.
// Every XGBoost call is checked; a failure throws examples::xgb::xgboost_error (a labelkit::error)
// carrying XGBGetLastError().

#include <xgboost/c_api.h>

#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "labelkit/core/error.hpp"
#include "labelkit/core/model.hpp"
#include "labelkit/core/random.hpp"

namespace examples::xgb {

/// The feature type of both adapters: float32, row-major, rows are items (XGBoost's own layout,
/// so neither fit nor predict converts anything on our side).
using Features = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// An XGBoost C API call failed; the message names the call and XGBoost's own explanation.
class xgboost_error : public labelkit::error {
 public:
  using labelkit::error::error;
};

/// Throws xgboost_error unless `code` is 0 (XGBoost's C API returns -1 on failure and keeps the
/// reason for XGBGetLastError(); its native stack trace is cut off the message).
inline void check(int code, const char* call, const char* function) {
  if (code != 0) {
    std::string reason = XGBGetLastError();
    reason = reason.substr(0, reason.find("\nStack trace:"));
    throw xgboost_error(labelkit::detail::concat("labelkit: ", function, "(): XGBoost ", call,
                                                 " failed: ", reason));
  }
}

namespace detail {

struct DMatrixFree {
  void operator()(void* handle) const noexcept { XGDMatrixFree(handle); }
};
struct BoosterFree {
  void operator()(void* handle) const noexcept { XGBoosterFree(handle); }
};
/// Owning handles: freed exactly once, also when an exception unwinds.
using DMatrix = std::unique_ptr<void, DMatrixFree>;
using Booster = std::unique_ptr<void, BoosterFree>;

/// NumPy's __array_interface__ (version 3) for a row-major float32 n x d buffer, the form
/// XGBoost's in-place prediction reads without copying.
inline std::string array_interface(const float* data, Eigen::Index rows, Eigen::Index cols) {
  return labelkit::detail::concat("{\"data\": [", reinterpret_cast<std::uintptr_t>(data),
                                  ", true], \"shape\": [", rows, ", ", cols,
                                  "], \"typestr\": \"<f4\", \"version\": 3}");
}

inline std::string format_double(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return buffer;
}

}  // namespace detail

/// Boosting parameters (XGBoost's names in comments). Defaults suit a few hundred labels.
struct XGBoostOptions {
  int rounds = 20;                ///< Boosting rounds (num_boost_round).
  int max_depth = 4;              ///< max_depth.
  double eta = 0.3;               ///< Learning rate (eta).
  double subsample = 1.0;         ///< Row subsample per tree (subsample).
  double colsample_bytree = 1.0;  ///< Column subsample per tree (colsample_bytree).
  double min_child_weight = 1.0;  ///< min_child_weight.
  double lambda = 1.0;            ///< L2 regularisation on leaf weights (lambda).
  std::uint64_t seed = 0;         ///< XGBoost's seed (drives subsampling).
  int threads = 1;                ///< nthread; 1 keeps results identical on every machine.
};

/// One gradient-boosted tree classifier, a labelkit::Model over `Features`.
///
/// The class count is fixed up front (`n_classes`), because an active-learning seed set may miss
/// a class and predict_proba must still return all C columns. C = 2 trains binary:logistic,
/// C > 2 multi:softprob.
class XGBoostClassifier {
 public:
  /// @throws labelkit::invalid_argument if n_classes < 2 or an option is out of range.
  explicit XGBoostClassifier(int n_classes, XGBoostOptions options = {})
      : n_classes_(n_classes), options_(options) {
    if (n_classes < 2) {
      labelkit::detail::fail("XGBoostClassifier", "'n_classes' must be at least 2 (got ", n_classes,
                             ")");
    }
    if (options.rounds < 1 || options.max_depth < 1 || options.threads < 1) {
      labelkit::detail::fail("XGBoostClassifier",
                             "'rounds', 'max_depth' and 'threads' must be at least 1 (got ",
                             options.rounds, ", ", options.max_depth, ", ", options.threads, ")");
    }
    if (!(options.subsample > 0 && options.subsample <= 1) ||
        !(options.colsample_bytree > 0 && options.colsample_bytree <= 1)) {
      labelkit::detail::fail("XGBoostClassifier",
                             "'subsample' and 'colsample_bytree' must lie in (0, 1] (got ",
                             options.subsample, ", ", options.colsample_bytree, ")");
    }
  }

  XGBoostClassifier(const XGBoostClassifier& other)
      : n_classes_(other.n_classes_), options_(other.options_), features_(other.features_) {
    if (other.booster_) booster_ = copy_booster(other.booster_.get());
  }
  XGBoostClassifier& operator=(const XGBoostClassifier& other) {
    if (this != &other) *this = XGBoostClassifier(other);
    return *this;
  }
  XGBoostClassifier(XGBoostClassifier&&) noexcept = default;
  XGBoostClassifier& operator=(XGBoostClassifier&&) noexcept = default;
  ~XGBoostClassifier() = default;

  /// Trains a fresh booster for `options.rounds` rounds on `x` (n x d, rows are items) and
  /// `labels` (class indices 0..C-1). NaN features count as missing, as in XGBoost.
  /// @throws labelkit::dimension_mismatch if labels.size() != n; labelkit::invalid_argument if n
  ///         is 0 or a label is outside 0..C-1 (naming its position); xgboost_error if XGBoost
  ///         fails.
  void fit(const Features& x, const std::vector<int>& labels) {
    constexpr const char* function = "XGBoostClassifier::fit";
    if (x.rows() != static_cast<Eigen::Index>(labels.size())) {
      labelkit::detail::fail<labelkit::dimension_mismatch>(
          function, "'x' has ", x.rows(), " rows but 'labels' has ", labels.size(), " entries");
    }
    if (x.rows() == 0) labelkit::detail::fail(function, "'x' has no rows");
    std::vector<float> y(labels.size());
    for (std::size_t i = 0; i < labels.size(); ++i) {
      if (labels[i] < 0 || labels[i] >= n_classes_) {
        labelkit::detail::fail(function, "'labels' has ", labels[i], " at position ", i,
                               " (expected 0..", n_classes_ - 1, ")");
      }
      y[i] = static_cast<float>(labels[i]);
    }
    DMatrixHandle raw_matrix = nullptr;
    check(XGDMatrixCreateFromMat(x.data(), static_cast<bst_ulong>(x.rows()),
                                 static_cast<bst_ulong>(x.cols()), std::nanf(""), &raw_matrix),
          "XGDMatrixCreateFromMat", function);
    const detail::DMatrix train(raw_matrix);
    check(XGDMatrixSetFloatInfo(train.get(), "label", y.data(), static_cast<bst_ulong>(y.size())),
          "XGDMatrixSetFloatInfo", function);

    BoosterHandle raw_booster = nullptr;
    DMatrixHandle caches[] = {train.get()};
    check(XGBoosterCreate(caches, 1, &raw_booster), "XGBoosterCreate", function);
    detail::Booster booster(raw_booster);
    const auto set = [&](const char* name, const std::string& value) {
      check(XGBoosterSetParam(booster.get(), name, value.c_str()), "XGBoosterSetParam", function);
    };
    if (n_classes_ == 2) {
      set("objective", "binary:logistic");
    } else {
      set("objective", "multi:softprob");
      set("num_class", std::to_string(n_classes_));
    }
    set("tree_method", "hist");
    set("max_depth", std::to_string(options_.max_depth));
    set("eta", detail::format_double(options_.eta));
    set("subsample", detail::format_double(options_.subsample));
    set("colsample_bytree", detail::format_double(options_.colsample_bytree));
    set("min_child_weight", detail::format_double(options_.min_child_weight));
    set("lambda", detail::format_double(options_.lambda));
    // XGBoost's seed is a 32-bit int parameter; fold the 64-bit seed into it.
    set("seed", std::to_string(static_cast<std::int32_t>(options_.seed ^ (options_.seed >> 32)) &
                               0x7fffffff));
    set("nthread", std::to_string(options_.threads));
    set("verbosity", "0");
    for (int round = 0; round < options_.rounds; ++round) {
      check(XGBoosterUpdateOneIter(booster.get(), round, train.get()), "XGBoosterUpdateOneIter",
            function);
    }
    booster_ = std::move(booster);
    features_ = x.cols();
  }

  /// Class probabilities, n x C (rows are items, rows sum to 1), by in-place prediction over
  /// x's buffer (no copy). float, as XGBoost computes them.
  /// @throws labelkit::state_error before fit; labelkit::dimension_mismatch if x has a different
  ///         number of columns than the training data; xgboost_error if XGBoost fails.
  [[nodiscard]] Eigen::MatrixXf predict_proba(const Features& x) const {
    constexpr const char* function = "XGBoostClassifier::predict_proba";
    if (!booster_) labelkit::detail::fail<labelkit::state_error>(function, "called before fit");
    if (x.cols() != features_) {
      labelkit::detail::fail<labelkit::dimension_mismatch>(
          function, "'x' has ", x.cols(), " columns but the model was fitted on ", features_);
    }
    Eigen::MatrixXf result(x.rows(), n_classes_);
    if (x.rows() == 0) return result;
    const std::string values = detail::array_interface(x.data(), x.rows(), x.cols());
    const std::string config = labelkit::detail::concat(
        "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, \"iteration_end\": 0, "
        "\"strict_shape\": true, \"missing\": NaN, \"cache_id\": 0}");
    const bst_ulong* shape = nullptr;
    bst_ulong dims = 0;
    const float* out = nullptr;
    check(XGBoosterPredictFromDense(booster_.get(), values.c_str(), config.c_str(), nullptr, &shape,
                                    &dims, &out),
          "XGBoosterPredictFromDense", function);
    const Eigen::Index columns = n_classes_ == 2 ? 1 : n_classes_;
    if (dims != 2 || shape[0] != static_cast<bst_ulong>(x.rows()) ||
        shape[1] != static_cast<bst_ulong>(columns)) {
      labelkit::detail::fail<labelkit::state_error>(function, "XGBoost returned an unexpected ",
                                                    dims, "-d prediction");
    }
    // The output buffer belongs to the booster and is overwritten by its next call: copy now.
    const Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>
        predicted(out, x.rows(), columns);
    if (n_classes_ == 2) {
      result.col(1) = predicted.col(0);
      result.col(0) = (1.0f - predicted.col(0).array()).matrix();
    } else {
      result = predicted;
    }
    return result;
  }

  [[nodiscard]] int n_classes() const noexcept { return n_classes_; }
  [[nodiscard]] const XGBoostOptions& options() const noexcept { return options_; }
  [[nodiscard]] bool fitted() const noexcept { return static_cast<bool>(booster_); }

 private:
  static detail::Booster copy_booster(BoosterHandle source) {
    constexpr const char* function = "XGBoostClassifier(const XGBoostClassifier&)";
    bst_ulong length = 0;
    const char* bytes = nullptr;
    check(XGBoosterSerializeToBuffer(source, &length, &bytes), "XGBoosterSerializeToBuffer",
          function);
    const std::string snapshot(bytes, static_cast<std::size_t>(length));  // copy before next call
    BoosterHandle raw = nullptr;
    check(XGBoosterCreate(nullptr, 0, &raw), "XGBoosterCreate", function);
    detail::Booster copy(raw);
    check(XGBoosterUnserializeFromBuffer(copy.get(), snapshot.data(), length),
          "XGBoosterUnserializeFromBuffer", function);
    return copy;
  }

  int n_classes_;
  XGBoostOptions options_;
  Eigen::Index features_ = 0;
  detail::Booster booster_;
};

/// A committee of XGBoost classifiers that differ in seed and row/column subsample: a
/// labelkit::CommitteeModel for vote entropy, KL disagreement and BALD. `predict_proba` is the
/// members' mean (the committee's consensus); `predict_proba_members` returns each member's.
class XGBoostCommittee {
 public:
  /// `members` boosters; member m gets a seed drawn from labelkit::Random(options.seed) and
  /// trains on a `subsample` fraction of the rows and columns per tree (bagging-like diversity).
  /// @throws labelkit::invalid_argument if members < 2 or as XGBoostClassifier.
  XGBoostCommittee(int n_classes, int members, XGBoostOptions options = {},
                   double subsample = 0.7) {
    if (members < 2) {
      labelkit::detail::fail("XGBoostCommittee", "'members' must be at least 2 (got ", members,
                             ")");
    }
    labelkit::Random random(options.seed);
    options.subsample = subsample;
    options.colsample_bytree = subsample;
    for (int m = 0; m < members; ++m) {
      options.seed = random();
      members_.emplace_back(n_classes, options);
    }
  }

  /// Fits every member on the same rows (each subsamples them with its own seed).
  /// @throws as XGBoostClassifier::fit.
  void fit(const Features& x, const std::vector<int>& labels) {
    for (auto& member : members_) member.fit(x, labels);
  }

  /// One n x C probability matrix per member.
  /// @throws as XGBoostClassifier::predict_proba.
  [[nodiscard]] std::vector<Eigen::MatrixXf> predict_proba_members(const Features& x) const {
    std::vector<Eigen::MatrixXf> out;
    out.reserve(members_.size());
    for (const auto& member : members_) out.push_back(member.predict_proba(x));
    return out;
  }

  /// The consensus: the members' mean probabilities, n x C.
  /// @throws as XGBoostClassifier::predict_proba.
  [[nodiscard]] Eigen::MatrixXf predict_proba(const Features& x) const {
    Eigen::MatrixXf sum = members_.front().predict_proba(x);
    for (std::size_t m = 1; m < members_.size(); ++m) sum += members_[m].predict_proba(x);
    return sum / static_cast<float>(members_.size());
  }

  [[nodiscard]] std::size_t size() const noexcept { return members_.size(); }

 private:
  std::vector<XGBoostClassifier> members_;
};

static_assert(labelkit::check_model<XGBoostClassifier, Features>());
static_assert(labelkit::Model<XGBoostClassifier, Features>);
static_assert(labelkit::CopyableModel<XGBoostClassifier, Features>);
static_assert(labelkit::CommitteeModel<XGBoostCommittee, Features>);

}  // namespace examples::xgb
