#!/usr/bin/python3
"""Regenerates the fixtures of the `--align` end-to-end tests (tests/aggregate.rs), with GDAL.

Run with the system python (GDAL's python bindings and numpy):

    /usr/bin/python3 testdata/align/make_align_fixtures.py

Two small Float32 rasters of 1/120° pixels (EPSG:4326, nodata -9999, deflate) whose top-left
corner is 2 pixels east and 3 pixels south of a multiple of 1/24° (the 5 km mastergrid), so that
`--resolution 5km --align` must shift the grid by whole input cells:

* `offset_1km.tif`, 54 x 41: the right and bottom edges are off the 1/24° grid too (the aligned
  output is 12 x 9, what `gdalwarp -tap` gives as well);
* `offset_1km_edge.tif`, 53 x 42: the right and bottom edges fall exactly on multiples of 1/24°
  (10 + 55/120 = 251/24), which float division puts a hair past the multiple: rastagg gives
  11 x 9, `gdalwarp -tap` (GDAL 3.6) adds a column of nodata.

Values are 0.01-steps in [250, 320) (float64 sums of them are exact, so numpy's mean is the
correctly rounded one), ~12% nodata, and one aligned 5 x 5 block (output cell (3, 4)) all nodata.
Deterministic: a fixed seed, no timestamps.
"""

import os

import numpy as np
from osgeo import gdal, osr

gdal.UseExceptions()
gdal.SetConfigOption("GDAL_PAM_ENABLED", "NO")

HERE = os.path.dirname(os.path.abspath(__file__))
PIXEL = 1 / 120
# 2 pixels east and 3 pixels south of (10°, 50°), a multiple of 1/24° on both axes.
ORIGIN = (10 + 2 * PIXEL, 50 - 3 * PIXEL)


def make(name, cols, rows, seed):
    rng = np.random.default_rng(seed)
    a = np.round(rng.uniform(250.0, 320.0, (rows, cols)) * 100) / 100
    a = a.astype(np.float32)
    a[rng.random(a.shape) < 0.12] = -9999.0
    # Output cell (3, 4) covers input rows 3·5 − 3 .. and columns 4·5 − 2 ..: all nodata.
    a[12:17, 18:23] = -9999.0
    path = os.path.join(HERE, name)
    ds = gdal.GetDriverByName("GTiff").Create(
        path, cols, rows, 1, gdal.GDT_Float32, ["COMPRESS=DEFLATE", "TILED=YES",
                                                 "BLOCKXSIZE=16", "BLOCKYSIZE=16"])
    ds.SetGeoTransform((ORIGIN[0], PIXEL, 0.0, ORIGIN[1], 0.0, -PIXEL))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    ds.SetSpatialRef(srs)
    band = ds.GetRasterBand(1)
    band.SetNoDataValue(-9999.0)
    band.WriteArray(a)
    ds = None


if __name__ == "__main__":
    make("offset_1km.tif", 54, 41, 20261126)
    make("offset_1km_edge.tif", 53, 42, 20261127)
