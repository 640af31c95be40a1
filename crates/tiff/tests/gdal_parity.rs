//! Parity with GDAL on the fixtures of `testdata/` (made by `testdata/make_fixtures.py`): every
//! fixture must open with the metadata GDAL reports and decode bit-identical to GDAL's
//! `ReadAsArray`, whole and through windows that cross block borders. Every failing fixture is
//! reported by name, with what GDAL read and what we read.

mod common;

use std::process::Command;

use common::{
    Fixture, check_all, checksum_le, first_difference, fixtures, fnv1a64, gdal_required, hex,
    odd_windows, read_le, sub_window,
};
use rastagg_raster::with_sample_type;
use rastagg_tiff::{ByteOrder, Interleave, Sample, SampleType, TiffFile, Window};
use serde_json::Value;

/// Compares one value and records a mismatch as "what: ours X, GDAL Y".
fn expect_eq<T: PartialEq + std::fmt::Debug>(
    problems: &mut Vec<String>,
    what: &str,
    ours: T,
    gdal: T,
) {
    if ours != gdal {
        problems.push(format!("{what}: ours {ours:?}, GDAL {gdal:?}"));
    }
}

/// An optional f64 from our reader against GDAL's bit pattern (hex in the JSON, null = none).
/// NaN matches NaN whatever its payload.
fn expect_bits(problems: &mut Vec<String>, what: &str, ours: Option<f64>, gdal: &Value) {
    let want = hex(gdal).map(f64::from_bits);
    let same = match (ours, want) {
        (Some(a), Some(b)) => a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
        (None, None) => true,
        _ => false,
    };
    if !same {
        problems.push(format!("{what}: ours {ours:?}, GDAL {want:?}"));
    }
}

/// Everything GDAL reports about the file, against `TiffFile::info`.
fn check_metadata(f: &Fixture, file: &TiffFile, problems: &mut Vec<String>) {
    let info = file.info();
    let j = &f.json;
    let (w, h, bands) = f.size();
    expect_eq(problems, "width", info.width, w);
    expect_eq(problems, "height", info.height, h);
    expect_eq(problems, "bands", info.bands, bands);
    expect_eq(problems, "type", info.sample_type, f.sample_type());
    let block = [&j["block"][0], &j["block"][1]].map(|v| v.as_u64().expect("block"));
    expect_eq(
        problems,
        "block size",
        [info.block_width, info.block_height],
        block,
    );
    expect_eq(
        problems,
        "compression",
        info.compression.gdal_name().unwrap_or("NONE"),
        j["compression"].as_str().expect("compression"),
    );
    expect_eq(
        problems,
        "predictor",
        u64::from(info.predictor.code()),
        j["predictor"].as_u64().expect("predictor"),
    );
    if bands > 1 {
        let ours = match info.interleave {
            Interleave::Pixel => "PIXEL",
            Interleave::Band => "BAND",
        };
        expect_eq(
            problems,
            "interleave",
            ours,
            j["interleave"].as_str().expect("interleave"),
        );
    }
    let order = match info.byte_order {
        ByteOrder::Little => "little",
        ByteOrder::Big => "big",
    };
    expect_eq(
        problems,
        "byte order",
        order,
        j["byte_order"].as_str().expect("byte_order"),
    );
    expect_eq(
        problems,
        "bigtiff",
        info.bigtiff,
        j["bigtiff"].as_bool().expect("bigtiff"),
    );
    let ours_gt = info.geo_transform.map(|g| g.0.map(f64::to_bits));
    let gdal_gt = j["geotransform_bits"].as_array().map(|a| {
        let v: Vec<u64> = a.iter().map(|x| hex(x).expect("bits")).collect();
        <[u64; 6]>::try_from(v).expect("6 terms")
    });
    if ours_gt != gdal_gt {
        problems.push(format!(
            "geotransform: ours {:?}, GDAL {}",
            info.geo_transform.map(|g| g.0),
            j["geotransform"]
        ));
    }
    expect_eq(
        problems,
        "epsg",
        info.epsg().map(u64::from),
        j["epsg"].as_u64(),
    );
    expect_bits(
        problems,
        "nodata",
        info.nodata.as_ref().map(|n| n.value),
        &j["nodata_bits"],
    );
    if let Some(n) = &info.nodata {
        problems.extend(
            (j["nodata"].is_null()).then(|| format!("nodata: ours {:?}, GDAL none", n.text)),
        );
    }
    for b in 0..bands {
        let meta = info.metadata.bands.get(b);
        let band = f.band(b);
        expect_bits(
            problems,
            &format!("band {b} scale"),
            meta.and_then(|m| m.scale),
            &band["scale_bits"],
        );
        expect_bits(
            problems,
            &format!("band {b} offset"),
            meta.and_then(|m| m.offset),
            &band["offset_bits"],
        );
        expect_eq(
            problems,
            &format!("band {b} unit type"),
            meta.and_then(|m| m.unit_type.as_deref()),
            band["unit_type"].as_str(),
        );
        expect_eq(
            problems,
            &format!("band {b} description"),
            meta.and_then(|m| m.description.as_deref()),
            band["description"].as_str(),
        );
    }
    expect_eq(
        problems,
        "overviews",
        info.overviews as u64,
        j["overviews"].as_u64().expect("overviews"),
    );
    expect_eq(
        problems,
        "mask",
        info.has_mask,
        j["has_mask"].as_bool().expect("has_mask"),
    );
}

/// Each block's stored bytes: as many as GDAL's BLOCK_SIZE_x_y, and empty exactly for the
/// sparse blocks (offset 0).
fn check_blocks(f: &Fixture, file: &TiffFile, problems: &mut Vec<String>) {
    let (_, _, bands) = f.size();
    for b in 0..bands {
        let Some(blocks) = f.band(b)["blocks"].as_array() else {
            continue;
        };
        let across = file.info().blocks_across();
        let down = file.info().blocks_down();
        if (across * down) as usize != blocks.len() {
            problems.push(format!(
                "band {b}: {across}x{down} blocks, GDAL has {}",
                blocks.len()
            ));
            continue;
        }
        for (i, range) in blocks.iter().enumerate() {
            let (offset, size) = (
                range[0].as_u64().expect("offset"),
                range[1].as_u64().expect("size"),
            );
            let want = if offset == 0 { 0 } else { size };
            match file.block_bytes(b, i as u64) {
                Ok(bytes) if bytes.len() as u64 == want => {}
                Ok(bytes) => problems.push(format!(
                    "band {b} block {i}: {} stored bytes, GDAL says {want} (offset {offset})",
                    bytes.len()
                )),
                Err(e) => problems.push(format!("band {b} block {i}: {e}")),
            }
        }
    }
}

/// Whole bands (bit for bit against GDAL's pixels or their hash), GDAL checksums, and odd
/// windows against the matching part of the whole band.
fn check_pixels(f: &Fixture, file: &TiffFile, problems: &mut Vec<String>) {
    let (w, h, bands) = f.size();
    let ty = f.sample_type();
    let size = ty.size();
    let band_len = (w * h) as usize * size;
    let stored = f.stored_pixels();
    if let Some(s) = stored.as_ref().filter(|s| s.len() != band_len * bands) {
        problems.push(format!(
            "stale .bin: {} bytes, expected {}",
            s.len(),
            band_len * bands
        ));
        return;
    }
    let info = file.info();
    for b in 0..bands {
        let jb = f.band(b);
        let ours = match read_le(file, b, Window::new(0, 0, w, h)) {
            Ok(v) => v,
            Err(e) => {
                problems.push(format!("band {b}: whole read failed: {e}"));
                continue;
            }
        };
        let want_hash = hex(&jb["fnv1a64"]).expect("fnv1a64");
        let gdal_band = stored
            .as_ref()
            .map(|s| &s[b * band_len..(b + 1) * band_len]);
        if let Some(g) = gdal_band {
            if fnv1a64(g) != want_hash {
                problems.push(format!("band {b}: stale .bin (hash differs from the JSON)"));
            }
            if ours != g {
                problems.push(format!(
                    "band {b} pixels: {}",
                    first_difference(&ours, g, size, w)
                ));
            }
        } else if fnv1a64(&ours) != want_hash {
            problems.push(format!(
                "band {b} pixels: hash {:016x}, GDAL's {want_hash:016x}",
                fnv1a64(&ours)
            ));
        }
        check_checksum(f, b, ty, &ours, problems);
        let reference = gdal_band.unwrap_or(&ours);
        check_decode_block(file, b, reference, problems);
        check_f64(file, b, reference, problems);
        for win in odd_windows(w, h, info.block_width, info.block_height) {
            match read_le(file, b, win) {
                Ok(got) => {
                    let want = sub_window(reference, w, size, win);
                    if got != want {
                        problems.push(format!(
                            "band {b} window {win:?}: {}",
                            first_difference(&got, &want, size, win.cols)
                        ));
                    }
                }
                Err(e) => problems.push(format!("band {b} window {win:?}: {e}")),
            }
        }
    }
}

/// `read_window_f64` of a whole band: every value as the typed read converted to f64, bit for
/// bit (NaN payloads aside).
fn check_f64(file: &TiffFile, b: usize, gdal_band: &[u8], problems: &mut Vec<String>) {
    let info = file.info();
    let want: Vec<f64> = with_sample_type!(info.sample_type, T => {
        common::from_le_bytes::<T>(gdal_band).into_iter().map(|v| v.to_f64()).collect()
    });
    match file.read_window_f64(b, Window::new(0, 0, info.width, info.height)) {
        Ok(got) => {
            let bad = got
                .iter()
                .zip(&want)
                .position(|(g, w)| g.to_bits() != w.to_bits() && !(g.is_nan() && w.is_nan()));
            if got.len() != want.len() || bad.is_some() {
                problems.push(format!(
                    "band {b} read_window_f64: {} values, first difference at {bad:?}",
                    got.len()
                ));
            }
        }
        Err(e) => problems.push(format!("band {b} read_window_f64: {e}")),
    }
}

/// Every block through `decode_block` (full block buffer, padding included): the part inside
/// the image must equal the matching part of GDAL's band (sparse blocks: nodata, or 0).
fn check_decode_block(file: &TiffFile, b: usize, gdal_band: &[u8], problems: &mut Vec<String>) {
    let info = file.info();
    let size = info.sample_type.size();
    let (bw, bh) = (info.block_width, info.block_height);
    for index in 0..info.blocks_across() * info.blocks_down() {
        let Some(win) = info.block_window(index) else {
            problems.push(format!("band {b}: no window for block {index}"));
            return;
        };
        let decoded = with_sample_type!(info.sample_type, T => {
            let mut out = vec![T::default(); (bw * bh) as usize];
            file.decode_block::<T>(b, index, &mut out).map(|()| common::to_le_bytes(&out))
        });
        match decoded {
            Ok(block) => {
                let got = sub_window(&block, bw, size, Window::new(0, 0, win.cols, win.rows));
                let want = sub_window(gdal_band, info.width, size, win);
                if got != want {
                    problems.push(format!(
                        "band {b} decode_block {index} ({win:?}): {}",
                        first_difference(&got, &want, size, win.cols)
                    ));
                }
            }
            Err(e) => problems.push(format!("band {b} decode_block {index}: {e}")),
        }
    }
}

/// Our GDAL checksum of a decoded band against GDAL's `band.Checksum()`. GDAL 3.6 reads Int8 as
/// Byte, so its checksum is of the unsigned view; the signed one GDAL computed on a copy.
fn check_checksum(f: &Fixture, b: usize, ty: SampleType, le: &[u8], problems: &mut Vec<String>) {
    let jb = f.band(b);
    let gdal = jb["checksum"].as_u64().expect("checksum");
    if ty == SampleType::I8 {
        let signed = jb["checksum_signed"].as_u64().expect("checksum_signed");
        expect_eq(
            problems,
            &format!("band {b} checksum (Int8)"),
            u64::from(checksum_le(ty, le)),
            signed,
        );
        expect_eq(
            problems,
            &format!("band {b} checksum (as Byte)"),
            u64::from(checksum_le(SampleType::U8, le)),
            gdal,
        );
    } else {
        expect_eq(
            problems,
            &format!("band {b} checksum"),
            u64::from(checksum_le(ty, le)),
            gdal,
        );
    }
}

fn check_fixture(f: &Fixture) -> Vec<String> {
    let mut problems = Vec::new();
    let file = match TiffFile::open(&f.tif) {
        Ok(file) => file,
        Err(e) => return vec![format!("open failed: {e}")],
    };
    check_metadata(f, &file, &mut problems);
    check_blocks(f, &file, &mut problems);
    check_pixels(f, &file, &mut problems);
    problems
}

#[test]
fn every_fixture_reads_as_gdal_reads_it() {
    let all = fixtures();
    check_all("GDAL parity", &all, |f| &f.name, check_fixture);
}

/// The same through `from_bytes` (no map): the in-memory path must agree with the mapped one.
#[test]
fn from_bytes_matches_open() {
    let all = fixtures();
    check_all(
        "from_bytes",
        &all,
        |f| &f.name,
        |f| {
            let bytes = std::fs::read(&f.tif).expect("read fixture");
            let (w, h, bands) = f.size();
            let mem = match TiffFile::from_bytes(&f.tif, bytes, Default::default()) {
                Ok(m) => m,
                Err(e) => return vec![format!("from_bytes failed: {e}")],
            };
            let mapped = match TiffFile::open(&f.tif) {
                Ok(m) => m,
                Err(e) => return vec![format!("open failed: {e}")],
            };
            let mut problems = Vec::new();
            for b in 0..bands {
                let whole = Window::new(0, 0, w, h);
                match (read_le(&mem, b, whole), read_le(&mapped, b, whole)) {
                    (Ok(x), Ok(y)) if x == y => {}
                    (x, y) => problems.push(format!(
                        "band {b}: from_bytes {:?} vs open {:?}",
                        x.map(|v| fnv1a64(&v)),
                        y.map(|v| fnv1a64(&v))
                    )),
                }
            }
            problems
        },
    );
}

/// GDAL itself, now: `gdalinfo -json -checksum` on every fixture must give the stored
/// checksums (catches fixtures that no longer match their JSON). Fails without GDAL when
/// RASTAGG_REQUIRE_GDAL=1, else skips.
#[test]
fn stored_checksums_match_live_gdal() {
    if Command::new("gdalinfo").arg("--version").output().is_err() {
        assert!(
            !gdal_required(),
            "GDAL (gdalinfo) missing but RASTAGG_REQUIRE_GDAL=1"
        );
        println!("skipped: GDAL missing");
        return;
    }
    let all = fixtures();
    check_all(
        "live GDAL checksums",
        &all,
        |f| &f.name,
        |f| {
            let out = match Command::new("gdalinfo")
                .args(["-json", "-checksum"])
                .arg(&f.tif)
                .output()
            {
                Ok(o) if o.status.success() => o.stdout,
                Ok(o) => {
                    return vec![format!(
                        "gdalinfo failed: {}",
                        String::from_utf8_lossy(&o.stderr)
                    )];
                }
                Err(e) => return vec![format!("gdalinfo: {e}")],
            };
            let info: Value = match serde_json::from_slice(&out) {
                Ok(v) => v,
                Err(e) => return vec![format!("gdalinfo JSON: {e}")],
            };
            let mut problems = Vec::new();
            let bands = info["bands"].as_array().cloned().unwrap_or_default();
            expect_eq(&mut problems, "band count", bands.len(), f.size().2);
            for (b, band) in bands.iter().enumerate() {
                let jb = f.band(b);
                // GDAL >= 3.7 has a real Int8 type and checksums the signed values.
                let key = if band["type"] == "Int8" {
                    "checksum_signed"
                } else {
                    "checksum"
                };
                expect_eq(
                    &mut problems,
                    &format!("band {b} checksum"),
                    band["checksum"].as_u64(),
                    jb[key].as_u64(),
                );
            }
            problems
        },
    );
}
