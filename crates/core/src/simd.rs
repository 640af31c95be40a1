//! The column passes for f32 and i16 input in explicit SIMD (`wide`; [`avx2`]: `std::arch`
//! intrinsics): one pass over the block, a register of columns at a time, every accumulator
//! of those columns in registers over all the rows.
//!
//! It computes exactly what the generic pass in [`crate::kernel`] computes (same operations
//! per value, same order per column; a test in `kernel` checks it), only without storing the
//! column totals after every few rows: on SSE2 the generic pass cannot mix its f32 and f64
//! lanes in one vectorised loop, this one can. Used on SSE2 for f32, below AVX-512 for i16;
//! on AVX2 for f32, [`avx2`]'s pass, eight lanes wide.

use wide::{CmpEq, CmpNe, f32x4, f64x2, i16x8, i32x8};

use crate::kernel::{Columns, Extent, extent};

#[cfg(all(target_arch = "x86_64", not(fuzzing)))]
pub(crate) mod avx2;

/// Columns per group: one SSE register of f32.
const LANES: usize = 4;

/// The four values of `row` from column `k` (NaN, which is never data, past its end).
#[inline(always)]
fn load(row: &[f32], k: usize) -> f32x4 {
    f32x4::new(lanes(row, k, f32::NAN))
}

/// The `N` values of `row` from column `k`, `pad` past its end.
#[inline(always)]
fn lanes<V: Copy, const N: usize>(row: &[V], k: usize, pad: V) -> [V; N] {
    match row.get(k..k + N).and_then(|s| <[V; N]>::try_from(s).ok()) {
        Some(a) => a,
        None => {
            let mut a = [pad; N];
            for (d, &s) in a.iter_mut().zip(row.get(k..).unwrap_or(&[])) {
                *d = s;
            }
            a
        }
    }
}

/// The two f64 halves of `v` (exact).
#[inline(always)]
fn widen(v: f32x4) -> (f64x2, f64x2) {
    let a = v.to_array();
    (
        f64x2::new([f64::from(a[0]), f64::from(a[1])]),
        f64x2::new([f64::from(a[2]), f64::from(a[3])]),
    )
}

/// Stores the lanes of `v` into `dst` from column `k` on, as many as `dst` holds.
#[inline(always)]
fn store<V: Copy, const N: usize>(dst: &mut [V], k: usize, v: [V; N]) {
    if let Some(d) = dst.get_mut(k..k + N) {
        d.copy_from_slice(&v);
    } else {
        for (d, s) in dst.iter_mut().skip(k).zip(v) {
            *d = s;
        }
    }
}

/// The two f64 halves as four values.
#[inline(always)]
fn join(lo: f64x2, hi: f64x2) -> [f64; LANES] {
    let (a, b) = (lo.to_array(), hi.to_array());
    [a[0], a[1], b[0], b[1]]
}

/// The f32 column pass (see [`crate::kernel::ColumnPass`]): `MM` tracks min/max and the
/// smallest non-zero magnitude (which the f32 sums' magnitude proof needs), `SUM` Σx, `SQ` the
/// split squares Σf32(x²) and Σ(x² − f32(x²)).
pub(crate) fn pass_f32<const MM: bool, const SUM: bool, const SQ: bool>(
    rows: &[&[f32]],
    nodata: f32,
    use_nodata: bool,
    c: &mut Columns<f32>,
) -> Extent<f32> {
    let n = c.reset::<MM, SUM, SQ>(rows);
    // Without a nodata, compare with NaN, which matches nothing.
    let nd = f32x4::splat(if use_nodata { nodata } else { f32::NAN });
    let mut k = 0;
    while k < n {
        let mut count = f32x4::ZERO;
        let (mut lo, mut hi) = (f32x4::splat(f32::INFINITY), f32x4::splat(f32::NEG_INFINITY));
        let (mut s1a, mut s1b) = (f64x2::ZERO, f64x2::ZERO);
        let (mut s2a, mut s2b) = (f64x2::ZERO, f64x2::ZERO);
        let (mut s3a, mut s3b) = (f64x2::ZERO, f64x2::ZERO);
        for row in rows {
            let x = load(row, k);
            // Data: not NaN and not the nodata (NaN != NaN, and != holds for a NaN nodata).
            let ok = x.cmp_eq(x) & x.cmp_ne(nd);
            count += ok & f32x4::ONE;
            if MM {
                // Invalid values become NaN, which min and max below never pick.
                let v = x | !ok;
                lo = v.fast_min(lo);
                hi = v.fast_max(hi);
            }
            if SUM || SQ {
                // Invalid values become +0.0.
                let xm = x & ok;
                let (xa, xb) = widen(xm);
                if SUM {
                    s1a += xa;
                    s1b += xb;
                }
                if SQ {
                    // f32(x²) is the exact square rounded once, as f32(f64(x)²) is.
                    let (ha, hb) = widen(xm * xm);
                    s2a += ha;
                    s2b += hb;
                    s3a += xa * xa - ha;
                    s3b += xb * xb - hb;
                }
            }
        }
        let counts = count.trunc_int().to_array().map(|v| v as u32);
        store(&mut c.cnt, k, counts);
        if MM {
            store(&mut c.mn, k, lo.to_array());
            store(&mut c.mx, k, hi.to_array());
        }
        if SUM {
            store(&mut c.s1, k, join(s1a, s1b));
        }
        if SQ {
            store(&mut c.s2, k, join(s2a, s2b));
            store(&mut c.s3, k, join(s3a, s3b));
        }
        k += LANES;
    }
    extent::<f32, MM, SUM, SQ>(rows, nodata, use_nodata, c, n)
}

/// Columns per group of the i16 pass: one SSE register of i16.
const LANES16: usize = 8;

/// Rows per chunk of the i16 pass: its i16 counts and i32 sums cannot overflow within one.
const ROWS16: usize = 32767;

/// The eight values of `row` from column `k` (zero past its end: those lanes are not stored).
#[inline(always)]
fn load16(row: &[i16], k: usize) -> i16x8 {
    i16x8::new(lanes(row, k, 0))
}

/// Sets (`first`) or folds with `f` the lanes of `v` into `dst` from column `k` on, as many
/// as `dst` holds.
#[inline(always)]
fn put<V: Copy>(dst: &mut [V], k: usize, v: [V; LANES16], first: bool, f: impl Fn(V, V) -> V) {
    for (d, s) in dst.iter_mut().skip(k).zip(v) {
        *d = if first { s } else { f(*d, s) };
    }
}

/// The i16 column pass (see [`crate::kernel::ColumnPass`]): eight columns at a time, counts in
/// i16 lanes, Σx in exact i32 lanes and Σx² in f64 lanes from exact i32 squares, in chunks of
/// [`ROWS16`] rows. Every total equals the generic pass's: all of them are exact.
pub(crate) fn pass_i16<const MM: bool, const SUM: bool, const SQ: bool>(
    rows: &[&[i16]],
    nodata: i16,
    use_nodata: bool,
    c: &mut Columns<i16>,
) -> Extent<i16> {
    let n = c.reset::<MM, SUM, SQ>(rows);
    let nd = i16x8::splat(nodata);
    let mut k = 0;
    while k < n {
        for (chunk, part) in rows.chunks(ROWS16).enumerate() {
            let first = chunk == 0;
            let mut count = i16x8::splat(0);
            let (mut lo, mut hi) = (i16x8::splat(i16::MAX), i16x8::splat(i16::MIN));
            let mut s1 = i32x8::splat(0);
            let mut s2 = [f64x2::ZERO; 4];
            for row in part {
                let x = load16(row, k);
                // All ones where the value is data.
                let ok = if use_nodata {
                    !x.cmp_eq(nd)
                } else {
                    i16x8::splat(-1)
                };
                count -= ok;
                if MM {
                    lo = lo.min(ok.blend(x, i16x8::splat(i16::MAX)));
                    hi = hi.max(ok.blend(x, i16x8::splat(i16::MIN)));
                }
                let xz = x & ok;
                if SUM {
                    s1 += i32x8::from_i16x8(xz);
                }
                if SQ {
                    let q = xz.mul_widen(xz).to_array();
                    for (s, p) in s2.iter_mut().zip(q.chunks_exact(2)) {
                        *s += f64x2::new([f64::from(p[0]), f64::from(p[1])]);
                    }
                }
            }
            let add_u32 = |a: u32, b: u32| a + b;
            let add_f64 = |a: f64, b: f64| a + b;
            put(
                &mut c.cnt,
                k,
                count.to_array().map(|v| v as u32),
                first,
                add_u32,
            );
            if MM {
                put(&mut c.mn, k, lo.to_array(), first, i16::min);
                put(&mut c.mx, k, hi.to_array(), first, i16::max);
            }
            if SUM {
                put(&mut c.s1, k, s1.to_array().map(f64::from), first, add_f64);
            }
            if SQ {
                let [a, b, cc, d] = s2.map(|v| v.to_array());
                let q = [a[0], a[1], b[0], b[1], cc[0], cc[1], d[0], d[1]];
                put(&mut c.s2, k, q, first, add_f64);
            }
        }
        k += LANES16;
    }
    extent::<i16, MM, SUM, SQ>(rows, nodata, use_nodata, c, n)
}
