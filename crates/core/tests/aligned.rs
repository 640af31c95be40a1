//! Aligned grids (`--align`) with whole ratios and offsets: the first output cell starts
//! `d` input cells before the input, so they must give exactly what an integer factor gives on
//! the input with `d` columns (rows) of nodata prepended, bit for bit, for every statistic and
//! however the input is split into windows and bands.

mod common;

use common::{run, values};
use proptest::prelude::*;
use rastagg_core::{Grid, Resampling, StatSet, aligned_axis};

const NODATA: f32 = -9999.0;
const ALL: &str = "count,min,max,range,sum,mean,SD,rms,median,q1,q3,p10,p95,mode";

/// Values with ties, fractions, nodata and NaN.
fn value() -> impl Strategy<Value = f32> {
    prop_oneof![
        1 => Just(NODATA),
        1 => Just(f32::NAN),
        2 => (-4i32..4).prop_map(|v| v as f32 * 0.5),
        6 => -1.0e4f32..1.0e4,
    ]
}

#[derive(Debug, Clone)]
struct Case {
    cols: u64,
    rows: u64,
    /// Integer ratios along x and y.
    nx: u64,
    ny: u64,
    /// Offsets of the input from the previous multiple of the output pixel, in input cells.
    dx: u64,
    dy: u64,
    data: Vec<f32>,
    band_cuts: Vec<u64>,
    col_cuts: Vec<u64>,
    row_cuts: Vec<u64>,
    order: u64,
}

fn case() -> impl Strategy<Value = Case> {
    (1u64..30, 1u64..30, 1u64..8, 1u64..8, 0u64..8, 0u64..8).prop_flat_map(
        |(cols, rows, nx, ny, dx, dy)| {
            (
                proptest::collection::vec(value(), (cols * rows) as usize),
                common::splits(),
            )
                .prop_map(move |(data, (band_cuts, col_cuts, row_cuts, order))| Case {
                    cols,
                    rows,
                    nx,
                    ny,
                    dx: dx % nx,
                    dy: dy % ny,
                    data,
                    band_cuts,
                    col_cuts,
                    row_cuts,
                    order,
                })
        },
    )
}

/// The aligned grid of a north-up input with unit pixels whose top-left corner lies `dx`
/// cells east and `dy` cells south of a multiple of the output pixel sizes `nx`, `ny`.
fn aligned_grid(c: &Case, mode: Resampling) -> Grid {
    let x0 = (1000 * c.nx + c.dx) as f64;
    let y0 = (1000 * c.ny - c.dy) as f64;
    let x = aligned_axis(c.cols, x0, 1.0, c.nx as f64, mode).unwrap();
    let y = aligned_axis(c.rows, y0, -1.0, c.ny as f64, mode).unwrap();
    assert_eq!(x.origin, (1000 * c.nx) as f64);
    assert_eq!(y.origin, (1000 * c.ny) as f64);
    Grid::new(x.axis, y.axis)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn whole_offsets_equal_a_factor_on_padded_input(c in case(), corner in any::<bool>()) {
        let mode = if corner { Resampling::Corner } else { Resampling::Area };
        let grid = aligned_grid(&c, mode);
        prop_assert!(!grid.is_weighted());
        // The padded input and its integer-factor grid.
        let (pc, pr) = (c.cols + c.dx, c.rows + c.dy);
        let mut padded = vec![NODATA; (pc * pr) as usize];
        for y in 0..c.rows {
            for x in 0..c.cols {
                padded[((y + c.dy) * pc + x + c.dx) as usize] = c.data[(y * c.cols + x) as usize];
            }
        }
        let factor = Grid::factor(pc, pr, c.nx, c.ny).unwrap();
        prop_assert_eq!(grid.x.out_size(), factor.x.out_size());
        prop_assert_eq!(grid.y.out_size(), factor.y.out_size());
        let stats = StatSet::parse(ALL).unwrap();
        let nd = Some(f64::from(NODATA));
        let ours = run(&stats, &grid, &c.data, nd, f64::from(NODATA),
            &c.band_cuts, &c.col_cuts, &c.row_cuts, c.order);
        let want = run(&stats, &factor, &padded, nd, f64::from(NODATA), &[], &[], &[], 0);
        for token in ALL.split(',') {
            let (a, b) = (values(&ours, token), values(&want, token));
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            prop_assert_eq!(bits(&a), bits(&b), "{}", token);
        }
    }
}
