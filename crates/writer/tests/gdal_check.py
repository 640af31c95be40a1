"""GDAL as the oracle for rastagg-writer's tests (run with /usr/bin/python3: osgeo + numpy).

Reads a JSON request on stdin, prints a JSON answer. Requests:
  {"op": "check", "files": [[tif, raw], ...]}  -> per file: what GDAL reads (size, type,
      geotransform, CRS WKT, nodata, overviews, block size, checksum) and whether band 1 is
      bit-identical to the little-endian samples in `raw` (raw null: not compared)
  {"op": "dump", "src": tif, "raw": path}      -> band 1 of tif written to raw (little-endian),
      plus the same description as "check"
  {"op": "twin", "raw": path, "out": tif, "like": tif or null, "width": w, "height": h,
   "type": "Float32", "gt": [...] or null, "nodata": float or "nan" or null, "co": [...]}
      -> GDAL writes the same array with the georeferencing of `like` (or `gt`) and nodata
  {"op": "cog", "files": [tif, ...]}           -> validate_cloud_optimized_geotiff errors, warnings
  {"op": "same_srs", "pairs": [[a, b], ...]}   -> whether GDAL finds the two CRSs the same
"""
import json
import sys

import numpy as np
from osgeo import gdal, osr

gdal.UseExceptions()

DTYPES = {
    "Byte": "u1", "Int8": "i1", "UInt16": "<u2", "Int16": "<i2", "UInt32": "<u4",
    "Int32": "<i4", "UInt64": "<u8", "Int64": "<i8", "Float32": "<f4", "Float64": "<f8",
}


def type_name(band):
    name = gdal.GetDataTypeName(band.DataType)
    if name == "Byte" and band.GetMetadataItem("PIXELTYPE", "IMAGE_STRUCTURE") == "SIGNEDBYTE":
        return "Int8"
    return name


def describe(path):
    ds = gdal.Open(path)
    band = ds.GetRasterBand(1)
    nodata = band.GetNoDataValue()
    with open(path, "rb") as f:
        head = f.read(4)
    return {
        "width": ds.RasterXSize,
        "height": ds.RasterYSize,
        "bands": ds.RasterCount,
        "type": type_name(band),
        "gt": list(ds.GetGeoTransform(can_return_null=True) or []),
        "wkt": ds.GetProjectionRef(),
        "nodata": None if nodata is None else repr(nodata),
        "block": band.GetBlockSize(),
        "overviews": [[band.GetOverview(i).XSize, band.GetOverview(i).YSize]
                      for i in range(band.GetOverviewCount())],
        "checksum": band.Checksum(),
        "compression": ds.GetMetadataItem("COMPRESSION", "IMAGE_STRUCTURE"),
        "predictor": ds.GetMetadataItem("PREDICTOR", "IMAGE_STRUCTURE"),
        "bigtiff": head[2:4] in (b"\x2b\x00", b"\x00\x2b"),
        "nodata_text": ds.GetRasterBand(1).GetMetadataItem("TIFFTAG_GDAL_NODATA"),
    }


def band_bytes(path):
    ds = gdal.Open(path)
    band = ds.GetRasterBand(1)
    arr = band.ReadAsArray()
    return arr.astype(arr.dtype.newbyteorder("<")).tobytes()


def check(files):
    out = []
    for tif, raw in files:
        d = describe(tif)
        if raw is not None:
            with open(raw, "rb") as f:
                d["pixels_equal"] = f.read() == band_bytes(tif)
        out.append(d)
    return out


def dump(src, raw):
    with open(raw, "wb") as f:
        f.write(band_bytes(src))
    return describe(src)


def twin(req):
    arr = np.fromfile(req["raw"], dtype=DTYPES[req["type"]]).reshape(req["height"], req["width"])
    gtype = gdal.GDT_Byte if req["type"] == "Int8" else gdal.GetDataTypeByName(req["type"])
    co = list(req.get("co", []))
    if req["type"] == "Int8":
        co.append("PIXELTYPE=SIGNEDBYTE")
        arr = arr.view(np.uint8)
    ds = gdal.GetDriverByName("GTiff").Create(req["out"], req["width"], req["height"], 1, gtype, co)
    if req.get("like"):
        like = gdal.Open(req["like"])
        gt = like.GetGeoTransform(can_return_null=True)
        if gt:
            ds.SetGeoTransform(gt)
        if like.GetSpatialRef() is not None:
            ds.SetSpatialRef(like.GetSpatialRef())
    elif req.get("gt"):
        ds.SetGeoTransform(req["gt"])
    if req.get("epsg"):
        srs = osr.SpatialReference()
        srs.ImportFromEPSG(req["epsg"])
        ds.SetSpatialRef(srs)
    if req.get("nodata") is not None:
        ds.GetRasterBand(1).SetNoDataValue(float(req["nodata"]))
    ds.GetRasterBand(1).WriteArray(arr)
    ds = None
    return describe(req["out"])


def cog(files):
    from osgeo_utils.samples import validate_cloud_optimized_geotiff as v
    out = []
    for tif in files:
        errors, warnings, _ = v.validate(tif, full_check=True)
        out.append({"errors": errors, "warnings": warnings})
    return out


def same_srs(pairs):
    out = []
    for a, b in pairs:
        sa, sb = gdal.Open(a).GetSpatialRef(), gdal.Open(b).GetSpatialRef()
        out.append(sa is None and sb is None or (sa is not None and sb is not None and bool(sa.IsSame(sb))))
    return out


def main():
    req = json.load(sys.stdin)
    op = req["op"]
    if op == "check":
        res = check(req["files"])
    elif op == "dump":
        res = dump(req["src"], req["raw"])
    elif op == "twin":
        res = twin(req)
    elif op == "same_srs":
        res = same_srs(req["pairs"])
    elif op == "cog":
        res = cog(req["files"])
    else:
        raise SystemExit("unknown op " + op)
    json.dump(res, sys.stdout)


main()
