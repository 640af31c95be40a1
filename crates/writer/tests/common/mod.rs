//! Shared test helpers: scratch folders, GDAL (through /usr/bin/python3 and gdal_check.py)
//! and sample conversions.
#![allow(dead_code)] // each test binary uses a different subset

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use rastagg_raster::Sample;
use serde_json::Value;

/// A scratch folder removed when dropped.
pub struct TestDir(pub PathBuf);

impl TestDir {
    pub fn new(name: &str) -> TestDir {
        let dir =
            std::env::temp_dir().join(format!("rastagg-writer-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create test dir");
        TestDir(dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// Names of the files in the folder, sorted.
    pub fn entries(&self) -> Vec<String> {
        list(&self.0)
    }
}

impl Drop for TestDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Sorted file names in `dir`.
pub fn list(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|r| {
            r.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

const PYTHON: &str = "/usr/bin/python3";

/// True when GDAL's Python bindings are usable. When they are not: panics if
/// RASTAGG_REQUIRE_GDAL=1 (CI), else prints why the test is skipped.
pub fn gdal_available() -> bool {
    let ok = Command::new(PYTHON)
        .args(["-c", "import osgeo.gdal, numpy"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        if std::env::var("RASTAGG_REQUIRE_GDAL").as_deref() == Ok("1") {
            panic!("GDAL (python3-gdal, numpy for {PYTHON}) is required: RASTAGG_REQUIRE_GDAL=1");
        }
        eprintln!("skipped: GDAL's Python bindings are not available for {PYTHON}");
    }
    ok
}

/// Runs one gdal_check.py request and returns its JSON answer.
pub fn gdal(request: Value) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/gdal_check.py");
    let mut child = Command::new(PYTHON)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run gdal_check.py");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(request.to_string().as_bytes())
        .expect("write request");
    let out = child.wait_with_output().expect("gdal_check.py output");
    assert!(
        out.status.success(),
        "gdal_check.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("gdal_check.py JSON")
}

/// Little-endian bytes of samples (the layout gdal_check.py reads).
pub fn le_bytes<T: Sample>(v: &[T]) -> Vec<u8> {
    let mut out = Vec::with_capacity(v.len() * T::SIZE);
    for &s in v {
        let start = out.len();
        s.extend_ne_bytes(&mut out);
        if cfg!(target_endian = "big") {
            out[start..].reverse();
        }
    }
    out
}

/// Samples from little-endian bytes.
pub fn from_le<T: Sample>(b: &[u8]) -> Vec<T> {
    b.chunks_exact(T::SIZE)
        .map(|c| T::from_le_slice(c).expect("sample"))
        .collect()
}

/// Deterministic pseudo-random numbers (xorshift64*).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Test samples of any type: a smooth field (what compresses like real rasters) with 10% of
/// pixels random over the type's range; floats also get NaN, ±inf and -0.0.
pub fn sample_data<T: Sample>(width: u64, height: u64, seed: u64) -> Vec<T> {
    use rastagg_raster::SampleType as S;
    let (lo, hi) = match T::TYPE {
        S::U8 => (0.0, 255.0),
        S::I8 => (-128.0, 127.0),
        S::U16 => (0.0, 65535.0),
        S::I16 => (-32768.0, 32767.0),
        S::U32 => (0.0, 4294967295.0),
        S::I32 => (-2147483648.0, 2147483647.0),
        S::U64 => (0.0, 2f64.powi(63)),
        S::I64 => (-(2f64.powi(62)), 2f64.powi(62)),
        S::F32 => (-1e6, 1e6),
        S::F64 => (-1e12, 1e12),
    };
    let mut rng = Rng(seed | 1);
    (0..width * height)
        .map(|i| {
            let (x, y) = ((i % width) as f64, (i / width) as f64);
            let r = rng.unit();
            let v = if r < 0.1 {
                lo + (hi - lo) * rng.unit()
            } else if T::TYPE.is_float() && r < 0.11 {
                [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0][(rng.next() % 4) as usize]
            } else {
                lo + (hi - lo) * (0.5 + 0.4 * (x / 7.0).sin() * (y / 5.0).cos())
            };
            T::cast_from_f64(v)
        })
        .collect()
}

/// A decoded `tiff` crate image as little-endian bytes.
pub fn decoding_bytes(d: tiff::decoder::DecodingResult) -> Vec<u8> {
    use tiff::decoder::DecodingResult as D;
    match d {
        D::U8(v) => le_bytes(&v),
        D::I8(v) => le_bytes(&v),
        D::U16(v) => le_bytes(&v),
        D::I16(v) => le_bytes(&v),
        D::U32(v) => le_bytes(&v),
        D::I32(v) => le_bytes(&v),
        D::U64(v) => le_bytes(&v),
        D::I64(v) => le_bytes(&v),
        D::F32(v) => le_bytes(&v),
        D::F64(v) => le_bytes(&v),
        other => panic!("unexpected tiff decoding result {other:?}"),
    }
}

/// Every image of a TIFF (the full resolution, then overviews) decoded by the `tiff` crate,
/// as (width, height, little-endian bytes).
pub fn tiff_crate_images(path: &Path) -> Vec<(u32, u32, Vec<u8>)> {
    let file = std::fs::File::open(path).expect("open");
    let mut dec =
        tiff::decoder::Decoder::new(std::io::BufReader::new(file)).expect("tiff crate opens");
    let mut out = Vec::new();
    loop {
        let (w, h) = dec.dimensions().expect("dimensions");
        out.push((
            w,
            h,
            decoding_bytes(dec.read_image().expect("tiff crate decodes")),
        ));
        if !dec.more_images() {
            return out;
        }
        dec.next_image().expect("next image");
    }
}
