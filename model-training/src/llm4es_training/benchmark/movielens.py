"""MovieLens 100K task: a user's gender from their ratings.

MovieLens forbids redistribution: this module reads it in place and writes only into the caller's
output folder (the serializer's movie dictionary holds its titles).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .datasets import dataset_file
from .task import Field, Task

DATASET = "movielens_100k"
GENRE_SEPARATOR = "|"


def _movies(root: Path) -> pd.DataFrame:
    genres = pd.read_csv(dataset_file(root, DATASET, "u.genre"), sep="|", header=None, names=["genre", "id"])
    genre_names = genres.sort_values("id")["genre"].tolist()
    columns = ["movie_id", "title", "release_date", "video_release_date", "url", *genre_names]
    movies = pd.read_csv(dataset_file(root, DATASET, "u.item"), sep="|", header=None, names=columns, encoding="latin-1")
    flags = movies[genre_names].to_numpy().astype(bool)
    movies["genres"] = [GENRE_SEPARATOR.join(g for g, on in zip(genre_names, row) if on) for row in flags]
    movies["year"] = pd.to_datetime(movies["release_date"], format="%d-%b-%Y").dt.year.astype("Int64")
    return movies.set_index("movie_id")


def load_movielens_gender(root: Path) -> Task:
    movies = _movies(root)
    ratings = pd.read_csv(
        dataset_file(root, DATASET, "u.data"), sep="\t", header=None, names=["user_id", "movie_id", "rating", "unix_ts"]
    )
    users = pd.read_csv(
        dataset_file(root, DATASET, "u.user"),
        sep="|",
        header=None,
        names=["user_id", "age", "gender", "occupation", "zip"],
    )
    ts = pd.to_datetime(ratings["unix_ts"], unit="s", utc=True).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    fields = [
        Field("date", "time", format="yyyy-MM-dd"),
        # Events carry the movie id; the dictionary turns it into the title, as codes are enriched.
        Field("movie", "category", dictionary={str(i): t for i, t in movies["title"].items()}),
        Field("year", "number", label="release year", format="0"),
        Field("genres", "category", multi_value_separator=GENRE_SEPARATOR),
        Field("rating", "number", format="0"),
    ]
    events = pd.DataFrame(
        {
            "entity_id": ratings["user_id"],
            "ts": ts,
            "date": ts,
            "movie": ratings["movie_id"],
            "year": ratings["movie_id"].map(movies["year"]).astype("Int64"),
            "genres": ratings["movie_id"].map(movies["genres"]),
            "rating": ratings["rating"],
        }
    )
    labels = pd.Series((users["gender"] == "F").astype(int).to_numpy(), index=users["user_id"].to_numpy(), name="label")
    return Task(
        id="movielens-gender",
        dataset=DATASET,
        metric="roc_auc",
        events=events,
        labels=labels,
        fields=fields,
        class_names={0: "male", 1: "female"},
        notes={"entity": "user", "label": "1 = female (F), 0 = male (M)", "ts": "rating time, UTC"},
    )
