//! Cloud Optimized GeoTIFF output: GDAL's validator passes, overviews halve until one tile
//! covers the raster, their pixels are nodata-aware 2×2 means (or the top-left pixel), and
//! the bytes do not depend on the order rows arrive in.

mod common;

use std::path::Path;

use common::{TestDir, from_le, gdal, gdal_available, le_bytes, sample_data, tiff_crate_images};
use rastagg_raster::{Sample, SampleType};
use rastagg_writer::{BigTiff, GeoTiffWriter, Options, Resampling};
use serde_json::json;

/// Writes `data` in bands of `band` rows, in the order given by `order` (band indices).
fn write_cog<T: Sample>(path: &Path, o: Options, data: &[T], band: u64, order: &[u64]) {
    let w = o.width;
    let h = o.height;
    let writer = GeoTiffWriter::create(path, o).expect("create");
    for &b in order {
        let (a, e) = (b * band, ((b + 1) * band).min(h));
        writer
            .write_rows(a, &data[(a * w) as usize..(e * w) as usize])
            .expect("rows");
    }
    writer.finish().expect("finish");
}

/// The definition of an overview level: each pixel from the 2×2 block above it, clipped at
/// the edge; Average = mean of the valid values (not NaN, not nodata), nodata when none.
fn half(src: &[f64], w: usize, h: usize, nodata: f64, r: Resampling) -> (Vec<f64>, usize, usize) {
    let (hw, hh) = (w.div_ceil(2), h.div_ceil(2));
    let mut out = Vec::with_capacity(hw * hh);
    for y in 0..hh {
        for x in 0..hw {
            if r == Resampling::Nearest {
                out.push(src[2 * y * w + 2 * x]);
                continue;
            }
            let vals: Vec<f64> = [(0, 0), (1, 0), (0, 1), (1, 1)]
                .iter()
                .filter(|(dx, dy)| 2 * x + dx < w && 2 * y + dy < h)
                .map(|(dx, dy)| src[(2 * y + dy) * w + 2 * x + dx])
                .filter(|v| !v.is_nan() && *v != nodata)
                .collect();
            out.push(if vals.is_empty() {
                nodata
            } else {
                vals.iter().sum::<f64>() / vals.len() as f64
            });
        }
    }
    (out, hw, hh)
}

fn validate(files: &[&Path]) {
    let answer = gdal(json!({"op": "cog", "files": files}));
    for (f, a) in files.iter().zip(answer.as_array().expect("list")) {
        assert_eq!(
            a["errors"],
            json!([]),
            "validator errors for {}",
            f.display()
        );
        eprintln!("{}: validator warnings {}", f.display(), a["warnings"]);
    }
}

#[test]
fn average_overviews_and_validator() {
    let dir = TestDir::new("cog-avg");
    let (w, h) = (600u64, 500u64);
    let mut data: Vec<f32> = sample_data(w, h, 21);
    // A block of nodata straddling tile edges, and NaN/inf cleaned to keep averages finite.
    for (i, v) in data.iter_mut().enumerate() {
        let (x, y) = (i as u64 % w, i as u64 / w);
        if !v.is_finite() || (200..330).contains(&x) && (240..300).contains(&y) {
            *v = -9999.0;
        }
    }
    data[0] = f32::NAN; // NaN is nodata too
    let mut o = Options::new(w, h, SampleType::F32);
    o.nodata = Some(-9999.0);
    o.cog = Some(Resampling::Average);
    let path = dir.path("avg.tif");
    write_cog(&path, o.clone(), &data, 64, &[7, 0, 3, 1, 2, 5, 6, 4]);
    assert_eq!(
        dir.entries(),
        ["avg.tif"],
        "spool and temporary files removed"
    );

    let images = tiff_crate_images(&path);
    assert_eq!(
        images.iter().map(|i| (i.0, i.1)).collect::<Vec<_>>(),
        [(600, 500), (300, 250), (150, 125)]
    );
    assert_eq!(images[0].2, le_bytes(&data));
    let mut level: Vec<f64> = data.iter().map(|&v| f64::from(v)).collect();
    let (mut lw, mut lh) = (w as usize, h as usize);
    for img in &images[1..] {
        let next = half(&level, lw, lh, -9999.0, Resampling::Average);
        let expected: Vec<f32> = next.0.iter().map(|&v| v as f32).collect();
        let got: Vec<f32> = from_le(&img.2);
        assert_eq!(
            le_bytes(&got),
            le_bytes(&expected),
            "overview {}×{}",
            img.0,
            img.1
        );
        // The next level is built from this one as stored.
        (level, lw, lh) = (got.iter().map(|&v| f64::from(v)).collect(), next.1, next.2);
    }

    // Same bytes whatever the band order, or written as tiles in reverse order.
    let again = dir.path("again.tif");
    write_cog(&again, o.clone(), &data, 64, &[0, 1, 2, 3, 4, 5, 6, 7]);
    assert!(std::fs::read(&path).expect("read") == std::fs::read(&again).expect("read"));
    let tiles = dir.path("tiles.tif");
    let writer = GeoTiffWriter::create(&tiles, o).expect("create");
    for ty in (0..writer.tiles_down()).rev() {
        for tx in (0..writer.tiles_across()).rev() {
            let tile: Vec<f32> = (0..256 * 256u64)
                .map(|i| {
                    let (x, y) = (tx * 256 + i % 256, ty * 256 + i / 256);
                    if x < w && y < h {
                        data[(y * w + x) as usize]
                    } else {
                        0.0
                    }
                })
                .collect();
            writer.write_tile(tx, ty, &tile).expect("tile");
        }
    }
    writer.finish().expect("finish");
    assert!(std::fs::read(&path).expect("read") == std::fs::read(&tiles).expect("read"));
    std::fs::remove_file(&again).expect("rm");
    std::fs::remove_file(&tiles).expect("rm");

    if gdal_available() {
        validate(&[&path]);
        let raw = dir.path("avg.raw");
        std::fs::write(&raw, le_bytes(&data)).expect("raw");
        let got = &gdal(json!({"op": "check", "files": [[path, raw]]}))[0];
        assert_eq!(got["pixels_equal"], true);
        assert_eq!(got["overviews"], json!([[300, 250], [150, 125]]));
        assert_eq!(got["block"], json!([256, 256]));
    }
}

#[test]
fn nearest_overviews_for_counts() {
    let dir = TestDir::new("cog-near");
    let (w, h) = (1000u64, 700u64);
    let data: Vec<i32> = (0..w * h).map(|i| ((i * 7919) % 101) as i32).collect();
    let mut o = Options::new(w, h, SampleType::I32);
    o.nodata = Some(0.0);
    o.cog = Some(Resampling::Nearest);
    o.tile_width = 128;
    o.tile_height = 128;
    let path = dir.path("count.tif");
    write_cog(&path, o, &data, 100, &[6, 5, 4, 3, 2, 1, 0]);
    let images = tiff_crate_images(&path);
    let sizes: Vec<_> = images.iter().map(|i| (i.0, i.1)).collect();
    assert_eq!(sizes, [(1000, 700), (500, 350), (250, 175), (125, 88)]);
    let mut level: Vec<f64> = data.iter().map(|&v| f64::from(v)).collect();
    let (mut lw, mut lh) = (w as usize, h as usize);
    for img in &images[1..] {
        let next = half(&level, lw, lh, 0.0, Resampling::Nearest);
        let expected: Vec<i32> = next.0.iter().map(|&v| v as i32).collect();
        assert_eq!(
            from_le::<i32>(&img.2),
            expected,
            "overview {}×{}",
            img.0,
            img.1
        );
        (level, lw, lh) = next;
    }
    if gdal_available() {
        validate(&[&path]);
    }
}

#[test]
fn bigtiff_single_tile_and_sparse_cogs_validate() {
    let dir = TestDir::new("cog-misc");
    let (w, h) = (700u64, 300u64);
    let mut data: Vec<u16> = sample_data(w, h, 5);
    for v in &mut data[..(w * 256) as usize] {
        *v = 65535; // first tile row all nodata: sparse at full resolution and above
    }
    let mut big = Options::new(w, h, SampleType::U16);
    big.bigtiff = BigTiff::Yes;
    big.nodata = Some(65535.0);
    big.sparse = true;
    big.cog = Some(Resampling::Average);
    let big_path = dir.path("big.tif");
    write_cog(&big_path, big, &data, 300, &[0]);
    assert_eq!(&std::fs::read(&big_path).expect("read")[..4], b"II\x2b\x00");
    // (The `tiff` crate cannot read sparse tiles; rastagg-tiff and GDAL can.)
    let f = rastagg_tiff::TiffFile::open(&big_path).expect("open");
    let all = rastagg_raster::Window::new(0, 0, w, h);
    assert_eq!(f.read_window::<u16>(0, all).expect("read"), data);
    assert_eq!(f.info().overviews, 2);

    let small: Vec<f64> = sample_data(200, 100, 9);
    let mut one = Options::new(200, 100, SampleType::F64);
    one.cog = Some(Resampling::Average);
    let one_path = dir.path("one.tif");
    write_cog(&one_path, one, &small, 100, &[0]);
    let images = tiff_crate_images(&one_path);
    assert_eq!(images.len(), 1, "one tile: no overview");
    assert_eq!(images[0].2, le_bytes(&small));
    if gdal_available() {
        validate(&[&big_path, &one_path]);
        let raw = dir.path("big.raw");
        std::fs::write(&raw, le_bytes(&data)).expect("raw");
        let got = &gdal(json!({"op": "check", "files": [[big_path, raw]]}))[0];
        assert_eq!(got["pixels_equal"], true);
        assert_eq!(got["bigtiff"], true);
        assert_eq!(got["overviews"], json!([[350, 150], [175, 75]]));
    }
}
