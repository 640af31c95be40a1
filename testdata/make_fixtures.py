#!/usr/bin/python3
"""Regenerates the GDAL-made GeoTIFF fixtures of rastagg's reader tests, from scratch.

Run with the system python (it needs GDAL's python bindings and numpy):

    /usr/bin/python3 testdata/make_fixtures.py

Every fixture is a small GeoTIFF written by GDAL with one layout (sample type, compression,
predictor, tiles or strips, byte order, BigTIFF, interleave, sparse blocks, nodata, georeferencing,
overviews, masks ...). Beside each `<name>.tif` the script stores what GDAL reads back:

* `<name>.json`: metadata as GDAL reports it (see `describe`), per-band checksums
  (`band.Checksum()`), an FNV-1a 64 hash of the pixels, where each block lies in the file, and bit patterns (hex) of every float the
  tests compare bit for bit (geotransform, nodata, scale, offset), because JSON parsers need not
  round-trip floats exactly;
* `<name>.bin` (when the pixels are small): every band's pixels as `ReadAsArray` returns them,
  raw little-endian, row-major, bands one after the other.

It also writes `real-expected.json`: what GDAL reads from each third-party file in
`../../shared/testdata/real/` (metadata, checksums, pixel hashes, or the error GDAL gives).

Everything is deterministic (fixed seeds, no timestamps): running it twice gives the same bytes.
Only files this script made (listed by its previous JSON outputs) are deleted before a run.
"""

import glob
import json
import os
import struct
import sys

import numpy as np
from osgeo import gdal, osr

gdal.UseExceptions()
gdal.SetConfigOption("GDAL_PAM_ENABLED", "NO")  # no .aux.xml side files
gdal.SetConfigOption("GDAL_TIFF_INTERNAL_MASK", "YES")

HERE = os.path.dirname(os.path.abspath(__file__))
REAL_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "testdata", "real"))
GENERATOR = "make_fixtures.py"
# Pixel files larger than this are not stored; the JSON's hash and checksums still cover them.
MAX_BIN_BYTES = 64 * 1024

# Our name for each type -> (GDAL type, numpy type, short prefix used in file names).
TYPES = {
    "Byte": (gdal.GDT_Byte, np.uint8, "u8"),
    "Int8": (gdal.GDT_Byte, np.int8, "i8"),  # GDAL 3.6: Byte + PIXELTYPE=SIGNEDBYTE
    "UInt16": (gdal.GDT_UInt16, np.uint16, "u16"),
    "Int16": (gdal.GDT_Int16, np.int16, "i16"),
    "UInt32": (gdal.GDT_UInt32, np.uint32, "u32"),
    "Int32": (gdal.GDT_Int32, np.int32, "i32"),
    "UInt64": (gdal.GDT_UInt64, np.uint64, "u64"),
    "Int64": (gdal.GDT_Int64, np.int64, "i64"),
    "Float32": (gdal.GDT_Float32, np.float32, "f32"),
    "Float64": (gdal.GDT_Float64, np.float64, "f64"),
}
INT_TYPES = [t for t in TYPES if not t.startswith("Float")]
FLOAT_TYPES = ["Float32", "Float64"]
CODECS = ["NONE", "LZW", "DEFLATE", "PACKBITS", "ZSTD"]
PRED_CODECS = ["LZW", "DEFLATE", "ZSTD"]  # the codecs libtiff applies a predictor with

# Layouts the type x codec matrix cycles through: (name suffix, creation options, width, height).
LAYOUTS = [
    ("tile16", ["TILED=YES", "BLOCKXSIZE=16", "BLOCKYSIZE=16"], 37, 29),
    ("strip7", ["BLOCKYSIZE=7"], 37, 29),
    ("tile32x16", ["TILED=YES", "BLOCKXSIZE=32", "BLOCKYSIZE=16"], 45, 21),
    ("strip1", ["BLOCKYSIZE=1"], 23, 19),
    ("tile16x32", ["TILED=YES", "BLOCKXSIZE=16", "BLOCKYSIZE=32"], 33, 40),
    ("strip5", ["BLOCKYSIZE=5"], 31, 22),
    ("strip", [], 29, 17),  # one strip: RowsPerStrip = height
    ("tile16exact", ["TILED=YES", "BLOCKXSIZE=16", "BLOCKYSIZE=16"], 32, 32),
]


def fnv1a64(data):
    """FNV-1a 64-bit hash of bytes, as hex (the tests compute the same over decoded pixels)."""
    h = 0xCBF29CE484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


def f64_bits(v):
    """The IEEE-754 bit pattern of a double, as 16 hex digits."""
    return "%016x" % struct.unpack("<Q", struct.pack("<d", v))[0]


def json_float(v):
    """A float for JSON: numbers, or "nan" / "inf" / "-inf" strings."""
    if v != v:
        return "nan"
    if v in (float("inf"), float("-inf")):
        return "inf" if v > 0 else "-inf"
    return v


# ---------------------------------------------------------------------------------------------
# Pixel values
# ---------------------------------------------------------------------------------------------


def field(rng, h, w):
    """A smooth field in [0, 1] with a constant patch (runs for PackBits) and some noise."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    a, b, c = rng.uniform(2, 7, 3)
    f = np.sin(x / a + c) + np.cos(y / b) + (x * y) / max(1.0, w * h) * 2
    f = (f - f.min()) / max(1e-9, f.max() - f.min())
    f = np.clip(f + rng.normal(0, 0.02, (h, w)), 0, 1)
    f[h // 3 : h // 3 + 4, : w // 2] = 0.5
    return f


def values(type_name, rng, h, w):
    """Deterministic pixels of one band: a full-range smooth field plus the type's extremes.

    Integers span the type's whole range (so 32/64-bit values exercise GDAL's checksum clamping
    and precision past 2^53); floats mix ordinary values, quantised runs and IEEE specials
    (-0, subnormals, the largest finite values, infinities, NaN).
    """
    np_type = TYPES[type_name][1]
    f = field(rng, h, w)
    if type_name in INT_TYPES:
        info = np.iinfo(np_type)
        lo, hi = int(info.min), int(info.max)
        span = hi - lo
        flat = [lo + int(v * span) for v in f.ravel()]
        noise = rng.integers(-3, 4, flat.__len__())
        out = [min(hi, max(lo, v + int(n))) for v, n in zip(flat, noise)]
        arr = np.array(out, dtype=object).reshape(h, w).astype(np_type)
        extremes = [lo, hi, 0, lo + 1, hi - 1]
        if hi > 2**31:
            extremes += [2**31 - 1, 2**31, 2**31 + 1]
        if lo < -(2**31):
            extremes += [-(2**31), -(2**31) - 1]
        if hi > 2**53:
            extremes += [2**53 + 1, hi - 7]
        flat_view = arr.reshape(-1)
        for i, v in enumerate(extremes):
            flat_view[(i * 7 + 3) % flat_view.size] = v
        return arr
    big = 1e30 if type_name == "Float32" else 1e200
    arr = ((f - 0.3) * 1000.0).astype(np.float64)
    arr[: h // 4, w // 2 :] = np.round(arr[: h // 4, w // 2 :] * 4) / 4
    arr = arr.astype(np_type)
    finfo = np.finfo(np_type)
    specials = [
        -0.0,
        finfo.smallest_subnormal,
        -finfo.smallest_subnormal,
        finfo.max,
        finfo.min,
        np.inf,
        -np.inf,
        np.nan,
        big,
        -big,
        2147483647.4,
        -2147483647.6,
        0.49999997,
        -0.5,
        2.5,
    ]
    flat_view = arr.reshape(-1)
    for i, v in enumerate(specials):
        flat_view[(i * 11 + 5) % flat_view.size] = np_type(v)
    return arr


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------

GEO_4326 = (-10.5, 0.25, 0.0, 45.0, 0.0, -0.25)
GEO_UTM = (500000.0, 30.0, 0.0, 4650000.0, 0.0, -30.0)


class Spec:
    """One fixture: its name, type, size, bands, creation options and extra settings."""

    def __init__(self, name, type_name, w, h, options, bands=1, **extra):
        self.name = name
        self.type_name = type_name
        self.w, self.h, self.bands = w, h, bands
        self.options = list(options)
        if type_name == "Int8":
            self.options.append("PIXELTYPE=SIGNEDBYTE")
        self.extra = extra

    def get(self, key, default=None):
        return self.extra.get(key, default)


def to_gdal_array(type_name, arr):
    """The array GDAL's WriteArray takes for our type (Int8 goes through Byte in GDAL 3.6)."""
    return arr.view(np.uint8) if type_name == "Int8" else arr


def create(spec, seed):
    """Writes the fixture `spec` with GDAL; returns nothing (the file is re-read afterwards)."""
    rng = np.random.default_rng(seed)
    path = os.path.join(HERE, spec.name + ".tif")
    gdal_type = TYPES[spec.type_name][0]
    drv = gdal.GetDriverByName("GTiff")
    ds = drv.Create(path, spec.w, spec.h, spec.bands, gdal_type, spec.options)
    if spec.get("point"):
        ds.SetMetadataItem("AREA_OR_POINT", "Point")
    gt = spec.get("gt", GEO_4326)
    if gt is not None:
        ds.SetGeoTransform(gt)
        srs = osr.SpatialReference()
        srs.ImportFromEPSG(spec.get("epsg", 4326))
        ds.SetSpatialRef(srs)
    nodata = spec.get("nodata")
    for b in range(1, spec.bands + 1):
        band = ds.GetRasterBand(b)
        if nodata is not None:
            if spec.type_name == "Int64":
                band.SetNoDataValueAsInt64(int(nodata))
            elif spec.type_name == "UInt64":
                band.SetNoDataValueAsUInt64(int(nodata))
            else:
                band.SetNoDataValue(float(nodata))
        meta = spec.get("band_meta")
        if meta:
            m = meta[b - 1]
            if "scale" in m:
                band.SetScale(m["scale"])
            if "offset" in m:
                band.SetOffset(m["offset"])
            if "unit" in m:
                band.SetUnitType(m["unit"])
            if "description" in m:
                band.SetDescription(m["description"])
    writer = spec.get("writer", write_full)
    writer(ds, spec, rng)
    ds.FlushCache()
    ds = None
    if spec.get("overviews") or spec.get("mask"):
        ds = gdal.Open(path, gdal.GA_Update)
        if spec.get("mask"):
            ds.CreateMaskBand(gdal.GMF_PER_DATASET)
            m = (rng.random((spec.h, spec.w)) > 0.3).astype(np.uint8) * 255
            ds.GetRasterBand(1).GetMaskBand().WriteArray(m)
        if spec.get("overviews"):
            ds.BuildOverviews("NEAREST", spec.get("overviews"))
        ds = None


def write_full(ds, spec, rng):
    """Writes every band in full."""
    nodata = spec.get("nodata")
    for b in range(1, spec.bands + 1):
        arr = values(spec.type_name, rng, spec.h, spec.w)
        if nodata is not None:
            frac = spec.get("nodata_frac", 0.15)
            hole = rng.random(arr.shape) < frac
            arr[hole] = TYPES[spec.type_name][1](nodata)
        ds.GetRasterBand(b).WriteArray(to_gdal_array(spec.type_name, arr))


def write_sparse(ds, spec, rng):
    """Writes only some blocks (SPARSE_OK keeps the others at offset 0): every third block
    (row-major) and the last one get data, block 1 is written with nothing but nodata (or 0) so
    GDAL also leaves it out, every other block is never written."""
    bw, bh = ds.GetRasterBand(1).GetBlockSize()
    nodata = spec.get("nodata")
    fill = TYPES[spec.type_name][1](0 if nodata is None else nodata)
    across = (spec.w + bw - 1) // bw
    down = (spec.h + bh - 1) // bh
    last = across * down - 1
    skip_bands = spec.get("empty_bands", [])
    for b in range(1, spec.bands + 1):
        band = ds.GetRasterBand(b)
        full = values(spec.type_name, rng, spec.h, spec.w)
        if b in skip_bands:
            continue
        for by in range(down):
            for bx in range(across):
                k = by * across + bx
                x0, y0 = bx * bw, by * bh
                x1, y1 = min(spec.w, x0 + bw), min(spec.h, y0 + bh)
                if k % 3 == 0 or k == last:
                    block = full[y0:y1, x0:x1]
                elif k == 1:
                    block = np.full((y1 - y0, x1 - x0), fill)
                else:
                    continue
                band.WriteArray(to_gdal_array(spec.type_name, np.ascontiguousarray(block)), x0, y0)


def write_lst(ds, spec, rng):
    """A land-surface-temperature-like field (Kelvin, 0.1 K steps) with ~60% nodata (sea)."""
    h, w = spec.h, spec.w
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    land = (np.sin(x / 37.0) + np.cos(y / 23.0) + np.sin((x + y) / 51.0)) > 0.6
    land |= rng.random((h, w)) < 0.01
    t = 290 + 15 * np.cos(y / h * np.pi) + 3 * np.sin(x / 17.0) + rng.normal(0, 0.1, (h, w))
    t = (np.round(t / 0.1) * 0.1).astype(np.float32)
    t[~land] = -9999.0
    ds.GetRasterBand(1).WriteArray(t)


# ---------------------------------------------------------------------------------------------
# The fixture list
# ---------------------------------------------------------------------------------------------


def fixture_specs():
    """Every fixture: the type x codec x predictor matrix, then one fixture per special layout."""
    specs = []
    i = 0

    def matrix(type_name, codec, pred, extra_opts=(), level_tag=""):
        nonlocal i
        lname, lopts, w, h = LAYOUTS[i % len(LAYOUTS)]
        i += 1
        prefix = TYPES[type_name][2]
        opts = ["COMPRESS=" + codec] + list(extra_opts) + lopts
        name = "%s_%s%s" % (prefix, codec.lower(), level_tag)
        if pred != 1:
            opts.append("PREDICTOR=%d" % pred)
            name += "_p%d" % pred
        specs.append(Spec("%s_%s" % (name, lname), type_name, w, h, opts))

    for t in TYPES:
        for codec in CODECS:
            matrix(t, codec, 1)
    for t in TYPES:
        for codec in PRED_CODECS:
            matrix(t, codec, 2)
    for t in FLOAT_TYPES:
        for codec in PRED_CODECS:
            matrix(t, codec, 3)

    tile16 = ["TILED=YES", "BLOCKXSIZE=16", "BLOCKYSIZE=16"]
    S = Spec
    specs += [
        # Compression levels.
        S("f32_deflate_l1_p3_tile16", "Float32", 37, 29, ["COMPRESS=DEFLATE", "ZLEVEL=1", "PREDICTOR=3"] + tile16),
        S("f32_deflate_l9_p2_strip7", "Float32", 37, 29, ["COMPRESS=DEFLATE", "ZLEVEL=9", "PREDICTOR=2", "BLOCKYSIZE=7"]),
        S("i32_deflate_l12_strip5", "Int32", 31, 22, ["COMPRESS=DEFLATE", "ZLEVEL=12", "BLOCKYSIZE=5"]),
        S("u16_zstd_l1_p2_tile16", "UInt16", 37, 29, ["COMPRESS=ZSTD", "ZSTD_LEVEL=1", "PREDICTOR=2"] + tile16),
        S("f64_zstd_l22_p3_strip7", "Float64", 37, 29, ["COMPRESS=ZSTD", "ZSTD_LEVEL=22", "PREDICTOR=3", "BLOCKYSIZE=7"]),
        # BigTIFF.
        S("u16_lzw_p2_tile16_bigtiff", "UInt16", 37, 29, ["COMPRESS=LZW", "PREDICTOR=2", "BIGTIFF=YES"] + tile16),
        S("f64_zstd_p3_strip7_bigtiff", "Float64", 37, 29, ["COMPRESS=ZSTD", "PREDICTOR=3", "BIGTIFF=YES", "BLOCKYSIZE=7"]),
        S("u8_none_strip1_bigtiff", "Byte", 23, 19, ["BIGTIFF=YES", "BLOCKYSIZE=1"]),
        # Big-endian (Motorola) files, with every predictor.
        S("u16_lzw_p2_tile16_be", "UInt16", 37, 29, ["COMPRESS=LZW", "PREDICTOR=2", "ENDIANNESS=BIG"] + tile16),
        S("i32_deflate_p2_strip7_be", "Int32", 37, 29, ["COMPRESS=DEFLATE", "PREDICTOR=2", "ENDIANNESS=BIG", "BLOCKYSIZE=7"]),
        S("f32_deflate_p3_tile16_be", "Float32", 37, 29, ["COMPRESS=DEFLATE", "PREDICTOR=3", "ENDIANNESS=BIG"] + tile16),
        S("f64_lzw_p2_strip3_be", "Float64", 37, 29, ["COMPRESS=LZW", "PREDICTOR=2", "ENDIANNESS=BIG", "BLOCKYSIZE=3"]),
        S("f64_zstd_p3_strip7_be", "Float64", 37, 29, ["COMPRESS=ZSTD", "PREDICTOR=3", "ENDIANNESS=BIG", "BLOCKYSIZE=7"]),
        S("i64_zstd_p2_tile16_be", "Int64", 37, 29, ["COMPRESS=ZSTD", "PREDICTOR=2", "ENDIANNESS=BIG"] + tile16),
        S("u8_packbits_strip5_be", "Byte", 31, 22, ["COMPRESS=PACKBITS", "ENDIANNESS=BIG", "BLOCKYSIZE=5"]),
        S("f32_none_tile16_be", "Float32", 37, 29, ["ENDIANNESS=BIG"] + tile16),
        S("i16_none_strip7_be", "Int16", 37, 29, ["ENDIANNESS=BIG", "BLOCKYSIZE=7"]),
        S("f64_deflate_p3_tile16_bigtiff_be", "Float64", 37, 29, ["COMPRESS=DEFLATE", "PREDICTOR=3", "BIGTIFF=YES", "ENDIANNESS=BIG"] + tile16),
        # Three bands, pixel- and band-interleaved.
        S("u8_deflate_p2_tile16_rgb_pixel", "Byte", 37, 29, ["COMPRESS=DEFLATE", "PREDICTOR=2", "INTERLEAVE=PIXEL"] + tile16, bands=3),
        S("u8_deflate_p2_tile16_rgb_band", "Byte", 37, 29, ["COMPRESS=DEFLATE", "PREDICTOR=2", "INTERLEAVE=BAND"] + tile16, bands=3),
        S("u16_lzw_p2_strip7_rgb_pixel", "UInt16", 37, 29, ["COMPRESS=LZW", "PREDICTOR=2", "INTERLEAVE=PIXEL", "BLOCKYSIZE=7"], bands=3),
        S("i16_none_strip1_rgb_band", "Int16", 23, 19, ["INTERLEAVE=BAND", "BLOCKYSIZE=1"], bands=3),
        S("i16_none_strip7_rgb_pixel", "Int16", 23, 19, ["INTERLEAVE=PIXEL", "BLOCKYSIZE=7"], bands=3),
        S("f32_zstd_p3_tile16_rgb_pixel", "Float32", 37, 29, ["COMPRESS=ZSTD", "PREDICTOR=3", "INTERLEAVE=PIXEL"] + tile16, bands=3),
        S("f32_lzw_p2_tile16_rgb_pixel", "Float32", 37, 29, ["COMPRESS=LZW", "PREDICTOR=2", "INTERLEAVE=PIXEL"] + tile16, bands=3),
        S("f64_deflate_p3_strip5_rgb_band", "Float64", 31, 22, ["COMPRESS=DEFLATE", "PREDICTOR=3", "INTERLEAVE=BAND", "BLOCKYSIZE=5"], bands=3),
        S("f64_deflate_p3_strip5_rgb_pixel", "Float64", 31, 22, ["COMPRESS=DEFLATE", "PREDICTOR=3", "INTERLEAVE=PIXEL", "BLOCKYSIZE=5"], bands=3),
        S("u32_packbits_strip7_rgb_pixel", "UInt32", 23, 19, ["COMPRESS=PACKBITS", "INTERLEAVE=PIXEL", "BLOCKYSIZE=7"], bands=3),
        S("i64_zstd_p2_tile16_rgb_pixel_be", "Int64", 23, 19, ["COMPRESS=ZSTD", "PREDICTOR=2", "INTERLEAVE=PIXEL", "ENDIANNESS=BIG"] + tile16, bands=3),
        S("i8_lzw_p2_strip7_rgb_pixel", "Int8", 37, 29, ["COMPRESS=LZW", "PREDICTOR=2", "INTERLEAVE=PIXEL", "BLOCKYSIZE=7"], bands=3),
        # Sparse files (SPARSE_OK): blocks with offset and byte count 0.
        S("f32_deflate_tile16_sparse_nodata", "Float32", 61, 45, ["COMPRESS=DEFLATE", "SPARSE_OK=TRUE"] + tile16, nodata=-9999.0, writer=write_sparse),
        S("u16_lzw_tile16_sparse", "UInt16", 61, 45, ["COMPRESS=LZW", "SPARSE_OK=TRUE"] + tile16, writer=write_sparse),
        S("u8_none_strip4_sparse", "Byte", 37, 29, ["SPARSE_OK=TRUE", "BLOCKYSIZE=4"], writer=write_sparse),
        S("i16_deflate_strip6_sparse_nodata", "Int16", 37, 29, ["COMPRESS=DEFLATE", "SPARSE_OK=TRUE", "BLOCKYSIZE=6"], nodata=-9999, writer=write_sparse),
        S("f32_lzw_tile16_sparse_rgb_band_nodata", "Float32", 45, 35, ["COMPRESS=LZW", "SPARSE_OK=TRUE", "INTERLEAVE=BAND"] + tile16, bands=3, nodata=-9999.0, writer=write_sparse, empty_bands=[2]),
        S("u8_deflate_tile16_sparse_rgb_pixel", "Byte", 45, 35, ["COMPRESS=DEFLATE", "SPARSE_OK=TRUE", "INTERLEAVE=PIXEL"] + tile16, bands=3, writer=write_sparse),
        # Nodata values.
        S("f32_deflate_p3_tile16_nodata_nan", "Float32", 37, 29, ["COMPRESS=DEFLATE", "PREDICTOR=3"] + tile16, nodata=float("nan")),
        S("f64_lzw_strip7_nodata_nan", "Float64", 37, 29, ["COMPRESS=LZW", "BLOCKYSIZE=7"], nodata=float("nan")),
        S("f32_lzw_strip7_nodata_f32min", "Float32", 37, 29, ["COMPRESS=LZW", "BLOCKYSIZE=7"], nodata=-3.4028234663852886e38),
        S("f32_zstd_p2_tile16_nodata_9999", "Float32", 37, 29, ["COMPRESS=ZSTD", "PREDICTOR=2"] + tile16, nodata=-9999.0),
        S("i16_deflate_p2_strip8_nodata_9999", "Int16", 37, 29, ["COMPRESS=DEFLATE", "PREDICTOR=2", "BLOCKYSIZE=8"], nodata=-9999),
        S("f64_zstd_tile16_nodata_9999", "Float64", 37, 29, ["COMPRESS=ZSTD"] + tile16, nodata=-9999.0),
        S("i32_lzw_strip7_nodata_9999", "Int32", 37, 29, ["COMPRESS=LZW", "BLOCKYSIZE=7"], nodata=-9999),
        S("u8_lzw_strip7_nodata_255", "Byte", 37, 29, ["COMPRESS=LZW", "BLOCKYSIZE=7"], nodata=255),
        S("u16_none_tile16_nodata_0", "UInt16", 37, 29, tile16, nodata=0),
        S("i8_deflate_strip7_nodata_m128", "Int8", 37, 29, ["COMPRESS=DEFLATE", "BLOCKYSIZE=7"], nodata=-128),
        S("i64_deflate_tile16_nodata_9999", "Int64", 37, 29, ["COMPRESS=DEFLATE"] + tile16, nodata=-9999),
        S("u64_lzw_strip7_nodata_max", "UInt64", 37, 29, ["COMPRESS=LZW", "BLOCKYSIZE=7"], nodata=2**64 - 1),
        S("f32_none_strip7_nodata_0p1", "Float32", 37, 29, ["BLOCKYSIZE=7"], nodata=0.1),
        # Georeferencing variants.
        S("f32_deflate_tile16_point", "Float32", 37, 29, ["COMPRESS=DEFLATE"] + tile16, point=True),
        S("i16_none_strip7_point_utm", "Int16", 37, 29, ["BLOCKYSIZE=7"], point=True, gt=GEO_UTM, epsg=32633),
        S("u8_packbits_strip7_rotated", "Byte", 37, 29, ["COMPRESS=PACKBITS", "BLOCKYSIZE=7"], gt=(100.0, 0.5, 0.1, 200.0, 0.05, -0.5), epsg=32631),
        S("f32_lzw_tile16_southup", "Float32", 37, 29, ["COMPRESS=LZW"] + tile16, gt=(-20.0, 0.5, 0.0, -40.0, 0.0, 0.5)),
        S("u16_none_strip7_nogeo", "UInt16", 37, 29, ["BLOCKYSIZE=7"], gt=None),
        S("f32_deflate_tile16_1km", "Float32", 37, 29, ["COMPRESS=DEFLATE"] + tile16, gt=(-180.0, 0.008333333333333333, 0.0, 90.0, 0.0, -0.008333333333333333)),
        S("f32_deflate_p2_tile16_utm", "Float32", 37, 29, ["COMPRESS=DEFLATE", "PREDICTOR=2"] + tile16, gt=GEO_UTM, epsg=32633),
        # Scale / offset / unit / description.
        S("i16_deflate_p2_tile16_scale_offset", "Int16", 37, 29, ["COMPRESS=DEFLATE", "PREDICTOR=2", "INTERLEAVE=BAND"] + tile16, bands=3,
          band_meta=[{"scale": 0.02, "offset": -273.15, "unit": "K", "description": "LST day"},
                     {"scale": 0.1, "offset": 0.0, "description": "a & b <c>"},
                     {}]),
        S("u8_lzw_strip7_scale", "Byte", 37, 29, ["COMPRESS=LZW", "BLOCKYSIZE=7"], band_meta=[{"scale": 0.00392156862745098}]),
        # Overviews and masks the reader must skip.
        S("f32_deflate_tile16_ovr", "Float32", 67, 45, ["COMPRESS=DEFLATE"] + tile16, overviews=[2, 4]),
        S("u8_lzw_tile16_mask", "Byte", 37, 29, ["COMPRESS=LZW"] + tile16, mask=True),
        S("u8_deflate_tile16_rgb_ovr_mask", "Byte", 45, 35, ["COMPRESS=DEFLATE", "INTERLEAVE=PIXEL"] + tile16, bands=3, overviews=[2, 4], mask=True),
        S("i16_lzw_strip7_ovr_nodata", "Int16", 45, 35, ["COMPRESS=LZW", "BLOCKYSIZE=7"], overviews=[2], nodata=-9999),
        # A monthly 1 km covariate named like the real ones (README quick-start).
        S("LST_Day.2015.01.Mean.1km.Data", "Float32", 600, 300, ["COMPRESS=DEFLATE", "PREDICTOR=2"] + ["TILED=YES", "BLOCKXSIZE=256", "BLOCKYSIZE=256"],
          gt=(-5.0, 0.00833333, 0.0, 52.5, 0.0, -0.00833333), nodata=-9999.0, writer=write_lst),
    ]
    names = [s.name for s in specs]
    assert len(names) == len(set(names)), "duplicate fixture names"
    return specs


# ---------------------------------------------------------------------------------------------
# Reading back what GDAL sees
# ---------------------------------------------------------------------------------------------


def our_type(ds, band):
    """Our type name for a GDAL band (Byte + PIXELTYPE=SIGNEDBYTE is Int8)."""
    name = gdal.GetDataTypeName(band.DataType)
    if name == "Byte" and band.GetMetadataItem("PIXELTYPE", "IMAGE_STRUCTURE") == "SIGNEDBYTE":
        return "Int8"
    return name


def read_pixels(ds, type_name):
    """Every band's pixels as ReadAsArray gives them, in our type, band after band."""
    np_type = TYPES[type_name][1]
    out = []
    for b in range(1, ds.RasterCount + 1):
        arr = ds.GetRasterBand(b).ReadAsArray()
        if type_name == "Int8":
            arr = arr.view(np.int8)
        out.append(np.ascontiguousarray(arr.astype(np_type, copy=False)))
    return out


def signed_checksum(arr):
    """GDAL's checksum of Int8 values (GDAL 3.6 checksums them as Byte): GDAL computes it on an
    Int16 copy in memory, so newer GDALs with a real Int8 type can be checked too."""
    mem = gdal.GetDriverByName("MEM").Create("", arr.shape[1], arr.shape[0], 1, gdal.GDT_Int16)
    mem.GetRasterBand(1).WriteArray(arr.astype(np.int16))
    return mem.GetRasterBand(1).Checksum()


def nodata_of(band, type_name):
    """The band's nodata as GDAL returns it, or None."""
    if type_name == "Int64":
        return band.GetNoDataValueAsInt64()
    if type_name == "UInt64":
        return band.GetNoDataValueAsUInt64()
    return band.GetNoDataValue()


def epsg_of(ds):
    srs = ds.GetSpatialRef()
    if srs is None:
        return None
    srs.AutoIdentifyEPSG()
    for node in ("PROJCS", "GEOGCS", None):
        if srs.GetAuthorityName(node) == "EPSG" and srs.GetAuthorityCode(node):
            return int(srs.GetAuthorityCode(node))
    return None


def header_of(path):
    """Byte order and BigTIFF flag from the file's first four bytes."""
    with open(path, "rb") as fh:
        head = fh.read(4)
    order = {b"II": "little", b"MM": "big"}.get(head[:2])
    version = struct.unpack(("<" if order == "little" else ">") + "H", head[2:4])[0] if order else None
    return order, version == 43


def describe(path, with_pixels):
    """What GDAL reads from `path`, as a JSON-ready dict (pixels kept apart in `_pixels`)."""
    ds = gdal.Open(path)
    band1 = ds.GetRasterBand(1)
    type_name = our_type(ds, band1)
    structure = ds.GetMetadata("IMAGE_STRUCTURE") or {}
    order, bigtiff = header_of(path)
    gt = ds.GetGeoTransform(can_return_null=True)
    bw, bh = band1.GetBlockSize()
    d = {
        "width": ds.RasterXSize,
        "height": ds.RasterYSize,
        "bands": ds.RasterCount,
        "type": type_name,
        "gdal_type": gdal.GetDataTypeName(band1.DataType),
        "block": [bw, bh],
        "compression": structure.get("COMPRESSION", "NONE"),
        "predictor": int(structure.get("PREDICTOR", "1")),
        "interleave": structure.get("INTERLEAVE", "PIXEL"),
        "byte_order": order,
        "bigtiff": bigtiff,
        "geotransform": list(gt) if gt else None,
        "geotransform_bits": [f64_bits(v) for v in gt] if gt else None,
        "epsg": epsg_of(ds),
        "area_or_point": ds.GetMetadataItem("AREA_OR_POINT"),
        "overviews": band1.GetOverviewCount(),
        "has_mask": band1.GetMaskFlags() == gdal.GMF_PER_DATASET,
    }
    nodata = nodata_of(band1, type_name)
    d["nodata"] = json_float(nodata) if isinstance(nodata, float) else nodata
    d["nodata_bits"] = f64_bits(float(nodata)) if nodata is not None else None
    bands = []
    pixels = read_pixels(ds, type_name) if with_pixels else None
    for b in range(1, ds.RasterCount + 1):
        band = ds.GetRasterBand(b)
        scale, offset = band.GetScale(), band.GetOffset()
        entry = {
            "checksum": band.Checksum(),
            "scale": scale,
            "scale_bits": f64_bits(scale) if scale is not None else None,
            "offset": offset,
            "offset_bits": f64_bits(offset) if offset is not None else None,
            "unit_type": band.GetUnitType() or None,
            "description": band.GetDescription() or None,
        }
        entry["blocks"] = block_ranges(band, ds)
        entry["empty_blocks"] = [i for i, (off, _) in enumerate(entry["blocks"]) if off == 0]
        if pixels is not None:
            raw = pixels[b - 1].astype(pixels[b - 1].dtype.newbyteorder("<"), copy=False).tobytes()
            entry["fnv1a64"] = fnv1a64(raw)
            if type_name == "Int8":
                entry["checksum_signed"] = signed_checksum(pixels[b - 1])
        bands.append(entry)
    d["band_info"] = bands
    d["_pixels"] = pixels
    return d


def block_ranges(band, ds):
    """Each block's (offset, byte count) in the file, row-major, from the TIFF metadata domain
    GDAL exposes (BLOCK_OFFSET_x_y, BLOCK_SIZE_x_y); offset 0 marks a sparse block."""
    bw, bh = band.GetBlockSize()
    across = (ds.RasterXSize + bw - 1) // bw
    down = (ds.RasterYSize + bh - 1) // bh
    if across * down > 10000:
        return []
    out = []
    for by in range(down):
        for bx in range(across):
            off = band.GetMetadataItem("BLOCK_OFFSET_%d_%d" % (bx, by), "TIFF")
            size = band.GetMetadataItem("BLOCK_SIZE_%d_%d" % (bx, by), "TIFF")
            out.append([int(off or 0), int(size or 0)])
    return out


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------


def clean():
    """Deletes the outputs of a previous run (only files our JSONs name, and those JSONs)."""
    for js in glob.glob(os.path.join(HERE, "*.json")):
        try:
            with open(js) as fh:
                d = json.load(fh)
        except (OSError, ValueError):
            continue
        if not isinstance(d, dict) or d.get("generator") != GENERATOR:
            continue
        for key in ("file", "pixels"):
            if d.get(key):
                p = os.path.join(HERE, d[key])
                if os.path.exists(p):
                    os.remove(p)
        os.remove(js)


def write_json(path, d):
    with open(path, "w") as fh:
        json.dump(d, fh, indent=1, sort_keys=True, allow_nan=False)
        fh.write("\n")


def make_fixtures():
    total = 0
    for seed, spec in enumerate(fixture_specs()):
        create(spec, seed)
        tif = spec.name + ".tif"
        d = describe(os.path.join(HERE, tif), with_pixels=True)
        pixels = d.pop("_pixels")
        raw = b"".join(p.astype(p.dtype.newbyteorder("<"), copy=False).tobytes() for p in pixels)
        d["generator"] = GENERATOR
        d["file"] = tif
        d["pixels"] = None
        if len(raw) <= MAX_BIN_BYTES:
            d["pixels"] = spec.name + ".bin"
            with open(os.path.join(HERE, d["pixels"]), "wb") as fh:
                fh.write(raw)
        write_json(os.path.join(HERE, spec.name + ".json"), d)
        size = os.path.getsize(os.path.join(HERE, tif)) + (len(raw) if d["pixels"] else 0)
        total += size
        print("%-45s %7d bytes" % (tif, size))
    print("fixtures: %d, total %d bytes (tif + bin)" % (len(fixture_specs()), total))


def make_real_expected():
    """What GDAL reads from each third-party file: metadata + checksums + pixel hashes, or the
    error it gives (opening, or decoding any band)."""
    out = {"generator": GENERATOR, "gdal_version": gdal.__version__, "files": {}}
    for path in sorted(glob.glob(os.path.join(REAL_DIR, "*.tif"))):
        name = os.path.basename(path)
        try:
            d = describe(path, with_pixels=True)
            d.pop("_pixels")
        except RuntimeError as e:
            d = {"gdal_error": str(e).replace(REAL_DIR + os.sep, "").strip()}
        out["files"][name] = d
        print("real: %-32s %s" % (name, d.get("gdal_error") or d["compression"]))
    write_json(os.path.join(HERE, "real-expected.json"), out)


def main():
    clean()
    make_fixtures()
    if os.path.isdir(REAL_DIR):
        make_real_expected()
    else:
        print("warning: %s missing, real-expected.json not regenerated" % REAL_DIR, file=sys.stderr)


if __name__ == "__main__":
    main()
