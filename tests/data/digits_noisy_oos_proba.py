# Out-of-sample predicted probabilities for labelkit's confident-learning test on digits
# (tests/quality/confident_learning_test.cpp). Run once with /usr/bin/python3 (scikit-learn);
# writes tests/data/digits_noisy_oos_proba.csv. Tests never run Python.
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
d = np.loadtxt('examples/data/digits.csv', delimiter=',')
X, y = d[:, :-1], d[:, -1].astype(int)
rng = np.random.default_rng(0)
n = len(y)
flip = rng.choice(n, size=int(round(0.10 * n)), replace=False)
noisy = y.copy()
for i in flip:
    noisy[i] = (y[i] + 1 + rng.integers(0, 9)) % 10
model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, C=0.1))
P = cross_val_predict(model, X, noisy, cv=StratifiedKFold(5, shuffle=True, random_state=0), method='predict_proba')
with open('tests/data/digits_noisy_oos_proba.csv', 'w') as f:
    f.write('# digits.csv with 10% labels flipped (numpy default_rng(0)); 5-fold out-of-sample\n')
    f.write('# probabilities of StandardScaler+LogisticRegression(C=0.1), StratifiedKFold(5, shuffle, 0)\n')
    f.write('# columns: noisy_label, p0..p9 (%.4g; rows renormalised by the reader)\n')
    for i in range(n):
        f.write(str(noisy[i]) + ',' + ','.join('%.4g' % v for v in P[i]) + '\n')
print('flipped', len(flip), 'oos acc vs noisy', (P.argmax(1) == noisy).mean(), 'vs true', (P.argmax(1) == y).mean())
