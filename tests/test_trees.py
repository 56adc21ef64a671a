"""rag.trees: the one tree runtime reads both export layouts and gives the fitting library's own scores."""
import numpy as np

from rag.trees import Trees


def _data(seed=0, n=600):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    y = ((X[:, 0] + 0.5 * X[:, 1] * X[:, 2] - np.abs(X[:, 3])) > 0).astype(float)
    return X, y


def test_the_answerers_scikit_learn_export_scores_as_scikit_learn_does():
    from eval.train_answerer import fit_trees

    X, y = _data()
    spec = fit_trees(X, y, np.ones(len(y)), 0.1, 30, leaves=7)  # its own export check runs inside
    from sklearn.ensemble import HistGradientBoostingClassifier

    ref = HistGradientBoostingClassifier(learning_rate=0.1, max_iter=30, max_leaf_nodes=7, random_state=0)
    ref.fit(X, y, sample_weight=np.ones(len(y)))
    fresh = _data(seed=1)[0]  # rows the trees never saw
    assert np.allclose(Trees.from_spec(spec).margin(fresh), ref.decision_function(fresh), atol=1e-6)


def test_the_boilerplate_lightgbm_export_scores_as_lightgbm_does():
    import lightgbm as lgb

    from eval.train_boilerplate import export_trees

    X, y = _data()
    booster = lgb.train({"objective": "binary", "num_leaves": 7, "verbose": -1, "seed": 0},
                        lgb.Dataset(X, y), num_boost_round=25)
    fresh = _data(seed=2)[0]
    assert np.allclose(Trees.from_spec(export_trees(booster)).margin(fresh), booster.predict(fresh, raw_score=True),
                       atol=1e-5)


def test_a_single_leaf_ensemble_is_its_base_plus_leaf():
    spec = {"kind": "trees", "base": 0.25, "depth": 1, "trees": 1, "width": 1,
            "feature": [0], "threshold": [0.0], "left": [0], "right": [0], "value": [0.5]}
    assert np.allclose(Trees.from_spec(spec).margin(np.zeros((3, 2))), [0.75, 0.75, 0.75])
