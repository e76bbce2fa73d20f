#pragma once
// A pool too large to ship, generated deterministically item by item: any process can regenerate
// any item from its id alone, so shards need no communication and a checker can rebuild the whole
// pool in chunks. Used by the MPI and the mmap examples. Not part of the library.
//
// Probabilities: item i's class-c logit is a hash of (i, c) mapped to [-1, 1), times a per-item
// sharpness in [0.5, 8), then a softmax: sharp items are confident, flat items are uncertain, so
// the entropy scores spread over [0, ln C].
// Embeddings: item i sits near one of 32 cluster centres (hashed per cluster and dimension, in
// [-4, 4)) with a per-coordinate offset in [-1, 1): a clustered cloud, as penultimate layers are.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>

namespace examples::pool {

/// SplitMix64 (Steele, Lea & Flood 2014): a bijective 64-bit mixer; consecutive inputs give
/// independent-looking outputs.
[[nodiscard]] constexpr std::uint64_t mix(std::uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/// A float in [0, 1) from the top 24 bits of a hash (exact in float).
[[nodiscard]] constexpr float unit(std::uint64_t hash) noexcept {
  return static_cast<float>(hash >> 40) * (1.0f / 16777216.0f);
}

/// Writes the class probabilities of items first .. first+rows-1 into `out` (rows x classes,
/// row-major, contiguous). Each row depends on its item id only, never on the chunk it is in.
inline void fill_probabilities(std::int64_t first, std::int64_t rows, int classes,
                               std::uint64_t seed, float* out) {
  for (std::int64_t r = 0; r < rows; ++r) {
    const auto id = static_cast<std::uint64_t>(first + r);
    const std::uint64_t item = mix(seed ^ mix(id));
    const float sharpness = 0.5f + 7.5f * unit(item);
    float* row = out + r * classes;
    float largest = -1e30f;
    for (int c = 0; c < classes; ++c) {
      row[c] = sharpness * (2.0f * unit(mix(item + static_cast<std::uint64_t>(c) + 1)) - 1.0f);
      largest = std::max(largest, row[c]);
    }
    float sum = 0.0f;
    for (int c = 0; c < classes; ++c) {
      row[c] = std::exp(row[c] - largest);
      sum += row[c];
    }
    const float inverse = 1.0f / sum;
    for (int c = 0; c < classes; ++c) row[c] *= inverse;
  }
}

/// The embeddings of items first .. first+rows-1 (rows x dims, any Eigen dense matrix).
template <class Matrix>
void fill_embeddings(std::int64_t first, std::int64_t rows, std::uint64_t seed, Matrix& out) {
  constexpr std::uint64_t clusters = 32;
  const auto dims = static_cast<int>(out.cols());
  for (std::int64_t r = 0; r < rows; ++r) {
    const std::uint64_t item = mix(seed ^ mix(static_cast<std::uint64_t>(first + r)));
    const std::uint64_t cluster = item % clusters;
    for (int j = 0; j < dims; ++j) {
      const auto jj = static_cast<std::uint64_t>(j);
      const float centre = 8.0f * unit(mix(seed + 1000003 * (cluster + 1) + jj)) - 4.0f;
      const float offset = 2.0f * unit(mix(item + jj + 1)) - 1.0f;
      out(static_cast<Eigen::Index>(r), j) = static_cast<typename Matrix::Scalar>(centre + offset);
    }
  }
}

}  // namespace examples::pool
