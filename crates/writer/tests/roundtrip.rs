//! Round trips: every sample type × compression × predictor, tiles that do not divide the
//! raster, BigTIFF, sparse tiles; read back by rastagg-tiff, the `tiff` crate and GDAL; and the
//! bytes written do not depend on the order rows or tiles arrive in.

mod common;

use std::path::{Path, PathBuf};

use common::{TestDir, gdal, gdal_available, le_bytes, sample_data, tiff_crate_images};
use rastagg_raster::{Sample, SampleType, Window};
use rastagg_tiff::TiffFile;
use rastagg_writer::{BigTiff, Compression, GeoTiffWriter, Options};
use serde_json::json;

const W: u64 = 300;
const H: u64 = 170;

const COMPRESSIONS: [Compression; 5] = [
    Compression::None,
    Compression::Lzw,
    Compression::Deflate { level: 6 },
    Compression::DeflateRuns,
    Compression::Zstd { level: 1 },
];

fn options(t: SampleType) -> Options {
    let mut o = Options::new(W, H, t);
    o.tile_width = 64;
    o.tile_height = 48;
    o
}

/// Writes `data` in three bands that do not align with tiles, last band first.
fn write_bands<T: Sample>(path: &Path, o: Options, data: &[T]) {
    let w = GeoTiffWriter::create(path, o).expect("create");
    let w_ = W as usize;
    for (a, b) in [(100, 170), (37, 100), (0, 37)] {
        w.write_rows(a as u64, &data[a * w_..b * w_])
            .expect("write rows");
    }
    w.finish().expect("finish");
}

/// Reads band 1 with rastagg-tiff.
fn read_ours<T: Sample>(path: &Path) -> Vec<u8> {
    let f = TiffFile::open(path).expect("rastagg-tiff opens");
    le_bytes(
        &f.read_window::<T>(0, Window::new(0, 0, W, H))
            .expect("rastagg-tiff reads"),
    )
}

/// Writes one file per compression × predictor for `T`, checks them with both Rust readers
/// and returns (file, raw) pairs for GDAL.
fn type_files<T: Sample>(dir: &TestDir) -> Vec<(PathBuf, PathBuf)> {
    let data: Vec<T> = sample_data(W, H, 7);
    let expected = le_bytes(&data);
    let raw = dir.path(&format!("{}.raw", T::TYPE));
    std::fs::write(&raw, &expected).expect("raw");
    let mut files = Vec::new();
    for (i, c) in COMPRESSIONS.into_iter().enumerate() {
        for predictor in [true, false] {
            if c == Compression::None && predictor {
                continue;
            }
            let mut o = options(T::TYPE);
            o.compression = c;
            o.predictor = predictor;
            let name = format!("{}-{}-c{i}-{predictor}.tif", T::TYPE, c.tiff_code());
            let path = dir.path(&name);
            write_bands(&path, o, &data);
            let what = format!("{}", path.display());
            assert_eq!(read_ours::<T>(&path), expected, "rastagg-tiff: {what}");
            // The `tiff` crate has no zstd, and its LZW decoder rejects some valid tiles ("no
            // lzw end code found"), GDAL's own LZW output of the same data included.
            if matches!(
                c,
                Compression::None | Compression::Deflate { .. } | Compression::DeflateRuns
            ) {
                let images = tiff_crate_images(&path);
                assert_eq!(images.len(), 1);
                assert_eq!(images[0].2, expected, "tiff crate: {what}");
            }
            files.push((path, raw.clone()));
        }
    }
    files
}

#[test]
fn every_type_compression_and_predictor() {
    let dir = TestDir::new("types");
    let mut files = Vec::new();
    files.extend(type_files::<u8>(&dir));
    files.extend(type_files::<i8>(&dir));
    files.extend(type_files::<u16>(&dir));
    files.extend(type_files::<i16>(&dir));
    files.extend(type_files::<u32>(&dir));
    files.extend(type_files::<i32>(&dir));
    files.extend(type_files::<u64>(&dir));
    files.extend(type_files::<i64>(&dir));
    files.extend(type_files::<f32>(&dir));
    files.extend(type_files::<f64>(&dir));
    assert_eq!(files.len(), 90);
    if !gdal_available() {
        return;
    }
    let answer = gdal(json!({"op": "check", "files": files}));
    for ((path, _), got) in files.iter().zip(answer.as_array().expect("list")) {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        assert_eq!(got["pixels_equal"], true, "GDAL pixels of {name}");
        assert_eq!(got["block"], json!([64, 48]), "{name}");
        let type_name = name.split('-').next().unwrap_or_default();
        assert_eq!(got["type"], type_name, "{name}");
        let compression = match name.split('-').nth(1) {
            Some("1") => json!(null),
            Some("5") => json!("LZW"),
            Some("8") => json!("DEFLATE"),
            _ => json!("ZSTD"),
        };
        assert_eq!(got["compression"], compression, "{name}");
        let predictor = if name.ends_with("true.tif") {
            if type_name.starts_with("Float") {
                json!("3")
            } else {
                json!("2")
            }
        } else {
            json!(null)
        };
        assert_eq!(got["predictor"], predictor, "{name}");
        assert_eq!(got["bigtiff"], false);
    }
}

#[test]
fn bigtiff_forced_reads_back() {
    let dir = TestDir::new("bigtiff");
    let data: Vec<f32> = sample_data(W, H, 3);
    let path = dir.path("big.tif");
    let mut o = options(SampleType::F32);
    o.bigtiff = BigTiff::Yes;
    o.nodata = Some(-9999.0);
    write_bands(&path, o, &data);
    assert_eq!(&std::fs::read(&path).expect("read")[..4], b"II\x2b\x00");
    assert_eq!(read_ours::<f32>(&path), le_bytes(&data));
    let f = TiffFile::open(&path).expect("open");
    assert!(f.info().bigtiff);
    assert_eq!(
        f.info().nodata.as_ref().map(|n| n.text.as_str()),
        Some("-9999")
    );
    assert_eq!(tiff_crate_images(&path)[0].2, le_bytes(&data));
    if gdal_available() {
        let raw = dir.path("big.raw");
        std::fs::write(&raw, le_bytes(&data)).expect("raw");
        let got = &gdal(json!({"op": "check", "files": [[path, raw]]}))[0];
        assert_eq!(got["bigtiff"], true);
        assert_eq!(got["pixels_equal"], true);
        assert_eq!(got["nodata"], "-9999.0");
    }
}

#[test]
fn bigtiff_if_safer_counts_tile_padding() {
    let dir = TestDir::new("ifsafer");
    let path = dir.path("x.tif");
    let big = |side: u64, mode: BigTiff| {
        let mut o = Options::new(side, side, SampleType::F32);
        o.bigtiff = mode;
        let w = GeoTiffWriter::create(&path, o).expect("create");
        w.is_bigtiff()
    };
    // 22000² float32 is 1.936e9 bytes: classic. 22300² is 1.989e9 unpadded but 22528² =
    // 2.03e9 with 256² tile padding: BigTIFF, as GDAL's IF_SAFER decides.
    assert!(!big(22000, BigTiff::IfSafer));
    assert!(big(22300, BigTiff::IfSafer));
    assert!(!big(22300, BigTiff::No));
    assert!(big(100, BigTiff::Yes));
    // Dropped unfinished: nothing left behind.
    assert!(dir.entries().is_empty(), "{:?}", dir.entries());
}

/// Writes the raster four ways; all must give the same bytes.
#[test]
fn order_and_threads_do_not_change_bytes() {
    let dir = TestDir::new("order");
    let data: Vec<i16> = sample_data(W, H, 11);
    let mut o = options(SampleType::I16);
    o.nodata = Some(-32768.0);
    o.sparse = true;
    let reference = dir.path("ref.tif");
    let w = GeoTiffWriter::create(&reference, o.clone()).expect("create");
    w.write_rows(0, &data).expect("rows");
    w.finish().expect("finish");
    let expected = std::fs::read(&reference).expect("read");

    // Bands of 7 rows, shuffled, from 4 threads.
    let shuffled = dir.path("shuffled.tif");
    let w = GeoTiffWriter::create(&shuffled, o.clone()).expect("create");
    let mut bands: Vec<u64> = (0..H.div_ceil(7)).collect();
    let mut rng = common::Rng(5);
    for i in (1..bands.len()).rev() {
        bands.swap(i, (rng.next() % (i as u64 + 1)) as usize);
    }
    std::thread::scope(|s| {
        for chunk in bands.chunks(bands.len().div_ceil(4)) {
            let (w, data) = (&w, &data);
            s.spawn(move || {
                for &b in chunk {
                    let (a, e) = (b * 7 * W, ((b + 1) * 7).min(H) * W);
                    w.write_rows(b * 7, &data[a as usize..e as usize])
                        .expect("rows");
                }
            });
        }
    });
    w.finish().expect("finish");
    assert!(
        std::fs::read(&shuffled).expect("read") == expected,
        "shuffled bands differ"
    );

    // Tiles in reverse order on a one-thread rayon pool.
    let tiles = dir.path("tiles.tif");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool");
    pool.install(|| {
        let w = GeoTiffWriter::create(&tiles, o.clone()).expect("create");
        let (tw, th) = (64u64, 48u64);
        for ty in (0..w.tiles_down()).rev() {
            for tx in (0..w.tiles_across()).rev() {
                let mut tile = vec![0i16; (tw * th) as usize];
                for y in 0..th.min(H - ty * th) {
                    for x in 0..tw.min(W - tx * tw) {
                        tile[(y * tw + x) as usize] =
                            data[((ty * th + y) * W + tx * tw + x) as usize];
                    }
                }
                w.write_tile(tx, ty, &tile).expect("tile");
            }
        }
        w.finish().expect("finish");
    });
    assert!(
        std::fs::read(&tiles).expect("read") == expected,
        "tile order changed bytes"
    );
    assert_eq!(dir.entries(), ["ref.tif", "shuffled.tif", "tiles.tif"]);
}

#[test]
fn sparse_tiles_have_no_bytes() {
    let dir = TestDir::new("sparse");
    for nodata in [Some(-9999.0), Some(f64::NAN), None] {
        let mut data: Vec<f32> = sample_data(W, H, 13);
        let fill = nodata.map_or(0.0, |v| v as f32);
        // Rows 48..96 (tile row 1) and the last column of tiles are all nodata.
        for (i, v) in data.iter_mut().enumerate() {
            let (x, y) = (i as u64 % W, i as u64 / W);
            if (48..96).contains(&y) || x >= 256 {
                *v = fill;
            }
        }
        let path = dir.path("s.tif");
        let mut o = options(SampleType::F32);
        o.nodata = nodata;
        o.sparse = true;
        write_bands(&path, o, &data);
        let f = TiffFile::open(&path).expect("open");
        let across = f.info().blocks_across();
        for i in 0..across * f.info().blocks_down() {
            let sparse = i / across == 1 || i % across == across - 1;
            let bytes = f.block_bytes(0, i).expect("block");
            assert_eq!(bytes.is_empty(), sparse, "tile {i}, nodata {nodata:?}");
        }
        assert_eq!(
            read_ours::<f32>(&path),
            le_bytes(&data),
            "nodata {nodata:?}"
        );
        if gdal_available() {
            let raw = dir.path("s.raw");
            std::fs::write(&raw, le_bytes(&data)).expect("raw");
            let got = &gdal(json!({"op": "check", "files": [[path, raw]]}))[0];
            assert_eq!(got["pixels_equal"], true, "GDAL, nodata {nodata:?}");
        }
    }
}
