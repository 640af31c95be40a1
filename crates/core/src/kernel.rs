//! The vectorised inner loop: the input columns of one block summed over the rows of one
//! output row.
//!
//! A band accumulator first sums each input column of a block over the rows of one output row
//! (this loop: contiguous, element-wise, branch-free, one monomorphised copy per accumulator
//! set), then folds the columns of each output cell together (once per output row, not per
//! pixel). Sums are plain f64 additions, proved exact (see [`Check`]): for the whole block at
//! once from its [`Extent`] (min, max and smallest non-zero magnitude, or, for f64 input,
//! accumulated rounding errors, whose total is zero exactly when no operation rounded), and
//! per cell from its own columns only where the block's proof fails.
//!
//! The generic pass here is compiled for SSE2, AVX2 and AVX-512 ([`crate::cpu`]); f32 input on
//! SSE2 and i16 input below AVX-512 take the explicit SSE2 passes of [`crate::simd`] instead
//! (see [`column_pass`]); all compute the same column totals.

use std::any::Any;
use std::ops::Range;

use crate::cpu::{Level, fastest, level};
use crate::exact::{pow2, square_error};
use crate::pixel::{Check, Pixel};
#[cfg(all(target_arch = "x86_64", not(fuzzing)))]
use crate::simd::avx2::pass_f32 as avx2_f32;
use crate::simd::{pass_f32, pass_i16};
use crate::stat::Needs;

/// Most values a static proof (8/16-bit input) covers: 2^20 values below 2^32 sum below 2^52.
pub(crate) const ROW_LIMIT: u64 = 1 << 20;

/// Per-column totals over the rows of one output row, for one block of columns.
#[derive(Debug, Clone, Default)]
pub(crate) struct Columns<T> {
    /// Valid values per column.
    pub cnt: Vec<u32>,
    /// Column minimum (either zero when both occur: folds make zeros canonical).
    pub mn: Vec<T>,
    /// Column maximum (either zero when both occur: folds make zeros canonical).
    pub mx: Vec<T>,
    /// Smallest non-zero |x| per column (float magnitude proofs only), unless `amin_is_mn`:
    /// read through [`Columns::min_abs`] (private, so that nothing reads it directly).
    amin: Vec<T>,
    /// Whether the smallest non-zero |x| of each column is its minimum (the block's valid
    /// values are all positive), left in `mn` rather than copied to `amin`.
    amin_is_mn: bool,
    /// Σx per column.
    pub s1: Vec<f64>,
    /// Σx² per column (Σ of the high parts when squares are split).
    pub s2: Vec<f64>,
    /// Σ of the low parts of split squares per column.
    pub s3: Vec<f64>,
    /// Σ|rounding error| of `s1` (f64 input only).
    pub e1: Vec<f64>,
    /// Σ|rounding error| of `s2` and of the squares (f64 input only).
    pub e2: Vec<f64>,
    /// Σ row weight × count per column: an area grid's weighted count, in totals over rows of
    /// several weights ([`Columns::add_weighted`] only; `s1`…`s3` are then weighted too).
    pub sw: Vec<f64>,
}

/// What one column pass saw over its whole block: what a proof of the block's sums needs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Extent<T> {
    /// Smallest valid value (`T::HIGHEST` when min/max are not tracked or nothing is valid).
    pub lo: T,
    /// Largest valid value (`T::LOWEST` when min/max are not tracked or nothing is valid).
    pub hi: T,
    /// Smallest non-zero |x| (`T::HIGHEST` when not tracked or there is none).
    pub amin: T,
    /// Σ of every |rounding error| (f64 input; 0 otherwise): zero exactly when none rounded.
    pub errors: f64,
}

impl<T: Pixel> Extent<T> {
    /// The extent of two blocks of values together.
    pub(crate) fn union(self, o: Extent<T>) -> Extent<T> {
        Extent {
            lo: o.lo.lower(self.lo),
            hi: o.hi.higher(self.hi),
            amin: o.amin.lower(self.amin),
            errors: self.errors + o.errors,
        }
    }
}

/// Whether column min/max are tracked: asked for, or needed by a magnitude proof.
pub(crate) fn tracks_minmax<T: Pixel>(needs: Needs) -> bool {
    needs.minmax
        || (needs.sum && T::SUM_CHECK == Check::Magnitude)
        || (needs.squares && T::SQUARE_CHECK == Check::Magnitude)
}

/// Whether the smallest non-zero magnitude is tracked (magnitude proofs of float sums):
/// the one rule behind the passes' const `SUM`/`SQ` flags and the runtime [`Needs`].
pub(crate) const fn tracks_min_abs<T: Pixel>(sum: bool, squares: bool) -> bool {
    T::SIGNIFICAND_BITS > 0 && matches!(T::SUM_CHECK, Check::Magnitude) && (sum || squares)
}

/// Whether the Σx and Σx² of columns `cols` (of the last pass), which hold `n` valid values
/// in all with minimum `lo` and maximum `hi`, are provably exact, each column's and their
/// total in any order alike (for rounding-checked types: each column's).
pub(crate) fn range_exact<T: Pixel>(
    c: &Columns<T>,
    cols: Range<usize>,
    n: u64,
    lo: T,
    hi: T,
    needs: Needs,
) -> bool {
    let errors = |e: &[f64]| {
        e.get(cols.clone())
            .map_or(0.0, |e| e.iter().map(|x| x.abs()).sum())
    };
    let amin = if tracks_min_abs::<T>(needs.sum, needs.squares) {
        c.min_abs().get(cols.clone()).map_or(T::HIGHEST, |v| {
            v.iter().fold(T::HIGHEST, |a, &x| if x < a { x } else { a })
        })
    } else {
        T::HIGHEST
    };
    let errors = errors(&c.e1) + errors(&c.e2);
    let extent = Extent {
        lo,
        hi,
        amin,
        errors,
    };
    sums_exact(&extent, n, needs)
}

/// Whether every partial sum of Σx and Σx² of at most `n` valid values within `e` is exact
/// (for rounding-checked types: whether no addition or product rounded).
///
/// Magnitude proof: all values are multiples of `2^lsb` (lsb from the smallest non-zero
/// magnitude, or 0 for integers) and every partial sum is at most `n · max|x|` (or
/// `n · max x²`); when that is at most `2^(52 + lsb)` every partial sum is representable.
/// The answer can only turn from true to false as `n` or the extent grows, so a proof for a
/// block covers every cell piece in it.
pub(crate) fn sums_exact<T: Pixel>(e: &Extent<T>, n: u64, needs: Needs) -> bool {
    // Static proof: at most 2^20 values below 2^32 (squares too).
    let small = n <= ROW_LIMIT;
    // Rounding checks: no addition or product rounded (NaN errors fail too).
    let unrounded = e.errors == 0.0;
    let mut exact = true;
    if needs.sum {
        exact &= match T::SUM_CHECK {
            Check::Never => small,
            Check::Rounding => unrounded,
            Check::Magnitude => true,
        };
    }
    if needs.squares {
        exact &= match T::SQUARE_CHECK {
            Check::Never => small,
            Check::Rounding => unrounded,
            Check::Magnitude => true,
        };
    }
    let sum_magnitude = needs.sum && T::SUM_CHECK == Check::Magnitude;
    let square_magnitude = needs.squares && T::SQUARE_CHECK == Check::Magnitude;
    if n == 0 || !(sum_magnitude || square_magnitude) || !exact {
        return exact;
    }
    let (lo, hi) = (e.lo.to_f64(), e.hi.to_f64());
    let m = lo.abs().max(hi.abs());
    // The smallest non-zero magnitude (None: integers, or no non-zero value).
    let amin = if T::SIGNIFICAND_BITS == 0 {
        None
    } else {
        Some(e.amin.to_f64()).filter(|a| a.is_finite())
    };
    // Exponent of the lowest bit any value can have (None: no non-zero value).
    let lsb = if T::SIGNIFICAND_BITS == 0 {
        Some(0)
    } else {
        amin.map(|a| ((a.to_bits() >> 52) & 0x7ff) as i32 - 1023 - (T::SIGNIFICAND_BITS - 1))
    };
    // Split squares: hi = f32(x²) ≥ 2^(2·e(min)) has its lowest bit at 2^(2·lsb + 23); lo is
    // below 2^-24·hi with its lowest bit at 2^(2·lsb): the hi bound is the binding one.
    let sq_lsb = |l: i32| {
        if T::SPLIT_SQUARES {
            2 * l + T::SIGNIFICAND_BITS - 1
        } else {
            2 * l
        }
    };
    // One bit of margin (52, not 53) covers the rounding of n·m and n·m².
    let n = n as f64;
    let fits = |v: f64, l: i32| v <= pow2(52 + l);
    if sum_magnitude {
        exact &= m.is_finite() && lsb.is_none_or(|l| fits(n * m, l));
    }
    if square_magnitude {
        let m2 = m * m;
        // The bounds on hi and lo hold only while every hi is an f32 normal: a square below
        // f32::MIN_POSITIVE rounds to a subnormal or to 0 and leaves all its bits in lo.
        let hi_fits = !T::SPLIT_SQUARES
            || (m2 <= f64::from(f32::MAX)
                && amin.is_none_or(|a| a * a >= f64::from(f32::MIN_POSITIVE)));
        exact &= m2.is_finite() && hi_fits && lsb.is_none_or(|l| fits(n * m2, sq_lsb(l)));
    }
    exact
}

/// [`sums_exact`] for each of a run's cells (`n` valid values between `lo` and `hi`,
/// smallest non-zero magnitude `amin`), into `proved`; returns whether every cell is proved.
///
/// f32 (split squares, magnitude proofs of both sums) takes a closed form of the same test in
/// one straight loop without branches, which the compiler vectorises: the lowest bit a value
/// can have is `2^(e − 23)` for `2^e` = `amin` with its significand cleared, so the bounds
/// `2^(52 + lsb)` and `2^(52 + 2·lsb + 23)` are `2^e · 2^29` and `(2^e)² · 2^29`; a cell
/// without a non-zero value has `amin` = +∞ and passes them, as the general test does.
/// The tests check the two forms agree. Other types ask [`sums_exact`] cell by cell.
/// Inlined, so that the run fold's AVX2 and AVX-512 copies have their own.
#[inline(always)]
pub(crate) fn prove_cells<T: Pixel>(
    n: &[u32],
    lo: &[T],
    hi: &[T],
    amin: &[T],
    needs: Needs,
    proved: &mut Vec<bool>,
) -> bool {
    proved.clear();
    proved.resize(n.len(), false);
    let cells = proved.iter_mut().zip(n).zip(lo.iter().zip(hi)).zip(amin);
    let closed_form =
        T::SPLIT_SQUARES && T::SUM_CHECK == Check::Magnitude && T::SQUARE_CHECK == Check::Magnitude;
    if !closed_form {
        let mut all = true;
        for (((p, &k), (&lo, &hi)), &amin) in cells {
            let extent = Extent {
                lo,
                hi,
                amin,
                errors: 0.0,
            };
            *p = sums_exact(&extent, u64::from(k), needs);
            all &= *p;
        }
        return all;
    }
    const EXPONENT: u64 = 0x7ff << 52;
    let scale = pow2(52 - (T::SIGNIFICAND_BITS - 1));
    let square_max = f64::from(f32::MAX);
    let square_min = f64::from(f32::MIN_POSITIVE);
    let mut all = true;
    for (((p, &k), (&lo, &hi)), &amin) in cells {
        let (lo, hi, a) = (lo.to_f64(), hi.to_f64(), amin.to_f64());
        let m = lo.abs().max(hi.abs());
        let unit = f64::from_bits(a.to_bits() & EXPONENT);
        let k = f64::from(k);
        let mut ok = true;
        if needs.sum {
            ok &= (m <= f64::MAX) & (k * m <= unit * scale);
        }
        if needs.squares {
            let m2 = m * m;
            ok &= (m2 <= square_max) & (a * a >= square_min) & (k * m2 <= unit * unit * scale);
        }
        // (An empty cell's extent is the identities, whose products are NaN or ∞.)
        ok |= k == 0.0;
        *p = ok;
        all &= ok;
    }
    all
}

impl<T: Pixel> Columns<T> {
    /// Smallest non-zero |x| per column (when a magnitude proof tracks it).
    pub(crate) fn min_abs(&self) -> &[T] {
        if self.amin_is_mn {
            &self.mn
        } else {
            &self.amin
        }
    }

    /// Sizes the accumulators the pass uses to the rows' length (rows are all of one length,
    /// see [`ColumnPass`]; the shortest counts should they differ), which it returns. New
    /// accumulators start at their identities: the passes write every column of a block
    /// afresh, so old values are never read.
    pub(crate) fn reset<const MM: bool, const SUM: bool, const SQ: bool>(
        &mut self,
        rows: &[&[T]],
    ) -> usize {
        let n = rows.iter().map(|r| r.len()).min().unwrap_or(0);
        fn fill<V: Copy>(on: bool, v: &mut Vec<V>, n: usize, x: V) {
            if on {
                v.resize(n, x);
            }
        }
        fill(true, &mut self.cnt, n, 0);
        fill(MM, &mut self.mn, n, T::HIGHEST);
        fill(MM, &mut self.mx, n, T::LOWEST);
        // (`amin` is [`min_magnitudes`]' own: it fills it when a proof needs it.)
        self.amin_is_mn = false;
        fill(SUM, &mut self.s1, n, 0.0);
        fill(SUM && T::SUM_CHECK == Check::Rounding, &mut self.e1, n, 0.0);
        fill(SQ, &mut self.s2, n, 0.0);
        fill(SQ && T::SPLIT_SQUARES, &mut self.s3, n, 0.0);
        fill(
            SQ && T::SQUARE_CHECK == Check::Rounding,
            &mut self.e2,
            n,
            0.0,
        );
        n
    }

    /// Adds the totals of the first `n` columns of `src` (the last pass, which tracked what
    /// `needs` asks for), its sums times the row weight `wy`, into these totals, or replaces
    /// them with those when `fresh`; `sw` gets `wy` × count. An area grid's output row, whose
    /// input rows come in runs of different weights, one pass per run, then folds into its
    /// cells once, from these totals (not once per run). Counts, extremes and smallest
    /// magnitudes combine as they do over rows; the weighted sums are exact wherever a proof
    /// of the cells' weighted sums (each term at most `wy` copies of a value) says so.
    /// Inlined, so that callers can compile it for AVX2 or AVX-512 ([`crate::cpu::fastest`]).
    #[inline(always)]
    pub(crate) fn add_weighted(
        &mut self,
        src: &Columns<T>,
        n: usize,
        wy: f64,
        fresh: bool,
        needs: Needs,
    ) {
        /// `dst[k] = f(dst[k], src[k])` over the first `n` columns (`f(id, src[k])`, `id` the
        /// identity, when `fresh`), when `on`; an accumulator that is off stays empty.
        fn merge<V: Copy, W: Copy>(
            on: bool,
            dst: &mut Vec<V>,
            src: &[W],
            (n, fresh): (usize, bool),
            id: V,
            f: impl Fn(V, W) -> V,
        ) {
            if !on {
                return;
            }
            if fresh {
                dst.clear();
                dst.extend(head(src, n).iter().map(|&s| f(id, s)));
            } else {
                for (d, &s) in dst.iter_mut().zip(head(src, n)) {
                    *d = f(*d, s);
                }
            }
        }
        let at = (n, fresh);
        let split = needs.squares && T::SPLIT_SQUARES;
        let mm = tracks_minmax::<T>(needs);
        merge(true, &mut self.cnt, &src.cnt, at, 0, |a, b| a + b);
        // (Σw only divides sums.)
        merge(
            needs.sum || needs.squares,
            &mut self.sw,
            &src.cnt,
            at,
            0.0,
            |a, k| a + wy * f64::from(k),
        );
        merge(mm, &mut self.mn, &src.mn, at, T::HIGHEST, |a, b| b.lower(a));
        merge(mm, &mut self.mx, &src.mx, at, T::LOWEST, |a, b| b.higher(a));
        let small = mm && tracks_min_abs::<T>(needs.sum, needs.squares);
        self.amin_is_mn = false;
        merge(
            small,
            &mut self.amin,
            src.min_abs(),
            at,
            T::HIGHEST,
            |a, b| b.lower(a),
        );
        let weighted = |a: f64, x: f64| a + wy * x;
        merge(needs.sum, &mut self.s1, &src.s1, at, 0.0, weighted);
        merge(needs.squares, &mut self.s2, &src.s2, at, 0.0, weighted);
        merge(split, &mut self.s3, &src.s3, at, 0.0, weighted);
    }
}

/// Whether no value of `rows` is data (each is the nodata value or NaN): such a block of
/// columns changes no accumulator, so the band skips its pass and fold. Global grids are
/// mostly ocean (the benchmark file ~64% nodata). Checks 64 values at a time without
/// branches and stops at the first chunk holding data, which on land is the first one.
pub(crate) fn all_nodata<T: Pixel>(rows: &[&[T]], nodata: T, use_nodata: bool) -> bool {
    let none = |v: &[T]| {
        v.iter()
            .fold(true, |a, &x| a & !x.is_data(nodata, use_nodata))
    };
    rows.iter().all(|row| {
        let (chunks, rest) = row.as_chunks::<64>();
        chunks.iter().all(|c| none(c)) && none(rest)
    })
}

/// A column pass: totals every column of `rows` (all of the same length) over all the rows
/// into the first columns of the accumulators, and returns the extent of the whole block.
/// Arguments: the rows, the band's nodata value, whether the band has one, the columns.
pub(crate) type ColumnPass<T> = fn(&[&[T]], T, bool, &mut Columns<T>) -> Extent<T>;

/// The pass specialised for exactly the accumulators `needs` asks for (count always). On a
/// CPU with AVX-512, the generic pass compiled for it, which the compiler vectorises at that
/// width, for every type (kernel benchmark, against AVX2: f32 15–40% faster, i16 six stats
/// 1.5× faster than the SSE2 pass). Else the explicit SSE2 pass of [`crate::simd`] for i16
/// (faster than the generic pass at AVX2: its exact i32 sums); on a CPU with AVX2 the
/// explicit AVX2 pass for f32 ([`crate::simd::avx2`]: the generic pass compiled for AVX2 ran
/// four f32 lanes wide; six statistics 10–20% faster in interleaved runs) and the generic
/// pass compiled for AVX2 for other types; else the SSE2 pass for f32 and the generic pass
/// for other types.
pub(crate) fn column_pass<T: Pixel>(needs: Needs) -> ColumnPass<T> {
    macro_rules! by_needs {
        ($pass:ident $(, $t:ty)?) => {
            match (tracks_minmax::<T>(needs), needs.sum, needs.squares) {
                (false, false, false) => $pass::<$($t,)? false, false, false>,
                (false, false, true) => $pass::<$($t,)? false, false, true>,
                (false, true, false) => $pass::<$($t,)? false, true, false>,
                (false, true, true) => $pass::<$($t,)? false, true, true>,
                (true, false, false) => $pass::<$($t,)? true, false, false>,
                (true, false, true) => $pass::<$($t,)? true, false, true>,
                (true, true, false) => $pass::<$($t,)? true, true, false>,
                (true, true, true) => $pass::<$($t,)? true, true, true>,
            }
        };
    }
    macro_rules! specialised {
        ($t:ty, $pass:ident) => {{
            let p: ColumnPass<$t> = by_needs!($pass);
            if let Some(&p) = (&p as &dyn Any).downcast_ref::<ColumnPass<T>>() {
                return p;
            }
        }};
    }
    if level() == Level::Avx512 {
        return by_needs!(wide_pass, T);
    }
    specialised!(i16, pass_i16);
    if level() == Level::Avx2 {
        #[cfg(all(target_arch = "x86_64", not(fuzzing)))]
        specialised!(f32, avx2_f32);
        return by_needs!(wide_pass, T);
    }
    specialised!(f32, pass_f32);
    by_needs!(pass, T)
}

/// [`pass`] compiled for AVX2 or AVX-512 (the widest the CPU has: [`fastest!`] chooses).
fn wide_pass<T: Pixel, const MM: bool, const SUM: bool, const SQ: bool>(
    rows: &[&[T]],
    nodata: T,
    use_nodata: bool,
    c: &mut Columns<T>,
) -> Extent<T> {
    fastest!(pass::<T, MM, SUM, SQ>(rows, nodata, use_nodata, c))
}

/// Slices `v` to `n` when the accumulator is on, to nothing when it is off (never indexed).
#[inline(always)]
fn part<V>(on: bool, v: &mut [V], n: usize) -> &mut [V] {
    if on { &mut v[..n] } else { &mut [] }
}

/// Adds the rows five or four at a time (accumulators stay in registers across them), then
/// one at a time, the first chunk writing the columns afresh (no reset pass); returns the
/// block's extent.
#[inline(always)]
fn pass<T: Pixel, const MM: bool, const SUM: bool, const SQ: bool>(
    rows: &[&[T]],
    nodata: T,
    use_nodata: bool,
    c: &mut Columns<T>,
) -> Extent<T> {
    let n = c.reset::<MM, SUM, SQ>(rows);
    // Floats without a nodata compare with NaN instead, which matches nothing: one test
    // fewer per pixel (`use_nodata` is then always true).
    let float = T::SIGNIFICAND_BITS > 0;
    let nodata = if float && !use_nodata {
        T::cast_from_f64(f64::NAN)
    } else {
        nodata
    };
    let use_nodata = use_nodata || float;
    // Five rows at a time when they divide evenly: factors 5 and 10 (1 km to 5 or 10 km) are
    // the usual ones, and each chunk reads and writes the column totals once.
    if rows.len().is_multiple_of(5) {
        for (i, q) in rows.chunks_exact(5).enumerate() {
            if let [a, b, cc, d, e] = q {
                rows_into::<T, MM, SUM, SQ, 5>([a, b, cc, d, e], nodata, use_nodata, c, i == 0);
            }
        }
    } else {
        let mut quads = rows.chunks_exact(4);
        let mut fresh = true;
        for q in &mut quads {
            if let [a, b, cc, d] = q {
                rows_into::<T, MM, SUM, SQ, 4>([a, b, cc, d], nodata, use_nodata, c, fresh);
                fresh = false;
            }
        }
        for r in quads.remainder() {
            rows_into::<T, MM, SUM, SQ, 1>([r], nodata, use_nodata, c, fresh);
            fresh = false;
        }
    }
    extent::<T, MM, SUM, SQ>(rows, nodata, use_nodata, c, n)
}

/// Fills the smallest non-zero magnitude of the first `n` columns (which the magnitude proof
/// of float sums needs) from their minima and maxima, and returns the block's: when the
/// block's valid values (extremes `lo`, `hi`) all have one sign it is each column's minimum
/// (left in place: [`Columns::amin_is_mn`]) or |maximum|, else one more pass over the rows
/// finds it. (Columns without a valid value keep the identity, +∞, either way.)
#[inline(always)]
fn min_magnitudes<T: Pixel>(
    rows: &[&[T]],
    nodata: T,
    use_nodata: bool,
    c: &mut Columns<T>,
    n: usize,
    (lo, hi): (T, T),
) -> T {
    c.amin.clear();
    c.amin_is_mn = lo > T::default();
    if c.amin_is_mn {
        return lo;
    }
    if hi < T::default() {
        c.amin.extend(head(&c.mx, n).iter().map(|v| v.magnitude()));
        return hi.magnitude();
    }
    // The nodata and zero (no lowest bit) become NaN, which `lower` never picks (as NaN
    // values): a plain minimum of |x|. (Without a nodata, NaN stands for it, equal to
    // nothing. Two selects, not one on a combined test: the compiled loop then keeps the
    // compare masks as they are, where the combined test repacked them to bytes and back.)
    let nodata = if use_nodata {
        nodata
    } else {
        T::cast_from_f64(f64::NAN)
    };
    let small = |x: T| {
        let a = x.magnitude().nan_unless(x != nodata);
        a.nan_unless(a != T::default())
    };
    c.amin.resize(n, T::HIGHEST);
    // Columns `LANES` at a time over all the rows, their minima in registers (rows one after
    // another over all the columns stored every row's minima: twice the instructions, 12% of
    // the kernel benchmark's `f32_around_0` six statistics against 9% now).
    let (groups, rest) = c.amin.as_chunks_mut::<LANES>();
    for (g, out) in groups.iter_mut().enumerate() {
        let k = g * LANES;
        let mut acc = [T::HIGHEST; LANES];
        for row in rows {
            if let Some(v) = row
                .get(k..k + LANES)
                .and_then(|v| <&[T; LANES]>::try_from(v).ok())
            {
                for (a, &x) in acc.iter_mut().zip(v) {
                    *a = small(x).lower(*a);
                }
            }
        }
        *out = acc;
    }
    let k = n - rest.len();
    for row in rows {
        for (a, &x) in rest.iter_mut().zip(row.get(k..).unwrap_or(&[])) {
            *a = small(x).lower(*a);
        }
    }
    fold(&c.amin, T::HIGHEST, |a, b| b.lower(a))
}

/// Adds `R` rows into the columns in one loop over them: counts and extremes in the input's
/// lanes and the f64 sums beside them (one load and one validity test per value; at AVX2 and
/// AVX-512 the compiler mixes the two widths in one loop, 5% faster than a loop for each).
/// `fresh`: the first rows of the block, whose totals replace what the columns hold.
#[inline(always)]
fn rows_into<T: Pixel, const MM: bool, const SUM: bool, const SQ: bool, const R: usize>(
    rows: [&[T]; R],
    nodata: T,
    use_nodata: bool,
    c: &mut Columns<T>,
    fresh: bool,
) {
    let n = rows.iter().map(|r| r.len()).min().unwrap_or(0);
    let e1_on = SUM && T::SUM_CHECK == Check::Rounding;
    let e2_on = SQ && T::SQUARE_CHECK == Check::Rounding;
    add_rows::<T, MM, SUM, SQ, R>(
        rows.map(|r| &r[..n]),
        nodata,
        use_nodata,
        fresh,
        &mut c.cnt[..n],
        part(MM, &mut c.mn, n),
        part(MM, &mut c.mx, n),
        part(SUM, &mut c.s1, n),
        part(e1_on, &mut c.e1, n),
        part(SQ, &mut c.s2, n),
        part(SQ && T::SPLIT_SQUARES, &mut c.s3, n),
        part(e2_on, &mut c.e2, n),
    );
}

/// [`rows_into`]'s loop, each column total a slice argument of its own: the compiler knows
/// mutable slice arguments alias nothing else, so it vectorises the loop without checking,
/// at every call, that no total overlaps another or an input row. Every row and every total
/// that is on holds `cnt.len()` values; totals that are off are empty and never read.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn add_rows<T: Pixel, const MM: bool, const SUM: bool, const SQ: bool, const R: usize>(
    rows: [&[T]; R],
    nodata: T,
    use_nodata: bool,
    fresh: bool,
    cnt: &mut [u32],
    mn: &mut [T],
    mx: &mut [T],
    s1: &mut [f64],
    e1: &mut [f64],
    s2: &mut [f64],
    s3: &mut [f64],
    e2: &mut [f64],
) {
    let n = cnt.len();
    // Floats: invalid values become NaN, which every comparison below rejects.
    let float = T::SIGNIFICAND_BITS > 0;
    let e1_on = SUM && T::SUM_CHECK == Check::Rounding;
    let e2_on = SQ && T::SQUARE_CHECK == Check::Rounding;
    for k in 0..n {
        let mut count = 0;
        let (mut lo, mut hi) = (T::HIGHEST, T::LOWEST);
        let (mut sum, mut err1, mut sq, mut sq_lo, mut err2) = (0.0, 0.0, 0.0, 0.0, 0.0);
        if !fresh {
            count = cnt[k];
            if MM {
                lo = mn[k];
                hi = mx[k];
            }
            if SUM {
                sum = s1[k];
            }
            if e1_on {
                err1 = e1[k];
            }
            if SQ {
                sq = s2[k];
            }
            if SQ && T::SPLIT_SQUARES {
                sq_lo = s3[k];
            }
            if e2_on {
                err2 = e2[k];
            }
        }
        for row in &rows {
            let x = row[k];
            let ok = x.is_data(nodata, use_nodata | float);
            count += u32::from(ok);
            if MM {
                let v = x.nan_unless(ok);
                lo = if (float | ok) & (v < lo) { v } else { lo };
                hi = if (float | ok) & (v > hi) { v } else { hi };
            }
            // Zero the invalid values before widening (one mask in the input's lanes).
            let x = if ok { x } else { T::default() };
            let xf = x.to_f64();
            if SUM {
                let t = sum + xf;
                if e1_on {
                    let z = t - sum;
                    err1 += ((sum - (t - z)) + (xf - z)).abs();
                }
                sum = t;
            }
            if SQ && T::SPLIT_SQUARES {
                let q = xf * xf;
                // f32(x²), the high half (an f32 product rounds the exact square once).
                let h = x.square_high();
                sq += h;
                sq_lo += q - h;
            } else if SQ {
                let q = xf * xf;
                let t = sq + q;
                if e2_on {
                    let z = t - sq;
                    err2 += ((sq - (t - z)) + (q - z)).abs() + square_error(xf);
                }
                sq = t;
            }
        }
        cnt[k] = count;
        if MM {
            mn[k] = lo;
            mx[k] = hi;
        }
        if SUM {
            s1[k] = sum;
        }
        if e1_on {
            e1[k] = err1;
        }
        if SQ {
            s2[k] = sq;
        }
        if SQ && T::SPLIT_SQUARES {
            s3[k] = sq_lo;
        }
        if e2_on {
            e2[k] = err2;
        }
    }
}

/// Lanes of the block extent's reductions: independent running values, so that the
/// reductions' latency chains overlap (32 f32: two AVX-512 or four AVX2 registers).
const LANES: usize = 32;

/// The extent of the block just added to the first `n` columns (`rows`, with the band's nodata
/// value and whether it has one), reduced lane by lane so that it vectorises (inlined into the
/// passes, so compiled for their instruction set); fills the columns' smallest non-zero
/// magnitudes when a magnitude proof needs them.
#[inline(always)]
pub(crate) fn extent<T: Pixel, const MM: bool, const SUM: bool, const SQ: bool>(
    rows: &[&[T]],
    nodata: T,
    use_nodata: bool,
    c: &mut Columns<T>,
    n: usize,
) -> Extent<T> {
    let rounding =
        (SUM && T::SUM_CHECK == Check::Rounding) || (SQ && T::SQUARE_CHECK == Check::Rounding);
    let (mut lo, mut hi) = (T::HIGHEST, T::LOWEST);
    if MM {
        lo = fold(head(&c.mn, n), lo, |a, b| b.lower(a));
        hi = fold(head(&c.mx, n), hi, |a, b| b.higher(a));
    }
    let amin = if MM && tracks_min_abs::<T>(SUM, SQ) {
        min_magnitudes(rows, nodata, use_nodata, c, n, (lo, hi))
    } else {
        T::HIGHEST
    };
    Extent {
        lo,
        hi,
        amin,
        errors: if rounding {
            errors(head(&c.e1, n)) + errors(head(&c.e2, n))
        } else {
            0.0
        },
    }
}

/// The first `n` values of `v` (all of them when shorter).
fn head<V>(v: &[V], n: usize) -> &[V] {
    v.get(..n).unwrap_or(v)
}

/// `f` folded over `v`, one running value per lane: the tail goes into the first lanes, then
/// the lanes fold in halves (no long chain of dependent operations anywhere).
#[inline(always)]
fn fold<T: Copy>(v: &[T], id: T, f: impl Fn(T, T) -> T) -> T {
    let mut acc = [id; LANES];
    let (chunks, rest) = v.as_chunks::<LANES>();
    for ch in chunks {
        for l in 0..LANES {
            acc[l] = f(acc[l], ch[l]);
        }
    }
    for (a, &x) in acc.iter_mut().zip(rest) {
        *a = f(*a, x);
    }
    let mut width = LANES;
    while width > 1 {
        width /= 2;
        for l in 0..width {
            acc[l] = f(acc[l], acc[l + width]);
        }
    }
    acc[0]
}

/// Σ|x| over `v` (zero exactly when every value is zero), as [`fold`] sums.
#[inline(always)]
fn errors(v: &[f64]) -> f64 {
    fold(v, 0.0, |a, x| a + x.abs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// f32 values of every kind a cell's extent can hold: zeros, subnormals, normals of any
    /// exponent, ±∞ and the identities.
    fn any_f32() -> impl Strategy<Value = f32> {
        prop_oneof![
            Just(0.0f32),
            Just(f32::INFINITY),
            Just(f32::NEG_INFINITY),
            Just(f32::MAX),
            Just(f32::MIN_POSITIVE),
            (1u32..0x80_0000).prop_map(f32::from_bits),
            any::<f32>().prop_filter("not NaN", |v| !v.is_nan()),
            (-30.0f32..30.0),
        ]
    }

    proptest! {
        /// The closed form of the f32 cell proofs decides every cell as `sums_exact` does.
        #[test]
        fn f32_cell_proofs_match_sums_exact(
            cells in prop::collection::vec(
                (prop_oneof![Just(0u32), 1u32..30, any::<u32>()], any_f32(), any_f32(), any_f32()),
                1..40,
            ),
            sum: bool,
            squares: bool,
        ) {
            let needs = Needs { minmax: true, sum, squares, values: false };
            let n: Vec<u32> = cells.iter().map(|c| c.0).collect();
            let lo: Vec<f32> = cells.iter().map(|c| c.1.min(c.2)).collect();
            let hi: Vec<f32> = cells.iter().map(|c| c.1.max(c.2)).collect();
            let amin: Vec<f32> = cells.iter().map(|c| c.3.abs()).collect();
            let mut proved = Vec::new();
            let all = prove_cells(&n, &lo, &hi, &amin, needs, &mut proved);
            for (i, &p) in proved.iter().enumerate() {
                let extent = Extent { lo: lo[i], hi: hi[i], amin: amin[i], errors: 0.0 };
                prop_assert_eq!(p, sums_exact(&extent, u64::from(n[i]), needs), "cell {}", i);
            }
            prop_assert_eq!(all, proved.iter().all(|&p| p));
        }
    }

    /// What a pass gave, number by number: (what, column, value).
    type Outcome = Vec<(&'static str, usize, f64)>;

    /// The column totals and extent of a pass, as comparable numbers: counts, extremes (−0 and
    /// +0 alike: either may stand for both), sums and smallest magnitudes (NaN alike).
    fn outcome<T: Pixel>(c: &Columns<T>, e: &Extent<T>) -> Outcome {
        let mut out = Vec::new();
        let mut put = |what, v: &[f64]| {
            for (k, &x) in v.iter().enumerate() {
                // (0.0 stands for −0.0; one NaN for every NaN.)
                out.push((what, k, if x.is_nan() { f64::NAN } else { x + 0.0 }));
            }
        };
        let wide = |v: &[T]| v.iter().map(|x| x.to_f64()).collect::<Vec<_>>();
        put(
            "count",
            &c.cnt.iter().map(|&k| f64::from(k)).collect::<Vec<_>>(),
        );
        put("min", &wide(&c.mn));
        put("max", &wide(&c.mx));
        put("amin", &wide(c.min_abs()));
        put("sum", &c.s1);
        put("squares", &c.s2);
        put("square lows", &c.s3);
        put("extent", &wide(&[e.lo, e.hi, e.amin]));
        put("errors", &[e.errors]);
        out
    }

    /// Two passes on the same rows: the generic one and a `simd` one of the same flags.
    fn both<T: Pixel>(
        values: &[T],
        cols: usize,
        nodata: T,
        use_nodata: bool,
        (generic, simd): (ColumnPass<T>, ColumnPass<T>),
    ) -> (Outcome, Outcome) {
        let rows: Vec<&[T]> = values.chunks_exact(cols).collect();
        let (mut a, mut b) = (Columns::default(), Columns::default());
        let ea = generic(&rows, nodata, use_nodata, &mut a);
        let eb = simd(&rows, nodata, use_nodata, &mut b);
        (outcome(&a, &ea), outcome(&b, &eb))
    }

    /// The generic pass and the explicit pass `$simd` for element type `$t` at one flag set
    /// (min/max, Σx, Σx²).
    macro_rules! pair {
        ($t:ty, $simd:ident, $mm:literal, $sum:literal, $sq:literal) => {
            (
                pass::<$t, $mm, $sum, $sq> as ColumnPass<$t>,
                $simd::<$mm, $sum, $sq> as ColumnPass<$t>,
            )
        };
    }

    /// [`pair!`] at each of the eight flag sets [`column_pass`] can hand out.
    macro_rules! flag_sets {
        ($t:ty, $simd:ident) => {
            vec![
                pair!($t, $simd, false, false, false),
                pair!($t, $simd, false, false, true),
                pair!($t, $simd, false, true, false),
                pair!($t, $simd, false, true, true),
                pair!($t, $simd, true, false, false),
                pair!($t, $simd, true, false, true),
                pair!($t, $simd, true, true, false),
                pair!($t, $simd, true, true, true),
            ]
        };
    }

    /// Rows of `cols` values each, 1 to 11 rows.
    fn rows_of<V: std::fmt::Debug>(
        values: impl Strategy<Value = V> + Clone,
    ) -> impl Strategy<Value = (usize, Vec<V>)> {
        (1usize..40, 1usize..12).prop_flat_map(move |(cols, rows)| {
            (
                Just(cols),
                prop::collection::vec(values.clone(), cols * rows),
            )
        })
    }

    proptest! {
        /// The explicit f32 passes, SSE2 (CPUs without AVX2) and AVX2 (CPUs with AVX2 but not
        /// AVX-512; it runs on any CPU with AVX2, and falls back to the SSE2 pass without),
        /// total the columns exactly as the generic pass (AVX-512) does, whatever the nodata,
        /// at every flag set: the CPU never changes a result.
        #[test]
        fn f32_simd_passes_match_the_generic_pass(
            (cols, values) in rows_of(prop_oneof![
                any_f32(),
                Just(-9999.0f32),
                Just(f32::NAN),
                Just(-0.0f32),
                Just(0.0f32),
                (-30.0f32..30.0),
            ]),
            nodata in prop_oneof![Just(-9999.0f32), Just(0.0), Just(f32::NAN)],
            use_nodata: bool,
        ) {
            #[allow(unused_mut)] // (no AVX2 pass in fuzzing builds)
            let mut sets = flag_sets!(f32, pass_f32);
            #[cfg(all(target_arch = "x86_64", not(fuzzing)))]
            sets.extend(flag_sets!(f32, avx2_f32));
            for pair in sets {
                let (generic, simd) = both(&values, cols, nodata, use_nodata, pair);
                prop_assert_eq!(generic.len(), simd.len());
                for (g, s) in generic.iter().zip(&simd) {
                    prop_assert!(g == s || (g.2.is_nan() && s.2.is_nan() && g.0 == s.0), "{:?} vs {:?}", g, s);
                }
            }
        }

        /// The same for the SSE2 i16 pass (below AVX-512) and the generic pass (AVX-512), at
        /// every flag set.
        #[test]
        fn i16_simd_pass_matches_the_generic_pass(
            (cols, values) in rows_of(prop_oneof![any::<i16>(), Just(-3i16), -5i16..5]),
            use_nodata: bool,
        ) {
            for pair in flag_sets!(i16, pass_i16) {
                let (generic, simd) = both(&values, cols, -3, use_nodata, pair);
                prop_assert_eq!(generic, simd);
            }
        }
    }

    /// Hand-checked cells: 2^20 values of 1.5 (lowest bit 2^-1) sum below 2^51; a value of
    /// 2^-20 beside 2^40 leaves sums that need more than 53 bits.
    #[test]
    fn f32_cell_proofs_by_hand() {
        let needs = Needs {
            minmax: true,
            sum: true,
            squares: true,
            values: false,
        };
        let mut proved = Vec::new();
        let all = prove_cells(
            &[1 << 20, 2, 0],
            &[1.5f32, 2f32.powi(-20), f32::INFINITY],
            &[1.5, 2f32.powi(40), f32::NEG_INFINITY],
            &[1.5, 2f32.powi(-20), f32::INFINITY],
            needs,
            &mut proved,
        );
        assert_eq!(proved, [true, false, true]);
        assert!(!all);
    }
}
