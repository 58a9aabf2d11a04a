"""Run files: checked before any work, written atomically, never replacing what is not ours.

Rules, for ``.nc`` (netCDF4/HDF5 through h5netcdf) and ``.zarr`` (a folder):

- The target's folder must exist and be writable, and the target must not be
  a device, FIFO or socket: checked before sampling (:func:`check_out`).
- An existing target is replaced only when it is recognisably a frontiercost
  output of the same kind (its root records ``frontiercost_version`` and
  ``frontiercost_kind``), or with ``overwrite=True``; a folder that is not a
  Zarr store is never deleted, whatever the flags.
- Everything is written under a hidden temporary name beside the target and
  renamed into place only when complete; a failure or an interrupt removes
  the temporary files and leaves the old target as it was.
- Every numeric array is written with a checksum per chunk (HDF5's
  Fletcher-32 filter; Zstandard's content checksum in Zarr), so a draw
  changed on disk after the write is an error when read, never a wrong
  number (:func:`checksummed`).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sys
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._files import (
    default_mode,
    deferred_interrupts,
    not_a_folder,
    os_reason,
    raise_if_interrupted,
    side_name,
    special_kind,
)
from ..errors import FrontiercostError
from ..settings import format_size

if TYPE_CHECKING:
    import xarray as xr

SUFFIXES = (".nc", ".zarr")
CHUNK = 1 << 16  # draws per chunk of a stored variable on disk (512 KiB)
KINDS = ("run", "sweep")
_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


class OutputError(FrontiercostError):
    """An output path that cannot or may not be written."""


def _zarr_attrs(path: Path) -> dict[str, Any] | None:
    """Root attributes of a Zarr store folder (v3 ``zarr.json`` or v2 ``.zattrs``)."""
    try:
        meta = path / "zarr.json"
        if meta.is_file():
            data = json.loads(meta.read_text("utf-8"))
            attrs = data.get("attributes", {})
            consolidated = data.get("consolidated_metadata") or {}
            return dict(attrs) if isinstance(attrs, dict) else ({} if consolidated else None)
        if (path / ".zgroup").is_file():
            zattrs = path / ".zattrs"
            return json.loads(zattrs.read_text("utf-8")) if zattrs.is_file() else {}
    except (OSError, ValueError):
        return None
    return None


def _netcdf_attrs(path: Path) -> dict[str, Any] | None:
    """Root attributes of an HDF5 file, or ``None`` if it is not one."""
    try:
        with open(path, "rb") as fh:
            if fh.read(8) != _HDF5_SIGNATURE:
                return None
        import h5py

        with h5py.File(path, "r") as f:
            return {k: v for k, v in f.attrs.items()}
    except Exception:  # damaged metadata raises RuntimeError, KeyError... as well
        return None


PROBE_SECONDS = 20.0  # reading a file's metadata takes well under a second

# Reads every attribute of every object, nothing else: what opening a run reads.
_PROBE = """
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    for k in f.attrs:
        f.attrs[k]
    f.visititems(lambda name, obj: [obj.attrs[k] for k in obj.attrs] and None)
"""


def metadata_finishes(path: Path) -> bool:
    """Whether HDF5 reads ``path``'s metadata to the end, tried in a child process.

    Some damage (a zeroed object header) sends HDF5 into a loop that holds the
    GIL and ignores SIGINT and SIGTERM: in this process, ``summarize`` would
    never return.  A child that does not finish within ``PROBE_SECONDS`` is
    killed and the file called damaged.  A child that fails quickly says
    nothing here: this process then reads the file and reports what fails.
    Costs a Python start and ``import h5py`` (~0.1 s) per file opened.
    """
    import subprocess

    try:
        subprocess.run(
            [sys.executable, "-c", _PROBE, os.fspath(path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=PROBE_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return False
    return True


def _hdf5_signature(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(8) == _HDF5_SIGNATURE
    except OSError:
        return False


def existing_kind(path: Path) -> str | None:
    """The frontiercost kind (``"run"``, ``"sweep"``) of an existing output, else ``None``."""
    if not path.is_dir() and _hdf5_signature(path) and not metadata_finishes(path):
        return None  # damaged beyond reading: not recognisably ours, so never replaced
    attrs = _zarr_attrs(path) if path.is_dir() else _netcdf_attrs(path)
    if not attrs or "frontiercost_version" not in attrs:
        return None
    kind = attrs.get("frontiercost_kind", "run")
    if isinstance(kind, bytes):
        kind = kind.decode()
    return str(kind)


# What check_out saw at each output path (its state, kind and --overwrite): an output is
# placed only over what was checked, or over what the same check would allow now.
_checked: dict[str, tuple[Any, str, bool]] = {}
# Outputs placed by this process since forget_placed(): a signal after one is placed
# leaves the new file, and the command says so.
placed_outputs: list[Path] = []


def forget_placed() -> None:
    """Start a new command: no output placed yet."""
    placed_outputs.clear()


def _state(path: Path) -> Any:
    """What is at ``path`` now: None, a file's identity, or a folder's folders.

    A name added, removed or renamed anywhere in a folder changes its parent
    folder's mtime: the folders alone tell, without an lstat of each of a large
    store's chunks (a store of 4e9 draws has ~1.6 million).
    """
    try:
        st = os.lstat(path)
    except OSError:
        return None
    if not os.path.isdir(path) or os.path.islink(path):
        return ("file", st.st_ino, st.st_size, st.st_mtime_ns)
    folders = []
    for root, _, _ in os.walk(path):
        with contextlib.suppress(OSError):
            folders.append((os.path.relpath(root, path), os.lstat(root).st_mtime_ns))
    return ("folder", st.st_ino, tuple(sorted(folders)))


def check_out(
    path_text: str | os.PathLike[str],
    *,
    flag: str = "out",
    kind: str = "run",
    overwrite: bool = False,
) -> Path:
    """An output path that may be written: checked before any sampling.

    What is there now is remembered: when the output is placed, a target that
    changed since (a file saved into the old store while the run wrote) is
    replaced only if this check would allow it then (:func:`staged`).

    Raises
    ------
    OutputError
        Naming ``flag``, the path and what would make it work.
    """
    path = _check_out(path_text, flag, kind, overwrite)
    _checked[os.path.abspath(path)] = (_state(path), kind, overwrite)
    return path


def _check_out(path_text: str | os.PathLike[str], flag: str, kind: str, overwrite: bool) -> Path:
    path = Path(path_text)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise OutputError(f"{flag}: expected a .nc or .zarr path, got {str(path)!r}")
    folder = path.parent
    if not folder.is_dir():
        raise OutputError(f"{flag}: folder {str(folder)!r} {not_a_folder(folder)}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{flag}: folder {str(folder)!r} is not writable")
    special = special_kind(path)
    if special is not None:
        raise OutputError(f"{flag}: {str(path)!r} is {special}, not a file this program writes")
    _probe(folder, flag)
    if not path.exists() and not path.is_symlink():
        return path
    if path.is_symlink():
        raise OutputError(f"{flag}: {str(path)!r} is a symbolic link; give the real path")
    if suffix == ".zarr" and not path.is_dir():
        raise OutputError(f"{flag}: {str(path)!r} exists and is not a Zarr folder")
    if suffix == ".nc" and path.is_dir():
        raise OutputError(f"{flag}: {str(path)!r} is a folder")
    found = existing_kind(path)
    if suffix == ".zarr" and found is not None and not overwrite:
        foreign = _foreign_entry(path)
        if foreign is not None:  # replacing the store would delete it
            raise OutputError(
                f"{flag}: {str(path)!r} holds {str(foreign.relative_to(path))!r}, which is not"
                " part of a Zarr store; move it out, choose another name, or pass --overwrite"
                " (overwrite=True) to replace the store with everything in it"
            )
    if found == kind:
        return path
    if suffix == ".zarr" and _zarr_attrs(path) is None:
        raise OutputError(
            f"{flag}: {str(path)!r} is a folder that is not a Zarr store; it is never"
            " deleted: choose another name"
        )
    if overwrite:
        return path
    what = (
        f"a frontiercost {found} output, not a {kind}"
        if found is not None
        else "not a frontiercost output"
    )
    raise OutputError(
        f"{flag}: {str(path)!r} exists and is {what}; choose another name, or pass"
        " --overwrite (overwrite=True) to replace it"
    )


_ZARR_FILES = {"zarr.json", ".zattrs", ".zgroup", ".zarray", ".zmetadata"}
_OS_FILES = {".DS_Store", "Thumbs.db", "desktop.ini"}  # written by file managers on browsing
_CHUNK_KEY = re.compile(r"^\d+(\.\d+)*$")  # a chunk: "0", "0.1" (v2), or a folder "0"


def _nodes(store: Path) -> dict[str, str] | None:
    """The store's groups and arrays (path -> node type) from its consolidated
    metadata, which every store frontiercost writes has; ``None`` without it."""
    try:
        data = json.loads((store / "zarr.json").read_text("utf-8"))
        listed = data["consolidated_metadata"]["metadata"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(listed, dict):
        return None
    return {str(k): str(v.get("node_type", "")) for k, v in listed.items() if isinstance(v, dict)}


def _foreign_entry(store: Path) -> Path | None:
    """The first file or folder in a Zarr store that the store itself does not hold.

    With the store's consolidated metadata, exactly its nodes: each node
    folder holds its ``zarr.json``, its listed child nodes and, for an array,
    its chunks under ``c/``; a folder named like a chunk beside a group, or
    another store inside this one, is not the store's.  Without it, by shape:
    metadata files, child node folders, chunks named by integers.
    """
    nodes = _nodes(store)
    if nodes is not None:
        return _foreign_in_node(store, "", "group", nodes)
    for entry in sorted(store.iterdir()):
        name = entry.name
        if entry.is_symlink():
            return entry
        if entry.is_file():  # "c": the one chunk of a 0-d array (v3)
            if name in _ZARR_FILES or name in _OS_FILES or name == "c" or _CHUNK_KEY.match(name):
                continue
            return entry
        if not entry.is_dir():
            return entry
        if name == "c" or _CHUNK_KEY.match(name):
            inner = _foreign_chunk(entry)
        elif any((entry / m).is_file() for m in ("zarr.json", ".zarray", ".zgroup")):
            inner = _foreign_entry(entry)
        else:
            return entry
        if inner is not None:
            return inner
    return None


def _foreign_in_node(
    folder: Path, path: str, node_type: str, nodes: dict[str, str]
) -> Path | None:
    """The first entry of node ``path`` (a ``group`` or an ``array``) that it does not hold."""
    for entry in sorted(folder.iterdir()):
        name = entry.name
        child = f"{path}/{name}" if path else name
        if entry.is_symlink():
            return entry
        if entry.is_file():
            if name == "zarr.json" or (node_type == "array" and name == "c"):
                continue  # "c": the one chunk of a 0-d array
            if name in _OS_FILES:
                continue  # a file manager's own (Finder's .DS_Store): not the user's work
            return entry
        if not entry.is_dir():
            return entry
        if node_type == "array" and name == "c":
            inner = _foreign_chunk(entry)
        elif node_type == "group" and child in nodes:
            inner = _foreign_in_node(entry, child, nodes[child], nodes)
        else:
            return entry
        if inner is not None:
            return inner
    return None


def _foreign_chunk(folder: Path) -> Path | None:
    """The first entry under a chunk folder that is not an integer-named chunk."""
    for entry in sorted(folder.iterdir()):
        if entry.is_symlink() or not _CHUNK_KEY.match(entry.name):
            return entry
        if entry.is_dir():
            inner = _foreign_chunk(entry)
            if inner is not None:
                return inner
        elif not entry.is_file():
            return entry
    return None


def _probe(folder: Path, flag: str) -> None:
    """Create and remove a file in ``folder``: /proc or a read-only mount fail here, not later."""
    import tempfile

    # a signal between creating and removing the probe would leave it behind
    with deferred_interrupts():
        try:
            fd, name = tempfile.mkstemp(dir=folder, prefix=".frontiercost-probe-")
        except OSError as err:
            raise OutputError(
                f"{flag}: cannot write in folder {str(folder)!r}: {err.strerror or err}"
            ) from None
        os.close(fd)
        os.unlink(name)


def open_run(
    path_text: str | os.PathLike[str], flag: str = "file", *, memory_bytes: int | None = None
) -> xr.DataTree:
    """A saved run (``.nc`` or ``.zarr``), checked to be whole and ours.

    Parameters
    ----------
    path_text : str or os.PathLike
        The file.
    flag : str
        What errors call the path where it is not a file to read.
    memory_bytes : int, optional
        Most memory its draws may take.  A run within it (or any run, when not
        given) is loaded into memory and its file closed; a larger one stays
        open and each variable is read when used and not kept, so a run
        written block by block beyond memory can still be summarized.

    Raises
    ------
    OutputError
        Naming the file and what is wrong: missing, not a regular file or Zarr
        folder (a FIFO or device is never opened), not readable, not a
        frontiercost run, damaged (a variable that is not numeric draws), or
        an incomplete Zarr store (chunks missing).
    """
    import xarray as xr

    path = Path(path_text)
    label = str(path_text)
    zarr = path.suffix.lower() == ".zarr"
    if not path.exists():
        raise OutputError(f"{label}: no such file")
    special = special_kind(path)
    if special is not None:
        raise OutputError(f"{label}: is {special}, not a saved run")
    if zarr and not path.is_dir():
        raise OutputError(f"{label}: not a Zarr folder")
    if not zarr and not path.is_file():
        raise OutputError(f"{label}: is a folder, not a .nc file")
    if not os.access(path, os.R_OK):
        raise OutputError(f"{label}: cannot read: permission denied")
    if zarr:
        zarr_needed(flag, path)
    elif _hdf5_signature(path) and not metadata_finishes(path):
        raise OutputError(
            f"{label}: damaged netCDF4/HDF5 file: reading its metadata did not finish in"
            f" {PROBE_SECONDS:g} s"
        )
    elif _netcdf_attrs(path) is None:
        if _hdf5_signature(path):
            raise OutputError(f"{label}: damaged netCDF4/HDF5 file: its attributes cannot be read")
        raise OutputError(f"{label}: not a netCDF4/HDF5 file (a saved run is one)")
    tree: xr.DataTree | None = None
    lazy = False
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*[Cc]onsolidated metadata")
            warnings.filterwarnings("ignore", message=".*phony_dims")  # a foreign HDF5 file
            engine = "zarr" if zarr else "h5netcdf"
            tree = xr.open_datatree(path, engine=engine, cache=False)
            if zarr:
                _check_complete(path, tree, label)
            lazy = memory_bytes is not None and data_bytes(tree) > memory_bytes
            if not lazy:
                tree.load()
                tree.close()
            _check_run(tree, label)
            if lazy:
                tree = _read_as_used(tree, label, zarr)
    except OutputError:
        if tree is not None:
            tree.close()
        raise
    except Exception as err:  # the backends raise many kinds on foreign or damaged files
        if tree is not None:
            tree.close()
        raise OutputError(unreadable(label, zarr, err)) from None
    return tree


def data_bytes(tree: xr.DataTree) -> int:
    """Bytes of every variable of ``tree`` (known from shapes, nothing is read)."""
    return sum(int(v.nbytes) for node in tree.subtree for v in node.dataset.variables.values())


# HDF5's Fletcher-32 failure (through h5py: "filter returned failure during read")
# and Zstandard's content checksum failure.
_CHECKSUM_FAILED = re.compile(
    r"Fletcher32|filter returned failure|doesn't match checksum|checksum mismatch", re.I
)


def unreadable(label: str, zarr: bool, err: BaseException) -> str:
    """The one-line error for a file a backend failed to read."""
    if isinstance(err, OSError) and err.errno is not None:
        return f"{label}: cannot read: {err.strerror}"
    if _CHECKSUM_FAILED.search(str(err)):
        return (
            f"{label}: damaged: stored draws fail their checksum (the file changed after"
            " it was written); its numbers cannot be trusted: run it again"
        )
    kind = "Zarr store" if zarr else "netCDF4/HDF5 file"
    return f"{label}: not a readable {kind} ({type(err).__name__}: {err})"


def _read_as_used(tree: xr.DataTree, label: str, zarr: bool) -> xr.DataTree:
    """``tree`` with each variable read from its file when used and not kept, a failed
    read (a damaged chunk) an :class:`OutputError` naming the file."""
    import xarray as xr
    from xarray.backends import BackendArray
    from xarray.core import indexing

    class Labelled(BackendArray):
        def __init__(self, var: xr.Variable) -> None:
            self.var, self.shape, self.dtype = var, var.shape, var.dtype

        def __getitem__(self, key: Any) -> Any:
            return indexing.explicit_indexing_adapter(
                key, self.shape, indexing.IndexingSupport.BASIC, self._read
            )

        def _read(self, key: tuple[Any, ...]) -> Any:
            try:
                return self.var[key].to_numpy()
            except Exception as err:  # the backends raise many kinds on damaged data
                raise OutputError(unreadable(label, zarr, err)) from None

    def wrap(var: xr.Variable) -> xr.Variable:
        if isinstance(var, xr.IndexVariable) or not var.ndim:
            return var  # coordinates are in memory already
        data = indexing.LazilyIndexedArray(Labelled(var))
        return xr.Variable(var.dims, data, var.attrs, var.encoding)

    def node(ds: xr.Dataset) -> xr.Dataset:
        return xr.Dataset(
            {k: wrap(ds.variables[k]) for k in ds.data_vars},
            coords={k: wrap(ds.variables[k]) for k in ds.coords},
            attrs=ds.attrs,
        )

    out = xr.DataTree.from_dict({n.path: node(n.to_dataset(inherit=False)) for n in tree.subtree})
    out.attrs = tree.attrs
    out.set_close(tree.close)
    return out


def every_chunk() -> Any:
    """A context in which Zarr writes every chunk, all-NaN ones included.

    Zarr skips (and deletes) a chunk equal to the fill value, NaN: an output
    NaN for a whole chunk of draws left a store that reads as incomplete.
    """
    import zarr

    return zarr.config.set({"array.write_empty_chunks": True})


def _check_complete(path: Path, tree: xr.DataTree, label: str) -> None:
    """Every chunk of every stored variable present (a missing chunk would read as NaN)."""
    import zarr

    group = "posterior" if "posterior" in tree.children else None
    if group is None:
        return
    for name in tree[group].data_vars:
        try:
            arr = zarr.open_array(store=str(path), path=f"{group}/{name}", mode="r")
        except Exception:  # a variable zarr cannot open is damage too
            raise OutputError(
                f"{label}: damaged Zarr store: {group}/{name} cannot be opened"
            ) from None
        endian = getattr(arr.serializer, "endian", None)
        if endian is not None and str(getattr(endian, "value", endian)) != "little":
            # frontiercost writes little-endian draws (files.checksum_encoding): another
            # byte order in the metadata reads every draw as garbage (4.3e304)
            raise OutputError(
                f"{label}: damaged Zarr store: {group}/{name} declares {endian} byte order;"
                " frontiercost writes little-endian draws"
            )
        done, whole = arr.nchunks_initialized, arr.nchunks
        if done < whole:
            raise OutputError(
                f"{label}: incomplete Zarr store: {group}/{name} has {done} of {whole} chunks"
                " (the run that wrote it did not finish); run it again"
            )


SEAL = "frontiercost_seal"  # root attribute: a hash of each other root attribute


def _canonical(value: Any) -> str:
    """An attribute's value as JSON, the same written and read back (numpy or not)."""
    import numpy as np

    if isinstance(value, np.ndarray | np.generic):
        value = value.tolist()
    # netCDF stores an attribute as a 1-D array, which h5py returns as it is and
    # xarray unpacks when it has one element: one value, however it is held
    if isinstance(value, list | tuple) and len(value) == 1:
        value = value[0]
    if isinstance(value, bytes):
        value = value.decode("utf-8", "surrogateescape")
    return json.dumps(value, sort_keys=True, default=str)


def seal(attrs: Any) -> str:
    """The seal of root attributes ``attrs``: 16 hex digits of SHA-256 per attribute.

    Attributes whose names start with ``_`` are the format's own (netCDF's
    ``_NCProperties``), not ours.  An attribute added later (a user's note) is
    not in the seal and breaks nothing.
    """
    import hashlib

    return json.dumps(
        {
            str(k): hashlib.sha256(_canonical(v).encode()).hexdigest()[:16]
            for k, v in attrs.items()
            if k != SEAL and not str(k).startswith("_")
        },
        sort_keys=True,
    )


def broken_seal(attrs: Any) -> list[str]:
    """Root attributes that differ from what the seal recorded (none for an unsealed file)."""
    raw = attrs.get(SEAL)
    if raw is None:
        return []  # written before seals existed
    try:
        recorded = json.loads(str(raw))
    except ValueError:
        return [SEAL]
    if not isinstance(recorded, dict):
        return [SEAL]
    now = json.loads(seal({k: attrs[k] for k in recorded if k in attrs}))
    return [k for k in recorded if now.get(k) != recorded[k]]


def sealed(tree: xr.DataTree) -> xr.DataTree:
    """A shallow copy of ``tree`` whose root attributes carry their seal."""
    out = tree.copy(deep=False)
    out.attrs = {**tree.attrs, SEAL: seal(tree.attrs)}
    return out


def _check_run(tree: xr.DataTree, label: str) -> None:
    """A frontiercost run: its version attribute, a run group, numeric draws and statistics."""
    import numpy as np

    groups = {"posterior", "streaming"} & set(tree.children)
    if "frontiercost_version" not in tree.attrs or not groups:
        raise OutputError(
            f"{label}: not a frontiercost run (expected the file written by "
            "`frontiercost run --out` or frontiercost.simulate: a 'posterior' or "
            "'streaming' group and a 'frontiercost_version' attribute)"
        )
    for key in ("draws", "chains", "seed"):
        value = tree.attrs.get(key)
        if isinstance(value, np.ndarray) and value.size == 1:
            value = value.item()
        if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer):
            raise OutputError(
                f"{label}: damaged run: the root attribute {key!r} is"
                f" {'missing' if value is None else repr(value)} (a whole number)"
            )
        if value < (0 if key == "seed" else 1):
            raise OutputError(f"{label}: damaged run: the root attribute {key!r} is {value}")
    if "posterior" in tree.children:
        post = tree["posterior"]
        if not post.data_vars:
            raise OutputError(f"{label}: damaged run: the posterior group has no variables")
        sizes = (post.sizes.get("chain", 0), post.sizes.get("draw", 0))
        recorded = (int(tree.attrs["chains"]), int(tree.attrs["draws"]))
        if "observed_data" not in tree.children and sizes != recorded:  # conditioned: resampled
            raise OutputError(
                f"{label}: damaged run: the posterior holds {sizes[0]} chains of {sizes[1]}"
                f" draws, the run records {recorded[0]} of {recorded[1]}"
            )
        for name in post.data_vars:  # .variables: no DataArray built per variable
            var = post.variables[name]
            if not np.issubdtype(var.dtype, np.number) or var.dims[-2:] != ("chain", "draw"):
                raise OutputError(
                    f"{label}: damaged run: posterior variable {name!r} is not numeric"
                    f" (chain, draw) draws ({var.dtype}, dims {var.dims})"
                )
            if var.dtype != np.float64:  # the engine's draws: a changed dtype reads garbage
                raise OutputError(
                    f"{label}: damaged run: posterior variable {name!r} holds {var.dtype};"
                    " frontiercost writes float64 draws"
                )
    else:
        stream = tree["streaming"]
        try:
            outputs = json.loads(str(stream.attrs["outputs"]))
            for name in outputs:
                for stat in ("count", "mean", "var", "min", "max", "hist_index", "hist_count"):
                    var = stream[f"{name}__{stat}"]
                    if not np.issubdtype(var.dtype, np.number):
                        raise TypeError(f"{name}__{stat} is {var.dtype}")
        except (KeyError, TypeError, ValueError) as err:
            raise OutputError(f"{label}: damaged streaming run ({err})") from None
    for node in tree.subtree:  # frontiercost writes neither: CF decoding would rescale draws
        for name, var in node.dataset.variables.items():
            scaled = sorted({"scale_factor", "add_offset"} & set(var.encoding))
            if scaled:
                raise OutputError(
                    f"{label}: damaged run: {node.path.strip('/') or '/'}/{name} carries"
                    f" {' and '.join(scaled)}, which frontiercost never writes"
                )
    changed = broken_seal(tree.attrs)
    if changed:
        raise OutputError(
            f"{label}: damaged run: the root attribute{'s' if len(changed) > 1 else ''}"
            f" {', '.join(map(repr, changed))} changed after the file was written"
        )


# Temporaries of writes under way or cut short; see remove_temporaries.
_pending: set[Path] = set()


def _temporary(path: Path) -> Path:
    tmp = path.with_name(f".{side_name(path.name)}.{uuid.uuid4().hex[:12]}.tmp")
    _pending.add(tmp)
    return tmp


def remove_temporaries(settle: float = 0.25, limit: float = 10.0) -> None:
    """Remove what interrupted writes left, once nothing writes into it any more.

    Zarr writes its chunks from an I/O thread of its own: when an interrupt
    stops the main thread, chunks already under way still land, and may
    recreate a temporary folder that :func:`staged` has just removed.  This
    removes each leftover again until it stays gone for ``settle`` seconds
    (at most ``limit`` seconds in all); the command line calls it on SIGINT
    and SIGTERM.
    """
    import time

    deadline = time.monotonic() + limit
    _cancel_zarr_io(limit)
    while _pending and time.monotonic() < deadline:
        for tmp in list(_pending):
            _remove(tmp)
        time.sleep(settle)
        for tmp in list(_pending):
            if not tmp.exists() and not tmp.is_symlink():
                _pending.discard(tmp)


def _cancel_zarr_io(timeout: float) -> None:
    """Cancel what zarr's event loop still runs: an interrupted ``to_zarr`` goes on there.

    An interrupt stops only the main thread's wait; the write's coroutine keeps
    writing chunks (for seconds on a large run) unless it is cancelled.
    """
    zarr_sync = sys.modules.get("zarr.core.sync")
    loop = getattr(zarr_sync, "loop", [None])[0]
    if loop is None or loop.is_closed() or not loop.is_running():
        return
    import asyncio
    import concurrent.futures

    async def cancel_all() -> None:
        me = asyncio.current_task()
        tasks = [t for t in asyncio.all_tasks() if t is not me]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    try:
        asyncio.run_coroutine_threadsafe(cancel_all(), loop).result(timeout)
    except (concurrent.futures.TimeoutError, RuntimeError):
        pass  # the settle loop of remove_temporaries still removes what lands


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists() or path.is_symlink():
        try:
            path.unlink()
        except OSError:
            pass


def _recheck(path: Path, flag: str) -> None:
    """Refuse to replace a target that changed since :func:`check_out` saw it.

    Even another run of ours: two runs to one ``--out`` both exited 0 and the
    later one silently replaced the earlier's result.  With ``overwrite`` the
    replacement was asked for.
    """
    key = os.path.abspath(path)
    if key not in _checked:
        return
    state, kind, overwrite = _checked[key]
    if overwrite or _state(path) == state:
        return
    try:
        _check_out(path, flag, kind, overwrite)
    except OutputError as err:
        reason = str(err).split(": ", 1)[-1]
        raise OutputError(
            f"{flag}: {str(path)!r} changed while the run was writing, and now {reason};"
            " it was left as it is, and this run's output was not kept"
        ) from None
    raise OutputError(
        f"{flag}: {str(path)!r} changed while the run was writing (another run wrote it?);"
        " it was left as it is, and this run's output was not kept: run again, or give"
        " --overwrite (overwrite=True) to replace it"
    )


def _place(tmp: Path, path: Path, flag: str = "out") -> None:
    """Move a finished temporary output into place, replacing an older one atomically."""
    raise_if_interrupted()
    # the record stays: another run to this path checked before this one placed
    # (threads of one process) still finds it, and a target that changed is checked again
    _recheck(path, flag)
    if path.is_dir() and not path.is_symlink():
        # A store is replaced in two renames and a removal: a signal in between would
        # leave no store at that path, or a hidden half-removed copy of the old one.
        # It waits for the end (the new store is then in place; the exit is still 130).
        with deferred_interrupts():
            old = path.with_name(f".{side_name(path.name)}.{uuid.uuid4().hex[:12]}.old")
            os.replace(path, old)
            try:
                os.replace(tmp, path)
            except OSError:
                os.replace(old, path)
                raise
            shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, path)
    placed_outputs.append(path)


@contextmanager
def staged(path: Path, flag: str = "out") -> Iterator[Path]:
    """A temporary path beside ``path``; renamed over it if the body completes."""
    tmp = _temporary(path)
    placed = False
    try:
        yield tmp
        _place(tmp, path, flag)
        placed = True
    except (OSError, RuntimeError) as err:  # HDF5 reports a failed close as RuntimeError
        if isinstance(err, RuntimeError) and "errno" not in str(err):
            raise
        reason = os_reason(err) if isinstance(err, OSError) else os_reason(OSError(str(err)))
        raise OutputError(f"{flag}: cannot write {str(path)!r}: {reason}") from None
    finally:
        if not placed:
            _cancel_zarr_io(10.0)  # else zarr's I/O thread recreates what is removed next
        _remove(tmp)
        if not tmp.exists():
            _pending.discard(tmp)


def check_room(path: Path, nbytes: int, flag: str = "out") -> None:
    """Refuse, before any work, an output of at least ``nbytes`` that cannot fit.

    ``nbytes`` is a lower bound of the file's size (its draws): the file-size
    limit of the process (``ulimit -f``) and the free space of the target's
    device are compared with it.

    Raises
    ------
    OutputError
        When the limit or the free space is smaller, with both figures.
    """
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
        unlimited = soft == resource.RLIM_INFINITY
    except (ImportError, OSError, ValueError):  # no such limit on this system
        soft, unlimited = 0, True
    if not unlimited and nbytes > soft:
        raise OutputError(
            f"{flag}: cannot write {str(path)!r}: File too large: the draws alone need"
            f" {format_size(nbytes)} and this process may write files of at most"
            f" {format_size(soft)} (ulimit -f); raise the limit, or ask for fewer draws"
        )
    try:
        st = os.statvfs(path.parent)
    except (AttributeError, OSError):  # no statvfs (Windows) or an odd file system
        return
    free = st.f_bavail * st.f_frsize
    if nbytes > free:
        raise OutputError(
            f"{flag}: cannot write {str(path)!r}: No space left on device: the draws alone"
            f" need {format_size(nbytes)} and {str(path.parent)!r} has {format_size(free)}"
            " free; free some space, write elsewhere, or ask for fewer draws"
        )


def write_bytes(path: Path, data: bytes | memoryview) -> None:
    """Write ``data`` to a new file ``path`` with plain I/O (a failure raises OSError)."""
    with open(path, "xb") as fh:
        fh.write(data)
        fh.flush()
    default_mode(path)


def netcdf_image(tree: xr.DataTree) -> memoryview:
    """``tree`` as the bytes of a netCDF4 file, built in memory.

    HDF5 does not survive a write that fails on disk (a full disk, a file-size
    limit): the half-written file's objects crash the process when they are
    collected. Built in memory, the file is then written with plain I/O,
    whose failures are ordinary ``OSError``.
    """
    image = tree.to_netcdf(engine="h5netcdf", encoding=checksummed(tree, zarr=False))
    assert isinstance(image, memoryview)
    return image


def checksum_encoding(var: xr.Variable, zarr: bool) -> dict[str, Any] | None:
    """How one variable is written with a checksum per chunk, or None for none.

    Numeric arrays only (attributes and strings are metadata).  netCDF: HDF5's
    Fletcher-32 filter, which needs chunks: draws are chunked ``CHUNK`` at a
    time per chain (as a run written block by block), anything else as h5py
    chooses.  Zarr: Zstandard at level 0 (its default) with its content
    checksum.  Measured cost (2026-12-04): Fletcher-32 writes at ~0.9 GB/s
    against ~1.4 GB/s without; Zstandard's checksum is xxHash64, a few % of a
    write.  Without it every one of 200 single-bit flips in a Zarr chunk read
    back as wrong draws, with no error.
    """
    import numpy as np

    if var.ndim == 0 or var.size == 0 or not np.issubdtype(var.dtype, np.number):
        return None
    if zarr:
        from zarr.codecs import BytesCodec, ZstdCodec

        # little-endian on any machine, so a reader can hold a store to it
        return {
            "serializer": BytesCodec(endian="little"),
            "compressors": [ZstdCodec(level=0, checksum=True)],
        }
    enc: dict[str, Any] = {"fletcher32": True}
    if var.dims[-2:] == ("chain", "draw"):
        enc["chunksizes"] = (1,) * (var.ndim - 1) + (min(var.shape[-1], CHUNK),)
    return enc


def checksummed(tree: xr.DataTree, zarr: bool) -> dict[str, dict[str, dict[str, Any]]]:
    """``encoding=`` for writing ``tree`` with a checksum on every numeric array."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for node in tree.subtree:
        ds = node.to_dataset(inherit=False)
        encs = {
            str(name): enc
            for name in ds.variables
            if (enc := checksum_encoding(ds.variables[name], zarr)) is not None
        }
        if encs:
            out[node.path] = encs
    return out


def write_tree(tree: xr.DataTree, path: Path, flag: str = "out") -> None:
    """Write a tree to ``.nc`` (h5netcdf) or ``.zarr``, atomically.

    A netCDF file is built in memory (:func:`netcdf_image`) and then written:
    it needs memory for its bytes besides the tree's.
    """
    zarr = path.suffix.lower() == ".zarr"
    tree = sealed(tree)
    with staged(path, flag) as tmp:
        if zarr:
            with warnings.catch_warnings():
                # Zarr v3 has no consolidated metadata in its spec yet; xarray writes and
                # reads it all the same.
                warnings.filterwarnings("ignore", message=".*[Cc]onsolidated metadata")
                with every_chunk():
                    tree.to_zarr(tmp, mode="w", encoding=checksummed(tree, zarr=True))
        else:
            # the file holds at least the tree's arrays: refuse before building it in memory
            check_room(path, sum(int(node.dataset.nbytes) for node in tree.subtree), flag)
            image = netcdf_image(tree)
            try:
                write_bytes(tmp, image)
            finally:
                image.release()


def zarr_needed(flag: str, path: Path) -> None:
    """Refuse a ``.zarr`` path, with the fix, when zarr is not installed."""
    import importlib.util

    if importlib.util.find_spec("zarr") is None:
        raise OutputError(
            f"{flag}: {str(path)!r}: Zarr needs the zarr package, which is not installed; "
            "install it with `pip install 'frontiercost[distributed]'` (or `pip install zarr`), "
            "or write a .nc file"
        )
