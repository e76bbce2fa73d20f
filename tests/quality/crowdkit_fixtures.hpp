#pragma once
// crowd-kit's test fixtures (crowd-kit 1.4.1+9, commit 35f06615, tests/conftest.py), as
// labelkit annotations: tasks, workers and labels are numbered in sorted order of their names.
// Produced once by
//   tasks, workers, labels = sorted(df.task.unique()), sorted(df.worker.unique()),
//                            sorted(df.label.unique())
//   rows = [(tasks.index(t), workers.index(w), labels.index(l))
//           for t, w, l in zip(df.task, df.worker, df.label)]
// in crowd-kit's row order (which matters for nothing here but is kept).
#include <vector>

#include "labelkit/core/annotation.hpp"
#include "labelkit/core/gold_label.hpp"

namespace crowdkit_fixtures {

/// toy_answers_df: tasks t1..t5, workers w1..w5, labels no = 0, yes = 1.
inline std::vector<labelkit::Annotation> toy_answers() {
  return {{0, 0, 0}, {1, 0, 1}, {2, 0, 1}, {3, 0, 1}, {4, 0, 1}, {0, 1, 1}, {1, 1, 1}, {2, 1, 0},
          {3, 1, 1}, {4, 1, 0}, {1, 2, 1}, {2, 2, 0}, {3, 2, 1}, {4, 2, 0}, {0, 3, 1}, {1, 3, 0},
          {2, 3, 1}, {3, 3, 1}, {4, 3, 0}, {0, 4, 0}, {1, 4, 0}, {2, 4, 0}, {3, 4, 1}, {4, 4, 0}};
}

/// toy_ground_truth_df: yes, yes, no, yes, no.
inline std::vector<int> toy_truth() { return {1, 1, 0, 1, 0}; }

/// toy_gold_df: t1 = yes, t2 = yes.
inline std::vector<labelkit::GoldLabel> toy_gold() { return {{0, 1}, {1, 1}}; }

/// simple_answers_df: 10 tasks, 6 workers (0 = 0c3eb7d5..., 5 = e563e2fb...), labels
/// chicken = 0, goose = 1, parrot = 2.
inline std::vector<labelkit::Annotation> simple_answers() {
  return {{2, 4, 1}, {3, 4, 2}, {6, 4, 1}, {7, 4, 1}, {5, 4, 2}, {9, 4, 2}, {3, 3, 2},
          {1, 3, 0}, {8, 3, 2}, {4, 3, 0}, {0, 3, 0}, {6, 3, 1}, {1, 2, 0}, {2, 2, 1},
          {7, 2, 1}, {5, 2, 2}, {9, 2, 2}, {2, 1, 1}, {1, 1, 0}, {6, 1, 1}, {0, 1, 0},
          {2, 0, 2}, {3, 0, 2}, {8, 0, 2}, {4, 0, 2}, {0, 0, 2}, {7, 0, 2}, {3, 5, 2},
          {1, 5, 1}, {5, 5, 2}, {9, 5, 2}, {8, 5, 2}, {4, 5, 1}};
}

/// simple_ground_truth, in task order.
inline std::vector<int> simple_truth() { return {0, 0, 1, 2, 0, 2, 1, 1, 2, 2}; }

/// simple_gold_df: tasks ...3eec = goose, ...3efb = parrot, ...3ee8 = chicken.
inline std::vector<labelkit::GoldLabel> simple_gold() { return {{2, 1}, {3, 2}, {1, 0}}; }

}  // namespace crowdkit_fixtures
