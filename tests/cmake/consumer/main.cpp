// A consumer that uses labelkit the way a user's project would: the umbrella header, one
// uncertainty score and top_k.
#include <labelkit/labelkit.hpp>

#include <Eigen/Core>
#include <iostream>

int main() {
  Eigen::MatrixXd p(3, 2);
  p << 0.9, 0.1, 0.5, 0.5, 0.7, 0.3;
  const auto picked = labelkit::query::top_k(labelkit::query::entropy(p), 1);
  std::cout << "labelkit " << LABELKIT_VERSION_STRING << " picked item " << picked.at(0) << "\n";
  return picked.at(0) == 1 ? 0 : 1;
}
