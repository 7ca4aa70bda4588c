"""Shipped files read once per process, and a catalog of one store version that reads its frames once."""

from __future__ import annotations

import os
import shutil

import pandas as pd
import pytest

from geo import datasets
from geo.catalog import Catalog
from geo.paths import DATA_DIR


def test_a_shipped_file_is_read_again_only_when_it_changes(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(DATA_DIR / "control.csv", data / "control.csv")
    first = datasets.load_control(data_dir=data)
    first.loc[0, "party"] = "changed by a caller"  # a copy: the next reader is not affected
    again = datasets.load_control(data_dir=data)
    assert again.loc[0, "party"] != "changed by a caller"
    pd.testing.assert_frame_equal(again, datasets._parse_csv(data / "control.csv"))
    fewer = pd.read_csv(data / "control.csv", dtype=str, keep_default_na=False).head(3)
    fewer.to_csv(data / "control.csv", index=False)
    os.utime(data / "control.csv", ns=(1, 1))  # another stamp even on a coarse clock
    assert len(datasets.load_control(data_dir=data)) == 3


@pytest.fixture
def store(tmp_path):
    return tmp_path / "store.gpkg"


@pytest.mark.parametrize("method, args", [("localities", ()), ("localities", (False,)), ("control", ()),
                                          ("boundaries", (0,)), ("boundaries", (1,)), ("neighbourhoods", ()),
                                          ("zones_imported", ())])
def test_a_memo_catalog_gives_what_a_plain_one_gives(store, method, args):
    plain, memo = Catalog(store), Catalog(store, memo=True)
    expected = getattr(plain, method)(*args)
    first = getattr(memo, method)(*args)
    pd.testing.assert_frame_equal(first, expected)
    if len(first):
        first.iloc[0, 0] = None  # handed out as a copy
    pd.testing.assert_frame_equal(getattr(memo, method)(*args), expected)


def test_a_plain_catalog_sees_a_write_a_memo_catalog_is_for_one_version(store):
    from geo.store import open_store

    plain, memo = Catalog(store), Catalog(store, memo=True)
    before = len(plain.control())
    assert len(memo.control()) == before
    row = plain.control().iloc[[0]].copy()
    row["record_id"] = "test:added"
    open_store(store).write({"control": row})
    assert len(plain.control()) == before + 1  # a plain catalog reads the store at every call
    assert len(memo.control()) == before  # kept: the web app makes a new one per store version
    assert len(Catalog(store, memo=True).control()) == before + 1
