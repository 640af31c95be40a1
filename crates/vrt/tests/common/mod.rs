//! Shared helpers for the integration tests: fixture paths and the GDAL oracle.

#![allow(dead_code)]

use rastagg_vrt::{Sample, SampleType, VrtDataset, Window};
use std::path::PathBuf;

/// `testdata/vrt/<name>` (fixtures made by testdata/vrt/make_vrt_fixtures.py).
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/vrt")
        .join(name)
}

/// One read recorded from GDAL: which VRT, band, window, type and where its samples are.
#[derive(Debug, Clone)]
pub struct OracleRead {
    pub vrt: String,
    pub band: usize,
    pub sample_type: SampleType,
    pub window: Window,
    pub offset: usize,
}

/// Every line of oracle.txt, and the raw bytes of oracle.bin.
pub fn oracle() -> (Vec<OracleRead>, Vec<u8>) {
    let text = std::fs::read_to_string(fixture("oracle.txt")).expect("oracle.txt");
    let bin = std::fs::read(fixture("oracle.bin")).expect("oracle.bin");
    let reads = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let n = |i: usize| f[i].parse::<u64>().expect("number");
            OracleRead {
                vrt: f[0].to_string(),
                band: n(1) as usize,
                sample_type: SampleType::from_gdal_name(f[2]).expect("type"),
                window: Window::new(n(3), n(4), n(5), n(6)),
                offset: n(7) as usize,
            }
        })
        .collect();
    (reads, bin)
}

/// GDAL's samples for `read`, as little-endian values of `T`.
pub fn expected<T: Sample>(read: &OracleRead, bin: &[u8]) -> Vec<T> {
    let n = read.window.len().expect("len");
    bin[read.offset..read.offset + n * T::SIZE]
        .chunks_exact(T::SIZE)
        .map(|c| T::from_le_slice(c).expect("sample"))
        .collect()
}

/// Bit-for-bit equality, NaN equal to NaN.
pub fn same<T: Sample>(a: T, b: T) -> bool {
    (a.is_nan() && b.is_nan()) || a.to_f64().to_bits() == b.to_f64().to_bits() || a == b
}

/// Reads `read` from `ds` and compares it with GDAL's; returns a description of the first
/// mismatch.
pub fn check<T: Sample>(ds: &VrtDataset, read: &OracleRead, bin: &[u8]) -> Result<(), String> {
    let got = ds
        .read_window::<T>(read.band, read.window)
        .map_err(|e| format!("{}: read failed: {e}", read.vrt))?;
    let want = expected::<T>(read, bin);
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        if !same(*g, *w) {
            let cols = read.window.cols as usize;
            return Err(format!(
                "{} band {} window {:?}: pixel (col {}, row {}) is {:?}, GDAL gives {:?}",
                read.vrt,
                read.band,
                read.window,
                read.window.x as usize + i % cols,
                read.window.y as usize + i / cols,
                g,
                w
            ));
        }
    }
    Ok(())
}

/// Dispatches [`check`] on the read's sample type.
pub fn check_any(ds: &VrtDataset, read: &OracleRead, bin: &[u8]) -> Result<(), String> {
    match read.sample_type {
        SampleType::U8 => check::<u8>(ds, read, bin),
        SampleType::I8 => check::<i8>(ds, read, bin),
        SampleType::U16 => check::<u16>(ds, read, bin),
        SampleType::I16 => check::<i16>(ds, read, bin),
        SampleType::U32 => check::<u32>(ds, read, bin),
        SampleType::I32 => check::<i32>(ds, read, bin),
        SampleType::U64 => check::<u64>(ds, read, bin),
        SampleType::I64 => check::<i64>(ds, read, bin),
        SampleType::F32 => check::<f32>(ds, read, bin),
        SampleType::F64 => check::<f64>(ds, read, bin),
    }
}
