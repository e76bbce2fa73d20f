# A small multi-label fixture for labelkit's multi-label label-issue tests
# (tests/quality/multilabel_issues_test.cpp): 60 items, 4 classes; true label sets drawn with
# numpy default_rng(3), 15 % of the (item, class) memberships flipped, per-class probabilities
# sigmoid(3 * (2 * truth - 1) + N(0, 1.2)) rounded to 3 digits. Writes
# tests/data/cleanlab_multilabel.csv and prints cleanlab's expected values (cleanlab commit
# 750625747de1b26d8530954f51f0530bd0b51d3c):
#   cd /tmp/peers/cleanlab && PYTHONPATH=. /usr/bin/python3 <labelkit>/tests/data/cleanlab_multilabel.py <labelkit>/tests/data/cleanlab_multilabel.csv
# Tests never run Python.
import sys, warnings
import numpy as np
warnings.filterwarnings('ignore')
from cleanlab.multilabel_classification import filter as mlf, rank as mlr
rng = np.random.default_rng(3)
n, K = 60, 4
truth = (rng.random((n, K)) < 0.35).astype(int)
given = truth.copy()
flip = rng.random((n, K)) < 0.15
given[flip] = 1 - given[flip]
P = np.round(1 / (1 + np.exp(-(3 * (2 * truth - 1) + rng.normal(0, 1.2, (n, K))))), 3)
with open(sys.argv[1], 'w') as f:
    f.write('# columns: given memberships y0..y3 (0/1), true memberships t0..t3, p0..p3\n')
    for i in range(n):
        f.write(','.join(map(str, list(given[i]) + list(truth[i]))) + ',' + ','.join('%.3f' % v for v in P[i]) + '\n')
labels = [list(np.where(g)[0]) for g in given]
for fb in ["prune_by_noise_rate", "prune_by_class", "both", "confident_learning", "predicted_neq_given", "low_self_confidence"]:
    idx = mlf.find_label_issues(labels, P, filter_by=fb, return_indices_ranked_by="self_confidence", n_jobs=1)
    print(fb, len(idx), list(idx))
per = mlf.find_multilabel_issues_per_class(labels, P, n_jobs=1)
print("per class", [list(np.where(per[:, k])[0]) for k in range(K)])
for m in ["self_confidence", "normalized_margin", "confidence_weighted_entropy"]:
    s = mlr.get_label_quality_scores(labels, P, method=m)
    print(m, ['%.17g' % v for v in s[:5]])
idx = mlf.find_label_issues(labels, P, return_indices_ranked_by="confidence_weighted_entropy", n_jobs=1)
print("pbnr ranked by cwe", list(idx))
