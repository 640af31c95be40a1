//! Output rows taller than the i16 SIMD pass's chunk of rows (32767): counts, extremes and
//! sums carried across chunks must equal exact references.

mod common;

use common::{run, values};
use rastagg_core::{Grid, StatSet};

#[test]
fn i16_columns_longer_than_a_chunk_match_exact_references() {
    let (cols, rows, fx) = (11u64, 70_000u64, 4u64);
    let nodata = -7i16;
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let data: Vec<i16> = (0..cols * rows)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            match state % 50 {
                0 => nodata,
                1 => i16::MIN,
                2 => i16::MAX,
                _ => (state >> 20) as i16,
            }
        })
        .collect();
    let grid = Grid::factor(cols, rows, fx, rows).expect("grid");
    let stats = StatSet::parse("count,min,max,sum,mean,rms").expect("stats");
    let outs = run(&stats, &grid, &data, Some(-7.0), -9999.0, &[], &[5], &[], 0);
    for c in 0..grid.x.out_size() {
        let xs = c * fx..((c + 1) * fx).min(cols);
        let vals: Vec<i128> = (0..rows)
            .flat_map(|r| xs.clone().map(move |x| (r * cols + x) as usize))
            .map(|i| data[i])
            .filter(|&v| v != nodata)
            .map(i128::from)
            .collect();
        let n = vals.len() as f64;
        let sum: i128 = vals.iter().sum();
        let squares: i128 = vals.iter().map(|v| v * v).sum();
        let c = c as usize;
        assert_eq!(values(&outs, "count")[c], n);
        assert_eq!(values(&outs, "min")[c], *vals.iter().min().unwrap() as f64);
        assert_eq!(values(&outs, "max")[c], *vals.iter().max().unwrap() as f64);
        assert_eq!(values(&outs, "sum")[c], f64::from(sum as f64 as f32));
        assert_eq!(values(&outs, "mean")[c], f64::from((sum as f64 / n) as f32));
        let rms = (squares as f64 / n).sqrt() as f32;
        assert_eq!(values(&outs, "rms")[c], f64::from(rms));
    }
}
