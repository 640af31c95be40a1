//! The f32 column pass in AVX2 intrinsics: eight columns a register, every accumulator of
//! those columns in registers over all the rows, and one compare per value for its validity.
//!
//! At AVX2 the compiler vectorises the generic pass of [`crate::kernel`] four f32 lanes wide
//! (the width of its f64 sums), with its accumulators spilled; here the f32 work runs eight
//! lanes wide and each f64 sum in two registers. The same operations per value in the same
//! order per column as the generic pass, so the same totals bit for bit (a test in `kernel`
//! checks it): `min`/`max` pick as the generic comparisons do (the second operand when equal
//! or NaN), and the low part of a split square `x² − f32(x²)` is exact either way, so its
//! fused form rounds to the same value.

use std::arch::x86_64::{
    __m256, __m256d, __m256i, _CMP_EQ_UQ, _CMP_UNORD_Q, _mm256_add_pd, _mm256_andnot_ps,
    _mm256_castps_si256, _mm256_castps256_ps128, _mm256_cmp_ps, _mm256_cvtps_pd,
    _mm256_extractf128_ps, _mm256_fmsub_pd, _mm256_max_ps, _mm256_min_ps, _mm256_mul_ps,
    _mm256_or_ps, _mm256_set1_epi32, _mm256_set1_ps, _mm256_setzero_pd, _mm256_setzero_si256,
    _mm256_sub_epi32,
};

use bytemuck::cast;

use super::{lanes, store};
use crate::cpu::{Level, level};
use crate::kernel::{Columns, Extent, extent};

/// Columns per group: one AVX register of f32.
const LANES: usize = 8;

/// The f32 column pass (see [`crate::kernel::ColumnPass`]) in AVX2 and FMA, on a CPU that has
/// them (else the SSE2 pass, [`super::pass_f32`]): `MM` tracks min/max, `SUM` Σx, `SQ` the
/// split squares.
pub(crate) fn pass_f32<const MM: bool, const SUM: bool, const SQ: bool>(
    rows: &[&[f32]],
    nodata: f32,
    use_nodata: bool,
    c: &mut Columns<f32>,
) -> Extent<f32> {
    if level() < Level::Avx2 {
        return super::pass_f32::<MM, SUM, SQ>(rows, nodata, use_nodata, c);
    }
    // SAFETY: a `target_feature` function only requires that the CPU has the features, which
    // `level` has just checked.
    #[allow(unsafe_code)]
    unsafe {
        avx2_pass::<MM, SUM, SQ>(rows, nodata, use_nodata, c)
    }
}

/// [`pass_f32`]'s body: the groups of columns, with the validity test that the nodata needs.
#[target_feature(enable = "avx2,fma")]
fn avx2_pass<const MM: bool, const SUM: bool, const SQ: bool>(
    rows: &[&[f32]],
    nodata: f32,
    use_nodata: bool,
    c: &mut Columns<f32>,
) -> Extent<f32> {
    let n = c.reset::<MM, SUM, SQ>(rows);
    // A value is invalid when NaN or equal to the nodata: "equal or unordered" to a nodata
    // that is a number, "unordered" with itself without one (a NaN nodata is no nodata).
    if use_nodata && !nodata.is_nan() {
        let nd = _mm256_set1_ps(nodata);
        groups::<MM, SUM, SQ>(rows, n, c, |x| _mm256_cmp_ps::<_CMP_EQ_UQ>(x, nd));
    } else {
        groups::<MM, SUM, SQ>(rows, n, c, |x| _mm256_cmp_ps::<_CMP_UNORD_Q>(x, x));
    }
    extent::<f32, MM, SUM, SQ>(rows, nodata, use_nodata, c, n)
}

/// The running totals of one group of eight columns.
struct Group {
    /// Invalid values per lane (i32).
    bad: __m256i,
    /// Minimum and maximum.
    lo: __m256,
    hi: __m256,
    /// Σx, Σf32(x²) and Σ(x² − f32(x²)), each as two registers of four f64.
    sums: [__m256d; 6],
}

impl Group {
    /// Nothing seen yet: the identities.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn new() -> Self {
        Group {
            bad: _mm256_setzero_si256(),
            lo: _mm256_set1_ps(f32::INFINITY),
            hi: _mm256_set1_ps(f32::NEG_INFINITY),
            sums: [_mm256_setzero_pd(); 6],
        }
    }

    /// Adds the values `x` of one row, of which the lanes of `not` are invalid (all ones).
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn add<const MM: bool, const SUM: bool, const SQ: bool>(&mut self, x: __m256, not: __m256) {
        // Invalid lanes are all ones, i.e. −1.
        self.bad = _mm256_sub_epi32(self.bad, _mm256_castps_si256(not));
        if MM {
            // Invalid values become NaN, which min and max below never pick.
            let v = _mm256_or_ps(x, not);
            self.lo = _mm256_min_ps(v, self.lo);
            self.hi = _mm256_max_ps(v, self.hi);
        }
        if SUM || SQ {
            // Invalid values become +0.0.
            let xm = _mm256_andnot_ps(not, x);
            let (xa, xb) = widen(xm);
            let [s1a, s1b, s2a, s2b, s3a, s3b] = &mut self.sums;
            if SUM {
                *s1a = _mm256_add_pd(*s1a, xa);
                *s1b = _mm256_add_pd(*s1b, xb);
            }
            if SQ {
                // f32(x²) is the exact square rounded once, as f32(f64(x)²) is.
                let (ha, hb) = widen(_mm256_mul_ps(xm, xm));
                *s2a = _mm256_add_pd(*s2a, ha);
                *s2b = _mm256_add_pd(*s2b, hb);
                *s3a = _mm256_add_pd(*s3a, _mm256_fmsub_pd(xa, xa, ha));
                *s3b = _mm256_add_pd(*s3b, _mm256_fmsub_pd(xb, xb, hb));
            }
        }
    }
}

/// The two f64 halves of `v` (exact).
#[target_feature(enable = "avx2,fma")]
#[inline]
fn widen(v: __m256) -> (__m256d, __m256d) {
    (
        _mm256_cvtps_pd(_mm256_castps256_ps128(v)),
        _mm256_cvtps_pd(_mm256_extractf128_ps::<1>(v)),
    )
}

/// Totals the first `n` columns of `rows` eight at a time; `invalid` sets every bit of the
/// lanes that are not data. (Rows four at a time spilled registers: the nine totals, the
/// row count, the nodata and the temporaries fill all sixteen.)
#[target_feature(enable = "avx2,fma")]
#[inline]
fn groups<const MM: bool, const SUM: bool, const SQ: bool>(
    rows: &[&[f32]],
    n: usize,
    c: &mut Columns<f32>,
    invalid: impl Fn(__m256) -> __m256,
) {
    // The rows of a band fit in an i32 many times over: the counts cannot wrap.
    let total = _mm256_set1_epi32(i32::try_from(rows.len()).unwrap_or(i32::MAX));
    for k in (0..n).step_by(LANES) {
        let mut g = Group::new();
        // NaN, never data, past the row's end (those lanes are not stored).
        let load = |row: &[f32]| -> __m256 { cast(lanes::<f32, LANES>(row, k, f32::NAN)) };
        for row in rows {
            let x = load(row);
            g.add::<MM, SUM, SQ>(x, invalid(x));
        }
        let counts: [i32; LANES] = cast(_mm256_sub_epi32(total, g.bad));
        store(&mut c.cnt, k, counts.map(|v| v as u32));
        if MM {
            store(&mut c.mn, k, cast::<__m256, [f32; LANES]>(g.lo));
            store(&mut c.mx, k, cast::<__m256, [f32; LANES]>(g.hi));
        }
        let [s1a, s1b, s2a, s2b, s3a, s3b] = g.sums;
        let join = |a: __m256d, b: __m256d| cast::<[__m256d; 2], [f64; LANES]>([a, b]);
        if SUM {
            store(&mut c.s1, k, join(s1a, s1b));
        }
        if SQ {
            store(&mut c.s2, k, join(s2a, s2b));
            store(&mut c.s3, k, join(s3a, s3b));
        }
    }
}
