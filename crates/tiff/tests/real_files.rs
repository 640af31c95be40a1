//! Third-party GeoTIFFs (`shared/testdata/real`, from rasterio's test data): each one either
//! decodes exactly as GDAL decodes it (`testdata/real-expected.json`, written by
//! `testdata/make_fixtures.py`: metadata, per-band GDAL checksums and pixel hashes) or is
//! refused with a clear error: JPEG files with "unsupported compression", files GDAL cannot
//! decode (corrupt.tif) with any error — never a panic.

mod common;

use common::{check_all, checksum_le, fnv1a64, hex, read_json, read_le, real_dir, testdata_dir};
use rastagg_tiff::{SampleType, TiffFile, Window};
use serde_json::Value;

/// Opens `path` and reads every band whole; the first error met, as its one-line message.
fn open_and_read_all(path: &std::path::Path) -> Result<(), String> {
    let file = TiffFile::open(path).map_err(|e| e.to_string())?;
    let info = file.info();
    for b in 0..info.bands {
        read_le(&file, b, Window::new(0, 0, info.width, info.height)).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Records "what: ours X, GDAL Y" when the two renderings differ.
fn same(problems: &mut Vec<String>, what: &str, ours: String, gdal: String) {
    if ours != gdal {
        problems.push(format!("{what}: ours {ours}, GDAL {gdal}"));
    }
}

/// A file GDAL decodes and we must decode identically.
fn check_identical(path: &std::path::Path, want: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let file = match TiffFile::open(path) {
        Ok(f) => f,
        Err(e) => return vec![format!("open failed: {e}")],
    };
    let info = file.info();
    let ty = SampleType::from_gdal_name(want["type"].as_str().unwrap_or_default());
    same(
        &mut problems,
        "width",
        info.width.to_string(),
        want["width"].to_string(),
    );
    same(
        &mut problems,
        "height",
        info.height.to_string(),
        want["height"].to_string(),
    );
    same(
        &mut problems,
        "bands",
        info.bands.to_string(),
        want["bands"].to_string(),
    );
    same(
        &mut problems,
        "type",
        format!("{:?}", Some(info.sample_type)),
        format!("{ty:?}"),
    );
    same(
        &mut problems,
        "block size",
        format!("[{},{}]", info.block_width, info.block_height),
        want["block"].to_string(),
    );
    same(
        &mut problems,
        "compression",
        info.compression.gdal_name().unwrap_or("NONE").to_string(),
        want["compression"].as_str().unwrap_or_default().to_string(),
    );
    same(
        &mut problems,
        "geotransform",
        format!("{:?}", info.geo_transform.map(|g| g.0.map(f64::to_bits))),
        format!(
            "{:?}",
            want["geotransform_bits"].as_array().map(|a| {
                let bits: Vec<u64> = a.iter().filter_map(hex).collect();
                <[u64; 6]>::try_from(bits).unwrap_or_default()
            })
        ),
    );
    let nodata = info.nodata.as_ref().map(|n| n.value);
    let gdal_nodata = hex(&want["nodata_bits"]).map(f64::from_bits);
    let nodata_same = match (nodata, gdal_nodata) {
        (Some(a), Some(b)) => a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
        (a, b) => a.is_none() && b.is_none(),
    };
    if !nodata_same {
        problems.push(format!("nodata: ours {nodata:?}, GDAL {gdal_nodata:?}"));
    }
    same(
        &mut problems,
        "epsg",
        format!("{:?}", info.epsg()),
        format!("{:?}", want["epsg"].as_u64()),
    );
    same(
        &mut problems,
        "overviews",
        info.overviews.to_string(),
        want["overviews"].to_string(),
    );
    same(
        &mut problems,
        "mask",
        info.has_mask.to_string(),
        want["has_mask"].to_string(),
    );
    for b in 0..info.bands {
        let jb = &want["band_info"][b];
        match read_le(&file, b, Window::new(0, 0, info.width, info.height)) {
            Ok(px) => {
                same(
                    &mut problems,
                    &format!("band {b} checksum"),
                    checksum_le(info.sample_type, &px).to_string(),
                    jb["checksum"].to_string(),
                );
                same(
                    &mut problems,
                    &format!("band {b} pixel hash"),
                    format!("{:016x}", fnv1a64(&px)),
                    format!("{:016x}", hex(&jb["fnv1a64"]).unwrap_or_default()),
                );
            }
            Err(e) => problems.push(format!("band {b}: read failed: {e}")),
        }
    }
    problems
}

#[test]
fn real_files_read_as_gdal_or_are_refused() {
    let dir = real_dir();
    assert!(
        dir.is_dir(),
        "{} missing: the third-party test files live in shared/testdata/real beside the workspace",
        dir.display()
    );
    let expected = read_json(&testdata_dir().join("real-expected.json"));
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("list real files")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "tif"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 15,
        "only {} files in {}",
        files.len(),
        dir.display()
    );
    let name = |p: &std::path::PathBuf| {
        p.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_string()
    };
    let names: Vec<String> = files.iter().map(name).collect();
    check_all(
        "real files",
        &names,
        |n| n,
        |n| {
            let path = dir.join(n);
            let want = &expected["files"][n.as_str()];
            if want.is_null() {
                return vec!["not in real-expected.json: rerun testdata/make_fixtures.py".into()];
            }
            if let Some(gdal_error) = want["gdal_error"].as_str() {
                // GDAL cannot decode it either: we must refuse it (at open or while reading).
                return match open_and_read_all(&path) {
                    Err(_) => Vec::new(),
                    Ok(()) => vec![format!("read without error, GDAL says: {gdal_error}")],
                };
            }
            if want["compression"]
                .as_str()
                .is_some_and(|c| c.contains("JPEG"))
            {
                return match open_and_read_all(&path) {
                    Err(e) if e.contains("unsupported compression") => Vec::new(),
                    Err(e) => vec![format!(
                        "refused, but not as an unsupported compression: {e}"
                    )],
                    Ok(()) => vec!["JPEG file read without error".into()],
                };
            }
            check_identical(&path, want)
        },
    );
}

/// GDAL itself, now: its checksums of the real files must still be the stored ones (catches a
/// stale `real-expected.json`). Fails without GDAL when RASTAGG_REQUIRE_GDAL=1, else skips.
#[test]
fn real_expected_matches_live_gdal() {
    if std::process::Command::new("gdalinfo")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(
            !common::gdal_required(),
            "GDAL (gdalinfo) missing but RASTAGG_REQUIRE_GDAL=1"
        );
        println!("skipped: GDAL missing");
        return;
    }
    let dir = real_dir();
    let expected = read_json(&testdata_dir().join("real-expected.json"));
    let files: Vec<(String, Value)> = expected["files"]
        .as_object()
        .expect("files")
        .iter()
        .filter(|(_, v)| v["gdal_error"].is_null())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    check_all(
        "real files, live GDAL",
        &files,
        |(n, _)| n,
        |(n, want)| {
            let out = std::process::Command::new("gdalinfo")
                .args(["-json", "-checksum"])
                .arg(dir.join(n))
                .output();
            let info: Value = match out {
                Ok(o) if o.status.success() => {
                    serde_json::from_slice(&o.stdout).unwrap_or(Value::Null)
                }
                Ok(o) => return vec![format!("gdalinfo: {}", String::from_utf8_lossy(&o.stderr))],
                Err(e) => return vec![format!("gdalinfo: {e}")],
            };
            let live: Vec<Option<u64>> = info["bands"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|b| b["checksum"].as_u64())
                .collect();
            let stored: Vec<Option<u64>> = want["band_info"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|b| b["checksum"].as_u64())
                .collect();
            if live == stored {
                Vec::new()
            } else {
                vec![format!("checksums: gdalinfo {live:?}, stored {stored:?}")]
            }
        },
    );
}
