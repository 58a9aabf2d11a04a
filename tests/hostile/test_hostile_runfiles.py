"""Hostile run files for summarize, compare and report: impostors, damage, truncation.

Each is refused with one line that names the file, before anything is sampled,
and leaves the folder as it was; the files that are damaged only in ways that do
not matter (a Zarr store without consolidated metadata) give the same numbers as
the undamaged file.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import h5py
import numpy as np
import pytest
import xarray as xr
from hostile_common import BASE, clear_error, succeeds

from frontiercost.cli import main

pytestmark = pytest.mark.e2e

RUNNABLE = BASE.replace("year = 2024", 'year = 2024\ncost_basis = "cloud"').replace(
    "chip_hours = 1e7", 'chip_hours = { family = "lognormal", p5 = 5e6, p95 = 2e7 }'
)


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("good")
    (folder / "s.toml").write_text(RUNNABLE)
    files = {"nc": folder / "good.nc", "zarr": folder / "good.zarr"}
    for f in files.values():
        assert (
            main(
                [
                    "run",
                    str(folder / "s.toml"),
                    "--draws",
                    "200",
                    "--chains",
                    "2",
                    "--out",
                    str(f),
                    "-q",
                ]
            )
            == 0
        )
    return files


def _tree(good: dict[str, Path]) -> xr.DataTree:
    with xr.open_datatree(good["nc"], engine="h5netcdf") as tree:
        return tree.load()


def _save(tree: xr.DataTree, path: Path) -> None:
    tree.to_netcdf(path, engine="h5netcdf")


def _with_attrs(change: Callable[[dict], None]) -> Callable[[dict[str, Path], Path], None]:  # type: ignore[type-arg]
    def make(good: dict[str, Path], path: Path) -> None:
        tree = _tree(good)
        attrs = dict(tree.attrs)
        change(attrs)
        tree.attrs = attrs
        _save(tree, path)

    return make


def _with_posterior(
    change: Callable[[xr.Dataset], xr.Dataset],
) -> Callable[[dict[str, Path], Path], None]:
    def make(good: dict[str, Path], path: Path) -> None:
        tree = _tree(good)
        tree["posterior"] = xr.DataTree(change(tree["posterior"].to_dataset()))
        _save(tree, path)

    return make


def _bytes(cut: Callable[[bytes], bytes]) -> Callable[[dict[str, Path], Path], None]:
    def make(good: dict[str, Path], path: Path) -> None:
        path.write_bytes(cut(good["nc"].read_bytes()))

    return make


def _hdf5(good: dict[str, Path], path: Path) -> None:
    with h5py.File(path, "w") as h:
        h["x"] = np.arange(3)


def _zarr(change: Callable[[Path], None]) -> Callable[[dict[str, Path], Path], None]:
    def make(good: dict[str, Path], path: Path) -> None:
        shutil.copytree(good["zarr"], path)
        change(path)

    return make


def _drop_chunks(store: Path) -> None:
    for p in (store / "posterior" / "cloud_cost").rglob("*"):
        if p.is_file() and p.name not in ("zarr.json", ".zarray", ".zattrs"):
            p.unlink()


def _garbage_chunk(store: Path) -> None:
    for p in (store / "posterior" / "cloud_cost").rglob("*"):
        if p.is_file() and p.name not in ("zarr.json", ".zarray", ".zattrs"):
            p.write_bytes(b"not compressed draws")


def _flip_bit(path: Path, at: int) -> None:
    with open(path, "r+b") as fh:
        fh.seek(at)
        byte = fh.read(1)[0]
        fh.seek(at)
        fh.write(bytes([byte ^ 0x10]))


def _nc_draw_flipped(good: dict[str, Path], path: Path) -> None:
    """One bit of one stored draw changed, as a failing disk or a stray write would."""
    shutil.copy(good["nc"], path)
    with h5py.File(path, "r") as h:
        chunk = h["posterior/cloud_cost"].id.get_chunk_info(0)
    _flip_bit(path, chunk.byte_offset + chunk.size // 2)


def _zarr_draw_flipped(store: Path) -> None:
    chunk = next(
        p
        for p in sorted((store / "posterior" / "cloud_cost").rglob("*"))
        if p.is_file() and p.name not in ("zarr.json", ".zarray", ".zattrs")
    )
    _flip_bit(chunk, chunk.stat().st_size // 2)


def _h5_edit(change: Callable[[h5py.File], None]) -> Callable[[dict[str, Path], Path], None]:
    """The good file with its HDF5 metadata edited in place, as a tool outside
    frontiercost would (no draw touched, so no chunk checksum breaks)."""

    def make(good: dict[str, Path], path: Path) -> None:
        shutil.copy(good["nc"], path)
        with h5py.File(path, "r+") as h:
            change(h)

    return make


def _zarr_root_seed(store: Path) -> None:
    meta = store / "zarr.json"
    data = json.loads(meta.read_text())
    data["attributes"]["seed"] = 7
    meta.write_text(json.dumps(data))


def _big_endian(store: Path) -> None:
    """The draws' byte order edited in the metadata (each copy of it): 4.3e304 a draw."""

    def flip(node: object) -> None:
        if isinstance(node, dict):
            if node.get("endian") == "little":
                node["endian"] = "big"
            for value in node.values():
                flip(value)
        elif isinstance(node, list):
            for value in node:
                flip(value)

    for meta in store.rglob("zarr.json"):
        data = json.loads(meta.read_text())
        flip(data)
        meta.write_text(json.dumps(data))


def _garbage_metadata(store: Path) -> None:
    for p in store.rglob("zarr.json"):
        p.write_text("{not json")
    for p in store.rglob(".z*"):
        p.write_text("{not json")


def _foreign(good: dict[str, Path], path: Path) -> None:
    xr.Dataset({"t": ("x", [1.0, 2.0])}).to_netcdf(path, engine="h5netcdf")


def _strings(good: dict[str, Path], path: Path) -> None:
    xr.Dataset({"s": ("x", np.array(["a", "b"], dtype=object))}).to_netcdf(path, engine="h5netcdf")


def _attrs_only(good: dict[str, Path], path: Path) -> None:
    xr.Dataset(attrs={"frontiercost_version": "0.1.0", "frontiercost_kind": "run"}).to_netcdf(
        path, engine="h5netcdf"
    )


def _no_posterior(good: dict[str, Path], path: Path) -> None:
    tree = _tree(good)
    del tree["posterior"]
    _save(tree, path)


NOT_NETCDF = "not a netCDF4/HDF5 file (a saved run is one)"
DAMAGED = "damaged netCDF4/HDF5 file: its attributes cannot be read"  # the signature holds
CHANGED = (
    "damaged: stored draws fail their checksum (the file changed after it was written);"
    " its numbers cannot be trusted: run it again"
)
NOT_A_RUN = "not a frontiercost run (expected the file written by `frontiercost run --out`"

CASES: list[tuple[str, str, Callable[[dict[str, Path], Path], None], str]] = [
    ("empty file", "x.nc", lambda g, p: p.write_bytes(b""), NOT_NETCDF),
    ("text named .nc", "x.nc", lambda g, p: p.write_text("not a netCDF file\n"), NOT_NETCDF),
    ("binary noise", "x.nc", lambda g, p: p.write_bytes(bytes(range(256)) * 64), NOT_NETCDF),
    ("truncated to half", "x.nc", _bytes(lambda b: b[: len(b) // 2]), DAMAGED),
    ("truncated to 8 bytes", "x.nc", _bytes(lambda b: b[:8]), DAMAGED),
    ("last kilobyte cut", "x.nc", _bytes(lambda b: b[:-1024]), DAMAGED),
    (
        "metadata overwritten",  # h5py raised RuntimeError: "incorrect metadata checksum"
        "x.nc",
        _bytes(lambda b: b[:2000] + b"\xff" * 20000 + b[22000:]),
        DAMAGED,
    ),
    ("a draw's bit flipped", "x.nc", _nc_draw_flipped, CHANGED),
    ("Zarr draw's bit flipped", "x.zarr", _zarr(_zarr_draw_flipped), CHANGED),
    (
        "seed edited after writing",
        "x.nc",
        _h5_edit(lambda h: h.attrs.__setitem__("seed", 7)),
        "damaged run: the root attribute 'seed' changed after the file was written",
    ),
    (
        "Zarr seed edited after writing",
        "x.zarr",
        _zarr(_zarr_root_seed),
        "damaged run: the root attribute 'seed' changed after the file was written",
    ),
    (
        "scale_factor added",  # CF decoding would double every draw
        "x.nc",
        _h5_edit(lambda h: h["posterior/cloud_cost"].attrs.__setitem__("scale_factor", 2.0)),
        "damaged run: posterior/cloud_cost carries scale_factor, which frontiercost never writes",
    ),
    (
        "Zarr byte order edited",
        "x.zarr",
        _zarr(_big_endian),
        "damaged Zarr store: posterior/chip_hours declares big byte order",
    ),
    (
        "draws stored as integers",
        "x.nc",
        _with_posterior(lambda d: d.assign(cloud_cost=d["cloud_cost"].astype("int64"))),
        "damaged run: posterior variable 'cloud_cost' holds int64; frontiercost writes float64",
    ),
    ("foreign netCDF", "x.nc", _foreign, NOT_A_RUN),
    ("string variables only", "x.nc", _strings, NOT_A_RUN),
    ("only the attributes", "x.nc", _attrs_only, NOT_A_RUN),
    ("plain HDF5", "x.nc", _hdf5, NOT_A_RUN),
    ("no attributes", "x.nc", _with_attrs(lambda a: a.clear()), NOT_A_RUN),
    ("no posterior group", "x.nc", _no_posterior, NOT_A_RUN),
    (
        "draws attribute missing",
        "x.nc",
        _with_attrs(lambda a: a.pop("draws")),
        "damaged run: the root attribute 'draws' is missing",
    ),
    (
        "chains attribute missing",
        "x.nc",
        _with_attrs(lambda a: a.pop("chains")),
        "damaged run: the root attribute 'chains' is missing",
    ),
    (
        "seed attribute missing",
        "x.nc",
        _with_attrs(lambda a: a.pop("seed")),
        "damaged run: the root attribute 'seed' is missing",
    ),
    (
        "draws attribute a string",
        "x.nc",
        _with_attrs(lambda a: a.update(draws="200")),
        "damaged run: the root attribute 'draws' is '200'",
    ),
    (
        "draws attribute 0",
        "x.nc",
        _with_attrs(lambda a: a.update(draws=0)),
        "damaged run: the root attribute 'draws' is 0",
    ),
    (
        "draws attribute disagrees",
        "x.nc",
        _with_attrs(lambda a: a.update(draws=300)),
        "damaged run: the posterior holds 2 chains of 200 draws, the run records 2 of 300",
    ),
    (
        "zero draws",
        "x.nc",
        _with_posterior(lambda d: d.isel(draw=slice(0, 0))),
        "damaged run: the posterior holds 2 chains of 0 draws",
    ),
    (
        "a string variable",
        "x.nc",
        _with_posterior(lambda d: d.assign(cloud_cost=d["cloud_cost"].astype(str))),
        "damaged run: posterior variable 'cloud_cost' is not numeric",
    ),
    (
        "a variable without draws",
        "x.nc",
        _with_posterior(lambda d: d.assign(cloud_cost=d["cloud_cost"].isel(draw=0))),
        "damaged run: posterior variable 'cloud_cost' is not numeric (chain, draw) draws",
    ),
    (
        "no posterior variables",
        "x.nc",
        _with_posterior(lambda d: d.drop_vars(list(d.data_vars))),
        "damaged run: the posterior group has no variables",
    ),
    (
        "Zarr chunk missing",
        "x.zarr",
        _zarr(_drop_chunks),
        "incomplete Zarr store: posterior/cloud_cost has 0 of 1 chunks",
    ),
    (
        "Zarr chunk garbage",
        "x.zarr",
        _zarr(_garbage_chunk),
        "not a readable Zarr store (RuntimeError: Zstd decompression error",
    ),
    ("Zarr metadata garbage", "x.zarr", _zarr(_garbage_metadata), "not a readable Zarr store"),
    ("Zarr empty folder", "x.zarr", lambda g, p: p.mkdir(), "not a readable Zarr store"),
    ("Zarr that is a file", "x.zarr", lambda g, p: p.write_text("x"), "not a Zarr folder"),
    ("folder named .nc", "x.nc", lambda g, p: p.mkdir(), "is a folder, not a .nc file"),
]

COMMANDS = {
    "summarize": lambda f, g, t: ["summarize", f],
    "compare": lambda f, g, t: ["compare", f, g],
    "report": lambda f, g, t: ["report", f, "--out", f"{t}/r.html"],
}


# report reads a run the way summarize does: a few cases show it refuses the same way
REPORTED = {
    "empty file",
    "truncated to half",
    "foreign netCDF",
    "draws attribute missing",
    "Zarr chunk missing",
    "Zarr chunk garbage",
    "a draw's bit flipped",
}


@pytest.mark.parametrize("budget", ["loaded", "read as used"])
@pytest.mark.parametrize(
    ("name", "make", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_a_damaged_run_is_refused(
    capsys, monkeypatch, tmp_path: Path, good, name: str, make, message: str, budget: str
) -> None:  # type: ignore[no-untyped-def]
    """The same one line whether the run is loaded or, beyond the memory budget, read
    a variable at a time as the command uses it (a damaged chunk is found then)."""
    if budget == "read as used":
        monkeypatch.setenv("FRONTIERCOST_MEMORY", "1")
    path = tmp_path / name
    make(good, path)
    case = next(c[0] for c in CASES if c[1] == name and c[2] is make)
    for command, argv_of in COMMANDS.items():
        if command == "report" and (case not in REPORTED or budget != "loaded"):
            continue  # report samples the scenario again: a 1-byte budget refuses that
        argv = argv_of(str(path), str(good["nc"]), str(tmp_path))
        clear_error(capsys, argv, f"{path}: {message}", folder=tmp_path)


def _summary(capsys, path: Path) -> dict:  # type: ignore[no-untyped-def,type-arg]
    out, _ = succeeds(capsys, ["summarize", str(path), "--format", "json"])
    return json.loads(out)["outputs"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("kind", ["nc", "zarr"])
def test_a_run_beyond_the_memory_budget_is_read_as_used_with_the_same_numbers(
    capsys, monkeypatch, good, kind: str
) -> None:  # type: ignore[no-untyped-def]
    loaded = _summary(capsys, good[kind])
    compared, _ = succeeds(capsys, ["compare", str(good[kind]), str(good["nc"])])
    monkeypatch.setenv("FRONTIERCOST_MEMORY", "1")
    assert _summary(capsys, good[kind]) == loaded
    assert succeeds(capsys, ["compare", str(good[kind]), str(good["nc"])])[0] == compared


def test_zarr_without_consolidated_metadata_reads_the_same(capsys, tmp_path: Path, good) -> None:  # type: ignore[no-untyped-def]
    store = tmp_path / "x.zarr"
    shutil.copytree(good["zarr"], store)
    removed = [p for p in store.rglob(".zmetadata")] + [
        p for p in store.rglob("zarr.json") if "consolidated_metadata" in p.read_text()
    ]
    for p in store.rglob(".zmetadata"):
        p.unlink()
    for p in store.rglob("zarr.json"):
        meta = json.loads(p.read_text())
        if meta.pop("consolidated_metadata", None) is not None:
            p.write_text(json.dumps(meta))
    assert removed
    assert _summary(capsys, store) == _summary(capsys, good["zarr"])


def test_the_summary_is_numpys(capsys, good) -> None:  # type: ignore[no-untyped-def]
    with xr.open_datatree(good["nc"], engine="h5netcdf") as tree:
        draws = tree["posterior"]["cloud_cost"].values.ravel()
    got = _summary(capsys, good["nc"])["cloud_cost"]
    assert got["median"] == pytest.approx(float(np.median(draws)), rel=1e-12)
    assert got["mean"] == pytest.approx(float(np.mean(draws)), rel=1e-12)


def test_an_output_whose_draws_are_all_nan_is_summarized_not_a_crash(
    capsys, tmp_path: Path, good
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "nan.nc"
    _with_posterior(lambda d: d.assign(cloud_cost=d["cloud_cost"] * np.nan))(good, path)
    out, err = succeeds(capsys, ["summarize", str(path)])
    row = next(line for line in out.splitlines() if line.startswith("cloud_cost"))
    assert row.split()[2:4] == ["-", "-"]  # median and mean: no number
    assert err == (
        "frontiercost: warning: s: outputs with draws that are not finite numbers:"
        " cloud_cost: 400 of 400 draws\n"
    )
    got = _summary(capsys, path)
    assert got["cloud_cost"]["median"] is None and got["final_run_cost"]["median"] is not None
    out, err = succeeds(capsys, ["compare", str(path), str(good["nc"]), "--format", "json"])
    assert "Traceback" not in err and all(
        line.startswith("frontiercost: warning: ") for line in err.splitlines()
    )
    assert json.loads(out)["outputs"]["cloud_cost"]["prob_a_greater"] is None


@pytest.mark.parametrize("kind", ["nc", "zarr"])
def test_open_run_loads_a_run_within_the_budget_and_reads_a_larger_one_as_used(
    good, kind: str
) -> None:  # type: ignore[no-untyped-def]
    import frontiercost as fc
    from frontiercost.results.files import data_bytes, open_run

    loaded = open_run(good[kind])
    need = data_bytes(loaded)
    within = open_run(good[kind], memory_bytes=need)
    beyond = open_run(good[kind], memory_bytes=need - 1)
    for tree, in_memory in ((loaded, True), (within, True), (beyond, False)):
        post = tree["posterior"]
        assert {n: post[n].variable._in_memory for n in post.data_vars} == dict.fromkeys(
            post.data_vars, in_memory
        )
    expected = fc.summarize(loaded)
    assert fc.summarize(beyond).equals(expected)
    post = beyond["posterior"]
    assert not any(post[n].variable._in_memory for n in post.data_vars)  # read, let go
    for name in post.data_vars:
        np.testing.assert_array_equal(post[name].values, loaded["posterior"][name].values)
    beyond.close()


@pytest.mark.parametrize("kind", ["nc", "zarr"])
@pytest.mark.parametrize("written", ["at once", "block by block"])
def test_every_stored_array_carries_a_checksum_and_a_flipped_bit_is_an_error(
    capsys, monkeypatch, tmp_path: Path, good, kind: str, written: str
) -> None:  # type: ignore[no-untyped-def]
    """Without a checksum, each of 200 single-bit flips in a Zarr chunk read back as
    wrong draws with exit 0 (Zstandard at level 0 stores floats nearly raw)."""
    import zarr

    path = good[kind]
    if written == "block by block":  # through the skeleton and its sink
        path = tmp_path / f"blocks.{kind}"
        import frontiercost.run as run_module

        skeletons: list[Path] = []
        real = run_module.write_skeleton
        monkeypatch.setattr(
            run_module,
            "write_skeleton",
            lambda tree, p, *a, **k: skeletons.append(p) or real(tree, p, *a, **k),
        )
        monkeypatch.setenv("FRONTIERCOST_MEMORY", "64K")
        succeeds(
            capsys,
            [
                "run",
                str(good["nc"].parent / "s.toml"),
                "--draws",
                "5000",
                "--out",
                str(path),
                "-q",
            ],
        )
        monkeypatch.delenv("FRONTIERCOST_MEMORY")
        assert len(skeletons) == 1  # the run was written block by block
    checked: list[str] = []
    if kind == "nc":
        with h5py.File(path, "r") as h:

            def visit(name: str, obj: object) -> None:
                if (
                    isinstance(obj, h5py.Dataset)
                    and obj.size
                    and obj.ndim
                    and obj.dtype.kind in "fiu"
                ):
                    assert obj.fletcher32, name
                    checked.append(name)

            h.visititems(visit)
    else:
        group = zarr.open_group(str(path), mode="r")
        for name, arr in group.members(max_depth=None):
            if isinstance(arr, zarr.Array) and arr.size and arr.ndim and arr.dtype.kind in "fiu":
                assert [c.checksum for c in arr.compressors] == [True], name
                checked.append(name)
    assert {"posterior/cloud_cost", "posterior/chip_hours", "posterior/draw"} <= set(checked)
    bad = tmp_path / f"bad.{kind}"
    if kind == "nc":
        _nc_draw_flipped({"nc": path}, bad)
    else:
        _zarr(_zarr_draw_flipped)({"zarr": path}, bad)
    clear_error(capsys, ["summarize", str(bad)], f"{bad}: {CHANGED}", folder=tmp_path)


def test_metadata_that_sends_hdf5_into_a_loop_is_damage_not_a_hang(
    capsys, monkeypatch, tmp_path: Path, good
) -> None:  # type: ignore[no-untyped-def]
    """4 KB zeroed at offset 512 (the root's object header): HDF5 looped forever reading
    the root's attributes, holding the GIL, deaf to SIGINT and SIGTERM."""
    import frontiercost.results.files as files

    monkeypatch.setattr(files, "PROBE_SECONDS", 3.0)
    data = bytearray(good["nc"].read_bytes())
    data[512 : 512 + 4096] = bytes(4096)
    bad = tmp_path / "loops.nc"
    bad.write_bytes(bytes(data))
    assert not files.metadata_finishes(bad)
    assert files.metadata_finishes(good["nc"])
    clear_error(
        capsys,
        ["summarize", str(bad)],
        f"{bad}: damaged netCDF4/HDF5 file: reading its metadata did not finish in 3 s",
        folder=tmp_path,
    )
    # nor is it replaced as an output of ours: its kind cannot be read
    run_args = ["run", str(good["nc"].parent / "s.toml"), "--draws", "50", "-q"]
    clear_error(
        capsys,
        [*run_args, "--out", str(bad)],
        "exists and is not a frontiercost output",
        folder=tmp_path,
    )


def test_an_attribute_added_by_the_user_breaks_no_seal(capsys, tmp_path: Path, good) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "noted.nc"
    _h5_edit(lambda h: h.attrs.__setitem__("my_note", "checked by Ann"))(good, path)
    assert _summary(capsys, path) == _summary(capsys, good["nc"])


def test_load_run_is_the_checked_open_of_the_python_api(tmp_path: Path, good) -> None:
    """``xr.open_datatree`` reads an edited seed as written; ``fc.load_run`` refuses it."""
    import xarray as xr

    import frontiercost as fc

    run = fc.load_run(good["zarr"])
    assert (
        run["posterior"]["cloud_cost"].shape
        == fc.load_run(good["nc"])["posterior"]["cloud_cost"].shape
    )
    edited = tmp_path / "seed.nc"
    _h5_edit(lambda h: h.attrs.__setitem__("seed", 7))(good, edited)
    assert int(xr.open_datatree(edited).attrs["seed"]) == 7
    with pytest.raises(fc.FrontiercostError, match="the root attribute 'seed' changed"):
        fc.load_run(edited)
    with pytest.raises(fc.FrontiercostError, match="no such file"):
        fc.load_run(tmp_path / "missing.nc")
