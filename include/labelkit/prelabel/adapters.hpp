#pragma once
/// @file
/// Ready-made pre-labelers: from a callable (a lambda labeling one item or a whole batch), and
/// from any probabilistic `labelkit` model (predict_proba -> label, confidence, probabilities).

#include <Eigen/Core>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <memory>
#include <mutex>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/model.hpp"
#include "labelkit/core/rows.hpp"
#include "labelkit/prelabel/prelabeler.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace prelabel {

/// A callable that labels a whole batch: `f(std::span<const Item>) -> std::vector<PreLabel>`.
template <class F, class Item>
concept BatchLabelFunction = requires(F& f, std::span<const Item> items) {
  { f(items) } -> std::convertible_to<std::vector<PreLabel>>;
};

/// A callable that labels one item: `f(const Item&) -> PreLabel`.
template <class F, class Item>
concept ItemLabelFunction = requires(F& f, const Item& item) {
  { f(item) } -> std::convertible_to<PreLabel>;
};

/// A PreLabeler that forwards to a callable. A batch callable is called once per batch; an item
/// callable once per item, in order (if it throws, the whole batch fails and is retried).
///
/// Thread safety: the callable is invoked as is, possibly from several threads at once when the
/// runner's concurrency is > 1; it must then be safe to call concurrently (a stateless lambda
/// is).
template <class Item, class F>
requires BatchLabelFunction<F, Item> || ItemLabelFunction<F, Item>
class CallablePreLabeler final : public PreLabeler<Item> {
 public:
  /// Wraps `function` (moved in).
  explicit CallablePreLabeler(F function) : function_(std::move(function)) {}

  std::vector<PreLabel> label_batch(std::span<const Item> items) override {
    if constexpr (BatchLabelFunction<F, Item>) {
      return function_(items);
    } else {
      std::vector<PreLabel> out;
      out.reserve(items.size());
      for (const Item& item : items) out.push_back(function_(item));
      return out;
    }
  }

 private:
  F function_;
};

/// A pre-labeler over `Item` from a lambda labeling one item or a batch:
///
///     auto rules = prelabel::make_prelabeler<std::string>([](const std::string& text) {
///       prelabel::PreLabel p;  // label -1: no answer
///       if (text.find("refund") != std::string::npos) {
///         p.label = 2;
///         p.confidence = 0.9;
///       }
///       return p;
///     });
template <class Item, class F>
requires BatchLabelFunction<std::decay_t<F>, Item> || ItemLabelFunction<std::decay_t<F>, Item>
[[nodiscard]] CallablePreLabeler<Item, std::decay_t<F>> make_prelabeler(F&& function) {
  return CallablePreLabeler<Item, std::decay_t<F>>(std::forward<F>(function));
}

/// A pre-labeler from a probabilistic model over a feature set. Items are row ids
/// (`Eigen::Index`) into `features` (rows are items); a batch of ids is selected with
/// `labelkit::select_rows` and passed to `model.predict_proba`. Each row p of the result gives
/// label = argmax p (ties to the lower class), confidence = max p, probabilities = p.
///
/// An optional temperature T (from `fit_temperature` in `calibration.hpp`) rescales each row as
/// p_c^(1/T) / sum_c' p_c'^(1/T) — temperature scaling applied to log-probabilities — before the
/// label and confidence are read off.
///
/// The model and features are held by reference and must outlive the adapter. Thread safety:
/// calls to predict_proba are serialised with an internal mutex (models are rarely safe to call
/// concurrently), so any runner concurrency is safe but brings no speed-up for this adapter.
///
/// A batch fails (the runner retries it, then reports its items failed) if an id is out of range,
/// or the model returns a matrix of the wrong shape, or a row that is not a distribution.
template <class M, class X>
requires HasPredictProba<M, X> && RowSelectable<X>
class ModelPreLabeler final : public PreLabeler<Eigen::Index> {
 public:
  /// @throws labelkit::invalid_argument if temperature is not finite and > 0.
  ModelPreLabeler(M& model, const X& features, double temperature = 1.0)
      : model_(&model), features_(&features), temperature_(temperature) {
    if (!(temperature > 0.0 && std::isfinite(temperature))) {
      labelkit::detail::fail("ModelPreLabeler", "'temperature' must be finite and > 0 (got ",
                             temperature, ")");
    }
  }

  /// The temperature applied to the model's probabilities.
  [[nodiscard]] double temperature() const noexcept { return temperature_; }

  std::vector<PreLabel> label_batch(std::span<const Eigen::Index> ids) override {
    const Eigen::Index n = row_count(*features_);
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (ids[i] < 0 || ids[i] >= n) {
        labelkit::detail::fail("ModelPreLabeler::label_batch", "item ", i, " has row id ", ids[i],
                               " (expected 0 <= id < ", n, ")");
      }
    }
    std::vector<PreLabel> out;
    if (ids.empty()) return out;
    const auto selected = select_rows(*features_, ids);
    Eigen::MatrixXd p;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      p = model_->predict_proba(selected).template cast<double>();
    }
    if (p.rows() != static_cast<Eigen::Index>(ids.size()) || p.cols() < 1) {
      labelkit::detail::fail<dimension_mismatch>("ModelPreLabeler::label_batch",
                                                 "predict_proba returned ", p.rows(), " x ",
                                                 p.cols(), " (expected ", ids.size(), " rows)");
    }
    out.reserve(ids.size());
    for (Eigen::Index r = 0; r < p.rows(); ++r) {
      PreLabel label;
      label.probabilities.resize(static_cast<std::size_t>(p.cols()));
      if (temperature_ != 1.0) rescale(p, r);
      for (Eigen::Index c = 0; c < p.cols(); ++c) {
        label.probabilities[static_cast<std::size_t>(c)] = p(r, c);
        if (p(r, c) > label.confidence || label.label < 0) {
          label.label = static_cast<int>(c);
          label.confidence = p(r, c);
        }
      }
      out.push_back(std::move(label));
    }
    return out;
  }

 private:
  // p_c^(1/T) normalised, computed as softmax(log p / T) with the row maximum factored out;
  // log 0 = -inf stays 0.
  void rescale(Eigen::MatrixXd& p, Eigen::Index r) const {
    const double max = p.row(r).maxCoeff();
    if (!(max > 0.0)) return;  // not a distribution; the runner rejects the row
    double sum = 0.0;
    for (Eigen::Index c = 0; c < p.cols(); ++c) {
      const double v =
          p(r, c) > 0.0 ? std::exp((std::log(p(r, c)) - std::log(max)) / temperature_) : 0.0;
      p(r, c) = v;
      sum += v;
    }
    p.row(r) /= sum;
  }

  M* model_;
  const X* features_;
  double temperature_;
  std::mutex mutex_;
};

/// A `ModelPreLabeler` over `model` and `features` (deduces the types).
template <class M, class X>
requires HasPredictProba<M, X> && RowSelectable<X>
[[nodiscard]] std::unique_ptr<ModelPreLabeler<M, X>> make_model_prelabeler(
    M& model, const X& features, double temperature = 1.0) {
  return std::make_unique<ModelPreLabeler<M, X>>(model, features, temperature);
}

}  // namespace prelabel
LABELKIT_END_NAMESPACE
