#!/usr/bin/env python3
"""Seed corpora for the fuzz targets, from ../testdata and ../../shared/testdata/real.

Writes fuzz/corpus/<target>/ (gitignored). Plain python3, no GDAL: block layouts come from the
fixtures' JSON descriptions (testdata/*.json, made by testdata/make_fixtures.py).

  tiff_open          every GeoTIFF up to MAX_SEED bytes
  tiff_read_window   the same files behind 16-byte window parameters (rastagg_fuzz::read_window_case)
  tiff_decode_block  block 0 of each fixture: the BlockCodec fields as `arbitrary` reads them,
                     then the block's stored bytes
  vrt_parse          every .vrt under testdata/
  geo_metadata, core_aggregate: structured (`arbitrary`) inputs; start empty (dictionaries in
                     fuzz/dicts/ help geo_metadata find GDAL's XML)
"""
import hashlib
import json
import struct
import sys
from pathlib import Path

FUZZ = Path(__file__).resolve().parent
ROOT = FUZZ.parent
REAL = ROOT.parent / "shared" / "testdata" / "real"
OUT = FUZZ / "corpus"
MAX_SEED = 400_000

TYPES = ["Byte", "Int8", "UInt16", "Int16", "UInt32", "Int32", "UInt64", "Int64", "Float32", "Float64"]
COMPRESSIONS = {"NONE": 0, None: 0, "LZW": 1, "DEFLATE": 2, "PACKBITS": 3, "ZSTD": 4}
PREDICTORS = {None: 0, 1: 0, 2: 1, 3: 2}

# (band, block, x, y, cols, rows): whole image; a window across block edges; one pixel.
WINDOWS = [(0, 0, 0, 0, 0xFFFF, 0xFFFF), (0, 3, 7, 5, 40, 33), (1, 1, 0xFFFFFFFF, 3, 0, 0)]


def save(target: str, data: bytes) -> None:
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)


def tiffs():
    files = sorted(ROOT.glob("testdata/**/*.tif")) + sorted(REAL.glob("*.tif"))
    return [f for f in files if f.stat().st_size <= MAX_SEED]


def window_params(band, block, x, y, cols, rows) -> bytes:
    return struct.pack("<BHxIIHH", band, block, x, y, cols, rows)


def block_seed(desc: dict, tif: bytes):
    blocks = desc["band_info"][0].get("blocks") or []
    if not blocks or not blocks[0]:
        return None
    offset, size = blocks[0]
    width, height = desc["block"]
    spp = desc["bands"] if desc["interleave"] == "PIXEL" else 1
    if height > 255 or width > 0xFFFF or spp > 7:
        return None
    head = struct.pack(
        "<BBBBHBB",
        COMPRESSIONS[desc["compression"]],
        PREDICTORS[desc.get("predictor")],
        TYPES.index(desc["type"]),
        1 if desc["byte_order"] == "big" else 0,
        width,
        height,
        spp,
    )
    return head + tif[offset : offset + size]


def main() -> int:
    counts = {}
    for f in tiffs():
        data = f.read_bytes()
        save("tiff_open", data)
        for w in WINDOWS:
            save("tiff_read_window", window_params(*w) + data)
        desc_path = f.with_suffix(".json")
        if desc_path.exists():
            desc = json.loads(desc_path.read_text())
            if "band_info" in desc:
                seed = block_seed(desc, data)
                if seed is not None:
                    save("tiff_decode_block", seed)
    for f in sorted(ROOT.glob("testdata/**/*.vrt")):
        save("vrt_parse", f.read_bytes())
    for target in ["geo_metadata", "core_aggregate"]:
        (OUT / target).mkdir(parents=True, exist_ok=True)
    for d in sorted(OUT.iterdir()):
        counts[d.name] = len(list(d.iterdir()))
    print(" ".join(f"{k}={v}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
