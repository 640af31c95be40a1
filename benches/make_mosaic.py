#!/usr/bin/python3
"""Cuts a GeoTIFF into a mosaic of tiles and joins them with gdalbuildvrt: the benchmark input
of benches/mosaic.sh (a global mosaic behind one VRT, in small). Needs GDAL's Python bindings.

Usage: make_mosaic.py INPUT OUTDIR TILE BLOCK
  tiles of TILE x TILE pixels (the right and bottom ones smaller), LZW + predictor 2, in
  BLOCK x BLOCK blocks, the input's georeferencing and nodata; OUTDIR/mosaic.vrt over them.
"""
import os
import subprocess
import sys

from osgeo import gdal

gdal.UseExceptions()
src_path, outdir, tile, block = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
os.makedirs(outdir, exist_ok=True)
src = gdal.Open(src_path)
band = src.GetRasterBand(1)
x0, dx, _, y0, _, dy = src.GetGeoTransform()
driver = gdal.GetDriverByName('GTiff')
options = ['COMPRESS=LZW', 'PREDICTOR=2', 'TILED=YES', f'BLOCKXSIZE={block}', f'BLOCKYSIZE={block}']
names = []
for ty in range(0, src.RasterYSize, tile):
    for tx in range(0, src.RasterXSize, tile):
        w, h = min(tile, src.RasterXSize - tx), min(tile, src.RasterYSize - ty)
        name = os.path.join(outdir, f't_{ty:06d}_{tx:06d}.tif')
        out = driver.Create(name, w, h, 1, band.DataType, options)
        out.SetGeoTransform((x0 + tx * dx, dx, 0, y0 + ty * dy, 0, dy))
        out.SetProjection(src.GetProjection())
        if band.GetNoDataValue() is not None:
            out.GetRasterBand(1).SetNoDataValue(band.GetNoDataValue())
        out.GetRasterBand(1).WriteArray(band.ReadAsArray(tx, ty, w, h))
        out = None
        names.append(name)
listing = os.path.join(outdir, 'tiles.txt')
with open(listing, 'w') as f:
    f.write('\n'.join(names) + '\n')
subprocess.run(['gdalbuildvrt', '-q', '-input_file_list', listing,
                os.path.join(outdir, 'mosaic.vrt')], check=True)
print(f'{len(names)} tiles')
