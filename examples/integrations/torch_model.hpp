#pragma once
// A libtorch multilayer perceptron behind labelkit's Model concept, with the two optional
// capabilities deep active learning uses: MC-dropout passes as a committee (labelkit::
// CommitteeModel, for BALD) and the penultimate layer as an embedding (labelkit::EmbeddingModel,
// for BADGE and core-set). Not part of the library: an example adapter a user copies and adjusts.
//
//     examples::torch_mlp::TorchMLP model({.inputs = 64, .classes = 10, .seed = 3});
//     model.fit(x, labels);                                  // x: float, row-major, rows are items
//     Eigen::MatrixXf p = model.predict_proba(x);            // dropout off
//     auto passes = model.predict_proba_members(x);          // T passes, dropout on
//     Eigen::MatrixXf h = model.embed(x);                    // n x hidden, penultimate layer
//
// Eigen and torch share buffers where they can: inputs enter as torch::from_blob over the Eigen
// matrix (no copy), outputs leave through an Eigen::Map over the contiguous result tensor.

#include <torch/torch.h>

#include <Eigen/Core>
#include <cstdint>
#include <memory>
#include <vector>

#include "labelkit/core/error.hpp"
#include "labelkit/core/model.hpp"

namespace examples::torch_mlp {

/// Float32, row-major, rows are items: torch's own layout for a 2-d CPU tensor.
using Features = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct MLPOptions {
  int inputs = 64;
  int classes = 10;
  int hidden = 128;      ///< first hidden layer
  int embedding = 64;    ///< second hidden layer: the penultimate embedding
  double dropout = 0.3;  ///< before each of the two last linear layers
  int epochs = 60;       ///< full-batch Adam steps per fit (the labeled set is small)
  double learning_rate = 0.02;
  double weight_decay = 1e-4;
  int mc_passes = 10;  ///< T, the committee size of predict_proba_members
  std::uint64_t seed = 0;
};

/// An MLP inputs -> hidden -> embedding -> classes (ReLU, dropout), retrained from a seeded
/// initialisation at every fit, as in the deep active-learning papers.
class TorchMLP {
 public:
  explicit TorchMLP(MLPOptions options) : options_(options) {
    if (options.inputs < 1 || options.classes < 2 || options.hidden < 1 || options.embedding < 1 ||
        options.epochs < 1 || options.mc_passes < 2) {
      labelkit::detail::fail("TorchMLP",
                             "invalid options (inputs, classes >= 2, hidden, "
                             "embedding, epochs, mc_passes >= 2 must be positive)");
    }
  }

  /// Deep copy: the copy's network is a clone, never shared with the original.
  TorchMLP(const TorchMLP& other) : options_(other.options_), fits_(other.fits_) {
    if (other.body_) {
      body_ = torch::nn::Sequential(
          std::dynamic_pointer_cast<torch::nn::SequentialImpl>(other.body_->clone()));
      head_ =
          torch::nn::Linear(std::dynamic_pointer_cast<torch::nn::LinearImpl>(other.head_->clone()));
    }
  }
  TorchMLP& operator=(const TorchMLP& other) {
    if (this != &other) *this = TorchMLP(other);
    return *this;
  }
  TorchMLP(TorchMLP&&) noexcept = default;
  TorchMLP& operator=(TorchMLP&&) noexcept = default;
  ~TorchMLP() = default;

  /// Trains a freshly initialised network (seed = options.seed + fit count) with full-batch
  /// Adam on cross-entropy for `epochs` steps.
  /// @throws labelkit::dimension_mismatch if x has the wrong width or labels.size() != n;
  ///         labelkit::invalid_argument if n = 0 or a label is outside 0..C-1.
  void fit(const Features& x, const std::vector<int>& labels) {
    constexpr const char* function = "TorchMLP::fit";
    check_width(x, function);
    if (x.rows() != static_cast<Eigen::Index>(labels.size())) {
      labelkit::detail::fail<labelkit::dimension_mismatch>(
          function, "'x' has ", x.rows(), " rows but 'labels' has ", labels.size(), " entries");
    }
    if (x.rows() == 0) labelkit::detail::fail(function, "'x' has no rows");
    std::vector<std::int64_t> y(labels.size());
    for (std::size_t i = 0; i < labels.size(); ++i) {
      if (labels[i] < 0 || labels[i] >= options_.classes) {
        labelkit::detail::fail(function, "'labels' has ", labels[i], " at position ", i,
                               " (expected 0..", options_.classes - 1, ")");
      }
      y[i] = labels[i];
    }
    torch::manual_seed(options_.seed + 1000003ULL * fits_++);
    body_ = torch::nn::Sequential(torch::nn::Linear(options_.inputs, options_.hidden),
                                  torch::nn::ReLU(), torch::nn::Dropout(options_.dropout),
                                  torch::nn::Linear(options_.hidden, options_.embedding),
                                  torch::nn::ReLU());
    head_ = torch::nn::Linear(options_.embedding, options_.classes);
    std::vector<torch::Tensor> parameters = body_->parameters();
    for (auto& p : head_->parameters()) parameters.push_back(p);
    torch::optim::Adam optimiser(
        parameters,
        torch::optim::AdamOptions(options_.learning_rate).weight_decay(options_.weight_decay));
    const torch::Tensor inputs = as_tensor(x);
    const torch::Tensor targets =
        torch::from_blob(y.data(), {static_cast<std::int64_t>(y.size())}, torch::kInt64);
    body_->train();
    head_->train();
    for (int epoch = 0; epoch < options_.epochs; ++epoch) {
      optimiser.zero_grad();
      const torch::Tensor loss = torch::nn::functional::cross_entropy(logits(inputs), targets);
      loss.backward();
      optimiser.step();
    }
  }

  /// Class probabilities with dropout off: n x C, rows are items, rows sum to 1.
  /// @throws labelkit::state_error before fit; labelkit::dimension_mismatch for a wrong width.
  [[nodiscard]] Eigen::MatrixXf predict_proba(const Features& x) {
    check_fitted("TorchMLP::predict_proba");
    check_width(x, "TorchMLP::predict_proba");
    torch::NoGradGuard no_grad;
    set_dropout(false);
    return to_eigen(torch::softmax(logits(as_tensor(x)), 1));
  }

  /// T = options.mc_passes stochastic passes with dropout on (MC dropout, Gal & Ghahramani
  /// 2016): one n x C probability matrix per pass, the committee of labelkit::query::bald. The
  /// dropout masks are seeded per call, so a query is reproducible.
  /// @throws as predict_proba.
  [[nodiscard]] std::vector<Eigen::MatrixXf> predict_proba_members(const Features& x) {
    check_fitted("TorchMLP::predict_proba_members");
    check_width(x, "TorchMLP::predict_proba_members");
    torch::NoGradGuard no_grad;
    torch::manual_seed(options_.seed ^ (0x9e3779b97f4a7c15ULL + static_cast<std::uint64_t>(fits_)));
    set_dropout(true);
    const torch::Tensor inputs = as_tensor(x);
    std::vector<Eigen::MatrixXf> passes;
    passes.reserve(static_cast<std::size_t>(options_.mc_passes));
    for (int t = 0; t < options_.mc_passes; ++t) {
      passes.push_back(to_eigen(torch::softmax(logits(inputs), 1)));
    }
    set_dropout(false);
    return passes;
  }

  /// The penultimate layer (dropout off): n x embedding, rows are items. BADGE pairs it with
  /// predict_proba; core-set measures distances in it.
  /// @throws as predict_proba.
  [[nodiscard]] Eigen::MatrixXf embed(const Features& x) {
    check_fitted("TorchMLP::embed");
    check_width(x, "TorchMLP::embed");
    torch::NoGradGuard no_grad;
    set_dropout(false);
    return to_eigen(body_->forward(as_tensor(x)));
  }

 private:
  /// A tensor viewing x's buffer (no copy; torch only reads it).
  static torch::Tensor as_tensor(const Features& x) {
    return torch::from_blob(const_cast<float*>(x.data()), {x.rows(), x.cols()}, torch::kFloat32);
  }

  static Eigen::MatrixXf to_eigen(const torch::Tensor& t) {
    const torch::Tensor c = t.contiguous();
    return Eigen::Map<const Features>(c.data_ptr<float>(), c.size(0), c.size(1));
  }

  torch::Tensor logits(const torch::Tensor& inputs) {
    return head_->forward(
        torch::dropout(body_->forward(inputs), options_.dropout, body_->is_training()));
  }

  void set_dropout(bool on) {
    body_->train(on);
    head_->train(on);
  }

  void check_fitted(const char* function) const {
    if (!body_) labelkit::detail::fail<labelkit::state_error>(function, "called before fit");
  }

  void check_width(const Features& x, const char* function) const {
    if (x.cols() != options_.inputs) {
      labelkit::detail::fail<labelkit::dimension_mismatch>(
          function, "'x' has ", x.cols(), " columns (expected ", options_.inputs, ")");
    }
  }

  MLPOptions options_;
  std::uint64_t fits_ = 0;
  torch::nn::Sequential body_{nullptr};
  torch::nn::Linear head_{nullptr};
};

static_assert(labelkit::check_model<TorchMLP, Features>());
static_assert(labelkit::CommitteeModel<TorchMLP, Features>);
static_assert(labelkit::EmbeddingModel<TorchMLP, Features>);
static_assert(labelkit::CopyableModel<TorchMLP, Features>);

}  // namespace examples::torch_mlp
