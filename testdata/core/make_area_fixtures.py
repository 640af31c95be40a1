#!/usr/bin/python3
"""Make the reference fixtures of rastagg-core's tests (run with /usr/bin/python3, which has
GDAL and numpy; writes next to this script).

1. A small Float32 input (37 x 29, values around 300, ~10% nodata -9999, a NaN-free field)
   aggregated by `gdalwarp -ts 11 9` (non-integer ratios 37/11 and 29/9) with
   -r average/min/max/med: GDAL's area-weighted rules that the core's `area` mode follows.
2. The same input aggregated at integer factors 5 (x) and 4 (y) by numpy in float64
   (mean, sum, std, rms, min, max, count, and np.quantile linear median), each cast to
   float32 (count to int32) as rastagg's outputs are typed.

Every array is stored as raw little-endian .bin (float32, count int32), described by
fixtures.json. The Rust test `tests/fixtures.rs` reads them; no TIFF reader is involved.
"""

import json
import os
import subprocess
import tempfile

import numpy as np
from osgeo import gdal

HERE = os.path.dirname(os.path.abspath(__file__))
COLS, ROWS = 37, 29
OUT_COLS, OUT_ROWS = 11, 9
FX, FY = 5, 4
NODATA = -9999.0


def make_input():
    rng = np.random.default_rng(20261126)
    data = (280.0 + 40.0 * rng.random((ROWS, COLS))).astype(np.float32)
    data[rng.random((ROWS, COLS)) < 0.1] = NODATA
    data[3:6, 30:34] = NODATA  # a whole block of nodata
    return data


def write_tif(path, data):
    drv = gdal.GetDriverByName("GTiff")
    ds = drv.Create(path, COLS, ROWS, 1, gdal.GDT_Float32)
    ds.SetGeoTransform((10.0, 0.01, 0.0, 50.0, 0.0, -0.01))
    ds.SetProjection("EPSG:4326")
    band = ds.GetRasterBand(1)
    band.SetNoDataValue(NODATA)
    band.WriteArray(data)
    ds = None


def warp(src, dst, method):
    subprocess.run(
        ["gdalwarp", "-q", "-overwrite", "-ts", str(OUT_COLS), str(OUT_ROWS), "-r", method,
         "-srcnodata", str(NODATA), "-dstnodata", str(NODATA), src, dst],
        check=True,
    )
    ds = gdal.Open(dst)
    out = ds.GetRasterBand(1).ReadAsArray()
    assert out.dtype == np.float32 and out.shape == (OUT_ROWS, OUT_COLS)
    return out


def save(name, array):
    array.astype(array.dtype.newbyteorder("<")).tofile(os.path.join(HERE, name))
    return name


def factor_reference(data):
    out_rows, out_cols = -(-ROWS // FY), -(-COLS // FX)
    refs = {k: np.full((out_rows, out_cols), NODATA, np.float32)
            for k in ["mean", "sum", "SD", "rms", "min", "max", "median_linear"]}
    count = np.zeros((out_rows, out_cols), np.int32)
    for r in range(out_rows):
        for c in range(out_cols):
            block = data[r * FY:(r + 1) * FY, c * FX:(c + 1) * FX].astype(np.float64).ravel()
            v = block[(block != NODATA) & ~np.isnan(block)]
            count[r, c] = v.size
            if v.size == 0:
                continue
            refs["mean"][r, c] = np.float32(np.mean(v))
            refs["sum"][r, c] = np.float32(np.sum(v))
            refs["SD"][r, c] = np.float32(np.std(v))
            refs["rms"][r, c] = np.float32(np.sqrt(np.mean(v * v)))
            refs["min"][r, c] = np.float32(v.min())
            refs["max"][r, c] = np.float32(v.max())
            refs["median_linear"][r, c] = np.float32(np.quantile(v, 0.5, method="linear"))
    return out_rows, out_cols, refs, count


def main():
    data = make_input()
    desc = {
        "cols": COLS,
        "rows": ROWS,
        "nodata": NODATA,
        "input": save("input.f32.bin", data),
        "area": {"out_cols": OUT_COLS, "out_rows": OUT_ROWS, "outputs": {}},
        "factor": {"fx": FX, "fy": FY, "outputs": {}},
        "made_by": "make_area_fixtures.py with GDAL " + gdal.__version__
                   + ", numpy " + np.__version__,
    }
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "in.tif")
        write_tif(src, data)
        for method in ["average", "min", "max", "med"]:
            out = warp(src, os.path.join(tmp, method + ".tif"), method)
            desc["area"]["outputs"][method] = save("area_" + method + ".f32.bin", out)
    out_rows, out_cols, refs, count = factor_reference(data)
    desc["factor"]["out_rows"], desc["factor"]["out_cols"] = out_rows, out_cols
    for name, arr in refs.items():
        desc["factor"]["outputs"][name] = save("factor_" + name + ".f32.bin", arr)
    desc["factor"]["count"] = save("factor_count.i32.bin", count)
    with open(os.path.join(HERE, "fixtures.json"), "w") as f:
        json.dump(desc, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
