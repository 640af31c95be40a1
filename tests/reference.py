#!/usr/bin/python3
"""References for tests/aggregate.rs, computed at test time with GDAL and numpy.

GDAL is the oracle here, never a dependency of rastagg. Each command prints one JSON object
on standard output; the Rust tests assert on it. Commands:

  make DIR                      deterministic small inputs (fixed seeds) in DIR
  stats IN PREFIX FX FY STATS [--src-nodata V] [--nodata V] [--quantile-method M] [--ddof D]
                                every statistic of PREFIX.<stat>.tif against numpy/exact
                                references at integer factors (edge cells included)
  warp IN PREFIX FX FY          gdalwarp -r average/min/max/med/q1/q3/rms/mode, whole blocks
  size IN PREFIX ROWS COLS      --size (area mode) against gdalwarp -ts, interior cells
  res IN PREFIX R               --resolution R (non-integer ratio) against gdalwarp -tr R R
  corner IN PREFIX ROWS COLS    --size --mode corner against floor(i / (in/out)) in float64
  align IN PREFIX R STATS [corner]
                                --resolution R --align against the grid DESIGN.md gives, numpy
                                references (whole shifts, or --mode corner's rule) and
                                gdalwarp -tap -tr R R
  same A B [A B ...]            pixel arrays, types and nodata equal, bit for bit
  info FILE                     size, type, nodata, geotransform, EPSG as GDAL reads them
  georef IN OUT FX FY           OUT keeps IN's CRS and AREA_OR_POINT, geotransform scaled
  vrt IN DIR                    tiles cut with gdal_translate -srcwin, mosaicked by gdalbuildvrt
"""

import json
import math
import sys
from decimal import Decimal, getcontext
from fractions import Fraction

import numpy as np
from osgeo import gdal, osr

gdal.UseExceptions()
getcontext().prec = 60
np.seterr(all="ignore")  # overflow to inf and inf - inf are part of what is checked

NUMPY = {
    "Byte": np.uint8,
    "UInt16": np.uint16,
    "Int16": np.int16,
    "UInt32": np.uint32,
    "Int32": np.int32,
    "UInt64": np.uint64,
    "Int64": np.int64,
    "Float32": np.float32,
    "Float64": np.float64,
}
INT_RANGE = {
    "Byte": (0, 255),
    "UInt16": (0, 65535),
    "Int16": (-32768, 32767),
    "UInt32": (0, 2**32 - 1),
    "Int32": (-(2**31), 2**31 - 1),
    "UInt64": (0, 2**64 - 1),
    "Int64": (-(2**63), 2**63 - 1),
}


def emit(obj):
    """Prints obj as strict JSON (NaN, which JSON lacks, as the string "nan")."""

    def strict(x):
        if isinstance(x, float) and math.isnan(x):
            return "nan"
        if isinstance(x, dict):
            return {k: strict(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [strict(v) for v in x]
        return x

    print(json.dumps(strict(obj), sort_keys=True, allow_nan=False))


# ---------------------------------------------------------------------------------------------
# Inputs


def write(path, arr, gdal_type, nodata=None, options=(), gt=(10.0, 1 / 64, 0.0, 50.0, 0.0, -1 / 64)):
    rows, cols = arr.shape
    ds = gdal.GetDriverByName("GTiff").Create(path, cols, rows, 1, gdal_type, list(options))
    ds.SetGeoTransform(gt)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    ds.SetProjection(srs.ExportToWkt())
    band = ds.GetRasterBand(1)
    if nodata is not None:
        band.SetNoDataValue(nodata)
    band.WriteArray(arr)
    ds = None


def make(out):
    """Small inputs with edge cells for factors 4x3 and 3x5, repeated values (mode, quantile
    ties), whole-nodata blocks, NaN, and values whose float64 sums numpy computes exactly."""
    rng = np.random.default_rng(20260101)

    # Float32, nodata -9999, ~15% nodata, ~3% NaN; top half small integers (ties).
    a = rng.uniform(-50.0, 50.0, (77, 103)).astype(np.float32)
    a[:38] = rng.integers(-2, 3, (38, 103)).astype(np.float32)
    a[rng.random(a.shape) < 0.15] = -9999.0
    a[rng.random(a.shape) < 0.03] = np.nan
    a[6:9, 8:12] = -9999.0  # one whole 4x3 block (and 3x5 blocks partly) without data
    a[9:12, 12:16] = np.nan  # and one all NaN
    write(f"{out}/f32.tif", a, gdal.GDT_Float32, -9999.0,
          ["TILED=YES", "BLOCKXSIZE=16", "BLOCKYSIZE=16", "COMPRESS=DEFLATE", "PREDICTOR=3"])

    # Int16, nodata -9999, strips.
    b = rng.integers(-3000, 3000, (47, 61)).astype(np.int16)
    b[:20] = rng.integers(0, 4, (20, 61))
    b[rng.random(b.shape) < 0.2] = -9999
    b[0:3, 0:4] = -9999
    write(f"{out}/i16.tif", b, gdal.GDT_Int16, -9999, ["COMPRESS=LZW", "BLOCKYSIZE=5"])

    # Byte without nodata (outputs: nodata -9999 widens min/max/... to Int16).
    c = rng.integers(0, 256, (45, 50)).astype(np.uint8)
    c[:15] = rng.integers(0, 3, (15, 50))
    write(f"{out}/u8.tif", c, gdal.GDT_Byte, None, ["COMPRESS=DEFLATE"])

    # Float64 without nodata tag, full-precision values and some NaN.
    d = rng.normal(1000.0, 50.0, (33, 40))
    d[rng.random(d.shape) < 0.05] = np.nan
    write(f"{out}/f64.tif", d, gdal.GDT_Float64, None,
          ["TILED=YES", "BLOCKXSIZE=16", "BLOCKYSIZE=16", "COMPRESS=ZSTD"])

    # Float32 for non-integer ratios: nodata -9999, no NaN (NaN is data to gdalwarp).
    e = rng.uniform(0.0, 100.0, (29, 37)).astype(np.float32)
    e[rng.random(e.shape) < 0.1] = -9999.0
    write(f"{out}/small.tif", e, gdal.GDT_Float32, -9999.0, ["COMPRESS=LZW", "PREDICTOR=2"])

    # Wider Float32 (800 x 200, strips of 8 rows) so that the band planner has rows to split.
    g = rng.uniform(-10.0, 10.0, (200, 800)).astype(np.float32)
    g[rng.random(g.shape) < 0.1] = -9999.0
    write(f"{out}/wide.tif", g, gdal.GDT_Float32, -9999.0,
          ["COMPRESS=DEFLATE", "BLOCKYSIZE=8"])
    # Wide tiled Float32 (2304 x 260, 128 x 128 tiles): a tile row passes the 1 MiB a read aims
    # at, so reads are column spans of whole tiles (2048 columns, then 256), which cut cells
    # of factor 5 in two.
    h = rng.uniform(-10.0, 10.0, (260, 2304)).astype(np.float32)
    h[rng.random(h.shape) < 0.1] = -9999.0
    write(f"{out}/wide_tiled.tif", h, gdal.GDT_Float32, -9999.0,
          ["TILED=YES", "BLOCKXSIZE=128", "BLOCKYSIZE=128", "COMPRESS=LZW", "PREDICTOR=2"])
    # Extreme values in pairs (factor 2,1): squares past float64's range (also in the fast
    # path: few significant bits), sums past it with a finite mean, ranges past it, squares
    # below the subnormals, subnormals, infinities.
    big, tiny = np.finfo(np.float64).max, np.finfo(np.float64).smallest_subnormal
    x = [1e200, -1e200, 3e160, 1e160, 1e150, 2e150, -7e300, 5e300, np.inf, 1.0, np.inf,
         np.inf, -np.inf, 2.0, 1.5, 2.5, 2.0**500, 2.0**501, 1e308, 1e308, big, big,
         big, -big, 2.0**-500, 2.0**-499, 2.0**-540, 3 * 2.0**-540, 1e-200, -3e-200,
         tiny, 2 * tiny, -tiny, 0.0, np.inf, -np.inf]
    write(f"{out}/f64_extreme.tif", np.array([x]), gdal.GDT_Float64)
    f32 = np.finfo(np.float32)
    y = [np.inf, 1.0, -np.inf, 2.0, np.inf, np.inf, 3e38, -3e38, 1.5, 2.5, f32.max, f32.max,
         f32.smallest_subnormal, 3 * f32.smallest_subnormal, 1e-30, 2e-30, 2.0**-64, 2.0**-63]
    write(f"{out}/f32_inf.tif", np.array([y], dtype=np.float32), gdal.GDT_Float32)
    emit({"dir": out})


# ---------------------------------------------------------------------------------------------
# Type rules (DESIGN.md, "Output types", "Output nodata"), written independently of the Rust.


def holds(t, v):
    if t in ("Float32", "Float64"):
        return math.isnan(v) or float(NUMPY[t](v)) == v
    lo, hi = INT_RANGE[t]
    return float(v).is_integer() and lo <= v <= hi


def holds_type(a, b):
    """Whether every value of type b is a value of type a."""
    if b in ("Float32", "Float64"):
        return a == "Float64" or a == b
    lo, hi = INT_RANGE[b]
    if a in ("Float32", "Float64"):
        bits = 24 if a == "Float32" else 53
        return -(2**bits) <= lo and hi <= 2**bits
    alo, ahi = INT_RANGE[a]
    return alo <= lo and hi <= ahi


# Options of the run being checked (`stats` command): --quantile-method and --ddof.
OPTIONS = {"quantile": "gdal", "ddof": 0}
QUANTILES = {"median": 50, "q1": 25, "q3": 75}


def is_quantile(stat):
    return stat in QUANTILES or (stat[0] == "p" and stat[1:].isdigit())


def output_type(stat, t, nodata):
    real = "Float64" if t == "Float64" else "Float32"
    if stat == "count":
        natural = "Int32"
    elif stat in ("mean", "SD", "rms"):
        natural = real
    elif stat == "sum" or (is_quantile(stat) and OPTIONS["quantile"] == "linear"
                           and t not in ("Float32", "Float64")):
        # numpy-linear quantiles of integers are interpolated: typed like the sum.
        natural = "Float64" if t in ("Float64", "Int32", "UInt32", "Int64", "UInt64") else "Float32"
    elif stat == "range":
        # Unsigned and float ranges fit the input type; signed ones need the next type.
        natural = {"Int16": "Int32", "Int32": "Int64", "Int64": "Float64"}.get(t, t)
    else:  # min, max, quantiles, mode
        natural = t
    if holds(natural, nodata):
        return natural
    for cand in ("Byte", "UInt16", "Int16", "UInt32", "Int32", "Float32", "UInt64", "Int64",
                 "Float64"):
        if holds_type(cand, natural) and holds(cand, nodata):
            return cand
    return "Float64"


# ---------------------------------------------------------------------------------------------
# Reading


def open_band(path):
    ds = gdal.Open(path)
    band = ds.GetRasterBand(1)
    return ds, band, band.ReadAsArray()


def type_name(band):
    return gdal.GetDataTypeName(band.DataType)


def valid_mask(arr, nodata):
    """GDAL's reading of nodata (cast to the band type) plus NaN, which rastagg always skips."""
    ok = np.ones(arr.shape, dtype=bool)
    if arr.dtype.kind == "f":
        ok &= ~np.isnan(arr)
    if nodata is not None and not math.isnan(nodata) and holds(np_type_name(arr.dtype), nodata):
        ok &= arr != arr.dtype.type(nodata)
    return ok


def np_type_name(dtype):
    for k, v in NUMPY.items():
        if np.dtype(v) == dtype:
            return k
    raise ValueError(dtype)


def bits(x, t):
    """The bit pattern of x as type t, for exact comparisons (NaN patterns kept)."""
    v = np.array([x]).astype(NUMPY[t]) if not isinstance(x, np.ndarray) else x.astype(NUMPY[t])
    if t in ("Float32", "Float64"):
        return int(v.view(np.uint32 if t == "Float32" else np.uint64)[0])
    return int(v[0])


def ulps(a, b, t):
    """Distance in units in the last place between two finite floats of type t."""
    if t not in ("Float32", "Float64"):
        return abs(int(a) - int(b))
    if math.isnan(a) or math.isnan(b):
        return 0 if (math.isnan(a) and math.isnan(b)) else 2**63
    ut, it = (np.uint32, np.int32) if t == "Float32" else (np.uint64, np.int64)
    sign = 1 << (31 if t == "Float32" else 63)

    def ordered(x):
        u = int(np.array([x], dtype=NUMPY[t]).view(ut)[0])
        return -(u - sign) if u >= sign else u

    return abs(ordered(a) - ordered(b))


# ---------------------------------------------------------------------------------------------
# Statistics of one cell (values: 1-D array of the valid values, input type)


def round_fraction(fr):
    """The float64 nearest to a Fraction (ties to even), +-inf beyond float64's range."""
    try:
        return float(fr)  # int / int: correctly rounded
    except OverflowError:
        return math.inf if fr > 0 else -math.inf


def exact_mean(fr, n):
    """DESIGN.md's mean: the correctly rounded sum divided by n in float64, with the exponent
    range unbounded when the sum itself is beyond float64 (then the sum, scaled by a power of
    two, is rounded and divided): what numpy gives whenever its float64 sum is exact and
    finite, and the finite mean when only the sum overflows."""
    s = round_fraction(fr)
    if math.isfinite(s):
        return s / n
    a, b = abs(fr.numerator), fr.denominator
    k = a.bit_length() - b.bit_length()  # floor(log2 |fr|), exactly
    if a < b * Fraction(2) ** k:
        k -= 1
    scaled = float(fr / Fraction(2) ** k) / n
    try:
        return math.ldexp(scaled, k)
    except OverflowError:
        return math.copysign(math.inf, scaled)


def exact_sqrt(fr):
    """The correctly rounded float64 square root of a non-negative Fraction."""
    if fr <= 0:
        return 0.0
    return float((Decimal(fr.numerator) / Decimal(fr.denominator)).sqrt())


def quantile_index(n, percent):
    """GDAL's rule: sorted valid values, index ceil(q*n) - 1, q = percent/100 (exact)."""
    return max(-(-percent * n // 100) - 1, 0)


def reference(stat, v, in_type):
    """(value as float, tolerance in ulps of the output type) of stat over valid values v."""
    n = len(v)
    v64 = v.astype(np.float64)
    if stat == "count":
        return float(n), 0
    s = np.sort(v)
    if stat == "min":
        return float(s[0]), 0
    if stat == "max":
        return float(s[-1]), 0
    if stat == "range":
        return float(np.float64(s[-1]) - np.float64(s[0])), 0
    if not np.isfinite(v64).all():
        # Infinities: what numpy gives (inf, -inf or NaN), compared NaN-equal (tolerance path).
        with np.errstate(all="ignore"):
            value = {"sum": np.sum(v64), "mean": np.mean(v64), "SD": np.std(v64),
                     "rms": np.sqrt(np.mean(v64 * v64))}
        if stat in value:
            return float(value[stat]), 1 if stat in ("SD", "rms") else 0
    if stat in ("sum", "mean"):
        # Finite values: the exact sum (a Fraction), rounded once; +-inf when beyond float64.
        exact = sum(Fraction(float(x)) for x in v64)
        fsum = round_fraction(exact)
        if in_type != "Float64":
            # The inputs are made so that numpy's float64 summation is exact: then the numpy
            # mean is the correctly rounded one rastagg promises, bit for bit.
            assert float(np.sum(v64)) == fsum, "fixture: numpy sum not exact"
        if stat == "sum":
            return fsum, 0
        if in_type != "Float64":
            return float(np.mean(v64)), 0
        # Correctly rounded sum / n (numpy's pairwise sum may miss an ulp, or overflow).
        return exact_mean(exact, n), 0
    if stat in ("SD", "rms"):
        fr = [Fraction(float(x)) for x in v64]
        sq = sum(x * x for x in fr)
        if stat == "rms":
            return exact_sqrt(sq / n), 1
        sm = sum(fr)
        if OPTIONS["ddof"] == 1:
            if n == 1:
                return None, 0  # no sample SD of one value: nodata
            return exact_sqrt((n * sq - sm * sm) / (n * (n - 1))), 1
        return exact_sqrt((n * sq - sm * sm) / (n * n)), 1
    if stat == "mode":
        vals, counts = np.unique(s, return_counts=True)
        return float(vals[int(np.argmax(counts))]), 0  # first maximum = smallest value
    percent = QUANTILES.get(stat)
    if percent is None:
        percent = int(stat[1:])
    if OPTIONS["quantile"] == "linear":
        return float(np.quantile(v64, percent / 100)), 0
    return float(s[quantile_index(n, percent)]), 0


def cell_values(arr, ok, rows, cols):
    block = arr[rows, cols]
    return block[ok[rows, cols]]


def compare_outputs(prefix, stats, in_type, out_nodata, cells, expect_gt, in_srs):
    """Checks PREFIX.<stat>.tif for each stat; cells: {(r, c): valid values}."""
    report = {}
    for stat in stats:
        path = f"{prefix}.{stat}.tif"
        ds, band, out = open_band(path)
        want_type = output_type(stat, in_type, out_nodata)
        got_type = type_name(band)
        nd = band.GetNoDataValue()
        r = {
            "type": got_type,
            "want_type": want_type,
            "nodata": nd,
            "want_nodata": out_nodata,
            "cells": 0,
            "valid": 0,
            "empty": 0,
            "mismatches": 0,
            "collisions": 0,
            "max_ulps": 0,
            "examples": [],
        }
        r["nodata_ok"] = nd is not None and (
            (math.isnan(nd) and math.isnan(out_nodata)) or nd == out_nodata)
        if expect_gt is not None:
            r["geotransform"] = list(ds.GetGeoTransform())
            r["geotransform_ok"] = tuple(ds.GetGeoTransform()) == tuple(expect_gt)
            srs = ds.GetSpatialRef()
            r["crs_ok"] = srs is not None and in_srs is not None and bool(srs.IsSame(in_srs))
        for (row, col), v in cells.items():
            r["cells"] += 1
            got = out[row, col]
            if len(v) == 0 and stat != "count":
                want, tol = out_nodata, 0
                r["empty"] += 1
            else:
                want, tol = reference(stat, v, in_type)
                if want is None:  # nodata by the statistic's rule (SD with ddof 1 of one value)
                    want = out_nodata
                    r["nodata_by_rule"] = r.get("nodata_by_rule", 0) + 1
                want = float(NUMPY[want_type](want))
                r["valid"] += 1
                # A valid result equal to the output nodata reads back as nodata (warned about).
                r["collisions"] += int(want == out_nodata)
            if tol == 0:
                # Bit for bit, but a NaN is any NaN (its sign and payload are not promised:
                # IEEE leaves the NaN of inf - inf to the hardware).
                bad = bits(want, want_type) != bits(float(got), want_type) and not (
                    math.isnan(want) and math.isnan(float(got)))
                d = 0 if not bad else ulps(float(got), want, want_type)
            else:
                d = ulps(float(got), want, want_type)
                bad = d > tol
            r["max_ulps"] = max(r["max_ulps"], d if d < 2**62 else -1)
            if bad:
                r["mismatches"] += 1
                if len(r["examples"]) < 5:
                    r["examples"].append({"cell": [row, col], "got": repr(float(got)),
                                          "want": repr(want), "n": len(v)})
        report[stat] = r
    return report


def stats_cmd(args):
    path, prefix, fx, fy, stats = args[0], args[1], int(args[2]), int(args[3]), args[4].split(",")
    opts = dict(zip(args[5::2], args[6::2]))
    OPTIONS["quantile"] = opts.get("--quantile-method", "gdal")
    OPTIONS["ddof"] = int(opts.get("--ddof", "0"))
    ds, band, arr = open_band(path)
    in_type = type_name(band)
    in_nodata = band.GetNoDataValue()
    if "--src-nodata" in opts:
        in_nodata = float(opts["--src-nodata"])
    out_nodata = float(opts.get("--nodata", in_nodata if in_nodata is not None else -9999.0))
    ok = valid_mask(arr, in_nodata)
    h, w = arr.shape
    oh, ow = -(-h // fy), -(-w // fx)
    cells = {}
    for r in range(oh):
        for c in range(ow):
            cells[(r, c)] = cell_values(arr, ok, slice(r * fy, r * fy + fy), slice(c * fx, c * fx + fx))
    g = ds.GetGeoTransform()
    gt = (g[0], g[1] * fx, g[2] * fy, g[3], g[4] * fx, g[5] * fy)
    report = compare_outputs(prefix, stats, in_type, out_nodata, cells, gt, ds.GetSpatialRef())
    for r in report.values():
        r["size_ok"] = True
    for stat in stats:
        o = gdal.Open(f"{prefix}.{stat}.tif")
        report[stat]["size_ok"] = (o.RasterXSize, o.RasterYSize) == (ow, oh)
    emit({"input_type": in_type, "out_size": [oh, ow], "stats": report})


def warp(path, alg, width, height, bounds, out_type):
    src = gdal.Open(path)
    nd = src.GetRasterBand(1).GetNoDataValue()
    opts = gdal.WarpOptions(format="GTiff", resampleAlg=alg, width=width, height=height,
                            outputBounds=bounds, outputType=out_type,
                            dstNodata=nd if nd is not None else -9999.0)
    dst = gdal.Warp(f"/vsimem/warp_{alg}.tif", src, options=opts)
    arr = dst.GetRasterBand(1).ReadAsArray()
    dst = None
    gdal.Unlink(f"/vsimem/warp_{alg}.tif")
    return arr


def compare_arrays(ours, theirs, t, tol, mask=None):
    """{cells, mismatches, max_ulps, examples} over cells where mask is True."""
    r = {"cells": 0, "mismatches": 0, "max_ulps": 0, "examples": []}
    for (row, col), got in np.ndenumerate(ours):
        if mask is not None and not mask[row, col]:
            continue
        want = theirs[row, col]
        r["cells"] += 1
        if tol == 0:
            d = 0 if bits(float(got), t) == bits(float(want), t) else ulps(float(got), float(want), t)
        else:
            d = ulps(float(got), float(want), t)
        r["max_ulps"] = max(r["max_ulps"], d)
        if d > tol:
            r["mismatches"] += 1
            if len(r["examples"]) < 5:
                r["examples"].append({"cell": [row, col], "got": repr(float(got)),
                                      "want": repr(float(want))})
    return r


def warp_cmd(args):
    """gdalwarp -r average/min/max/med/q1/q3/rms/mode over the whole-block part of the input
    (same origin, whole blocks: the same grid), into the type of our output. mode: GDAL breaks
    ties by the first value to reach the top count, rastagg by the smallest: mismatches must
    all be such ties. (warp -r sum is left out: GDAL 3.6 is off with nodata, GDAL-NOTES.)"""
    path, prefix, fx, fy = args[0], args[1], int(args[2]), int(args[3])
    ds, band, arr = open_band(path)
    g = ds.GetGeoTransform()
    h, w = arr.shape
    bw, bh = w // fx, h // fy
    bounds = (g[0], g[3] + bh * fy * g[5], g[0] + bw * fx * g[1], g[3])
    ok = valid_mask(arr, band.GetNoDataValue())
    whole = (slice(0, bh * fy), slice(0, bw * fx))

    def blocks(x):
        return x[whole].reshape(bh, fy, bw, fx).transpose(0, 2, 1, 3).reshape(bh, bw, fy * fx)

    nan = blocks(np.isnan(arr) if arr.dtype.kind == "f" else np.zeros(arr.shape, bool)).any(2)
    valid = blocks(ok).any(2)
    report = {}
    for alg, stat in (("average", "mean"), ("min", "min"), ("max", "max"), ("med", "median"),
                      ("q1", "q1"), ("q3", "q3"), ("rms", "rms"), ("mode", "mode")):
        _, oband, ours = open_band(f"{prefix}.{stat}.tif")
        out_type = type_name(oband)
        theirs = warp(path, alg, bw, bh, bounds, gdal.GetDataTypeByName(out_type))
        ours = ours[:bh, :bw]
        # GDAL treats NaN as data; rastagg skips it (nodata). min/max skip NaN in GDAL too, but
        # give +-inf for a block with NaN and no valid value. Leave those blocks out.
        mask = ~(nan & ~valid) if alg in ("min", "max") else ~nan
        r = compare_arrays(ours, theirs, out_type, 0, mask)
        r["type"] = out_type
        if alg == "mode":
            values, oks = blocks(arr), blocks(ok)
            ties = 0
            for (row, col), got in np.ndenumerate(ours):
                want = theirs[row, col]
                if not mask[row, col] or bits(float(got), out_type) == bits(float(want), out_type):
                    continue
                v = values[row, col][oks[row, col]]
                top = max(int((v == x).sum()) for x in v)
                if (v == got).sum() == top and (v == want).sum() == top and got < want:
                    ties += 1
            r["ties_to_smallest"] = ties
        report[stat] = r
    emit({"blocks": [bh, bw], "stats": report})


def warp_interior(path, prefix, rows, cols, bounds):
    """Our mean/min/max/median/q1/q3/rms against gdalwarp -r average/min/max/med/q1/q3/rms
    onto the same grid (cols x rows
    over bounds), leaving out the last row and column (warp's edge rules differ by design)."""
    report = {}
    for alg, stat, tol in (("average", "mean", 1), ("min", "min", 0), ("max", "max", 0),
                           ("med", "median", 0), ("q1", "q1", 0), ("q3", "q3", 0),
                           ("rms", "rms", 1)):
        theirs = warp(path, alg, cols, rows, bounds, gdal.GDT_Float32)
        o, oband, ours = open_band(f"{prefix}.{stat}.tif")
        mask = np.zeros((rows, cols), dtype=bool)
        mask[: rows - 1, : cols - 1] = True
        if ours.shape != theirs.shape:
            report[stat] = {"size": [o.RasterYSize, o.RasterXSize], "mismatches": -1}
            continue
        r = compare_arrays(ours, theirs, type_name(oband), tol, mask)
        r["size"] = [o.RasterYSize, o.RasterXSize]
        r["type"] = type_name(oband)
        r["geotransform_hex"] = [float(x).hex() for x in o.GetGeoTransform()]
        report[stat] = r
    return report


def size_cmd(args):
    """--size ROWSxCOLS (area) against gdalwarp -ts COLS ROWS over the same extent."""
    path, prefix, rows, cols = args[0], args[1], int(args[2]), int(args[3])
    ds = gdal.Open(path)
    g = ds.GetGeoTransform()
    h, w = ds.RasterYSize, ds.RasterXSize
    bounds = (g[0], g[3] + h * g[5], g[0] + w * g[1], g[3])
    emit({"stats": warp_interior(path, prefix, rows, cols, bounds)})


def res_cmd(args):
    """--resolution R (area, non-integer ratio) against gdalwarp -tr R R onto the grid
    DESIGN.md gives: origin kept, ceil(extent / R) cells of exactly R (the last one runs past
    the input)."""
    path, prefix, res = args[0], args[1], float(args[2])
    ds = gdal.Open(path)
    g = ds.GetGeoTransform()
    h, w = ds.RasterYSize, ds.RasterXSize
    cols = math.ceil(w * abs(g[1]) / res - 1e-6)
    rows = math.ceil(h * abs(g[5]) / res - 1e-6)
    bounds = (g[0], g[3] - rows * res, g[0] + cols * res, g[3])
    want_gt = [float(x).hex() for x in (g[0], res, 0.0, g[3], 0.0, -res)]
    emit({"size": [rows, cols], "geotransform_hex": want_gt,
          "stats": warp_interior(path, prefix, rows, cols, bounds)})


def corner_cmd(args):
    """--mode corner: input index i goes wholly to output floor(i / (in_size / out_size)),
    computed in float64 (clamped to the last cell)."""
    path, prefix, rows, cols = args[0], args[1], int(args[2]), int(args[3])
    stats = args[4].split(",")
    ds, band, arr = open_band(path)
    in_type = type_name(band)
    nodata = band.GetNoDataValue()
    ok = valid_mask(arr, nodata)
    h, w = arr.shape
    ry, rx = h / rows, w / cols
    oy = [min(math.floor(i / ry), rows - 1) for i in range(h)]
    ox = [min(math.floor(j / rx), cols - 1) for j in range(w)]
    cells = {(r, c): [] for r in range(rows) for c in range(cols)}
    for i in range(h):
        for j in range(w):
            if ok[i, j]:
                cells[(oy[i], ox[j])].append(arr[i, j])
    cells = {k: np.array(v, dtype=arr.dtype) for k, v in cells.items()}
    out_nodata = nodata if nodata is not None else -9999.0
    report = compare_outputs(prefix, stats, in_type, out_nodata, cells, None, None)
    emit({"stats": report, "uneven": len(set(np.bincount(oy))) > 1 or len(set(np.bincount(ox))) > 1})


def snap_pixel(size):
    """DESIGN.md's exact form of a rounded pixel size: 1/n (or n) within 1e-6."""
    a = abs(size)
    n = round(1 / a) if a <= 1 else round(a)
    exact = 1 / n if a <= 1 else float(n)
    return exact if n and abs(a / exact - 1) <= 1e-6 else a


def aligned_grid(ds, res):
    """The --align grid (DESIGN.md, "Resolution"), written independently of the Rust: the
    input's bounds snapped outward to multiples of res (within 1e-6 of a cell counts as on
    one); d = how many input cells the first output cell starts before the input."""
    g = ds.GetGeoTransform()
    w, h = ds.RasterXSize, ds.RasterYSize
    px, py = snap_pixel(g[1]), snap_pixel(g[5])
    xmin, ymax = g[0], g[3]
    x0 = math.floor(xmin / res + 1e-6)
    x1 = math.ceil((xmin + w * px) / res - 1e-6)
    y1 = math.ceil(ymax / res - 1e-6)
    y0 = math.floor((ymax - h * py) / res + 1e-6)
    return {
        "cols": x1 - x0,
        "rows": y1 - y0,
        "gt": (x0 * res, res, 0.0, y1 * res, 0.0, -res),
        "dx": (xmin - x0 * res) / px,
        "dy": (y1 * res - ymax) / py,
        "rx": res / px,
        "ry": res / py,
    }


def whole(x):
    """x as an int when within 1e-6 of one, else None."""
    return round(x) if abs(x - round(x)) <= 1e-6 else None


def align_cmd(args):
    """--resolution R --align. Size and geotransform against aligned_grid; with a whole ratio
    and whole shifts, every statistic of STATS on every cell against numpy (output cell (r, c)
    takes input rows r·ry − dy .. (r+1)·ry − dy, clipped: only what exists); and mean, min,
    max, median, rms against gdalwarp -tap -tr R R onto GDAL's own grid: min/max/median on
    every cell the two grids share, average/rms (which replicate edge pixels in GDAL) on the
    cells not on the border. Reports GDAL's size and geotransform, and whether cells GDAL has
    beyond ours are all nodata. With `corner` (--mode corner): input (i, j) goes wholly to
    output (floor((i + dy) / ry), floor((j + dx) / rx)) in float64, clamped to the last cell,
    with ratios and shifts as the nearest simple fractions; numpy references only."""
    path, prefix, res, stats = args[0], args[1], float(args[2]), args[3].split(",")
    corner = args[4:] == ["corner"]
    ds, band, arr = open_band(path)
    grid = aligned_grid(ds, res)
    rows, cols = grid["rows"], grid["cols"]
    in_type = type_name(band)
    nodata = band.GetNoDataValue()
    out_nodata = nodata if nodata is not None else -9999.0
    ok = valid_mask(arr, nodata)
    h, w = arr.shape
    ints = [whole(grid[k]) for k in ("rx", "ry", "dx", "dy")]
    report = {"size": [rows, cols], "geotransform_hex": [float(x).hex() for x in grid["gt"]],
              "whole": None not in ints}
    cells = None
    if corner:
        def simple(x, den):
            return float(Fraction(x).limit_denominator(den))

        rx, ry = simple(grid["rx"], 2**20), simple(grid["ry"], 2**20)
        dx, dy = simple(grid["dx"], 10**6), simple(grid["dy"], 10**6)
        oy = [min(math.floor((i + dy) / ry), rows - 1) for i in range(h)]
        ox = [min(math.floor((j + dx) / rx), cols - 1) for j in range(w)]
        lists = {(r, c): [] for r in range(rows) for c in range(cols)}
        for i in range(h):
            for j in range(w):
                if ok[i, j]:
                    lists[(oy[i], ox[j])].append(arr[i, j])
        cells = {k: np.array(v, dtype=arr.dtype) for k, v in lists.items()}
        report["uneven"] = len(set(np.bincount(ox))) > 1 or len(set(np.bincount(oy))) > 1
    elif None not in ints:
        rx, ry, dx, dy = ints
        cells = {}
        for r in range(rows):
            for c in range(cols):
                ys = slice(max(0, r * ry - dy), max(0, min(h, (r + 1) * ry - dy)))
                xs = slice(max(0, c * rx - dx), max(0, min(w, (c + 1) * rx - dx)))
                cells[(r, c)] = cell_values(arr, ok, ys, xs)
    if cells is not None:
        numpy = compare_outputs(prefix, stats, in_type, out_nodata, cells, grid["gt"],
                                ds.GetSpatialRef())
        for stat in stats:
            o = gdal.Open(f"{prefix}.{stat}.tif")
            numpy[stat]["size_ok"] = (o.RasterYSize, o.RasterXSize) == (rows, cols)
        report["stats"] = numpy
    if corner:
        emit(report)
        return
    warps = {}
    # average and rms within 1 float32 ulp: GDAL's sources sit a hair off whole pixels (the
    # offsets are not binary fractions), and it rounds a mean that is an exact f32 tie away.
    for alg, stat, border, tol in (("average", "mean", False, 1), ("min", "min", True, 0),
                                   ("max", "max", True, 0), ("med", "median", True, 0),
                                   ("rms", "rms", False, 1)):
        opts = gdal.WarpOptions(format="GTiff", resampleAlg=alg, targetAlignedPixels=True,
                                xRes=res, yRes=res, outputType=gdal.GDT_Float32,
                                dstNodata=out_nodata)
        dst = gdal.Warp(f"/vsimem/tap_{alg}.tif", path, options=opts)
        theirs = dst.GetRasterBand(1).ReadAsArray()
        gt = dst.GetGeoTransform()
        dst = None
        gdal.Unlink(f"/vsimem/tap_{alg}.tif")
        o, oband, ours = open_band(f"{prefix}.{stat}.tif")
        mask = np.ones(ours.shape, dtype=bool)
        if not border:
            mask[0, :] = mask[-1, :] = mask[:, 0] = mask[:, -1] = False
        r_, c_ = min(ours.shape[0], theirs.shape[0]), min(ours.shape[1], theirs.shape[1])
        r = compare_arrays(ours[:r_, :c_], theirs[:r_, :c_], type_name(oband), tol,
                           mask[:r_, :c_])
        r["gdal_size"] = list(theirs.shape)
        r["gdal_geotransform_hex"] = [float(x).hex() for x in gt]
        r["our_geotransform_hex"] = [float(x).hex() for x in o.GetGeoTransform()]
        extra = np.ones(theirs.shape, dtype=bool)
        extra[:r_, :c_] = False
        r["gdal_extra_cells"] = int(extra.sum())
        r["gdal_extra_all_nodata"] = bool((theirs[extra] == out_nodata).all())
        warps[stat] = r
    report["warp"] = warps
    emit(report)


def same_cmd(args):
    """For each pair A B of the arguments: pixel arrays (bytes), types and nodata equal."""
    pairs = []
    for a, b in zip(args[::2], args[1::2]):
        da, ba, xa = open_band(a)
        db, bb, xb = open_band(b)
        same = xa.shape == xb.shape and xa.dtype == xb.dtype and xa.tobytes() == xb.tobytes()
        na, nb = ba.GetNoDataValue(), bb.GetNoDataValue()
        pairs.append({
            "a": a,
            "b": b,
            "same_pixels": bool(same),
            "same_type": type_name(ba) == type_name(bb),
            "same_nodata": repr(na) == repr(nb),
            "differing": int((xa != xb).sum()) if xa.shape == xb.shape else -1,
            "shape": list(xa.shape),
        })
    emit({"pairs": pairs})


def info_cmd(args):
    ds, band, _ = open_band(args[0])
    srs = ds.GetSpatialRef()
    epsg = None
    if srs is not None:
        srs.AutoIdentifyEPSG()
        code = srs.GetAuthorityCode(None)
        epsg = int(code) if code else None
    emit({
        "size": [ds.RasterYSize, ds.RasterXSize],
        "type": type_name(band),
        "nodata": band.GetNoDataValue(),
        "geotransform": list(ds.GetGeoTransform()),
        "geotransform_hex": [float(x).hex() for x in ds.GetGeoTransform()],
        "epsg": epsg,
        "wkt": srs.ExportToWkt() if srs is not None else None,
    })


def georef_cmd(args):
    """Whether OUT (IN aggregated by FX,FY) has IN's CRS, AREA_OR_POINT and geotransform with
    the pixel scaled (rotation terms included), as GDAL reads them."""
    a, b = gdal.Open(args[0]), gdal.Open(args[1])
    fx, fy = int(args[2]), int(args[3])
    g = a.GetGeoTransform()
    want = (g[0], g[1] * fx, g[2] * fy, g[3], g[4] * fx, g[5] * fy)
    sa, sb = a.GetSpatialRef(), b.GetSpatialRef()
    emit({
        "input_geotransform": list(g),
        "geotransform": list(b.GetGeoTransform()),
        "want_geotransform": list(want),
        "geotransform_ok": tuple(b.GetGeoTransform()) == want,
        "crs_same": sa is not None and sb is not None and bool(sa.IsSame(sb)),
        "area_or_point": [a.GetMetadataItem("AREA_OR_POINT"), b.GetMetadataItem("AREA_OR_POINT")],
        "area_or_point_same": a.GetMetadataItem("AREA_OR_POINT") == b.GetMetadataItem("AREA_OR_POINT"),
    })


def vrt_cmd(args):
    path, out = args
    ds = gdal.Open(path)
    w, h = ds.RasterXSize, ds.RasterYSize
    xs, ys = [0, w // 3 + 1, w], [0, h // 2 - 3, h]  # uneven tiles, not on block boundaries
    tiles = []
    for i in range(2):
        for j in range(2):
            t = f"{out}/tile_{i}_{j}.tif"
            gdal.Translate(t, ds, srcWin=[xs[j], ys[i], xs[j + 1] - xs[j], ys[i + 1] - ys[i]],
                           creationOptions=["COMPRESS=LZW"])
            tiles.append(t)
    vrt = f"{out}/mosaic.vrt"
    gdal.BuildVRT(vrt, tiles)
    emit({"vrt": vrt, "tiles": tiles})


COMMANDS = {
    "make": lambda a: make(a[0]),
    "stats": stats_cmd,
    "warp": warp_cmd,
    "size": size_cmd,
    "res": res_cmd,
    "corner": corner_cmd,
    "align": align_cmd,
    "same": same_cmd,
    "info": info_cmd,
    "georef": georef_cmd,
    "vrt": vrt_cmd,
}

if __name__ == "__main__":
    COMMANDS[sys.argv[1]](sys.argv[2:])
