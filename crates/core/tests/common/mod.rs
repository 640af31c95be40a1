//! Helpers shared by the integration tests: running a band accumulator over a raster split
//! into windows, and reading outputs back as f64.

#![allow(dead_code)]

use proptest::prelude::*;
use rastagg_core::{BandAccumulator, Grid, OutputBuffer, Pixel, StatOutput, StatSet};
use rastagg_raster::Window;

/// Aggregates a `cols × rows` raster (row-major `data`) over the whole grid.
///
/// The output rows are cut into bands at `band_cuts` (output row indices), the input into
/// windows at `col_cuts` and `row_cuts` (input indices); windows are added to each band in the
/// order `order` gives (a permutation seed). Returns one buffer per statistic, bands
/// concatenated.
#[allow(clippy::too_many_arguments)]
pub fn run<T: Pixel>(
    stats: &StatSet,
    grid: &Grid,
    data: &[T],
    nodata: Option<f64>,
    out_nodata: f64,
    band_cuts: &[u64],
    col_cuts: &[u64],
    row_cuts: &[u64],
    order: u64,
) -> Vec<StatOutput> {
    let cols = grid.x.in_size();
    let out_rows = grid.y.out_size();
    let mut bands: Vec<u64> = band_cuts
        .iter()
        .copied()
        .filter(|&c| c > 0 && c < out_rows)
        .collect();
    bands.push(0);
    bands.push(out_rows);
    bands.sort_unstable();
    bands.dedup();
    let mut results: Vec<StatOutput> = Vec::new();
    for b in bands.windows(2) {
        let mut acc = BandAccumulator::<T>::new(stats, grid, b[0]..b[1], nodata, out_nodata)
            .expect("band accumulator");
        let in_rows = acc.input_rows();
        let mut xs: Vec<u64> = col_cuts
            .iter()
            .copied()
            .filter(|&c| c > 0 && c < cols)
            .collect();
        xs.push(0);
        xs.push(cols);
        xs.sort_unstable();
        xs.dedup();
        let mut ys: Vec<u64> = row_cuts
            .iter()
            .copied()
            .filter(|&c| c > in_rows.start && c < in_rows.end)
            .collect();
        ys.push(in_rows.start);
        ys.push(in_rows.end);
        ys.sort_unstable();
        ys.dedup();
        let mut windows = Vec::new();
        for y in ys.windows(2) {
            for x in xs.windows(2) {
                windows.push(Window::new(x[0], y[0], x[1] - x[0], y[1] - y[0]));
            }
        }
        // Deterministic shuffle from `order`.
        let mut state = order
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        for i in (1..windows.len()).rev() {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let j = (state >> 33) as usize % (i + 1);
            windows.swap(i, j);
        }
        for w in windows {
            let mut buf = Vec::with_capacity(w.len().unwrap_or(0));
            for r in w.y..w.y + w.rows {
                let start = (r * cols + w.x) as usize;
                buf.extend_from_slice(&data[start..start + w.cols as usize]);
            }
            acc.add_window(w, &buf).expect("add window");
        }
        let outs = acc.finish();
        if results.is_empty() {
            results = outs;
        } else {
            for (r, o) in results.iter_mut().zip(outs) {
                append(&mut r.buffer, o.buffer);
                r.nodata_collisions += o.nodata_collisions;
            }
        }
    }
    results
}

fn append(a: &mut OutputBuffer, b: OutputBuffer) {
    match (a, b) {
        (OutputBuffer::U8(a), OutputBuffer::U8(b)) => a.extend(b),
        (OutputBuffer::I8(a), OutputBuffer::I8(b)) => a.extend(b),
        (OutputBuffer::U16(a), OutputBuffer::U16(b)) => a.extend(b),
        (OutputBuffer::I16(a), OutputBuffer::I16(b)) => a.extend(b),
        (OutputBuffer::U32(a), OutputBuffer::U32(b)) => a.extend(b),
        (OutputBuffer::I32(a), OutputBuffer::I32(b)) => a.extend(b),
        (OutputBuffer::U64(a), OutputBuffer::U64(b)) => a.extend(b),
        (OutputBuffer::I64(a), OutputBuffer::I64(b)) => a.extend(b),
        (OutputBuffer::F32(a), OutputBuffer::F32(b)) => a.extend(b),
        (OutputBuffer::F64(a), OutputBuffer::F64(b)) => a.extend(b),
        _ => panic!("bands disagree on the output type"),
    }
}

/// The buffer of one statistic as f64 values.
pub fn values(outs: &[StatOutput], token: &str) -> Vec<f64> {
    let o = outs
        .iter()
        .find(|o| o.statistic.token() == token)
        .unwrap_or_else(|| panic!("no {token} output"));
    (0..o.buffer.len())
        .map(|k| o.buffer.get_f64(k).unwrap())
        .collect()
}

/// Distance in f64 ulps (NaN equals NaN whatever its payload; ±0 are 0 apart).
pub fn ulps(a: f64, b: f64) -> u64 {
    if a.is_nan() && b.is_nan() {
        return 0;
    }
    if a.is_nan() || b.is_nan() {
        return u64::MAX;
    }
    let key = |v: f64| {
        let i = v.to_bits() as i64;
        if i < 0 {
            i128::from(i64::MIN) - i128::from(i)
        } else {
            i128::from(i)
        }
    };
    u64::try_from((key(a) - key(b)).unsigned_abs()).unwrap_or(u64::MAX)
}

/// Distance in f32 ulps between two f32 values (NaN-aware: equal NaNs are 0 apart).
pub fn ulps_f32(a: f32, b: f32) -> u64 {
    if a.is_nan() && b.is_nan() {
        return 0;
    }
    let key = |v: f32| {
        let i = v.to_bits() as i32;
        if i < 0 {
            i64::from(i32::MIN) - i64::from(i)
        } else {
            i64::from(i)
        }
    };
    (key(a) - key(b)).unsigned_abs()
}

/// Random ways to split a raster of up to 30 × 30 for [`run`]: `(band_cuts, col_cuts,
/// row_cuts, order)`.
pub fn splits() -> impl Strategy<Value = (Vec<u64>, Vec<u64>, Vec<u64>, u64)> {
    (
        proptest::collection::vec(0u64..10, 0..3),
        proptest::collection::vec(0u64..30, 0..4),
        proptest::collection::vec(0u64..30, 0..4),
        any::<u64>(),
    )
}
