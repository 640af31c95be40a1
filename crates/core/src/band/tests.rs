//! The quick loops of the finishing against the general per-cell path: every statistic of
//! every cell must come out bit for bit the same either way (and with the same nodata
//! collisions), for every input type, grid kind and SD ddof, with the data that send cells to
//! the general path mixed in: exact sums (huge, tiny and infinite values), SD that cancels
//! (1e6 plus steps of 2^-4, constant cells), integers beyond 2^53, empty cells, results equal
//! to the output nodata, and Float64 outputs (where f64 results show all their bits).

use std::cell::Cell;

use proptest::prelude::*;

use super::{BandAccumulator, OutputBuffer};
use crate::grid::{AxisMap, Grid, Resampling};
use crate::pixel::Pixel;
use crate::stat::{Ddof, StatOptions, StatSet};
use rastagg_raster::Window;

thread_local! {
    /// Set while a test wants every cell on the general path (see `general_only`).
    pub(super) static GENERAL_ONLY: Cell<bool> = const { Cell::new(false) };
}

/// The statistics with a quick path (quantiles and mode have none).
const STATS: &str = "count,min,max,range,sum,mean,SD,rms";

/// Input values `−0.5 − i` (not used otherwise) stand for the i-th of [`WIDE`].
fn wide_mark(i: usize) -> f64 {
    -0.5 - i as f64
}

/// 64-bit integers f64 cannot hold, and their neighbours at the type limits.
const WIDE: [i128; 4] = [
    (1 << 53) + 1,
    -(1 << 62) - 3,
    (1 << 64) - 5,
    i64::MAX as i128,
];

/// The input value `x` stands for, in type `T`.
fn sample<T: Pixel>(x: f64) -> T {
    match (0..WIDE.len())
        .find(|&i| x == wide_mark(i))
        .map(|i| WIDE[i])
    {
        Some(v) => T::from_i128(v).unwrap_or_else(|| T::cast_from_f64(v as f64)),
        None => T::cast_from_f64(x),
    }
}

/// Input values: ordinary data, small integers (constant cells, collisions with the output
/// nodata), NaN and the input nodata, cancelling SD, extremes and infinities.
fn value() -> impl Strategy<Value = f64> {
    prop_oneof![
        8 => 250.0f64..350.0,
        2 => (0u8..4).prop_map(f64::from),
        2 => Just(f64::NAN),
        1 => Just(-9999.0),
        2 => (0u8..4).prop_map(|k| 1e6 + f64::from(k) * 0.0625),
        2 => extreme(),
        1 => prop::sample::select(vec![f64::INFINITY, f64::NEG_INFINITY]),
    ]
}

/// Values that send cells to the general path, or nearly: extremes, exact squares that need
/// scaling (f64), integers beyond 2^53 (64-bit types), ranges beyond 2^53.
fn extreme() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => prop::sample::select(vec![
            1e200, -1e200, 3e38, -3e38, 1e30, 1e-300, 5e-324, -1e-40, f64::MAX,
            9_007_199_254_740_992.0, -9_007_199_254_740_994.0, 1.8e19, -9.3e18,
            // f64 squares beyond 2^±500 yet exact: fast sums that need scaling.
            2f64.powi(300), -3.0 * 2f64.powi(290), 2f64.powi(-300), 5.0 * 2f64.powi(-270),
            2f64.powi(510), -1.5 * 2f64.powi(510), 3.0 * 2f64.powi(-479),
            // A range of 2^53 + 3 between ends f64 holds.
            -4_503_599_627_370_497.0, 4_503_599_627_370_498.0,
        ]),
        // Integers f64 does not hold (64-bit types; others take the nearest f64's cast).
        1 => (0..WIDE.len()).prop_map(wide_mark),
    ]
}

/// Values whose SD cancels (below 2^-22 of the mean): the double-double numerator is not
/// trusted and the exact one often rounds differently, visible in Float64 outputs.
fn cancelling() -> impl Strategy<Value = f64> {
    prop_oneof![
        8 => (0u8..8).prop_map(|k| 1e6 + f64::from(k) * 0.0625),
        1 => Just(f64::NAN),
    ]
}

/// One raster, grid and band to finish both ways.
#[derive(Debug, Clone)]
struct Case {
    cols: u64,
    rows: u64,
    data: Vec<f64>,
    /// Integer factors (x, y), or area-weighted output sizes when `area`.
    sizes: (u64, u64),
    area: bool,
    /// Output rows of the band: a start and a length, clipped to the grid.
    band: (u64, u64),
    /// Input column and row where windows are cut.
    cut: (u64, u64),
    input_nodata: bool,
    output_nodata: f64,
    ddof: Ddof,
}

fn case() -> impl Strategy<Value = Case> {
    (1u64..12, 1u64..12)
        .prop_flat_map(|(cols, rows)| {
            (
                Just((cols, rows)),
                prop_oneof![
                    2 => proptest::collection::vec(value(), (cols * rows) as usize),
                    1 => proptest::collection::vec(cancelling(), (cols * rows) as usize),
                    1 => proptest::collection::vec(extreme(), (cols * rows) as usize),
                ],
                (1u64..5, 1u64..5, any::<bool>()),
                (0u64..6, 1u64..6),
                (0..cols, 0..rows),
                any::<bool>(),
                // 0.1 widens Float32 outputs to Float64, where the last bits of f64 results show.
                prop::sample::select(vec![-9999.0, 0.0, 1.0, 2.0, 300.0, 0.1, f64::NAN]),
                any::<bool>(),
            )
        })
        .prop_map(
            |((cols, rows), data, (sx, sy, area), band, cut, input_nodata, nd, one)| Case {
                cols,
                rows,
                data,
                sizes: (sx, sy),
                area,
                band,
                cut,
                input_nodata,
                output_nodata: nd,
                ddof: if one { Ddof::One } else { Ddof::Zero },
            },
        )
}

impl Case {
    fn grid(&self) -> Grid {
        let (sx, sy) = self.sizes;
        if self.area {
            let axis = |n: u64, s: u64| AxisMap::resize(n, s.min(n), Resampling::Area).unwrap();
            Grid::new(axis(self.cols, sx), axis(self.rows, sy))
        } else {
            Grid::factor(self.cols, self.rows, sx, sy).unwrap()
        }
    }
}

/// The values of a buffer as bits, so that NaN payloads and signed zeros count.
fn bits(b: &OutputBuffer) -> Vec<u64> {
    match b {
        OutputBuffer::U8(v) => v.iter().map(|&x| u64::from(x)).collect(),
        OutputBuffer::I8(v) => v.iter().map(|&x| x as u64).collect(),
        OutputBuffer::U16(v) => v.iter().map(|&x| u64::from(x)).collect(),
        OutputBuffer::I16(v) => v.iter().map(|&x| x as u64).collect(),
        OutputBuffer::U32(v) => v.iter().map(|&x| u64::from(x)).collect(),
        OutputBuffer::I32(v) => v.iter().map(|&x| x as u64).collect(),
        OutputBuffer::U64(v) => v.clone(),
        OutputBuffer::I64(v) => v.iter().map(|&x| x as u64).collect(),
        OutputBuffer::F32(v) => v.iter().map(|x| u64::from(x.to_bits())).collect(),
        OutputBuffer::F64(v) => v.iter().map(|x| x.to_bits()).collect(),
    }
}

/// Accumulates the case's data as type `T` (in up to four windows) and compares every
/// statistic finished with the quick loops and without.
fn check<T: Pixel>(c: &Case) -> Result<(), TestCaseError> {
    let grid = c.grid();
    let out_rows = grid.y.out_size();
    let start = c.band.0.min(out_rows - 1);
    let band = start..(start + c.band.1).min(out_rows);
    let options = StatOptions {
        sd_ddof: c.ddof,
        ..StatOptions::default()
    };
    let stats = StatSet::parse(STATS).unwrap().with_options(options);
    let nodata = c.input_nodata.then_some(-9999.0);
    let mut acc = BandAccumulator::<T>::new(&stats, &grid, band, nodata, c.output_nodata).unwrap();
    let rows = acc.input_rows();
    let cut_y = c.cut.1.clamp(rows.start, rows.end);
    for (x0, x1) in [(0, c.cut.0), (c.cut.0, c.cols)] {
        for (y0, y1) in [(rows.start, cut_y), (cut_y, rows.end)] {
            let data: Vec<T> = (y0..y1)
                .flat_map(|y| (x0..x1).map(move |x| (y * c.cols + x) as usize))
                .map(|i| sample::<T>(c.data[i]))
                .collect();
            acc.add_window(Window::new(x0, y0, x1 - x0, y1 - y0), &data)
                .unwrap();
        }
    }
    for &stat in stats.stats() {
        let (quick, quick_collisions) = acc.stat_buffer(stat);
        GENERAL_ONLY.with(|g| g.set(true));
        let (general, general_collisions) = acc.stat_buffer(stat);
        GENERAL_ONLY.with(|g| g.set(false));
        prop_assert_eq!(quick.sample_type(), general.sample_type());
        prop_assert_eq!(bits(&quick), bits(&general), "{} of {:?}", stat, T::TYPE);
        prop_assert_eq!(quick_collisions, general_collisions, "{}", stat);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn quick_loops_match_the_general_path(c in case()) {
        check::<f32>(&c)?;
        check::<f64>(&c)?;
        check::<u8>(&c)?;
        check::<i16>(&c)?;
        check::<u32>(&c)?;
        check::<i32>(&c)?;
        check::<u64>(&c)?;
        check::<i64>(&c)?;
    }
}
