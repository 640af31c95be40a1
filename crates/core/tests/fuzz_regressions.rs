//! Cases the `core_aggregate` fuzz target found (inputs in `testdata/fuzz/core_aggregate/`,
//! described in `fuzz/README.md`), replayed here so they run in plain `cargo test`.

use rastagg_core::{AxisMap, BandAccumulator, Grid, Resampling, StatSet};
use rastagg_raster::Window;

/// Counts of a 35 × 28 UInt64 raster, every pixel `value`, nodata given as the f64 `nodata`,
/// aggregated to one row (factor 1 across, `area` resize of 28 rows to 1 down).
fn counts(value: u64, nodata: f64) -> Vec<f64> {
    let grid = Grid::new(
        AxisMap::factor(35, 1).unwrap(),
        AxisMap::resize(28, 1, Resampling::Area).unwrap(),
    );
    let stats = StatSet::parse("count").unwrap();
    let mut acc = BandAccumulator::<u64>::new(&stats, &grid, 0..1, Some(nodata), -9999.0).unwrap();
    acc.add_window(Window::new(0, 0, 35, 28), &[value; 35 * 28])
        .unwrap();
    let out = acc.finish();
    (0..35).map(|k| out[0].buffer.get_f64(k).unwrap()).collect()
}

/// `u64-nodata-rounding`: the fuzz target's reference compared pixels with the nodata through
/// f64, so 15301926416567084453 (not an f64) matched the nodata made from its own rounding,
/// 15301926416567084032, and the reference counted 0 where the core counted 28. The core is
/// right (GDAL compares 64-bit integer nodata exactly too); the reference now compares in the
/// pixel type. This pins the core's side: a near miss is valid, an exact match is not.
#[test]
fn u64_nodata_is_compared_exactly() {
    let value = 15_301_926_416_567_084_453_u64;
    let rounded = value as f64;
    assert_ne!(rounded as u64, value);
    assert!(counts(value, rounded).iter().all(|&c| c == 28.0));
    assert!(counts(rounded as u64, rounded).iter().all(|&c| c == 0.0));
}

/// SD of a 44 × 29 Float32 raster, every pixel `value`, aggregated to 1 × 3 (`area` across,
/// factor 10 down), fed as the windows whose column cuts are `cuts`.
fn sd(value: f32, cuts: &[u64]) -> Vec<u64> {
    let grid = Grid::new(
        AxisMap::resize(44, 1, Resampling::Area).unwrap(),
        AxisMap::factor(29, 10).unwrap(),
    );
    let stats = StatSet::parse("SD").unwrap();
    let mut acc = BandAccumulator::<f32>::new(&stats, &grid, 0..3, None, 0.0).unwrap();
    for k in cuts.windows(2) {
        let cols = k[1] - k[0];
        let data = vec![value; (cols * 29) as usize];
        acc.add_window(Window::new(k[0], 0, cols, 29), &data)
            .unwrap();
    }
    let out = acc.finish();
    (0..3)
        .map(|k| out[0].buffer.get_f64(k).unwrap().to_bits())
        .collect()
}

/// `f32-tiny-squares`: squares of Float32 values below 2^-63 underflow f32's normal range, so
/// the split `hi = f32(x²)` kept none of their bits and the proof that the column sums of
/// squares were exact did not hold: the SD of a constant came out non-zero and depended on
/// how the band was cut into windows. Such cells now fall back to exact sums.
#[test]
fn sd_of_tiny_f32_values_is_exact() {
    for value in [-4.577_704e-29_f32, 1e-30, -3e-40, 2.0f32.powi(-63)] {
        assert_eq!(sd(value, &[0, 44]), vec![0; 3], "{value:e}");
        assert_eq!(sd(value, &[0, 40, 44]), vec![0; 3], "{value:e}");
    }
}
