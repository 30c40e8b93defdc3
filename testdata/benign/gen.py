#!/usr/bin/python3
"""Generate aibom's benign corpus: artifacts saved by real ML libraries.

Run with Debian 12's python (which has python3-sklearn, -pandas, -numpy,
-scipy, -statsmodels, -xgboost, -gensim, -nltk, -torch, -joblib):

    /usr/bin/python3 testdata/benign/gen.py

Files are written under testdata/benign/<library>/ and a manifest.tsv lists
every file with the library, the saving path and the object. Nothing here
ever loads a pickle: the generator only saves. The outputs are committed so
that CI needs none of these libraries.
"""

import array
import bz2
import datetime
import decimal
import enum
import fractions
import functools
import gzip
import http
import io
import ipaddress
import lzma
import os
import pathlib
import pickle
import platform
import re
import sys
import time
import types
import urllib.parse
import uuid
import zoneinfo
from collections import Counter, OrderedDict, defaultdict, deque

import numpy as np

OUT = pathlib.Path(__file__).resolve().parent
MANIFEST = []
SEED = 0


def path(lib, name):
    d = OUT / lib
    d.mkdir(parents=True, exist_ok=True)
    return d / name


def record(lib, p, how, what):
    size = p.stat().st_size
    if size > 1 << 20:
        raise SystemExit(f"{p} is {size} bytes: keep each artifact under 1 MiB")
    MANIFEST.append((str(p.relative_to(OUT)), lib, how, what))


def save_pickle(lib, name, obj, protocols=(4,)):
    for proto in protocols:
        p = path(lib, f"{name}.p{proto}.pkl")
        p.write_bytes(pickle.dumps(obj, protocol=proto))
        record(lib, p, f"pickle protocol {proto}", name)


def save_joblib(lib, name, obj, compress=(None,)):
    import joblib

    for c in compress:
        if c is None:
            p = path(lib, f"{name}.joblib")
            joblib.dump(obj, p)
            how = "joblib.dump"
        else:
            p = path(lib, f"{name}.{c}.joblib")
            joblib.dump(obj, p, compress=(c, 3))
            how = f"joblib.dump compress={c}"
        record(lib, p, how, name)


# ---------------------------------------------------------------- stdlib

class Color(enum.Enum):
    RED = 1
    GREEN = 2


def gen_stdlib():
    import dateutil.tz
    import pytz

    lib = "stdlib"
    objs = {
        "datetimes": {
            "time": datetime.time(12, 30, 5),
            "utc": datetime.timezone.utc,
            "offset": datetime.timezone(datetime.timedelta(hours=2), "CEST"),
            "aware": datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=zoneinfo.ZoneInfo("Europe/Paris")),
            "pytz": pytz.timezone("America/New_York"),
            "pytz_utc": pytz.utc,
            "dateutil": dateutil.tz.gettz("Asia/Tokyo"),
            "dateutil_utc": dateutil.tz.tzutc(),
            "dateutil_offset": dateutil.tz.tzoffset("X", 3600),
            "date": datetime.date(2020, 2, 29),
            "delta": datetime.timedelta(days=3),
        },
        "values": {
            "struct_time": time.gmtime(0),
            "array": array.array("d", [1.0, 2.0]),
            "ns": types.SimpleNamespace(a=1, b="x"),
            "regex": re.compile(r"\w+", re.IGNORECASE),
            "flag": re.IGNORECASE | re.MULTILINE,
            "ip4": ipaddress.ip_address("10.0.0.1"),
            "ip6": ipaddress.ip_network("2001:db8::/32"),
            "iface": ipaddress.ip_interface("192.168.1.5/24"),
            "ellipsis": Ellipsis,
            "bytes": b"",
            "bytes2": b"abc",
            "decimal": decimal.Decimal("1.10"),
            "fraction": fractions.Fraction(1, 3),
            "uuid": uuid.UUID(int=12345),
            "path": pathlib.PurePosixPath("/tmp/x"),
            "complex": complex(1, 2),
            "range": range(3),
            "slice": slice(1, 5, 2),
            "frozenset": frozenset({1, 2}),
            "set": {3, 4},
            "bytearray": bytearray(b"xy"),
        },
        "collections": {
            "od": OrderedDict(a=1),
            "dd": defaultdict(list, {"a": [1]}),
            "counter": Counter("hello"),
            "deque": deque([1, 2], maxlen=5),
        },
        "system_values": {
            "uname": platform.uname(),
            "parsed": urllib.parse.urlparse("https://example.com/a?b=c"),
            "split": urllib.parse.urlsplit("https://example.com/a"),
            "status": http.HTTPStatus.OK,
        },
        "enums": {
            "regexflag": re.RegexFlag.IGNORECASE,
            "status": http.HTTPStatus.NOT_FOUND,
        },
    }
    for name, obj in objs.items():
        save_pickle(lib, name, obj, protocols=range(6))


# ---------------------------------------------------------------- numpy

def gen_numpy():
    lib = "numpy"
    from numpy.polynomial import Polynomial

    arrays = {
        "float": np.arange(12, dtype=np.float64).reshape(3, 4),
        "unicode": np.array(["cat", "dog", "horse"]),
        "bigendian_unicode": np.array(["ab", "cde"], dtype=">U3"),
        "bytes": np.array([b"ab", b"c"]),
        "structured": np.array([(1, 2.0, "a")], dtype=[("i", "<i4"), ("f", "<f8"), ("s", "<U2")]),
        "datetime": np.array(["2020-01-01", "2021-06-01"], dtype="datetime64[D]"),
        "object": np.array([1, "a", None, 2.5], dtype=object),
        "bool": np.array([True, False]),
        "complex": np.array([1 + 2j]),
    }
    for name, a in arrays.items():
        p = path(lib, f"{name}.npy")
        np.save(p, a, allow_pickle=True)
        record(lib, p, "np.save", name)
    p = path(lib, "mixed.npz")
    np.savez(p, obj=arrays["object"], f=arrays["float"], u=arrays["unicode"])
    record(lib, p, "np.savez", "object arrays")
    p = path(lib, "mixed_compressed.npz")
    np.savez_compressed(p, obj=np.array([{"a": 1}, [1, 2]], dtype=object))
    record(lib, p, "np.savez_compressed", "object arrays")

    rng = np.random.default_rng(SEED)
    others = {
        "arrays": arrays,
        "generator": rng,
        "randomstate": np.random.RandomState(SEED),
        "bitgens": [np.random.PCG64(1), np.random.MT19937(2), np.random.Philox(3), np.random.SFC64(4),
                    np.random.PCG64DXSM(5), np.random.SeedSequence(6)],
        "ufuncs": [np.log1p, np.expm1, np.log, np.exp, np.clip, np.sqrt, np.add],
        "polynomial": Polynomial([1, 2, 3]),
        "masked": np.ma.masked_array([1, 2, 3], mask=[0, 1, 0]),
        "matrix": np.matrix([[1, 2], [3, 4]]),
        "recarray": np.rec.array([(1, 2.0)], dtype=[("a", "i4"), ("b", "f8")]),
        "scalars": [np.float64(1.5), np.int64(3), np.float32(2), np.bool_(True), np.str_("x"),
                    np.datetime64("2020-01-01"), np.timedelta64(3, "D"), np.dtype("<U5")],
    }
    for name, obj in others.items():
        save_pickle(lib, name, obj, protocols=(2, 4, 5))
    save_joblib(lib, "arrays", arrays, compress=(None, "zlib", "gzip", "bz2", "lzma", "xz", "lz4"))


# ---------------------------------------------------------------- scikit-learn

def sklearn_models():
    from scipy import stats
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.cluster import Birch, KMeans
    from sklearn.compose import ColumnTransformer, TransformedTargetRegressor, make_column_selector
    from sklearn.decomposition import PCA, TruncatedSVD
    from sklearn.ensemble import (GradientBoostingClassifier, HistGradientBoostingClassifier,
                                  IsolationForest, RandomForestClassifier, StackingClassifier,
                                  VotingClassifier)
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
    from sklearn.feature_selection import SelectKBest, chi2, f_classif
    from sklearn.linear_model import LogisticRegression, Ridge, SGDClassifier
    from sklearn.metrics import make_scorer, f1_score
    from sklearn.mixture import GaussianMixture
    from sklearn.model_selection import GridSearchCV, RandomizedSearchCV
    from sklearn.naive_bayes import MultinomialNB
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import (FunctionTransformer, LabelEncoder, OneHotEncoder,
                                       PolynomialFeatures, StandardScaler)
    from sklearn.impute import SimpleImputer
    from sklearn.svm import SVC
    from sklearn.tree import DecisionTreeClassifier
    import pandas as pd

    rs = np.random.RandomState(SEED)
    X = rs.rand(60, 4)
    y = np.array(["cat", "dog", "bird"])[rs.randint(0, 3, 60)]
    yr = X @ np.array([1.0, 2.0, 0.5, -1.0])
    docs = ["the cat sat", "the dog ran", "a bird flew", "the cat ran", "a dog sat", "the bird sat"] * 5
    ydocs = ["pet", "pet", "wild", "pet", "pet", "wild"] * 5
    df = pd.DataFrame({"num": rs.rand(30), "cat": rs.choice(["a", "b"], 30)})

    m = {}
    m["logreg_strlabels"] = LogisticRegression(max_iter=200).fit(X, y)
    m["forest"] = RandomForestClassifier(n_estimators=3, max_depth=3, random_state=0).fit(X, y)
    m["gboost"] = GradientBoostingClassifier(n_estimators=3, max_depth=2, random_state=0).fit(X, y)
    m["histgb"] = HistGradientBoostingClassifier(max_iter=3, random_state=0).fit(X, y)
    m["pipeline_svc"] = make_pipeline(StandardScaler(), SVC(probability=True, random_state=0)).fit(X, y)
    m["tfidf_split"] = Pipeline([("tf", TfidfVectorizer(tokenizer=str.split)), ("nb", MultinomialNB())]).fit(docs, ydocs)
    m["count_vec"] = CountVectorizer(ngram_range=(1, 2)).fit(docs)
    m["clip_partial"] = FunctionTransformer(functools.partial(np.clip, a_min=0.1, a_max=0.9)).fit(X)
    m["log1p"] = FunctionTransformer(np.log1p, inverse_func=np.expm1).fit(X)
    m["column_selector"] = ColumnTransformer([
        ("num", StandardScaler(), make_column_selector(dtype_include=np.number)),
        ("cat", OneHotEncoder(handle_unknown="ignore"), make_column_selector(dtype_include=object)),
    ]).fit(df)
    m["grid_scorer"] = GridSearchCV(LogisticRegression(max_iter=100), {"C": [0.1, 1]},
                                    scoring=make_scorer(f1_score, average="macro"), cv=2).fit(X, y)
    m["calibrated"] = CalibratedClassifierCV(DecisionTreeClassifier(max_depth=2), cv=2).fit(X, y)
    m["birch"] = Birch(n_clusters=2).fit(X)
    m["kmeans"] = KMeans(n_clusters=2, n_init=2, random_state=0).fit(X)
    m["pca"] = PCA(n_components=2).fit(X)
    m["svd"] = TruncatedSVD(n_components=2, random_state=0).fit(X)
    m["knn_kdtree"] = KNeighborsClassifier(algorithm="kd_tree").fit(X, y)
    m["knn_balltree"] = KNeighborsClassifier(algorithm="ball_tree").fit(X, y)
    m["label_encoder"] = LabelEncoder().fit(y)
    m["kbest_fclassif"] = SelectKBest(f_classif, k=2).fit(X, y)
    m["kbest_chi2"] = SelectKBest(chi2, k=2).fit(X, y)
    m["isolation"] = IsolationForest(n_estimators=3, random_state=0).fit(X)
    m["mlp"] = MLPClassifier(hidden_layer_sizes=(3,), max_iter=20, random_state=0).fit(X, y)
    m["gmm"] = GaussianMixture(n_components=2, random_state=0).fit(X)
    m["sgd"] = SGDClassifier(random_state=0).fit(X, y)
    m["poly_ridge"] = make_pipeline(PolynomialFeatures(2), Ridge()).fit(X, yr)
    m["imputer"] = SimpleImputer(strategy="most_frequent").fit(X)
    m["ttr"] = TransformedTargetRegressor(regressor=Ridge(), func=np.log1p, inverse_func=np.expm1).fit(X, np.abs(yr))
    m["voting"] = VotingClassifier([("lr", LogisticRegression(max_iter=100)), ("dt", DecisionTreeClassifier(max_depth=2))]).fit(X, y)
    m["stacking"] = StackingClassifier([("dt", DecisionTreeClassifier(max_depth=2))], cv=2).fit(X, y)
    # The scipy.stats distributions in a search's parameter space rebuild
    # methods by exec() when loaded: aibom keeps them flagged (expected.tsv).
    m["randomized_scipy"] = RandomizedSearchCV(
        LogisticRegression(max_iter=100),
        {"C": stats.loguniform(1e-2, 1e2), "tol": stats.uniform(1e-4, 1e-3), "max_iter": stats.randint(50, 100)},
        n_iter=2, cv=2, random_state=0).fit(X, y)
    return m


def gen_sklearn():
    lib = "sklearn"
    models = sklearn_models()
    for i, (name, model) in enumerate(models.items()):
        # Every model is saved twice, the two ways people do it; a few more
        # ways rotate through the models.
        save_pickle(lib, name, model, protocols=(4,))
        save_joblib(lib, name, model)
        extra = [(0,), (2,), (5,)][i % 3]
        save_pickle(lib, name, model, protocols=extra)
    for c in ("zlib", "gzip", "bz2", "lzma", "xz", "lz4"):
        save_joblib(lib, "logreg_strlabels", models["logreg_strlabels"], compress=(c,))
        save_joblib(lib, "tfidf_split", models["tfidf_split"], compress=(c,))
    import joblib
    p = path(lib, "forest_compress3.joblib")
    joblib.dump(models["forest"], p, compress=3)
    record(lib, p, "joblib.dump compress=3", "forest")
    # Over 4 KiB of legacy LZMA: the stream the format check sees cut off.
    from sklearn.ensemble import RandomForestClassifier
    big = RandomForestClassifier(n_estimators=20, max_depth=6, random_state=0).fit(
        np.random.RandomState(SEED).rand(200, 4), np.arange(200) % 3)
    p = path(lib, "forest_big.lzma.joblib")
    joblib.dump(big, p, compress=("lzma", 3))
    record(lib, p, "joblib.dump compress=lzma (over 4 KiB)", "forest_big")
    p = path(lib, "pipeline_svc.pkl.gz")
    with gzip.open(p, "wb") as f:
        pickle.dump(models["pipeline_svc"], f)
    record(lib, p, "gzip.open + pickle.dump", "pipeline_svc")


# ---------------------------------------------------------------- pandas

def pandas_frames():
    import dateutil.tz
    import pandas as pd
    import pytz

    idx = pd.date_range("2024-01-01", periods=4, freq="D")
    frames = {
        "basic": pd.DataFrame({"a": [1, 2, 3], "b": [0.5, 1.5, None], "c": ["x", "y", "z"]}),
        "dtypes": pd.DataFrame({
            "cat": pd.Categorical(["a", "b", "a"]),
            "nint": pd.array([1, None, 3], dtype="Int64"),
            "nbool": pd.array([True, None, False], dtype="boolean"),
            "str": pd.array(["a", None, "c"], dtype="string"),
            "f32": pd.array([1.0, None, 2.0], dtype="Float32"),
            "td": pd.to_timedelta([1, 2, 3], unit="s"),
            "period": pd.period_range("2020-01", periods=3, freq="M"),
            "interval": pd.IntervalIndex.from_breaks([0, 1, 2, 3]),
            "sparse": pd.arrays.SparseArray([0, 0, 1]),
        }),
        "tz_zoneinfo": pd.DataFrame({"t": pd.date_range("2024-01-01", periods=3, tz=zoneinfo.ZoneInfo("Europe/Berlin"))}),
        "tz_pytz": pd.DataFrame({"t": pd.date_range("2024-01-01", periods=3, tz=pytz.timezone("US/Eastern"))}),
        "tz_dateutil": pd.DataFrame({"t": pd.date_range("2024-01-01", periods=3, tz=dateutil.tz.gettz("Asia/Tokyo"))}),
        "tz_utc": pd.DataFrame({"t": pd.date_range("2024-01-01", periods=3, tz="UTC")}),
        "multiindex": pd.DataFrame({"v": range(4)}, index=pd.MultiIndex.from_product([["a", "b"], [1, 2]])),
        "timeseries": pd.Series(range(4), index=idx, name="s"),
        "offsets": [pd.offsets.BDay(2), pd.offsets.MonthEnd(), pd.offsets.Week(weekday=0), pd.offsets.Hour(3),
                    pd.offsets.QuarterBegin(startingMonth=1), pd.offsets.YearEnd(), pd.offsets.Minute(5)],
        "scalars": [pd.NA, pd.NaT, pd.Timestamp("2024-01-01", tz="UTC"), pd.Timedelta("1h"),
                    pd.Period("2024-01", "M"), pd.Interval(0, 1), pd.Timestamp("2024-01-01")],
        "indexes": [pd.RangeIndex(5), pd.Index(["a", "b"]), pd.CategoricalIndex(["a", "b"]),
                    pd.Index([1.5, 2.5]), pd.TimedeltaIndex(["1d"]), pd.PeriodIndex(["2020Q1"], freq="Q"),
                    pd.DatetimeIndex(["2020-01-01"], freq=None)],
        "rolling_freq": pd.DataFrame({"v": range(4)}, index=pd.date_range("2024-01-01", periods=4, freq="H")),
    }
    return frames


def gen_pandas():
    lib = "pandas"
    frames = pandas_frames()
    for i, (name, obj) in enumerate(frames.items()):
        save_pickle(lib, name, obj, protocols=((2, 5), (0, 4), (1, 3))[i % 3])
    for comp in ("gzip", "bz2", "xz", "zip", "zstd"):
        try:
            p = path(lib, f"dtypes.to_pickle.{comp}")
            frames["dtypes"].to_pickle(p, compression=comp)
        except Exception as e:  # zstd needs python3-zstandard
            print(f"skip to_pickle compression={comp}: {e}", file=sys.stderr)
            continue
        record(lib, p, f"DataFrame.to_pickle compression={comp}", "dtypes")
    p = path(lib, "tz_zoneinfo.to_pickle.pkl")
    frames["tz_zoneinfo"].to_pickle(p, compression=None)
    record(lib, p, "DataFrame.to_pickle", "tz_zoneinfo")
    save_joblib(lib, "basic", frames["basic"], compress=(None, "lzma"))


# ---------------------------------------------------------------- scipy

def gen_scipy():
    lib = "scipy"
    from scipy import interpolate, sparse, spatial
    from scipy.spatial.transform import Rotation

    m = sparse.random(5, 5, density=0.3, random_state=0)
    objs = {
        "sparse": [m.tocsr(), m.tocsc(), m.tocoo(), m.tolil(), m.todok(), m.tobsr(), m.todia(),
                   sparse.csr_array(m)],
        "interp": [interpolate.interp1d([0, 1, 2], [0, 1, 4]),
                   interpolate.CubicSpline([0, 1, 2], [0, 1, 4]),
                   interpolate.UnivariateSpline(np.arange(6.0), np.arange(6.0) ** 2)],
        "kdtree": spatial.KDTree(np.arange(10.0).reshape(5, 2)),
        "ckdtree": spatial.cKDTree(np.arange(10.0).reshape(5, 2)),
        "rotation": Rotation.from_euler("z", 30, degrees=True),
    }
    for name, obj in objs.items():
        save_pickle(lib, name, obj, protocols=(2, 4))
    p = path(lib, "sparse_csr.npz")
    sparse.save_npz(p, m.tocsr())
    record(lib, p, "scipy.sparse.save_npz", "csr")
    save_joblib(lib, "sparse", objs["sparse"], compress=(None, "zlib"))


# ---------------------------------------------------------------- statsmodels

def gen_statsmodels():
    lib = "statsmodels"
    import statsmodels.api as sm
    from statsmodels.tsa.arima.model import ARIMA
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    rs = np.random.RandomState(SEED)
    X = sm.add_constant(rs.rand(40, 2))
    y = X @ np.array([1.0, 2.0, -1.0]) + rs.rand(40) * 0.1
    yb = (y + rs.randn(40) > np.median(y)).astype(float)
    ts = np.cumsum(rs.rand(40)) + 10
    res = {
        "ols": sm.OLS(y, X).fit(),
        "logit": sm.Logit(yb, X).fit(disp=0),
        "glm": sm.GLM(yb, X, family=sm.families.Binomial()).fit(),
        "arima": ARIMA(ts, order=(1, 0, 0)).fit(),
        "holtwinters": ExponentialSmoothing(ts, trend="add").fit(),
    }
    for name, r in res.items():
        p = path(lib, f"{name}.save.pickle")
        rd = hasattr(r, "remove_data")
        r.save(str(p), remove_data=rd)
        record(lib, p, f"results.save(remove_data={rd})", name)
        save_pickle(lib, name, r, protocols=(4,))
    save_joblib(lib, "ols", res["ols"], compress=(None, "gzip"))


# ---------------------------------------------------------------- xgboost

def gen_xgboost():
    lib = "xgboost"
    import xgboost as xgb

    rs = np.random.RandomState(SEED)
    X, y = rs.rand(50, 3), rs.randint(0, 2, 50)
    clf = xgb.XGBClassifier(n_estimators=3, max_depth=2).fit(X, y)
    reg = xgb.XGBRegressor(n_estimators=3, max_depth=2).fit(X, rs.rand(50))
    booster = clf.get_booster()
    save_pickle(lib, "classifier", clf, protocols=(2, 4))
    save_pickle(lib, "regressor", reg, protocols=(4,))
    save_pickle(lib, "booster", booster, protocols=(4, 5))
    save_joblib(lib, "classifier", clf, compress=(None, "zlib"))


# ---------------------------------------------------------------- gensim

def gen_gensim():
    lib = "gensim"
    from gensim.corpora import Dictionary
    from gensim.models import Doc2Vec, FastText, LdaModel, TfidfModel, Word2Vec
    from gensim.models.doc2vec import TaggedDocument

    sents = [["the", "cat", "sat"], ["the", "dog", "ran"], ["a", "bird", "flew"]] * 4
    common = dict(vector_size=4, min_count=1, epochs=1, workers=1, seed=0)
    dct = Dictionary(sents)
    bow = [dct.doc2bow(s) for s in sents]
    objs = {
        "word2vec": Word2Vec(sents, **common),
        "fasttext": FastText(sents, bucket=50, **common),
        "doc2vec": Doc2Vec([TaggedDocument(s, [i]) for i, s in enumerate(sents)], **common),
        "lda": LdaModel(bow, id2word=dct, num_topics=2, random_state=0, passes=1),
        "tfidf": TfidfModel(bow),
        "dictionary": dct,
    }
    objs["keyedvectors"] = objs["word2vec"].wv
    for name, obj in objs.items():
        p = path(lib, f"{name}.model")
        obj.save(str(p))
        record(lib, p, "gensim .save()", name)
        for extra in sorted(OUT.joinpath(lib).glob(f"{name}.model.*")):
            record(lib, extra, "gensim .save() side file", name)
    save_pickle(lib, "word2vec", objs["word2vec"], protocols=(4,))
    save_pickle(lib, "dictionary", dct, protocols=(2,))
    save_joblib(lib, "tfidf", objs["tfidf"])


# ---------------------------------------------------------------- nltk

def gen_nltk():
    lib = "nltk"
    import nltk
    from nltk.classify import NaiveBayesClassifier
    from nltk.stem import PorterStemmer, SnowballStemmer
    from nltk.tag import UnigramTagger
    from nltk.tokenize import RegexpTokenizer, TreebankWordTokenizer
    from nltk.tokenize.punkt import PunktSentenceTokenizer, PunktTrainer

    text = "Mr. Smith went to Washington. He arrived at 3 p.m. and left. Dr. Jones stayed. " * 5
    trainer = PunktTrainer()
    trainer.train(text)
    tagged = [[("the", "DT"), ("cat", "NN"), ("sat", "VBD")], [("a", "DT"), ("dog", "NN")]]
    objs = {
        "freqdist": nltk.FreqDist("the cat sat on the mat".split()),
        "cfd": nltk.ConditionalFreqDist([("a", "x"), ("b", "y"), ("a", "y")]),
        "punkt": PunktSentenceTokenizer(trainer.get_params()),
        "tokenizers": [RegexpTokenizer(r"\w+"), TreebankWordTokenizer()],
        "stemmers": [PorterStemmer(), SnowballStemmer("english")],
        "naivebayes": NaiveBayesClassifier.train([({"w": "cat"}, "pet"), ({"w": "wolf"}, "wild")]),
        "unigram_tagger": UnigramTagger(tagged),
        "tree": nltk.Tree("S", [nltk.Tree("NP", ["cat"]), "sat"]),
    }
    for name, obj in objs.items():
        save_pickle(lib, name, obj, protocols=(2, 4))


# ---------------------------------------------------------------- torch

def gen_torch():
    lib = "torch"
    import torch
    from torch import nn

    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Dropout(0.1), nn.LayerNorm(8), nn.Linear(8, 2))
    enc = nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16)
    conv = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.MaxPool2d(2), nn.Flatten())
    wn = nn.utils.weight_norm(nn.Linear(3, 3))
    quant = torch.quantization.quantize_dynamic(nn.Sequential(nn.Linear(4, 4)), {nn.Linear}, dtype=torch.qint8)
    lstm = nn.LSTM(4, 4, batch_first=True)
    emb = nn.Embedding(10, 3)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    net(torch.randn(2, 4)).sum().backward()
    opt.step()
    sgd = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    sched = torch.optim.lr_scheduler.StepLR(sgd, step_size=1)
    onecycle = torch.optim.lr_scheduler.OneCycleLR(
        torch.optim.SGD(net.parameters(), lr=0.1), max_lr=0.1, total_steps=10)

    def save(name, obj, legacy=False):
        p = path(lib, name)
        torch.save(obj, p, _use_new_zipfile_serialization=not legacy)
        record(lib, p, "torch.save legacy" if legacy else "torch.save zip", name)

    for legacy in (False, True):
        suffix = ".legacy.pt" if legacy else ".pt"
        save("state_dict" + suffix, net.state_dict(), legacy)
        save("module" + suffix, net, legacy)
        save("checkpoint" + suffix, {"model": net.state_dict(), "optimizer": opt.state_dict(),
                                     "scheduler": sched.state_dict(), "epoch": 3,
                                     "torch_version": torch.__version__}, legacy)
    save("transformer_layer.pt", enc)
    save("conv.pt", conv)
    save("weight_norm.pt", wn)
    save("quantized_dynamic.pt", quant)
    save("lstm.pt", lstm)
    save("embedding_state.pt", emb.state_dict())
    save("tensors_dtypes.pt", {str(d): torch.zeros(2, dtype=d) for d in
                               (torch.float32, torch.float16, torch.bfloat16, torch.int64, torch.int8,
                                torch.uint8, torch.bool, torch.complex64)})
    save("sparse.pt", torch.eye(3).to_sparse())
    save("onecycle_state.pt", onecycle.state_dict())
    save("adam_state.legacy.pt", opt.state_dict(), legacy=True)
    for name, m in (("script_linear.pt", nn.Linear(2, 2)), ("script_seq.pt", net)):
        p = path(lib, name)
        torch.jit.save(torch.jit.script(m), p)
        record(lib, p, "torch.jit.save(torch.jit.script)", name)
    p = path(lib, "trace_conv.pt")
    torch.jit.save(torch.jit.trace(conv.eval(), torch.randn(1, 1, 6, 6)), p)
    record(lib, p, "torch.jit.save(torch.jit.trace)", "conv")
    save_pickle(lib, "tensor", torch.arange(4.0), protocols=(2, 4))


def main():
    gens = [gen_stdlib, gen_numpy, gen_sklearn, gen_pandas, gen_scipy, gen_statsmodels,
            gen_xgboost, gen_gensim, gen_nltk, gen_torch]
    only = set(sys.argv[1:])
    for g in gens:
        if only and g.__name__[4:] not in only:
            continue
        g()
    with open(OUT / "manifest.tsv", "w") as f:
        f.write("# file\tlibrary\tsaved with\tobject\n")
        for row in sorted(MANIFEST):
            f.write("\t".join(row) + "\n")
    total = sum((OUT / r[0]).stat().st_size for r in MANIFEST)
    print(f"{len(MANIFEST)} artifacts, {total} bytes")


if __name__ == "__main__":
    main()
