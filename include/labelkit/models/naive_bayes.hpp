#pragma once
/// @file
/// Gaussian naive Bayes: a cheap reference `labelkit::Model` matching scikit-learn's
/// `GaussianNB()`.
///
///     labelkit::models::GaussianNaiveBayes model;
///     model.fit(x, labels);                               // x: n x d, labels 0..C-1
///     Eigen::MatrixXd p = model.predict_proba(x_pool);    // n x n_classes, rows sum to 1

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numbers>
#include <span>
#include <type_traits>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/detail/dependent.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/models/detail/fit_input.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace models {

/// Settings of GaussianNaiveBayes.
struct GaussianNaiveBayesOptions {
  /// Columns of predict_proba: 0 (the default) means max(label) + 1 of each fit; a larger value
  /// fixes the count up front. Labels >= a positive n_classes are rejected. At most
  /// labelkit::max_classes, which also bounds every label.
  Eigen::Index n_classes = 0;
  /// Added to every variance: var_smoothing · (largest per-feature variance of all of x), as
  /// scikit-learn's `var_smoothing` (default 1e-9).
  double var_smoothing = 1e-9;
};

/// Gaussian naive Bayes over Eigen feature matrices (rows are items).
///
/// Fit: per present class c, prior π_c = n_c / n, mean μ_cj and variance σ²_cj = (1/n_c)
/// Σ (x_ij − μ_cj)² + ε with ε = var_smoothing · max_j Var(x_·j) (two-pass variances, as
/// scikit-learn's). Predict: joint log-likelihood
/// ln π_c − ½ Σ_j ln(2π σ²_cj) − ½ Σ_j (x_j − μ_cj)² / σ²_cj, normalised with log-sum-exp.
///
/// Classes absent from the labels get probability exactly 0 (log-probability −∞); the column
/// count is max(label) + 1 or the larger `n_classes` option. With one present class that class
/// gets probability 1. If every feature is constant (ε = 0) a zero variance remains: fit throws.
///
/// Cost: fit O(n·d), predict O(n·d·K). Thread safety: const members may run concurrently.
class GaussianNaiveBayes {
 public:
  /// @throws labelkit::invalid_argument if an option is out of range.
  /// (A constructor template with nothing to deduce, so that the Eigen members' code is compiled
  /// only where a model is constructed.)
  template <class = void>
  explicit GaussianNaiveBayes(GaussianNaiveBayesOptions options = {}) : options_(options) {
    detail::check_requested_classes(options.n_classes, "GaussianNaiveBayes");
    if (!(options.var_smoothing >= 0.0) || !std::isfinite(options.var_smoothing)) {
      labelkit::detail::fail("GaussianNaiveBayes", "'options.var_smoothing' must be >= 0 (got ",
                             options.var_smoothing, ")");
    }
  }

  /// Fixes the number of probability columns for the following fits (0: max(label) + 1).
  /// @throws labelkit::invalid_argument if n_classes < 0 or > labelkit::max_classes.
  void set_n_classes(Eigen::Index n_classes) {
    detail::check_requested_classes(n_classes, "GaussianNaiveBayes::set_n_classes");
    options_.n_classes = n_classes;
  }

  /// Fits per-class means, variances and priors. `x` is n x d (rows are items; float or double,
  /// any layout or expression); `labels` holds one class index >= 0 per row. O(n·d).
  /// @throws labelkit::invalid_argument if x is empty or has a non-finite value (names the row
  ///         and column), a label is negative, >= labelkit::max_classes or >= a positive n_classes
  ///         (names the row), or a
  ///         variance is 0 after smoothing (all features constant);
  ///         labelkit::dimension_mismatch if labels.size() != x.rows().
  template <class Derived>
  void fit(const Eigen::MatrixBase<Derived>& x, std::span<const int> labels) {
    static_assert(std::is_floating_point_v<typename Derived::Scalar>,
                  "GaussianNaiveBayes::fit: features must be float or double");
    constexpr const char* function = "GaussianNaiveBayes::fit";
    // Eigen types spelled through Derived: the expressions below are compiled where fit is.
    using Matrix = detail::dependent_t<Eigen::MatrixXd, Derived>;
    using Vector = detail::dependent_t<Eigen::VectorXd, Derived>;
    using RowVector = detail::dependent_t<Eigen::RowVectorXd, Derived>;
    detail::ClassLayout layout = detail::check_fit_input(x, labels, options_.n_classes, function);
    const Eigen::Index n = x.rows();
    const Eigen::Index d = x.cols();
    const auto k = static_cast<Eigen::Index>(layout.present.size());
    const Matrix xd = x.derived().template cast<double>();

    // ε from the variance of every feature over all rows (two passes).
    const RowVector overall_mean = xd.colwise().mean();
    const double max_variance =
        (xd.rowwise() - overall_mean).array().square().colwise().mean().maxCoeff();
    const double epsilon = options_.var_smoothing * max_variance;

    Matrix mean = Matrix::Zero(k, d);
    Matrix variance = Matrix::Zero(k, d);
    for (Eigen::Index i = 0; i < n; ++i) {
      mean.row(layout.position[static_cast<std::size_t>(labels[static_cast<std::size_t>(i)])]) +=
          xd.row(i);
    }
    for (Eigen::Index c = 0; c < k; ++c) {
      mean.row(c) /= static_cast<double>(layout.count[static_cast<std::size_t>(c)]);
    }
    for (Eigen::Index i = 0; i < n; ++i) {
      const Eigen::Index c =
          layout.position[static_cast<std::size_t>(labels[static_cast<std::size_t>(i)])];
      variance.row(c).array() += (xd.row(i) - mean.row(c)).array().square();
    }
    for (Eigen::Index c = 0; c < k; ++c) {
      variance.row(c) /= static_cast<double>(layout.count[static_cast<std::size_t>(c)]);
    }
    variance.array() += epsilon;
    for (Eigen::Index c = 0; c < k; ++c) {
      for (Eigen::Index j = 0; j < d; ++j) {
        if (!(variance(c, j) > 0.0)) {
          labelkit::detail::fail(function, "class ", layout.present[static_cast<std::size_t>(c)],
                                 " has zero variance in feature ", j,
                                 " after smoothing (every feature of 'x' is constant)");
        }
      }
    }
    Vector log_prior(k);
    for (Eigen::Index c = 0; c < k; ++c) {
      log_prior(c) = std::log(static_cast<double>(layout.count[static_cast<std::size_t>(c)]) /
                              static_cast<double>(n));
    }

    inverse_variance_ = variance.cwiseInverse();
    // Constant part of each class's log-likelihood: ln π_c − ½ Σ_j ln(2π σ²_cj).
    log_normaliser_ =
        log_prior -
        0.5 * (2.0 * std::numbers::pi * variance.array()).log().rowwise().sum().matrix();
    mean_ = std::move(mean);
    variance_ = std::move(variance);
    log_prior_ = std::move(log_prior);
    epsilon_ = epsilon;
    layout_ = std::move(layout);
    n_features_ = d;
    fitted_ = true;
  }

  /// Overload for a `std::vector<int>` of labels (the Model concept's form).
  template <class Derived>
  void fit(const Eigen::MatrixBase<Derived>& x, const std::vector<int>& labels) {
    fit(x, std::span<const int>(labels));
  }

  /// Log-probabilities, n x n_classes (rows are items), in the input's scalar type: the joint
  /// log-likelihood minus its log-sum-exp over the present classes; −∞ for absent classes.
  /// O(n·d·K).
  /// @throws labelkit::state_error before fit(); labelkit::dimension_mismatch if x.cols() differs
  ///         from the fitted feature count; labelkit::invalid_argument on a non-finite feature.
  template <class Derived>
  [[nodiscard]] Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, Eigen::Dynamic>
  predict_log_proba(const Eigen::MatrixBase<Derived>& x) const {
    using Scalar = typename Derived::Scalar;
    detail::check_predict_input(x, fitted_, n_features_, "GaussianNaiveBayes::predict_log_proba");
    const detail::dependent_t<Eigen::MatrixXd, Derived> z = normalised_log_likelihood(x);
    Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> out =
        Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>::Constant(
            x.rows(), layout_.n_columns, -std::numeric_limits<Scalar>::infinity());
    for (std::size_t c = 0; c < layout_.present.size(); ++c) {
      out.col(layout_.present[c]) = z.col(static_cast<Eigen::Index>(c)).template cast<Scalar>();
    }
    return out;
  }

  /// Class probabilities, n x n_classes (rows are items, rows sum to 1), in the input's scalar
  /// type (computed in double): exp of predict_log_proba; absent classes exactly 0. O(n·d·K).
  /// @throws as predict_log_proba.
  template <class Derived>
  [[nodiscard]] Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, Eigen::Dynamic>
  predict_proba(const Eigen::MatrixBase<Derived>& x) const {
    using Scalar = typename Derived::Scalar;
    detail::check_predict_input(x, fitted_, n_features_, "GaussianNaiveBayes::predict_proba");
    const detail::dependent_t<Eigen::MatrixXd, Derived> z =
        normalised_log_likelihood(x).array().exp().matrix();
    Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> out =
        Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>::Zero(x.rows(), layout_.n_columns);
    for (std::size_t c = 0; c < layout_.present.size(); ++c) {
      out.col(layout_.present[c]) = z.col(static_cast<Eigen::Index>(c)).template cast<Scalar>();
    }
    return out;
  }

  /// Per-class means, one row per present class (scikit-learn's `theta_`).
  /// @throws labelkit::state_error before fit().
  [[nodiscard]] const Eigen::MatrixXd& means() const {
    require_fitted("GaussianNaiveBayes::means");
    return mean_;
  }

  /// Per-class variances including ε, one row per present class (scikit-learn's `var_`).
  /// @throws labelkit::state_error before fit().
  [[nodiscard]] const Eigen::MatrixXd& variances() const {
    require_fitted("GaussianNaiveBayes::variances");
    return variance_;
  }

  /// Class priors n_c / n of the present classes (scikit-learn's `class_prior_`).
  /// @throws labelkit::state_error before fit().
  /// A function template (`Scalar` defaults to double, the stored type) so that its Eigen code
  /// is compiled only where it is called.
  template <class Scalar = double>
  [[nodiscard]] Eigen::Matrix<Scalar, Eigen::Dynamic, 1> priors() const {
    require_fitted("GaussianNaiveBayes::priors");
    return log_prior_.template cast<Scalar>().array().exp().matrix();
  }

  /// The variance added to every class and feature (scikit-learn's `epsilon_`).
  [[nodiscard]] double epsilon() const noexcept { return epsilon_; }

  /// The classes present in the last fit's labels, ascending (scikit-learn's `classes_`).
  [[nodiscard]] const std::vector<int>& classes() const noexcept { return layout_.present; }

  /// Columns of predict_proba after the last fit (0 before any fit).
  [[nodiscard]] Eigen::Index n_classes() const noexcept { return layout_.n_columns; }

  /// Feature count of the last fit (0 before any fit).
  [[nodiscard]] Eigen::Index n_features() const noexcept { return n_features_; }

  /// Whether the model has been fitted.
  [[nodiscard]] bool is_fitted() const noexcept { return fitted_; }
  /// The settings in use: as constructed, with any `set_n_classes` change.
  [[nodiscard]] const GaussianNaiveBayesOptions& options() const noexcept { return options_; }

 private:
  /// n x K: joint log-likelihood of the present classes minus its row-wise log-sum-exp.
  template <class Derived>
  [[nodiscard]] Eigen::MatrixXd normalised_log_likelihood(
      const Eigen::MatrixBase<Derived>& x) const {
    using Matrix = detail::dependent_t<Eigen::MatrixXd, Derived>;
    using Vector = detail::dependent_t<Eigen::VectorXd, Derived>;
    const Matrix& mean = mean_;
    const Matrix& inverse_variance = inverse_variance_;
    const Vector& log_normaliser = log_normaliser_;
    const Eigen::Index n = x.rows();
    const Eigen::Index k = mean.rows();
    const Matrix xd = x.derived().template cast<double>();
    // Σ_j (x_j − μ_cj)² / σ²_cj = Σ_j x_j² / σ²_cj − 2 Σ_j x_j μ_cj / σ²_cj + Σ_j μ_cj² / σ²_cj
    // would be faster but cancels badly when σ² is tiny (ε ~ 1e-9), so the direct form is used.
    Matrix z(n, k);
    for (Eigen::Index c = 0; c < k; ++c) {
      z.col(c) = ((xd.rowwise() - mean.row(c)).array().square().rowwise() *
                  inverse_variance.row(c).array())
                     .rowwise()
                     .sum()
                     .matrix();
      z.col(c) = (-0.5 * z.col(c).array() + log_normaliser(c)).matrix();
    }
    const Vector row_max = z.rowwise().maxCoeff();
    const Vector log_sum =
        row_max.array() + (z.colwise() - row_max).array().exp().rowwise().sum().log();
    z.colwise() -= log_sum;
    return z;
  }

  void require_fitted(const char* function) const {
    if (!fitted_) {
      labelkit::detail::fail<state_error>(function, "the model is not fitted (call fit() first)");
    }
  }

  GaussianNaiveBayesOptions options_;
  bool fitted_ = false;
  Eigen::Index n_features_ = 0;
  double epsilon_ = 0.0;
  detail::ClassLayout layout_;
  Eigen::MatrixXd mean_;              // K x d
  Eigen::MatrixXd variance_;          // K x d, including epsilon
  Eigen::MatrixXd inverse_variance_;  // K x d
  Eigen::VectorXd log_prior_;         // K
  Eigen::VectorXd log_normaliser_;    // K
};

}  // namespace models
LABELKIT_END_NAMESPACE
