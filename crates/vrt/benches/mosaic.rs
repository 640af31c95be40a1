//! Window reads over a VRT of 1600 GeoTIFF tiles versus the same pixels in one GeoTIFF.
//!
//! The data (4000 × 4000 Float32, DEFLATE; the single file tiled 256 × 256, the tiles 100 × 100
//! cut from it with `gdal_translate -srcwin` and rebuilt with `gdalbuildvrt`) is made once with
//! GDAL (/usr/bin/python3) in the system temp dir and reused. Without GDAL the bench is skipped
//! (it fails instead when RASTAGG_REQUIRE_GDAL=1). Run briefly:
//! `cargo bench -p rastagg-vrt --bench mosaic`.

// criterion 0.7's `criterion_group!` defines an undocumented public function.
#![allow(missing_docs)]

use criterion::{Criterion, criterion_main};
use rastagg_tiff::TiffFile;
use rastagg_vrt::{VrtDataset, VrtOptions, Window};
use std::hint::black_box;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

const MAKE: &str = r#"
import os, sys
import numpy as np
from osgeo import gdal
gdal.UseExceptions()
d = sys.argv[1]
os.makedirs(os.path.join(d, 'tiles'), exist_ok=True)
rng = np.random.default_rng(1)
a = (rng.normal(0, 1, (4000, 4000)).cumsum(axis=1)).astype('float32')
ds = gdal.GetDriverByName('GTiff').Create(os.path.join(d, 'single.tif'), 4000, 4000, 1, gdal.GDT_Float32,
                                          ['TILED=YES', 'COMPRESS=DEFLATE'])
ds.SetGeoTransform((0, 1, 0, 0, 0, -1))
ds.GetRasterBand(1).WriteArray(a)
ds = None
tiles = []
for r in range(40):
    for c in range(40):
        t = os.path.join(d, 'tiles', 't_%02d_%02d.tif' % (r, c))
        gdal.Translate(t, os.path.join(d, 'single.tif'), srcWin=[c * 100, r * 100, 100, 100],
                       creationOptions=['COMPRESS=DEFLATE'])
        tiles.append(t)
gdal.BuildVRT(os.path.join(d, 'mosaic.vrt'), tiles)
open(os.path.join(d, 'done'), 'w').write('ok')
"#;

/// Makes (once) and returns the bench data directory, or `None` when GDAL is unavailable.
fn data() -> Option<PathBuf> {
    let dir = std::env::temp_dir().join("rastagg-vrt-bench-v1");
    if dir.join("done").exists() {
        return Some(dir);
    }
    let ok = Command::new("/usr/bin/python3")
        .arg("-c")
        .arg(MAKE)
        .arg(&dir)
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        Some(dir)
    } else if std::env::var("RASTAGG_REQUIRE_GDAL").is_ok_and(|v| v == "1") {
        panic!("GDAL (python3-gdal) is required to build the bench data");
    } else {
        eprintln!("skipping the mosaic bench: GDAL (/usr/bin/python3 with osgeo) not available");
        None
    }
}

/// 512 × 512 windows at positions that do not line up with tiles or blocks.
fn windows() -> Vec<Window> {
    (0..16u64)
        .map(|i| Window::new((i * 733) % 3400 + 37, (i * 1291) % 3400 + 11, 512, 512))
        .collect()
}

fn bench(c: &mut Criterion) {
    let Some(dir) = data() else { return };
    let tif = TiffFile::open(dir.join("single.tif")).expect("single.tif");
    let vrt =
        VrtDataset::open_with(dir.join("mosaic.vrt"), VrtOptions::default()).expect("mosaic.vrt");
    assert_eq!(vrt.source_count(), 1600);
    let mut buf = vec![0f32; 512 * 512];
    let mut want = vec![0f32; 512 * 512];
    for w in windows() {
        tif.read_window_into(0, w, &mut want).expect("tif read");
        vrt.read_window_into(0, w, &mut buf).expect("vrt read");
        assert!(
            buf.iter()
                .zip(&want)
                .all(|(a, b)| a.to_bits() == b.to_bits()),
            "VRT differs at {w:?}"
        );
    }

    let mut g = c.benchmark_group("window_512");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    g.bench_function("single_tif", |b| {
        b.iter(|| {
            for w in windows() {
                tif.read_window_into(0, w, &mut buf).expect("read");
                black_box(&buf);
            }
        })
    });
    g.bench_function("vrt_1600_tiles", |b| {
        b.iter(|| {
            for w in windows() {
                vrt.read_window_into(0, w, &mut buf).expect("read");
                black_box(&buf);
            }
        })
    });
    // With room for every tile in the cache: no re-opening between iterations.
    let roomy = VrtOptions {
        max_open_sources: 2048,
        ..VrtOptions::default()
    };
    let vrt_all_open = VrtDataset::open_with(dir.join("mosaic.vrt"), roomy).expect("mosaic.vrt");
    g.bench_function("vrt_1600_tiles_cache_2048", |b| {
        b.iter(|| {
            for w in windows() {
                vrt_all_open.read_window_into(0, w, &mut buf).expect("read");
                black_box(&buf);
            }
        })
    });
    // The floor for the VRT: the same tiles read directly (pre-opened, no index, no cache),
    // each intersecting part copied into place. The VRT's overhead is the difference.
    let tiles: Vec<TiffFile> = (0..1600)
        .map(|i| {
            TiffFile::open(dir.join(format!("tiles/t_{:02}_{:02}.tif", i / 40, i % 40)))
                .expect("tile")
        })
        .collect();
    g.bench_function("tiles_direct", |b| {
        b.iter(|| {
            for w in windows() {
                read_tiles(&tiles, w, &mut buf);
                black_box(&buf);
            }
        })
    });
    g.finish();

    let mut band = vec![0f32; 4000 * 256];
    let mut g = c.benchmark_group("row_band_4000x256");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    g.bench_function("single_tif", |b| {
        b.iter(|| {
            for y in [0u64, 1000, 2500, 3744] {
                tif.read_window_into(0, Window::new(0, y, 4000, 256), &mut band)
                    .expect("read");
                black_box(&band);
            }
        })
    });
    g.bench_function("vrt_1600_tiles", |b| {
        b.iter(|| {
            for y in [0u64, 1000, 2500, 3744] {
                vrt.read_window_into(0, Window::new(0, y, 4000, 256), &mut band)
                    .expect("read");
                black_box(&band);
            }
        })
    });
    g.finish();
    eprintln!(
        "open sources after the bench: {} (cache limit {})",
        vrt.open_sources(),
        VrtOptions::default().max_open_sources
    );
}

/// Reads `w` from the 40 × 40 grid of 100 × 100 tiles directly into `out`.
fn read_tiles(tiles: &[TiffFile], w: Window, out: &mut [f32]) {
    let mut part = Vec::new();
    for r in w.y / 100..(w.y + w.rows).div_ceil(100) {
        for c in w.x / 100..(w.x + w.cols).div_ceil(100) {
            let tile = Window::new(c * 100, r * 100, 100, 100);
            let Some(i) = tile.intersect(&w) else {
                continue;
            };
            part.resize(i.len().expect("len"), 0f32);
            let local = Window::new(i.x - tile.x, i.y - tile.y, i.cols, i.rows);
            tiles[(r * 40 + c) as usize]
                .read_window_into(0, local, &mut part)
                .expect("tile read");
            for (k, row) in part.chunks_exact(i.cols as usize).enumerate() {
                let o = ((i.y - w.y + k as u64) * w.cols + (i.x - w.x)) as usize;
                out[o..o + row.len()].copy_from_slice(row);
            }
        }
    }
}

/// The criterion group (its generated function has no doc comment of its own).
#[allow(missing_docs)]
mod group {
    criterion::criterion_group!(benches, super::bench);
}
criterion_main!(group::benches);
