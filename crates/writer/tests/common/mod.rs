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
        let dir = std::env::temp_dir().join(format!("rastagg-writer-{name}-{}", std::process::id()));
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
        .map(|r| r.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
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
    b.chunks_exact(T::SIZE).map(|c| T::from_le_slice(c).expect("sample")).collect()
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
