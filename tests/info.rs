//! `rastagg info` end to end: for every GDAL-made fixture in `testdata/`, the binary's JSON
//! reports what GDAL read when it made the fixture (size, type, block, compression, nodata,
//! EPSG) and `--checksum` equals GDAL's checksum; for the VRT fixtures, it equals a live
//! `gdalinfo -json -checksum`.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

/// `rastagg info --json --checksum FILE`, parsed.
fn info(file: &Path) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_rastagg"))
        .args(["info", "--json", "--checksum"])
        .arg(file)
        .output()
        .expect("run rastagg");
    assert!(
        out.status.success(),
        "rastagg info {}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// Every fixture's `.json` (written by `make_fixtures.py` from GDAL's own reads).
fn fixtures() -> Vec<(PathBuf, Value)> {
    let mut out: Vec<_> = std::fs::read_dir(testdata())
        .expect("testdata")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .filter_map(|p| {
            let meta: Value = serde_json::from_slice(&std::fs::read(&p).ok()?).ok()?;
            let tif = p.with_extension("tif");
            (tif.exists() && meta.get("band_info").is_some()).then_some((tif, meta))
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn info_reports_what_gdal_read_for_every_fixture() {
    let fixtures = fixtures();
    assert!(fixtures.len() > 100, "only {} fixtures", fixtures.len());
    let mut failures = Vec::new();
    for (tif, meta) in &fixtures {
        let got = info(tif);
        let mut check = |what: &str, ours: &Value, gdal: &Value| {
            if ours != gdal {
                failures.push(format!(
                    "{}: {what}: ours {ours}, GDAL {gdal}",
                    tif.display()
                ));
            }
        };
        check("width", &got["width"], &meta["width"]);
        check("height", &got["height"], &meta["height"]);
        check(
            "bands",
            &got["bands"].as_array().map(|b| b.len()).into(),
            &meta["bands"],
        );
        check("epsg", &got["epsg"], &meta["epsg"]);
        check("block", &got["block"], &meta["block"]);
        let compression = meta["compression"].as_str().unwrap_or("NONE");
        check("compression", &got["compression"], &compression.into());
        for (b, band) in meta["band_info"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let ours = &got["bands"][b];
            check("type", &ours["type"], &meta["type"]);
            // GDAL 3.6 checksums Int8 as unsigned bytes; we checksum the signed values, as
            // GDAL ≥ 3.7 does (the fixture records both).
            let gdal = band.get("checksum_signed").unwrap_or(&band["checksum"]);
            check(&format!("band {} checksum", b + 1), &ours["checksum"], gdal);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn info_on_vrts_matches_gdalinfo() {
    let gdal = Command::new("gdalinfo").arg("--version").output();
    if gdal.is_err() {
        assert!(
            std::env::var_os("RASTAGG_REQUIRE_GDAL").is_none(),
            "GDAL is required (RASTAGG_REQUIRE_GDAL is set) but gdalinfo cannot run"
        );
        eprintln!("skipped: GDAL missing");
        return;
    }
    let dir = testdata().join("vrt");
    let vrts = [
        "mosaic.vrt",
        "bands.vrt",
        "overlap.vrt",
        "scaled.vrt",
        "nested.vrt",
    ];
    for name in vrts {
        let path = dir.join(name);
        let ours = info(&path);
        let out = Command::new("gdalinfo")
            .args(["-json", "-checksum"])
            .arg(&path)
            .output()
            .expect("gdalinfo");
        let gdal: Value = serde_json::from_slice(&out.stdout).expect("gdalinfo JSON");
        assert_eq!(ours["driver"], "VRT", "{name}");
        assert_eq!(
            [&ours["width"], &ours["height"]],
            [&gdal["size"][0], &gdal["size"][1]],
            "{name}"
        );
        for (b, band) in gdal["bands"].as_array().into_iter().flatten().enumerate() {
            assert_eq!(ours["bands"][b]["type"], band["type"], "{name} band {b}");
            assert_eq!(
                ours["bands"][b]["checksum"], band["checksum"],
                "{name} band {b}"
            );
        }
        assert!(ours["sources"].as_u64().is_some_and(|n| n >= 1), "{name}");
    }
}

#[test]
fn info_refuses_unreadable_files_with_their_name() {
    let out = Command::new(env!("CARGO_BIN_EXE_rastagg"))
        .args(["info", "/nonexistent/x.tif"])
        .output()
        .expect("run rastagg");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/nonexistent/x.tif"), "{err}");
}
