//! Shared helpers of the reader's integration tests: the GDAL-made fixtures of `testdata/`
//! (see `testdata/make_fixtures.py`), type dispatch, pixel comparison and failure collection.
//!
//! Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use rastagg_raster::{Sample, SampleType, Window, gdal_checksum, with_sample_type};
use rastagg_tiff::TiffFile;
use serde_json::Value;

/// The workspace root (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("..")
}

/// `testdata/` of the workspace.
pub fn testdata_dir() -> PathBuf {
    workspace_root().join("testdata")
}

/// The third-party GeoTIFFs: `shared/testdata/real`, beside the workspace (CI puts `shared/`
/// next to the clone).
pub fn real_dir() -> PathBuf {
    workspace_root()
        .join("..")
        .join("shared")
        .join("testdata")
        .join("real")
}

/// Reads and parses a JSON file, panicking with its path on failure (test setup only).
pub fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("bad JSON {}: {e}", path.display()))
}

/// One GDAL-made fixture: `testdata/<name>.tif` and what GDAL read from it (`<name>.json`).
pub struct Fixture {
    /// The file stem, e.g. `f32_lzw_p2_strip7`.
    pub name: String,
    /// `testdata/<name>.tif`.
    pub tif: PathBuf,
    /// The parsed `<name>.json`.
    pub json: Value,
}

/// Every fixture: each `testdata/*.json` but `real-expected.json`, sorted by name. Panics if
/// there is none or a JSON names no existing file (a broken fixture set must not pass).
pub fn fixtures() -> Vec<Fixture> {
    let dir = testdata_dir();
    let mut out = Vec::new();
    let entries =
        std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some(stem) = name.strip_suffix(".json") else {
            continue;
        };
        if stem == "real-expected" {
            continue;
        }
        let json = read_json(&path);
        let file = json["file"]
            .as_str()
            .unwrap_or_else(|| panic!("{name}: no \"file\""));
        let tif = dir.join(file);
        assert!(tif.exists(), "{name}: {} missing", tif.display());
        out.push(Fixture {
            name: stem.to_string(),
            tif,
            json,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    assert!(
        out.len() >= 100,
        "only {} fixtures in {}",
        out.len(),
        dir.display()
    );
    out
}

impl Fixture {
    /// Width, height and band count as GDAL reads them.
    pub fn size(&self) -> (u64, u64, usize) {
        (
            self.json["width"].as_u64().expect("width"),
            self.json["height"].as_u64().expect("height"),
            self.json["bands"].as_u64().expect("bands") as usize,
        )
    }

    /// The sample type (our name; GDAL 3.6 calls Int8 "Byte" + PIXELTYPE=SIGNEDBYTE).
    pub fn sample_type(&self) -> SampleType {
        let t = self.json["type"].as_str().expect("type");
        SampleType::from_gdal_name(t).unwrap_or_else(|| panic!("{}: unknown type {t}", self.name))
    }

    /// The JSON entry of band `b` (0-based).
    pub fn band(&self, b: usize) -> &Value {
        &self.json["band_info"][b]
    }

    /// Every band's pixels as GDAL read them (little-endian bytes, band after band), from the
    /// `.bin` file, or `None` when only their hash was stored.
    pub fn stored_pixels(&self) -> Option<Vec<u8>> {
        let bin = self.json["pixels"].as_str()?;
        let path = testdata_dir().join(bin);
        Some(std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
    }
}

/// FNV-1a 64 of bytes (the hash `make_fixtures.py` stores per band).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A hex string from the JSON (bit patterns, hashes) as u64; `None` for null.
pub fn hex(v: &Value) -> Option<u64> {
    v.as_str()
        .map(|s| u64::from_str_radix(s, 16).unwrap_or_else(|e| panic!("bad hex {s}: {e}")))
}

/// Samples as little-endian bytes (so they compare bit for bit with the `.bin` files, NaN
/// payloads and signed zeros included).
pub fn to_le_bytes<T: Sample>(values: &[T]) -> Vec<u8> {
    let mut out = Vec::with_capacity(values.len() * T::SIZE);
    for &v in values {
        v.extend_ne_bytes(&mut out);
    }
    if cfg!(target_endian = "big") {
        out.chunks_mut(T::SIZE).for_each(<[u8]>::reverse);
    }
    out
}

/// Little-endian bytes back to samples.
pub fn from_le_bytes<T: Sample>(bytes: &[u8]) -> Vec<T> {
    bytes
        .chunks_exact(T::SIZE)
        .map(|c| T::from_le_slice(c).expect("chunk of SIZE bytes"))
        .collect()
}

/// Reads `window` of `band` with our reader, in the file's own sample type, as little-endian
/// bytes.
pub fn read_le(file: &TiffFile, band: usize, window: Window) -> rastagg_tiff::Result<Vec<u8>> {
    with_sample_type!(file.info().sample_type, T => {
        file.read_window::<T>(band, window).map(|v| to_le_bytes(&v))
    })
}

/// GDAL's checksum of a band given as little-endian bytes of type `ty`.
pub fn checksum_le(ty: SampleType, bytes: &[u8]) -> u32 {
    with_sample_type!(ty, T => gdal_checksum(&from_le_bytes::<T>(bytes)))
}

/// Rows `window` of a `width`-wide band of `size`-byte samples, cut from `band` (row-major).
pub fn sub_window(band: &[u8], width: u64, size: usize, window: Window) -> Vec<u8> {
    let mut out = Vec::new();
    for row in window.y..window.y + window.rows {
        let start = ((row * width + window.x) as usize) * size;
        out.extend_from_slice(&band[start..start + window.cols as usize * size]);
    }
    out
}

/// The first sample where two little-endian buffers differ, described for a failure message:
/// index, (col, row) in a `cols`-wide window, and both raw values in hex.
pub fn first_difference(got: &[u8], want: &[u8], size: usize, cols: u64) -> String {
    if got.len() != want.len() {
        return format!("{} bytes read, {} expected", got.len(), want.len());
    }
    let diffs = got
        .chunks(size)
        .zip(want.chunks(size))
        .filter(|(a, b)| a != b)
        .count();
    match got
        .chunks(size)
        .zip(want.chunks(size))
        .position(|(a, b)| a != b)
    {
        None => "identical".to_string(),
        Some(i) => {
            let hexs = |c: &[u8]| {
                c.iter()
                    .rev()
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>()
            };
            format!(
                "{diffs} samples differ; first at sample {i} (col {}, row {}): ours 0x{} GDAL 0x{}",
                i as u64 % cols.max(1),
                i as u64 / cols.max(1),
                hexs(&got[i * size..(i + 1) * size]),
                hexs(&want[i * size..(i + 1) * size]),
            )
        }
    }
}

/// A few windows of a `w × h` band with `bw × bh` blocks that cross block borders, touch the
/// last row and column, or hold one pixel.
pub fn odd_windows(w: u64, h: u64, bw: u64, bh: u64) -> Vec<Window> {
    let clip = |x: u64, y: u64, cols: u64, rows: u64| {
        let x = x.min(w - 1);
        let y = y.min(h - 1);
        Window::new(x, y, cols.min(w - x).max(1), rows.min(h - y).max(1))
    };
    let mut out = vec![
        clip(bw.saturating_sub(2), bh.saturating_sub(1), 5, 3),
        clip(bw / 2, bh / 2, bw + 3, bh + 2),
        clip(0, h - 1, w, 1),
        clip(w - 1, 0, 1, h),
        clip(w - 1, h - 1, 1, 1),
        clip(1, 1, w.saturating_sub(2), h.saturating_sub(2)),
        clip(bw.saturating_sub(1), 0, 2, h),
    ];
    out.dedup();
    out
}

/// True when the environment says GDAL-dependent tests must run (CI).
pub fn gdal_required() -> bool {
    std::env::var("RASTAGG_REQUIRE_GDAL").is_ok_and(|v| v == "1")
}

/// Runs `check` on every item, catching panics, and fails once at the end listing every item
/// that failed (by name) with its problems, instead of stopping at the first.
pub fn check_all<I>(
    what: &str,
    items: &[I],
    name: impl Fn(&I) -> &str,
    check: impl Fn(&I) -> Vec<String>,
) {
    let mut failures = Vec::new();
    for item in items {
        let problems = match catch_unwind(AssertUnwindSafe(|| check(item))) {
            Ok(p) => p,
            Err(panic) => vec![format!("PANIC: {}", panic_message(&panic))],
        };
        if !problems.is_empty() {
            failures.push(format!("{}:\n    {}", name(item), problems.join("\n    ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{what}: {} of {} failed:\n{}",
        failures.len(),
        items.len(),
        failures.join("\n")
    );
    println!("{what}: all {} passed", items.len());
}

/// The message of a caught panic.
pub fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "(non-string panic)".to_string())
}
