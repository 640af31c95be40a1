//! Extreme values: squares and sums past f64's range or below its subnormals, and infinities.
//!
//! The rule (see the `band` module docs): for finite values, `SD` and `rms` are within 1 ulp of
//! the exact value whenever it is representable, `sum` is the exact sum rounded once (±∞ past
//! f64), `mean` the rounded sum divided by the weight in an unbounded exponent range (finite when
//! only the sum overflows), `range` is `max − min` rounded once. With ±∞ among the valid
//! values: `sum` and `mean` as IEEE (NaN for +∞ and −∞ together), `SD` NaN and `rms` +∞ (numpy's
//! float64 two-pass `std` and `sqrt(mean(x²))`), `range` as IEEE `max − min` (NaN for [∞, ∞],
//! as `np.ptp`); `min`, `max`, `count` and quantiles take infinities like any value.

mod common;

use common::{run, splits, ulps, values};
use proptest::prelude::*;
use rastagg_core::{AxisMap, Ddof, Grid, QuantileMethod, Resampling, StatOptions, StatSet};

const STATS: &str = "count,min,max,range,sum,mean,SD,rms,median";
const OUT_ND: f64 = -9999.0;

/// `x · 2^k` in steps that neither overflow nor underflow before the last.
fn scale2(x: f64, k: i32) -> f64 {
    let (mut x, mut k) = (x, k);
    while k > 1000 {
        x *= 2f64.powi(1000);
        k -= 1000;
    }
    while k < -1000 {
        x *= 2f64.powi(-1000);
        k += 1000;
    }
    x * 2f64.powi(k)
}

/// `floor(log2 |x|)` of a finite non-zero x.
fn exponent(x: f64) -> i32 {
    let mut e = 0;
    let mut a = x.abs();
    while a >= 2.0 {
        a /= 2.0;
        e += 1;
    }
    while a < 1.0 {
        a = scale2(a, 1);
        e -= 1;
    }
    e
}

/// Weighted (mean, population SD, rms) of finite values by a two-pass f64 computation on the
/// values scaled by a power of two (so that nothing overflows or underflows that matters).
fn scaled_two_pass(v: &[f64], w: &[f64]) -> (f64, f64, f64) {
    let m = v.iter().fold(0.0f64, |a, &x| a.max(x.abs()));
    if m == 0.0 {
        return (0.0, 0.0, 0.0);
    }
    let e = exponent(m);
    let y: Vec<f64> = v.iter().map(|&x| scale2(x, -e)).collect();
    let total: f64 = w.iter().sum();
    let mean = y.iter().zip(w).map(|(y, w)| y * w).sum::<f64>() / total;
    let var = y
        .iter()
        .zip(w)
        .map(|(y, w)| w * (y - mean) * (y - mean))
        .sum::<f64>()
        / total;
    let sq = y.iter().zip(w).map(|(y, w)| w * y * y).sum::<f64>() / total;
    (scale2(mean, e), scale2(var.sqrt(), e), scale2(sq.sqrt(), e))
}

/// Every statistic of `STATS` for one row of f64 pairs (factor 2 × 1), fed in `split` windows.
fn pairs(data: &[f64], split: &(Vec<u64>, Vec<u64>, Vec<u64>, u64)) -> Vec<Vec<f64>> {
    let grid = Grid::factor(data.len() as u64, 1, 2, 1).unwrap();
    let stats = StatSet::parse(STATS).unwrap();
    let (b, c, r, o) = split;
    let outs = run(&stats, &grid, data, None, OUT_ND, b, c, r, *o);
    STATS.split(',').map(|s| values(&outs, s)).collect()
}

/// What the rule gives for the pair (a, b): (count, min, max, range, sum, mean, SD, rms) with
/// the tolerance of SD and rms in ulps.
fn pair_reference(a: f64, b: f64) -> ([f64; 8], u64) {
    let (lo, hi) = if a.total_cmp(&b).is_le() {
        (a, b)
    } else {
        (b, a)
    };
    let (lo, hi) = (lo + 0.0, hi + 0.0);
    let sum = a + b;
    // fl(a + b) / 2 in an unbounded exponent range: halves are exact when a + b overflows.
    let mean = if sum.is_infinite() && a.is_finite() && b.is_finite() {
        a / 2.0 + b / 2.0
    } else {
        sum / 2.0
    };
    if !(a.is_finite() && b.is_finite()) {
        return (
            [2.0, lo, hi, hi - lo, sum, mean, f64::NAN, f64::INFINITY],
            0,
        );
    }
    // |a − b| / 2 exactly, rounded once: a − b is correctly rounded, halving is exact but for
    // subnormal results (rounded once there, as a − b then is exact).
    let d = a - b;
    let sd = if d.is_finite() {
        d.abs() / 2.0
    } else {
        (a / 2.0 - b / 2.0).abs()
    };
    let (_, _, rms) = scaled_two_pass(&[a, b], &[1.0, 1.0]);
    ([2.0, lo, hi, hi - lo, sum, mean, sd, rms], 1)
}

fn check_pairs(data: &[f64], got: &[Vec<f64>]) -> Result<(), TestCaseError> {
    for (k, pair) in data.chunks(2).enumerate() {
        let (want, tol) = pair_reference(pair[0], pair[1]);
        for (i, name) in STATS.split(',').take(8).enumerate() {
            let g = got[i][k];
            let t = if name == "SD" || name == "rms" {
                tol
            } else {
                0
            };
            prop_assert!(
                ulps(g, want[i]) <= t,
                "{name} of {pair:?}: got {g:e}, want {:e}",
                want[i]
            );
        }
        // The median (GDAL rule) of a pair is its smaller value.
        prop_assert_eq!(
            got[8][k].to_bits(),
            want[1].to_bits(),
            "median of {:?}",
            pair
        );
    }
    Ok(())
}

#[test]
fn pairs_by_hand() {
    let max = f64::MAX;
    let tiny = f64::from_bits(1);
    #[rustfmt::skip]
    let data = [
        1e200, -1e200,   1e150, 2e150,   3e160, 1e160,   -7e300, 5e300,
        1e308, 1e308,    max, max,       max, -max,      2f64.powi(500), 2f64.powi(501),
        2f64.powi(-540), 3.0 * 2f64.powi(-540),          1e-200, -3e-200,
        tiny, 2.0 * tiny,                -tiny, 0.0,     1.5, 2.5,
        f64::INFINITY, 1.0,              f64::INFINITY, f64::INFINITY,
        f64::NEG_INFINITY, f64::INFINITY,                f64::NEG_INFINITY, -2.0,
    ];
    let got = pairs(&data, &(vec![], vec![3, 8, 9], vec![], 7));
    check_pairs(&data, &got).unwrap();
    // The headline cases, spelled out.
    let sd = &got[6];
    let rms = &got[7];
    assert_eq!(sd[0], 1e200);
    assert_eq!(rms[0], 1e200);
    assert_eq!(sd[1], 5e149);
    assert_eq!(sd[3], 6e300);
    assert_eq!(
        (got[4][4], got[5][4], sd[4], rms[4]),
        (f64::INFINITY, 1e308, 0.0, 1e308)
    );
    assert_eq!((got[3][6], sd[6], rms[6]), (f64::INFINITY, max, max));
    assert_eq!(sd[9], 2e-200);
    assert!(sd[13].is_nan() && rms[13] == f64::INFINITY && got[5][13] == f64::INFINITY);
    assert!(
        got[3][14].is_nan(),
        "range of [inf, inf] is NaN (inf - inf)"
    );
    assert!(got[4][15].is_nan() && got[5][15].is_nan(), "inf + -inf");
    assert_eq!(got[3][16], f64::INFINITY);
}

#[test]
fn float32_extremes_by_hand() {
    let grid = Grid::factor(10, 1, 2, 1).unwrap();
    let stats = StatSet::parse(STATS).unwrap();
    let data = [
        f32::INFINITY,
        1.0,
        3e38,
        -3e38,
        f32::MAX,
        f32::MAX,
        1e-45,
        3e-45,
        1e-30,
        2e-30,
    ];
    let outs = run(&stats, &grid, &data, None, OUT_ND, &[], &[1, 5], &[], 3);
    let v = |s: &str| values(&outs, s);
    assert!(v("SD")[0].is_nan());
    assert_eq!(v("rms")[0], f64::INFINITY);
    assert_eq!((v("sum")[0], v("mean")[0]), (f64::INFINITY, f64::INFINITY));
    assert_eq!(v("range")[0], f64::INFINITY);
    // 6e38 is past Float32: the range and sum round to inf, SD and rms fit.
    assert_eq!(v("range")[1], f64::INFINITY);
    assert_eq!((v("sum")[1], v("mean")[1]), (0.0, 0.0));
    assert_eq!(v("SD")[1], f64::from(3e38f32));
    assert_eq!(v("rms")[1], f64::from(3e38f32));
    assert_eq!(v("sum")[2], f64::INFINITY);
    assert_eq!(v("mean")[2], f64::from(f32::MAX));
    assert_eq!(v("SD")[2], 0.0);
    assert_eq!(v("rms")[2], f64::from(f32::MAX));
    // Subnormal and tiny f32: squares far below f32's range, exact in the sums.
    let near = |got: f64, want: f64| {
        let (g, w) = (got as f32, want as f32);
        (g.to_bits() as i64 - w.to_bits() as i64).abs() <= 1
    };
    let (_, sd, rms) = scaled_two_pass(&[f64::from(1e-45f32), f64::from(3e-45f32)], &[1.0; 2]);
    assert!(
        near(v("SD")[3], sd) && near(v("rms")[3], rms),
        "{:?}",
        v("SD")
    );
    let (_, sd, rms) = scaled_two_pass(&[f64::from(1e-30f32), f64::from(2e-30f32)], &[1.0; 2]);
    assert!(near(v("SD")[4], sd) && near(v("rms")[4], rms));
}

#[test]
fn area_weights_with_extreme_values() {
    // 3 inputs to 2 outputs: output 0 = input 0 (weight 2) + input 1 (weight 1), output 1 =
    // input 1 (weight 1) + input 2 (weight 2), in units of half an input cell. Σwx overflows.
    let grid = Grid::new(
        AxisMap::resize(3, 2, Resampling::Area).unwrap(),
        AxisMap::factor(1, 1).unwrap(),
    );
    let stats = StatSet::parse("sum,mean,SD,rms").unwrap();
    for (data, splits) in [
        ([1.5e308, 1e308, -1e308], vec![1]),
        ([1e-200, -3e-200, 2e-200], vec![]),
        ([f64::from_bits(1), 1e-320, 0.0], vec![2]),
        ([1e300, 3e300, -2e300], vec![1, 2]),
    ] {
        let outs = run(&stats, &grid, &data, None, OUT_ND, &[], &splits, &[], 1);
        for (k, (v, w)) in [
            ([data[0], data[1]], [2.0, 1.0]),
            ([data[1], data[2]], [1.0, 2.0]),
        ]
        .into_iter()
        .enumerate()
        {
            let (mean, sd, rms) = scaled_two_pass(&v, &w);
            let e = exponent(v[0].abs().max(v[1].abs()));
            let sum = scale2((scale2(v[0], -e) * w[0] + scale2(v[1], -e) * w[1]) / 2.0, e);
            let ctx = format!("{v:?} weights {w:?}");
            assert!(ulps(values(&outs, "mean")[k], mean) <= 2, "mean {ctx}");
            assert!(ulps(values(&outs, "SD")[k], sd) <= 4, "SD {ctx}: {sd:e}");
            assert!(ulps(values(&outs, "rms")[k], rms) <= 2, "rms {ctx}");
            assert!(ulps(values(&outs, "sum")[k], sum) <= 1, "sum {ctx}");
        }
    }
    // An infinity with area weights: SD NaN, rms inf, mean inf.
    let outs = run(
        &stats,
        &grid,
        &[f64::INFINITY, 1.0, 2.0],
        None,
        OUT_ND,
        &[],
        &[],
        &[],
        0,
    );
    assert!(values(&outs, "SD")[0].is_nan());
    assert_eq!(values(&outs, "rms")[0], f64::INFINITY);
    assert_eq!(values(&outs, "mean")[0], f64::INFINITY);
    assert!(ulps(values(&outs, "SD")[1], (2.0f64 / 9.0).sqrt()) <= 1);
}

/// Area weights of almost 2^29 per input cell (units 16 383 and 32 749) over 4097 × 4102 f32
/// zeros: a cell's Σw passes 2^53, which a block without any non-zero value does not bound
/// (its magnitude proof has nothing to bound), so the weights there are summed pixel by pixel,
/// exactly. The one valid 1.0, in the last row (weight 16 383 · 211), gives the mean
/// 16 383 · 211 / fl(Σw) to the last bit (a Σw rounded before the checked add was 2 ulps off).
#[test]
fn area_weights_past_2_53_stay_exact() {
    let (cols, rows) = (4097u64, 4102u64);
    let grid = Grid::new(
        AxisMap::scaled(cols, 4096.0 + 73.0 / 16383.0, Resampling::Area).unwrap(),
        AxisMap::scaled(rows, 4101.0 + 211.0 / 32749.0, Resampling::Area).unwrap(),
    );
    assert_eq!((grid.x.unit(), grid.y.unit()), (16383, 32749));
    let mut data = vec![0.0f32; (cols * rows) as usize];
    let last_row = &mut data[(4101 * cols) as usize..];
    last_row.fill(f32::NAN);
    last_row[0] = 1.0;
    let stats = StatSet::parse("mean").unwrap();
    let mut acc =
        rastagg_core::BandAccumulator::<f32>::new(&stats, &grid, 0..1, None, 0.1).unwrap();
    acc.add_window(rastagg_raster::Window::new(0, 0, cols, rows), &data)
        .unwrap();
    // Whole rows 0..4101, then the last row's one valid cell.
    let weight: u128 = (4096 * 16383 + 73) * (4101 * 32749) + 16383 * 211;
    assert!(weight > 1 << 53);
    let mean = acc.finish()[0].buffer.get_f64(0);
    assert_eq!(mean, Some((16383.0 * 211.0) / weight as f64));
}

/// A cell whose block fails its magnitude proof proves its own sums with the same bound: its
/// rows × columns × `sum_scale` weighted terms (here 16 × 65 × 16 383, past i16's static
/// limit of 2^20 values, so the cell goes pixel by pixel). Σw·x² reaches 2^54 and would
/// round in f64, and the nearly constant values make `SD` amplify any such rounding: a bound
/// without the weights (16 × 65 terms) let the fast sums through and gave an SD off by
/// about 500 ulps. Reference: exact integer moments.
#[test]
fn area_cells_prove_their_own_sums_with_the_weights() {
    let (cols, rows) = (130u64, 16u64);
    let grid = Grid::new(
        AxisMap::scaled(cols, 64.0 + 73.0 / 16383.0, Resampling::Area).unwrap(),
        AxisMap::scaled(rows, 16.0, Resampling::Area).unwrap(),
    );
    assert_eq!((grid.x.unit(), grid.y.unit()), (16383, 1));
    let mut data = vec![32767i16; (cols * rows) as usize];
    data[3] = 32766;
    data[(5 * cols + 40) as usize] = 32766;
    let stats = StatSet::parse("mean,SD").unwrap();
    let mut acc =
        rastagg_core::BandAccumulator::<i16>::new(&stats, &grid, 0..1, None, OUT_ND).unwrap();
    acc.add_window(rastagg_raster::Window::new(0, 0, cols, rows), &data)
        .unwrap();
    let outs = acc.finish();
    // Exact moments of cell 0 in integers: weights 16 383 for columns 0..64, 73 for column 64.
    let (mut w, mut s, mut q) = (0i128, 0i128, 0i128);
    for y in 0..rows {
        for x in 0..65 {
            let wx: i128 = if x < 64 { 16383 } else { 73 };
            let v = i128::from(data[(y * cols + x) as usize]);
            w += wx;
            s += wx * v;
            q += wx * v * v;
        }
    }
    assert!(q > 1 << 53);
    let sd = (((w * q - s * s) as f64) / (w as f64 * w as f64)).sqrt();
    let got = outs[1].buffer.get_f64(0).unwrap();
    assert!(ulps(got, f64::from(sd as f32)) <= 1, "SD {got} vs {sd}");
    assert_eq!(
        outs[0].buffer.get_f64(0),
        Some(f64::from((s as f64 / w as f64) as f32))
    );
}

/// Any f64 but NaN (nodata): every exponent equally likely, plus the special values.
fn extreme() -> impl Strategy<Value = f64> {
    prop_oneof![
        12 => any::<u64>().prop_map(|b| {
            let v = f64::from_bits(b);
            if v.is_nan() { 0.0 } else { v }
        }),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        1 => Just(0.0),
        1 => Just(f64::MAX),
        1 => Just(-f64::MAX),
        1 => Just(f64::from_bits(1)),
        2 => (-1e6f64..1e6).prop_map(|v| v.round()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Pairs of any f64 values against exact references (|a − b| / 2 for SD).
    #[test]
    fn pairs_of_any_values_follow_the_rule(
        data in proptest::collection::vec(extreme(), 1..12).prop_map(|mut v| {
            if v.len() % 2 == 1 {
                v.push(1.0);
            }
            v
        }),
        split in splits(),
    ) {
        let got = pairs(&data, &split);
        check_pairs(&data, &got)?;
    }

    /// 3 × 3 cells of values sharing a random binade anywhere from the subnormals to f64::MAX
    /// (and now and then an extreme one), against a scaled two-pass reference.
    #[test]
    fn cells_at_any_scale_match_a_scaled_two_pass(
        e in -1070i32..1020i32,
        raw in proptest::collection::vec((-1.0f64..1.0, 0u8..20, extreme()), 36),
        split in splits(),
    ) {
        let data: Vec<f64> = raw
            .iter()
            .map(|&(m, pick, x)| if pick == 0 { x } else { scale2(m, e) })
            .collect();
        let grid = Grid::factor(6, 6, 3, 3).unwrap();
        let stats = StatSet::parse("sum,mean,SD,rms").unwrap();
        let (b, c, r, o) = &split;
        let outs = run(&stats, &grid, &data, None, OUT_ND, b, c, r, *o);
        for cell in 0..4usize {
            let (cr, cc) = (cell / 2, cell % 2);
            let v: Vec<f64> = (0..3)
                .flat_map(|y: usize| (0..3usize).map(move |x| (cr * 3 + y) * 6 + cc * 3 + x))
                .map(|i| data[i])
                .collect();
            let got = |s: &str| values(&outs, s)[cell];
            if v.iter().any(|x| x.is_infinite()) {
                prop_assert!(got("SD").is_nan(), "SD of {:?}", v);
                prop_assert_eq!(got("rms"), f64::INFINITY);
                // The infinities decide, whatever the finite values add up to.
                let pos = v.contains(&f64::INFINITY);
                let neg = v.contains(&f64::NEG_INFINITY);
                let sum = match (pos, neg) {
                    (true, true) => f64::NAN,
                    (true, false) => f64::INFINITY,
                    _ => f64::NEG_INFINITY,
                };
                prop_assert!(ulps(got("sum"), sum) == 0, "sum of {:?}", v);
                continue;
            }
            let (mean, sd, rms) = scaled_two_pass(&v, &[1.0; 9]);
            // The two-pass reference itself is good to a few ulps; ours is within 1 of exact.
            let close = |g: f64, w: f64| {
                let tol = 16.0 * f64::EPSILON * w.abs() + 8.0 * f64::from_bits(1);
                (g - w).abs() <= tol || ulps(g, w) <= 16
            };
            prop_assert!(close(got("SD"), sd), "SD of {:?}: {:e} vs {:e}", v, got("SD"), sd);
            prop_assert!(close(got("rms"), rms), "rms of {:?}: {:e} vs {:e}", v, got("rms"), rms);
            // The reference's mean cancels: good to a few ulps of the largest value only.
            let big = v.iter().fold(0.0f64, |a, &x| a.max(x.abs()));
            prop_assert!(
                close(got("mean"), mean) || (got("mean") - mean).abs() <= 16.0 * f64::EPSILON * big,
                "mean of {:?}: {:e} vs {:e}", v, got("mean"), mean
            );
            prop_assert!(got("SD").is_finite() && got("rms").is_finite());
        }
    }
}

/// `√(num / den) · 2^exp` correctly rounded to f64 (ties to even), by integer arithmetic: the
/// reference for cells whose SD is tiny next to their mean. Needs `num < 2^120`, `den < 2^8`
/// and a normal result.
fn exact_sqrt_ratio(num: u128, den: u128, exp: i32) -> f64 {
    if num == 0 {
        return 0.0;
    }
    assert!(num < 1 << 120 && den > 0 && den < 1 << 8);
    // Shift num by an even 2t to at least 2^125, so that √(num · 2^2t / den) has ≥ 58 bits.
    let t = (num.leading_zeros() - 2) / 2;
    let shifted = num << (2 * t);
    let (q, rem) = (shifted / den, shifted % den);
    let r = q.isqrt();
    let inexact = rem != 0 || r * r != q;
    let bits = 128 - r.leading_zeros();
    let s = bits - 53;
    let (mut m, rest, half) = (r >> s, r & ((1 << s) - 1), 1u128 << (s - 1));
    if rest > half || (rest == half && (inexact || m & 1 == 1)) {
        m += 1;
    }
    (m as f64) * 2f64.powi(exp + s as i32 - t as i32)
}

/// The ulp exponent of a finite non-zero f64: `x = X · 2^e` with X an integer, for the
/// smallest such e at or above −1074.
fn ulp_exponent(x: f64) -> i32 {
    let biased = ((x.to_bits() >> 52) & 0x7ff) as i32;
    biased.max(1) - 1075
}

/// Exact (SD with ddof 0, SD with ddof 1, rms) of finite f64 values within a few binades of
/// each other: as integers X = x · 2^-E, n²·variance = n·ΣX² − (ΣX)² exactly.
fn exact_moments(v: &[f64]) -> (f64, f64, f64) {
    let e = v.iter().map(|&x| ulp_exponent(x)).min().unwrap();
    let ints: Vec<i128> = v.iter().map(|&x| scale2(x, -e) as i128).collect();
    let n = v.len() as i128;
    let s: i128 = ints.iter().sum();
    let q: i128 = ints.iter().map(|x| x * x).sum();
    let d = (n * q - s * s) as u128;
    let n = n as u128;
    let sd1 = if n > 1 {
        exact_sqrt_ratio(d, n * (n - 1), e)
    } else {
        f64::NAN
    };
    (
        exact_sqrt_ratio(d, n * n, e),
        sd1,
        exact_sqrt_ratio(q as u128, n, e),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Cells of a large mean plus tiny noise (SD down to 1e-14 of the mean, where W·Σx² − (Σx)²
    /// cancels by up to 90 bits): SD (ddof 0 and 1) and rms within 1 ulp of the exact value.
    #[test]
    fn sd_of_large_mean_and_tiny_noise_is_within_one_ulp(
        (fx, fy, cx, cy) in (1u64..5, 1u64..4, 1u64..4, 1u64..3),
        mean_exp in 3.0f64..12.0,
        negative in any::<bool>(),
        noise_exp in -14.0f64..-6.0,
        noise in proptest::collection::vec(-1.0f64..1.0, 48),
        split in splits(),
    ) {
        let (cols, rows) = (fx * cx, fy * cy);
        let mean = if negative { -1.0 } else { 1.0 } * 10f64.powf(mean_exp);
        let rel = 10f64.powf(noise_exp);
        let data: Vec<f64> = (0..(cols * rows) as usize)
            .map(|i| mean * (1.0 + rel * noise[i % noise.len()]))
            .collect();
        let grid = Grid::factor(cols, rows, fx, fy).unwrap();
        let (b, c, r, o) = &split;
        let for_ddof = |ddof: Ddof| {
            let stats = StatSet::parse("SD,rms").unwrap().with_options(StatOptions {
                sd_ddof: ddof,
                quantile_method: QuantileMethod::Gdal,
            });
            run(&stats, &grid, &data, None, OUT_ND, b, c, r, *o)
        };
        let (zero, one) = (for_ddof(Ddof::Zero), for_ddof(Ddof::One));
        for cell in 0..(cx * cy) as usize {
            let (cr, cc) = (cell as u64 / cx, cell as u64 % cx);
            let v: Vec<f64> = (0..fy)
                .flat_map(|y| (0..fx).map(move |x| ((cr * fy + y) * cols + cc * fx + x) as usize))
                .map(|i| data[i])
                .collect();
            let (sd0, sd1, rms) = exact_moments(&v);
            let got = |outs: &[rastagg_core::StatOutput], s: &str| values(outs, s)[cell];
            prop_assert!(ulps(got(&zero, "SD"), sd0) <= 1, "SD of {:?}: {:e} vs {:e}", v, got(&zero, "SD"), sd0);
            prop_assert!(ulps(got(&zero, "rms"), rms) <= 1, "rms of {:?}: {:e} vs {:e}", v, got(&zero, "rms"), rms);
            if v.len() > 1 {
                prop_assert!(ulps(got(&one, "SD"), sd1) <= 1, "SD1 of {:?}: {:e} vs {:e}", v, got(&one, "SD"), sd1);
            } else {
                prop_assert_eq!(got(&one, "SD"), OUT_ND);
            }
        }
    }
}

/// A cell whose values span far more than f64's 53 bits (2^30 beside many 2^-30: every proof
/// fails, the cell is summed from its pixels) keeps the low bits it gathers: 143 · 2^-30 is
/// more than half an ulp of 2^30 in f64, so the exact sum rounds up to 2^30 + 2^-22, while a
/// sum that dropped them would give 2^30. The output nodata is not an f32, so `sum` and `mean`
/// are Float64 and show it; window splits must not change it.
#[test]
fn float32_low_bits_of_a_recomputed_cell_count() {
    let grid = Grid::factor(12, 12, 12, 12).unwrap();
    let stats = StatSet::parse("sum,mean,SD").unwrap();
    let mut data = vec![2f32.powi(-30); 144];
    data[77] = 2f32.powi(30);
    let exact_sum = 2f64.powi(30) + 2f64.powi(-22);
    for (cols, rows) in [
        (vec![], vec![]),
        (vec![5], vec![3, 7]),
        (vec![1, 11], vec![6]),
    ] {
        let outs = run(&stats, &grid, &data, None, -1e300, &[], &cols, &rows, 1);
        assert_eq!(values(&outs, "sum"), [exact_sum], "cuts {cols:?} {rows:?}");
        assert_eq!(
            values(&outs, "mean"),
            [exact_sum / 144.0],
            "cuts {cols:?} {rows:?}"
        );
        // Σx² = 2^60 + 143 · 2^-60: SD = √(Σx²/n − mean²), which f64 gives within an ulp.
        let sd = values(&outs, "SD")[0];
        let reference = (2f64.powi(60) / 144.0 - (exact_sum / 144.0).powi(2)).sqrt();
        assert!(ulps(sd, reference) <= 1, "SD {sd} vs {reference}");
    }
}
