#include <doctest/doctest.h>

#include <vector>

#include "labelkit/core/error.hpp"
#include "labelkit/core/label_pool.hpp"

using labelkit::LabelPool;
using Ids = std::vector<labelkit::Index>;

TEST_CASE("a new pool has every item unlabeled, in ascending order") {
  LabelPool pool(5);
  CHECK(pool.size() == 5);
  CHECK(pool.labeled_count() == 0);
  CHECK(pool.unlabeled_count() == 5);
  CHECK(pool.unlabeled() == Ids{0, 1, 2, 3, 4});
  CHECK(pool.labeled().empty());
}

TEST_CASE("labeling keeps labeling order; unlabeling and relabeling are O(1) and stable") {
  LabelPool pool(6);
  pool.set_label(4, 1);
  pool.set_label(0, 2);
  pool.set_label(2, 0);
  CHECK(pool.labeled() == Ids{4, 0, 2});
  CHECK(pool.labeled_labels() == std::vector<int>{1, 2, 0});
  CHECK(pool.unlabeled() == Ids{1, 3, 5});
  CHECK(pool.is_labeled(0));
  CHECK_FALSE(pool.is_labeled(1));
  CHECK(pool.label(0) == 2);

  pool.set_label(0, 3);  // relabel keeps its place
  CHECK(pool.labeled() == Ids{4, 0, 2});
  CHECK(pool.label(0) == 3);

  pool.unlabel(0);  // middle of the list
  CHECK(pool.labeled() == Ids{4, 2});
  pool.unlabel(4);  // head
  pool.unlabel(2);  // tail, now empty
  CHECK(pool.labeled().empty());
  pool.unlabel(2);  // no-op
  pool.set_label(5, 0);
  pool.set_label(1, 0);
  CHECK(pool.labeled() == Ids{5, 1});
  CHECK(pool.labeled_count() == 2);
  CHECK(pool.unlabeled_count() == 4);
}

TEST_CASE("a long random sequence of operations matches a plain model") {
  LabelPool pool(50);
  std::vector<int> truth(50, -1);
  Ids order;
  unsigned state = 12345;
  for (int step = 0; step < 5000; ++step) {
    state = state * 1103515245u + 12345u;
    const auto item = static_cast<labelkit::Index>((state >> 8) % 50);
    if ((state >> 20) % 3 == 0) {
      pool.unlabel(item);
      if (truth[static_cast<std::size_t>(item)] >= 0) {
        std::erase(order, item);
        truth[static_cast<std::size_t>(item)] = -1;
      }
    } else {
      const int label = static_cast<int>((state >> 4) % 4);
      pool.set_label(item, label);
      if (truth[static_cast<std::size_t>(item)] < 0) order.push_back(item);
      truth[static_cast<std::size_t>(item)] = label;
    }
  }
  CHECK(pool.labeled() == order);
  for (labelkit::Index i = 0; i < 50; ++i) {
    CHECK(pool.is_labeled(i) == (truth[static_cast<std::size_t>(i)] >= 0));
    if (pool.is_labeled(i)) CHECK(pool.label(i) == truth[static_cast<std::size_t>(i)]);
  }
}

TEST_CASE("bad pool calls name the item") {
  LabelPool pool(3);
  CHECK_THROWS_WITH_AS(pool.set_label(3, 0),
                       "labelkit: LabelPool::set_label(): item 3 is out of range (pool size 3)",
                       labelkit::invalid_argument);
  CHECK_THROWS_AS((void)pool.is_labeled(-1), labelkit::invalid_argument);
  CHECK_THROWS_WITH(pool.set_label(1, -2), doctest::Contains("'label' is negative for item 1"));
  CHECK_THROWS_AS((void)pool.label(1), labelkit::state_error);
  CHECK_THROWS_AS(LabelPool(-1), labelkit::invalid_argument);
}
