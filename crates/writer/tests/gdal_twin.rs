//! GDAL reads our output exactly as it reads what GDAL itself writes for the same array:
//! for real and fixture GeoTIFFs (CRS copied as GeoKeys, geotransform and nodata from
//! rastagg-tiff), our file and a GDAL-written twin give the same pixels, checksum,
//! geotransform and nodata (down to the GDAL_NODATA text), and the same CRS (GDAL's
//! `IsSame`; the WKT of ours is exactly the source's, since its GeoKeys are copied verbatim,
//! where GDAL's twin re-encodes the CRS and may word it differently). Also: our deflate output is at
//! most 10% larger than GDAL's for the same array and options.

mod common;

use std::path::{Path, PathBuf};

use common::{TestDir, from_le, gdal, gdal_available};
use rastagg_raster::{Sample, SampleType};
use rastagg_tiff::TiffFile;
use rastagg_writer::{Compression, GeoTiffWriter, Options};
use serde_json::{Value, json};

/// Single-band fixtures of the repository and real third-party files (../shared, beside the
/// clone) with CRSs, PixelIsPoint, rotation, south-up and awkward nodata values.
fn sources() -> Vec<PathBuf> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let testdata = manifest.join("../../testdata");
    let mut v: Vec<PathBuf> = [
        "LST_Day.2015.01.Mean.1km.Data.tif",
        "f32_deflate_p2_tile16_utm.tif",
        "f32_deflate_tile16_point.tif",
        "i16_none_strip7_point_utm.tif",
        "u8_packbits_strip7_rotated.tif",
        "f32_lzw_tile16_southup.tif",
        "f32_lzw_strip7_nodata_f32min.tif",
        "f32_none_strip7_nodata_0p1.tif",
        "f64_lzw_strip7_nodata_nan.tif",
        "i8_deflate_strip7_nodata_m128.tif",
        "i32_lzw_strip7_nodata_9999.tif",
        "u16_none_strip7_nogeo.tif",
        "f32_deflate_tile16_1km.tif",
    ]
    .iter()
    .map(|n| testdata.join(n))
    .collect();
    let real = manifest.join("../../../shared/testdata/real");
    if real.is_dir() {
        for n in [
            "byte.tif",
            "world.byte.tif",
            "shade.tif",
            "test_esri_wkt.tif",
            "rotated.tif",
            "float_raster_with_nodata.tif",
            "float_nan.tif",
        ] {
            v.push(real.join(n));
        }
    } else {
        eprintln!("note: {} not found; real files not checked", real.display());
    }
    v
}

/// Writes `raw` (little-endian samples of `T`) as our GeoTIFF with `src`'s georeferencing.
fn write_like<T: Sample>(out: &Path, src: &TiffFile, raw: &[u8]) {
    let info = src.info();
    let mut o = Options::new(info.width, info.height, T::TYPE);
    o.geo_transform = info.geo_transform;
    o.geo_keys = info.geo_keys.clone();
    o.nodata = info.nodata.as_ref().map(|n| n.value);
    let w = GeoTiffWriter::create(out, o).expect("create");
    w.write_rows(0, &from_le::<T>(raw)).expect("rows");
    w.finish().expect("finish");
}

macro_rules! by_type {
    ($st:expr, $f:ident ( $($arg:expr),* )) => {
        match $st {
            SampleType::U8 => $f::<u8>($($arg),*),
            SampleType::I8 => $f::<i8>($($arg),*),
            SampleType::U16 => $f::<u16>($($arg),*),
            SampleType::I16 => $f::<i16>($($arg),*),
            SampleType::U32 => $f::<u32>($($arg),*),
            SampleType::I32 => $f::<i32>($($arg),*),
            SampleType::U64 => $f::<u64>($($arg),*),
            SampleType::I64 => $f::<i64>($($arg),*),
            SampleType::F32 => $f::<f32>($($arg),*),
            SampleType::F64 => $f::<f64>($($arg),*),
        }
    };
}

#[test]
fn georeferencing_matches_a_gdal_twin() {
    if !gdal_available() {
        return;
    }
    let dir = TestDir::new("twin");
    let mut files = Vec::new();
    for (i, src_path) in sources().iter().enumerate() {
        let raw = dir.path(&format!("{i}.raw"));
        let desc = gdal(json!({"op": "dump", "src": src_path, "raw": raw}));
        let src = TiffFile::open(src_path).expect("rastagg-tiff opens the source");
        let ours = dir.path(&format!("{i}.ours.tif"));
        let bytes = std::fs::read(&raw).expect("raw");
        by_type!(src.info().sample_type, write_like(&ours, &src, &bytes));
        let twin = dir.path(&format!("{i}.gdal.tif"));
        gdal(json!({
            "op": "twin", "raw": raw, "out": twin, "like": src_path,
            "width": desc["width"], "height": desc["height"], "type": desc["type"],
            "nodata": src.info().nodata.as_ref().map(|n| n.value.to_string()),
            "co": ["TILED=YES", "COMPRESS=DEFLATE"],
        }));
        files.push((src_path.clone(), ours, twin, raw, desc["wkt"].clone()));
    }
    let pairs: Vec<Value> = files
        .iter()
        .flat_map(|(_, o, t, r, _)| [json!([o, r]), json!([t, r])])
        .collect();
    let answer = gdal(json!({"op": "check", "files": pairs}));
    let answer = answer.as_array().expect("list");
    let same: Vec<_> = files.iter().map(|(_, o, t, _, _)| json!([o, t])).collect();
    let same = gdal(json!({"op": "same_srs", "pairs": same}));
    for (((src, ours, twin, _, src_wkt), got), same) in files
        .iter()
        .zip(answer.chunks(2))
        .zip(same.as_array().expect("list"))
    {
        let name = src.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let (o, t) = (&got[0], &got[1]);
        assert_eq!(o["pixels_equal"], true, "{name}: pixels");
        assert_eq!(t["pixels_equal"], true, "{name}: twin pixels");
        assert_eq!(&o["wkt"], src_wkt, "{name}: CRS not the source's");
        assert_eq!(
            same, true,
            "{name}: GDAL finds the CRS different from its twin's"
        );
        for key in ["width", "height", "type", "gt", "nodata", "checksum"] {
            assert_eq!(o[key], t[key], "{name}: {key} differs from GDAL's twin");
        }
        let text = |p: &Path| {
            TiffFile::open(p)
                .expect("open")
                .info()
                .nodata
                .as_ref()
                .map(|n| n.text.clone())
        };
        assert_eq!(text(ours), text(twin), "{name}: GDAL_NODATA text");
    }
}

/// Writes `data` with our writer and GDAL (same options), returns (ours, GDAL's) sizes.
fn sizes<T: Sample>(
    dir: &TestDir,
    name: &str,
    w: u64,
    h: u64,
    data: &[T],
    c: Compression,
    co: &[&str],
) -> (u64, u64) {
    let ours = dir.path(&format!("{name}.ours.tif"));
    let mut o = Options::new(w, h, T::TYPE);
    o.compression = c;
    let writer = GeoTiffWriter::create(&ours, o).expect("create");
    writer.write_rows(0, data).expect("rows");
    writer.finish().expect("finish");
    let raw = dir.path(&format!("{name}.raw"));
    std::fs::write(&raw, common::le_bytes(data)).expect("raw");
    let twin = dir.path(&format!("{name}.gdal.tif"));
    let mut options = vec!["TILED=YES"];
    options.extend_from_slice(co);
    gdal(
        json!({"op": "twin", "raw": raw, "out": twin, "width": w, "height": h,
                "type": T::TYPE.gdal_name(), "co": options}),
    );
    let size = |p: &Path| std::fs::metadata(p).expect("size").len();
    (size(&ours), size(&twin))
}

#[test]
fn deflate_size_close_to_gdal() {
    if !gdal_available() {
        return;
    }
    let dir = TestDir::new("size");
    // A real 1 km covariate and a synthetic smooth field with noise.
    let lst = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/LST_Day.2015.01.Mean.1km.Data.tif");
    let raw = dir.path("lst.raw");
    let desc = gdal(json!({"op": "dump", "src": lst, "raw": raw}));
    let (lw, lh) = (
        desc["width"].as_u64().unwrap_or(0),
        desc["height"].as_u64().unwrap_or(0),
    );
    let lst_data: Vec<f32> = from_le(&std::fs::read(&raw).expect("raw"));
    let field: Vec<f32> = (0..1024u64 * 1024)
        .map(|i| {
            let (x, y) = ((i % 1024) as f32, (i / 1024) as f32);
            250.0
                + 20.0 * (x / 97.0).sin() * (y / 53.0).cos()
                + ((i * 2654435761) % 1000) as f32 / 1000.0
        })
        .collect();
    let ints: Vec<i16> = field.iter().map(|&v| (v * 10.0) as i16).collect();
    let deflate = Compression::Deflate { level: 6 };
    let cases = [
        (
            "LST f32 deflate p3",
            sizes(
                &dir,
                "lst",
                lw,
                lh,
                &lst_data,
                deflate,
                &["COMPRESS=DEFLATE", "PREDICTOR=3"],
            ),
            true,
        ),
        (
            "field f32 deflate p3",
            sizes(
                &dir,
                "f32",
                1024,
                1024,
                &field,
                deflate,
                &["COMPRESS=DEFLATE", "PREDICTOR=3"],
            ),
            true,
        ),
        (
            "field i16 deflate p2",
            sizes(
                &dir,
                "i16",
                1024,
                1024,
                &ints,
                deflate,
                &["COMPRESS=DEFLATE", "PREDICTOR=2"],
            ),
            true,
        ),
        (
            "field f32 lzw p3",
            sizes(
                &dir,
                "lzw",
                1024,
                1024,
                &field,
                Compression::Lzw,
                &["COMPRESS=LZW", "PREDICTOR=3"],
            ),
            false,
        ),
        (
            "field f32 zstd p3 (ours level 1, GDAL 9)",
            sizes(
                &dir,
                "zstd",
                1024,
                1024,
                &field,
                Compression::Zstd { level: 1 },
                &["COMPRESS=ZSTD", "PREDICTOR=3"],
            ),
            false,
        ),
    ];
    for (what, (ours, theirs), _) in &cases {
        println!(
            "{what}: ours {ours} bytes, GDAL {theirs} bytes, ratio {:.4}",
            *ours as f64 / *theirs as f64
        );
    }
    for (what, (ours, theirs), bound) in cases {
        if bound {
            assert!(
                ours as f64 <= theirs as f64 * 1.10,
                "{what}: {ours} > 1.10 × {theirs}"
            );
        }
    }
}
