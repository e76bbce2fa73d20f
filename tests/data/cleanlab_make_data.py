# cleanlab's tests/test_filter_count.py::make_data() fixture (seed 1: 160 items, 3 classes,
# noisy labels from a noise matrix of trace 2.4, 3-fold out-of-sample logistic-regression
# probabilities), for labelkit's label-issue tests (tests/quality/label_issues_test.cpp).
# Run once from the cleanlab source tree (commit 750625747de1b26d8530954f51f0530bd0b51d3c):
#   cd /tmp/peers/cleanlab && PYTHONPATH=.:tests /usr/bin/python3 <labelkit>/tests/data/cleanlab_make_data.py <labelkit>/tests/data/cleanlab_make_data.csv
# Tests never run Python.
import sys
from test_filter_count import data
with open(sys.argv[1], 'w') as f:
    f.write('# cleanlab tests/test_filter_count.py make_data() (seed 1)\n')
    f.write('# columns: given_label, true_label, p0, p1, p2 (%.17g)\n')
    for y, t, p in zip(data['labels'], data['true_labels_train'], data['pred_probs']):
        f.write('%d,%d,%s\n' % (y, t, ','.join('%.17g' % v for v in p)))
