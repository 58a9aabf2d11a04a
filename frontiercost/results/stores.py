"""Stored runs larger than memory: the tree written block by block into its file.

The run's tree is first written as a skeleton (root attributes, coordinates,
variables with their attributes but no draws) under a temporary name beside
the target; the executor then writes each range of draws into it through a
:class:`~frontiercost.engine.Sink`, and the finished file is renamed into
place (:mod:`frontiercost.results.files`).  netCDF is written by this
process alone (HDF5 is not safe for concurrent writers); a Zarr store can
also be written by dask workers, a chunk per task.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from .files import CHUNK, checksummed


@dataclass(frozen=True)
class Layout:
    """Which stored variable takes which row of a range's outputs or inputs."""

    names: tuple[str, ...]
    rows: tuple[tuple[int, int], ...]  # (0 = outputs / 1 = inputs, row)
    chains: int
    draws: int

    @classmethod
    def of(
        cls,
        outputs: Sequence[str],
        inputs: Sequence[str],
        chains: int,
        draws: int,
        skip: Sequence[str] = (),
    ) -> Layout:
        """Outputs, then inputs that are not also outputs (stored once, as the output).

        ``skip``: inputs not stored with the draws (fixed ones, in ``constant_data``).
        """
        names = list(outputs)
        rows = [(0, o) for o in range(len(outputs))]
        for r, n in enumerate(inputs):
            if n not in outputs and n not in skip:
                names.append(n)
                rows.append((1, r))
        return cls(tuple(names), tuple(rows), chains, draws)

    def spans(self, start: int, n: int) -> list[tuple[int, int, int, int]]:
        """``(chain, d0, column, length)`` pieces of flat range ``start .. start + n``."""
        out = []
        i = start
        while i < start + n:
            c, d0 = divmod(i, self.draws)
            m = min(self.draws - d0, start + n - i)
            out.append((c, d0, i - start, m))
            i += m
        return out


def _placeholders(layout: Layout) -> dict[str, np.ndarray]:
    shape = (layout.chains, layout.draws)
    # a broadcast view: the template's variables take no memory
    return {n: np.broadcast_to(np.float64(np.nan), shape) for n in layout.names}


def _nonfinite_attrs(nonfinite: dict[str, dict[str, int]]) -> tuple[str, dict[str, int]]:
    """The root ``nonfinite`` attribute and each output's ``nonfinite_draws`` (as in memory)."""
    per_var = {n: c["nan"] + c["inf"] for n, c in nonfinite.items()}
    return json.dumps(nonfinite), per_var


class NetCDFSink:
    """Writes ranges of draws into the variables of a netCDF skeleton (this process only)."""

    def __init__(self, path: Path, layout: Layout, piece: int) -> None:
        import h5py

        self.layout = layout
        self.piece = piece
        # No chunk cache: every chunk is written once, in order; HDF5's cache
        # (1 MiB per variable) grew the process by 170 MB and took twice the time
        # on a stored GPT-4 run of 4e6 draws.
        self._file = h5py.File(path, "r+", rdcc_nbytes=0)
        group = self._file["posterior"]
        self._vars = [group[n] for n in layout.names]

    def write(self, start: int, outputs: np.ndarray, inputs: np.ndarray) -> None:
        """Write draws ``start .. start + n`` (columns of ``outputs`` / ``inputs``)."""
        src = (outputs, inputs)
        for c, d0, col, m in self.layout.spans(start, outputs.shape[1]):
            for var, (kind, row) in zip(self._vars, self.layout.rows, strict=True):
                var[c, d0 : d0 + m] = src[kind][row, col : col + m]

    def finish(self, nonfinite: dict[str, dict[str, int]]) -> None:
        """Record the run's NaN and infinite draws per output, then close the file."""
        from .files import SEAL, seal

        root, per_var = _nonfinite_attrs(nonfinite)
        self._file.attrs["nonfinite"] = root
        for name, n in per_var.items():
            self._file["posterior"][name].attrs["nonfinite_draws"] = np.int64(n)
        self._file.attrs[SEAL] = seal(dict(self._file.attrs))
        self.close()

    def close(self) -> None:
        """Flush and close the file."""
        self._file.close()


@dataclass(frozen=True)
class ZarrSink:
    """Writes ranges of draws into a Zarr skeleton; pickles, so dask workers can write.

    Concurrent writers must write whole chunks (``chunk`` draws of one chain,
    aligned): two writers of parts of one chunk would each rewrite all of it.
    """

    path: str
    layout: Layout
    chunk: int
    piece: int

    def write(self, start: int, outputs: np.ndarray, inputs: np.ndarray) -> None:
        """Write draws ``start .. start + n`` (columns of ``outputs`` / ``inputs``)."""
        import zarr

        from .files import every_chunk

        src = (outputs, inputs)
        with every_chunk():
            arrays = [
                zarr.open_array(store=self.path, path=f"posterior/{n}", mode="r+")
                for n in self.layout.names
            ]
            for c, d0, col, m in self.layout.spans(start, outputs.shape[1]):
                for arr, (kind, row) in zip(arrays, self.layout.rows, strict=True):
                    arr[c, d0 : d0 + m] = src[kind][row, col : col + m]

    def finish(self, nonfinite: dict[str, dict[str, int]]) -> None:
        """Record the run's NaN and infinite draws per output (and consolidate again)."""
        import zarr

        from .files import SEAL, seal

        root, per_var = _nonfinite_attrs(nonfinite)
        group = zarr.open_group(self.path, mode="r+")
        group.attrs["nonfinite"] = root
        group.attrs[SEAL] = seal(dict(group.attrs))
        for name, n in per_var.items():
            group[f"posterior/{name}"].attrs["nonfinite_draws"] = n
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*[Cc]onsolidated metadata")
            zarr.consolidate_metadata(self.path)

    def close(self) -> None:
        """Nothing to close: every write opens and closes its arrays."""


def write_skeleton(
    template: xr.DataTree,
    path: Path,
    layout: Layout,
    *,
    zarr: bool,
    chunk: int = CHUNK,
    piece: int = 1 << 20,
) -> Any:
    """Write ``template`` without its draws to ``path``; return the sink that fills them in.

    ``template``'s posterior variables named in ``layout`` are placeholders;
    everything else (attributes, coordinates, other groups) is written as it is.
    ``zarr``: a Zarr store, else netCDF (``path`` is a temporary name).
    ``piece``: the most draws a local run computes and writes at once.
    """
    chunk = max(1, min(chunk, layout.draws))
    if zarr:
        import dask.array as da

        shape = (layout.chains, layout.draws)
        post = template["posterior"].to_dataset()
        for n in layout.names:
            post[n] = post[n].copy(data=da.full(shape, np.nan, chunks=(1, chunk)))
        skeleton = template.copy()
        skeleton["posterior"] = xr.DataTree(post)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*[Cc]onsolidated metadata")
            skeleton.to_zarr(
                path, mode="w", compute=False, encoding=checksummed(skeleton, zarr=True)
            )
        return ZarrSink(str(path), layout, chunk, piece)
    import io

    import h5netcdf

    from .files import netcdf_image, write_bytes

    # Built in memory and written with plain I/O, then given all the room its draws
    # will take: HDF5 itself never meets a full disk (it does not survive one, see
    # files.netcdf_image), and a write that cannot fit fails here, cleanly.
    post = template["posterior"].to_dataset()
    attrs = {n: dict(post[n].attrs) for n in layout.names}
    skeleton = template.copy()
    skeleton["posterior"] = xr.DataTree(post.drop_vars(list(layout.names)))
    buf = io.BytesIO(netcdf_image(skeleton))
    with h5netcdf.File(buf, "a") as f:
        group = f.groups["posterior"]
        for n in layout.names:
            var = group.create_variable(
                n,
                ("chain", "draw"),
                dtype=np.float64,
                chunks=(1, chunk),
                fillvalue=np.nan,
                fletcher32=True,  # as files.checksummed: a changed draw is an error when read
            )
            var.attrs.update(attrs[n])
    write_bytes(path, buf.getbuffer())
    reserve(path, len(buf.getbuffer()) + netcdf_draw_bytes(layout, chunk))
    return NetCDFSink(path, layout, piece)


def netcdf_draw_bytes(layout: Layout, chunk: int) -> int:
    """An upper bound of what a netCDF file's draws add to its skeleton.

    The draws themselves, a chunk index entry per chunk (a B-tree entry takes
    under 100 bytes) and a margin for the metadata HDF5 rewrites on closing.
    """
    chunks = layout.chains * -(-layout.draws // chunk)
    per_var = layout.chains * layout.draws * 8 + chunks * 128
    return len(layout.names) * per_var + (1 << 20)


def reserve(path: Path, size: int) -> None:
    """Give ``path`` the disk space of ``size`` bytes now, with plain I/O.

    Later writes inside that size neither grow the file (no file-size limit)
    nor allocate blocks (no full disk). HDF5 truncates the file to what it
    used when it closes it.
    """
    import os

    fd = os.open(path, os.O_RDWR)
    try:
        try:
            os.posix_fallocate(fd, 0, size)
        except OSError as err:
            import errno

            if err.errno not in (errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL):
                raise
            # no fallocate here: extend the file by writing its last byte
            if os.fstat(fd).st_size < size:
                os.pwrite(fd, b"\0", size - 1)
    finally:
        os.close(fd)


def template_data(layout: Layout) -> dict[str, np.ndarray]:
    """Placeholder ``(chain, draw)`` arrays for building a skeleton's template tree."""
    return _placeholders(layout)
