#!/usr/bin/python3
"""Builds the rastagg-vrt test fixtures with GDAL (run with /usr/bin/python3, from anywhere).

Everything lands beside this script: small GeoTIFF sources, VRTs made by gdalbuildvrt or
written by hand, and GDAL's own reads of those VRTs (the oracle): `oracle.txt` lists one read
per line -- `vrt band(0-based) dataType x y cols rows binfile byte_offset` -- and the raw
little-endian samples live in `oracle.bin`. The Rust tests read every listed window with
rastagg-vrt and compare bit for bit. Deterministic (fixed seeds); re-running rewrites the same
files given the same GDAL (3.6.2 made the committed ones).
"""
import os
import shutil
import numpy as np
from osgeo import gdal, osr

gdal.UseExceptions()
HERE = os.path.dirname(os.path.abspath(__file__))
os.chdir(HERE)
rng = np.random.default_rng(20261126)

GDT = {'Byte': gdal.GDT_Byte, 'Int16': gdal.GDT_Int16, 'UInt16': gdal.GDT_UInt16,
       'Int32': gdal.GDT_Int32, 'Float32': gdal.GDT_Float32, 'Float64': gdal.GDT_Float64}


def clean():
    for d in ['tiles', 'src']:
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    for f in os.listdir('.'):
        if f.endswith(('.vrt', '.bin', '.tif')) or f == 'oracle.txt':
            os.remove(f)


def srs(epsg):
    s = osr.SpatialReference()
    s.ImportFromEPSG(epsg)
    return s.ExportToWkt()


def write_tif(path, arr, dtype, gt=(500000.0, 10.0, 0.0, 4000000.0, 0.0, -10.0), epsg=32633,
              nodata=None, opts=('COMPRESS=DEFLATE',)):
    arr = np.atleast_3d(arr) if arr.ndim == 3 else arr[np.newaxis]
    bands, h, w = arr.shape
    d = gdal.GetDriverByName('GTiff').Create(path, w, h, bands, GDT[dtype], list(opts))
    d.SetGeoTransform(gt)
    if epsg:
        d.SetProjection(srs(epsg))
    for b in range(bands):
        band = d.GetRasterBand(b + 1)
        if nodata is not None:
            band.SetNoDataValue(nodata)
        band.WriteArray(arr[b])
    d = None


ORACLE = []          # (vrt, band, type, x, y, cols, rows, offset)
BIN = bytearray()


def oracle(vrt, windows=(), band=1):
    """Stores GDAL's read of the whole band and of each window in the oracle."""
    ds = gdal.Open(vrt)
    b = ds.GetRasterBand(band)
    dtype = gdal.GetDataTypeName(b.DataType)
    for (x, y, w, h) in [(0, 0, ds.RasterXSize, ds.RasterYSize)] + list(windows):
        a = b.ReadAsArray(x, y, w, h)
        ORACLE.append((vrt, band - 1, dtype, x, y, w, h, len(BIN)))
        BIN.extend(a.astype(a.dtype.newbyteorder('<')).tobytes())


def random_windows(ds_path, n, max_size=None):
    ds = gdal.Open(ds_path)
    W, H = ds.RasterXSize, ds.RasterYSize
    out = []
    for _ in range(n):
        w = int(rng.integers(1, (max_size or W) + 1))
        h = int(rng.integers(1, (max_size or H) + 1))
        w, h = min(w, W), min(h, H)
        out.append((int(rng.integers(0, W - w + 1)), int(rng.integers(0, H - h + 1)), w, h))
    return out


def source_xml(kind, fname, band=1, src=None, dst=None, extra='', rel=1):
    rects = ''
    if src:
        rects += '<SrcRect xOff="%s" yOff="%s" xSize="%s" ySize="%s"/>' % src
    if dst:
        rects += '<DstRect xOff="%s" yOff="%s" xSize="%s" ySize="%s"/>' % dst
    return (f'<{kind}><SourceFilename relativeToVRT="{rel}">{fname}</SourceFilename>'
            f'<SourceBand>{band}</SourceBand>{rects}{extra}</{kind}>')


def vrt_xml(w, h, bands, gt=None, epsg=None):
    s = f'<VRTDataset rasterXSize="{w}" rasterYSize="{h}">\n'
    if epsg:
        s += f'  <SRS>{srs(epsg)}</SRS>\n'
    if gt:
        s += '  <GeoTransform>' + ', '.join('%.16e' % v for v in gt) + '</GeoTransform>\n'
    for i, (dtype, nodata, sources) in enumerate(bands):
        s += f'  <VRTRasterBand dataType="{dtype}" band="{i + 1}">\n'
        if nodata is not None:
            s += f'    <NoDataValue>{nodata}</NoDataValue>\n'
        for src in sources:
            s += '    ' + src + '\n'
        s += '  </VRTRasterBand>\n'
    return s + '</VRTDataset>\n'


def write(path, text):
    with open(path, 'w') as f:
        f.write(text)


def main():
    clean()

    # 1. A Float32 GeoTIFF cut into 12 irregular tiles and rebuilt with gdalbuildvrt.
    base = rng.normal(100, 50, (83, 97)).astype('float32')
    base[5:9, 10:30] = np.nan
    write_tif('base.tif', base, 'Float32')
    xs, ys = [0, 25, 50, 75, 97], [0, 30, 60, 83]
    tiles = []
    for r in range(3):
        for c in range(4):
            t = f'tiles/t_{r}_{c}.tif'
            gdal.Translate(t, 'base.tif', srcWin=[xs[c], ys[r], xs[c + 1] - xs[c], ys[r + 1] - ys[r]],
                           creationOptions=['COMPRESS=DEFLATE'])
            tiles.append(t)
    gdal.BuildVRT('mosaic.vrt', tiles)
    oracle('mosaic.vrt', random_windows('mosaic.vrt', 6, max_size=40))

    # 2. Overlaps, gaps, per-source nodata (Int16), -srcnodata / -vrtnodata, a coarser source
    #    (fractional DstRect, resampled by GDAL's nearest).
    gt0 = (1000.0, 1.0, 0.0, 2000.0, 0.0, -1.0)
    a = rng.integers(1, 1000, (40, 50)).astype('int16')
    b = rng.integers(2000, 3000, (30, 30)).astype('int16')
    b[10:20, 5:15] = -9999
    c = rng.integers(4000, 5000, (20, 20)).astype('int16')
    c[:, :3] = 7
    write_tif('src/a.tif', a, 'Int16', gt=gt0)
    write_tif('src/b.tif', b, 'Int16', gt=(1030.0, 1.0, 0.0, 1985.0, 0.0, -1.0), nodata=-9999)
    write_tif('src/c.tif', c, 'Int16', gt=(1075.0, 1.0, 0.0, 1975.0, 0.0, -1.0))
    d = rng.integers(6000, 7000, (9, 7)).astype('int16')
    write_tif('src/d.tif', d, 'Int16', gt=(1003.3, 2.35, 0.0, 1996.6, 0.0, -2.35))
    gdal.BuildVRT('overlap.vrt', ['src/a.tif', 'src/b.tif', 'src/c.tif'])
    oracle('overlap.vrt', random_windows('overlap.vrt', 4, max_size=30))
    gdal.BuildVRT('srcnodata.vrt', ['src/a.tif', 'src/c.tif', 'src/b.tif'], srcNodata=7, VRTNodata=-1)
    oracle('srcnodata.vrt', random_windows('srcnodata.vrt', 4, max_size=30))
    gdal.BuildVRT('coarse.vrt', ['src/a.tif', 'src/d.tif', 'src/b.tif'], resolution='highest')
    oracle('coarse.vrt', random_windows('coarse.vrt', 8, max_size=30))

    # 3. Hand-written SrcRect/DstRect scaling: up, down, fractional offsets and sizes.
    g = rng.integers(0, 255, (23, 31)).astype('uint8')
    write_tif('src/g.tif', g, 'Byte', epsg=None)
    srcs = [
        source_xml('SimpleSource', 'src/g.tif', src=(0, 0, 4, 3), dst=(0, 0, 10, 7)),
        source_xml('SimpleSource', 'src/g.tif', src=(1, 2, 30, 20), dst=(12, 1, 7, 9)),
        source_xml('SimpleSource', 'src/g.tif', src=(3, 3, 10, 10), dst=(2.6, 12.3, 10.7, 9.45)),
        source_xml('ComplexSource', 'src/g.tif', src=(0.5, 0, 13, 11), dst=(20.2, 10.8, 13, 11),
                   extra='<NODATA>%d</NODATA>' % g[3, 3]),
        source_xml('SimpleSource', 'src/g.tif', src=(5, 5, 5, 5), dst=(30.999, 2.0004, 5, 5)),
    ]
    write('scaled.vrt', vrt_xml(40, 24, [('Byte', 0, srcs)]))
    oracle('scaled.vrt', random_windows('scaled.vrt', 12))

    # 4. ScaleOffset/ScaleRatio with NODATA, and type conversions (rounding, clamping).
    f64 = (rng.normal(0, 300, (12, 15))).round(1)
    f64[0, :8] = [0.5, -0.5, 1.5, -2.5, 254.5, 255.5, 1e10, np.nan]
    write_tif('src/f64.tif', f64, 'Float64', epsg=None)
    i16 = rng.integers(-500, 500, (12, 15)).astype('int16')
    i16[2, :] = -32768
    write_tif('src/i16.tif', i16, 'Int16', epsg=None)
    full = (0, 0, 15, 12)
    for dtype in ['Byte', 'Int16', 'UInt16', 'Int32', 'Float32']:
        name = f'types_{dtype}.vrt'
        write(name, vrt_xml(15, 24, [(dtype, None, [
            source_xml('SimpleSource', 'src/f64.tif', src=full, dst=full),
            source_xml('ComplexSource', 'src/f64.tif', src=full, dst=(0, 12, 15, 12),
                       extra='<NODATA>%r</NODATA><ScaleOffset>10</ScaleOffset><ScaleRatio>0.37</ScaleRatio>'
                       % float(f64[1, 1])),
        ]), (dtype, 99, [
            source_xml('ComplexSource', 'src/i16.tif', src=full, dst=full,
                       extra='<NODATA>-32768</NODATA><ScaleOffset>-3.25</ScaleOffset><ScaleRatio>1.5</ScaleRatio>'),
            source_xml('ComplexSource', 'src/i16.tif', src=(0, 0, 5, 4), dst=(0, 12, 15, 12),
                       extra='<ScaleRatio>0</ScaleRatio><ScaleOffset>42.6</ScaleOffset>'),
        ])]))
        oracle(name, band=1)
        oracle(name, band=2)

    # 5. Several bands from a 2-band source; a nested VRT; a missing source.
    two = rng.integers(0, 60000, (2, 10, 12)).astype('uint16')
    write_tif('src/two.tif', two, 'UInt16', epsg=4326, gt=(10.0, 0.1, 0.0, 50.0, 0.0, -0.1))
    w2 = (0, 0, 12, 10)
    write('bands.vrt', vrt_xml(12, 10, [
        ('UInt16', None, [source_xml('SimpleSource', 'src/two.tif', 2, w2, w2)]),
        ('UInt16', 5, [source_xml('ComplexSource', 'src/two.tif', 1, w2, (2, 3, 12, 10),
                                  extra='<NODATA>%d</NODATA>' % two[0, 0, 0])]),
    ], gt=(10.0, 0.1, 0.0, 50.0, 0.0, -0.1), epsg=4326))
    oracle('bands.vrt', band=1)
    oracle('bands.vrt', band=2)
    mw = (0, 0, 97, 83)
    write('nested.vrt', vrt_xml(110, 90, [('Float32', -1, [
        source_xml('SimpleSource', 'mosaic.vrt', 1, mw, (5, 4, 97, 83)),
        source_xml('SimpleSource', 'tiles/t_0_0.tif', 1, (0, 0, 25, 30), (80, 60, 25, 30)),
    ])], gt=None, epsg=32633))
    oracle('nested.vrt', random_windows('nested.vrt', 3, max_size=40))
    ga = (0, 0, 50, 40)
    write('missing.vrt', vrt_xml(50, 40, [('Int16', -5, [
        source_xml('SimpleSource', 'src/a.tif', 1, ga, ga),
        source_xml('SimpleSource', 'src/does_not_exist.tif', 1, ga, (10, 10, 50, 40)),
    ])]))
    # GDAL fails on the missing source; without it, the read is what missing-as-nodata gives.
    write('missing_removed.vrt', vrt_xml(50, 40, [('Int16', -5, [
        source_xml('SimpleSource', 'src/a.tif', 1, ga, ga)])]))
    oracle('missing_removed.vrt')

    # 6. Fractional-geometry sweep: random SrcRect/DstRect over a small Byte source, many
    #    random windows each (GDAL's pixel choice depends on the window).
    q = rng.integers(0, 255, (13, 17)).astype('uint8')
    write_tif('src/q.tif', q, 'Byte', epsg=None)
    for i in range(12):
        sources = []
        for _ in range(3):
            sx, sy = rng.uniform(-2, 10), rng.uniform(-2, 8)
            sw, sh = rng.uniform(0.6, 20), rng.uniform(0.6, 16)
            dx, dy = rng.uniform(-5, 25), rng.uniform(-5, 20)
            dw, dh = sw * rng.choice([0.3, 0.77, 1, 1, 1.6, 3.1]), sh * rng.choice([0.45, 1, 1, 2.2])
            if rng.random() < 0.3:
                sx, sy, dx, dy = round(sx), round(sy), round(dx), round(dy)
            vals = tuple('%.6g' % v for v in (max(sx, 0), max(sy, 0), sw, sh))
            sources.append(source_xml('SimpleSource', 'src/q.tif', 1, vals,
                                      tuple('%.6g' % v for v in (dx, dy, dw, dh))))
        name = f'sweep_{i:02d}.vrt'
        write(name, vrt_xml(30, 24, [('Byte', 3, sources)]))
        oracle(name, random_windows(name, 10, max_size=14))

    # 7. GDAL 3.6's conversion quirks from Float32/Float64 (NaN, inf, values near x.5): a
    #    SimpleSource converts 8 values at a time within each source block span (different NaN
    #    and rounding for Int16), a ComplexSource one by one. Stripped and tiled (16 wide)
    #    sources, windows cutting the spans differently.
    special = [np.nan, np.inf, -np.inf, 3e9, -3e9, 2.5, -2.5, 0.49999997, -0.49999997, 70000.5,
               1e20, -1e20, 32767.5, -32768.5, 1.4999999, 0.5, -0.5, 255.5, -1.5, 2.4999998]
    sp = np.array([special[(i * 7 + r * 3) % len(special)] for r in range(6) for i in range(37)]).reshape(6, 37)
    write_tif('src/sp32.tif', sp.astype('float32'), 'Float32', epsg=None, opts=())
    write_tif('src/sp32t.tif', sp.astype('float32'), 'Float32', epsg=None,
              opts=('TILED=YES', 'BLOCKXSIZE=16', 'BLOCKYSIZE=16'))
    write_tif('src/sp64.tif', sp, 'Float64', epsg=None, opts=())
    box = (0, 0, 37, 6)
    for dtype in ['Byte', 'UInt16', 'Int16', 'UInt32', 'Int32', 'Int64', 'UInt64']:
        name = f'quirks_{dtype}.vrt'
        write(name, vrt_xml(37, 24, [(dtype, None, [
            source_xml('SimpleSource', 'src/sp32.tif', 1, box, box),
            source_xml('SimpleSource', 'src/sp32t.tif', 1, box, (0, 6, 37, 6)),
            source_xml('ComplexSource', 'src/sp32.tif', 1, box, (0, 12, 37, 6), extra='<NODATA>7</NODATA>'),
            source_xml('SimpleSource', 'src/sp64.tif', 1, box, (0, 18, 37, 6)),
        ])]))
        oracle(name, [(3, 0, 30, 24), (5, 2, 11, 20), (17, 0, 20, 24)])

    with open('oracle.bin', 'wb') as f:
        f.write(BIN)
    with open('oracle.txt', 'w') as f:
        f.write('# vrt band dataType x y cols rows byte_offset (in oracle.bin, little-endian)\n')
        for row in ORACLE:
            f.write(' '.join(str(v) for v in row) + '\n')


if __name__ == '__main__':
    main()
