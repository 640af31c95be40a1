//! The vectorised inner loop: one input row added into per-column accumulators.
//!
//! A band accumulator first sums each input column over the rows of one output row (this loop:
//! contiguous, element-wise, branch-free, one monomorphised copy per accumulator set), then
//! folds the columns of each output cell together (once per output row, not per pixel). Sums
//! are plain f64 additions whose rounding errors are accumulated (as magnitudes) beside them:
//! an error total of exactly zero proves the f64 sum is the exact sum, whatever the order.

use crate::exact::two_prod;
use crate::pixel::Pixel;
use crate::stat::Needs;

/// Per-column accumulators for one output row of one window.
#[derive(Debug, Clone, Default)]
pub(crate) struct Columns<T> {
    /// Valid values per column.
    pub cnt: Vec<u32>,
    /// Column minimum (canonical zeros).
    pub mn: Vec<T>,
    /// Column maximum (canonical zeros).
    pub mx: Vec<T>,
    /// Σx per column.
    pub s1: Vec<f64>,
    /// Σx² per column.
    pub s2: Vec<f64>,
    /// Σ|rounding error| of `s1`.
    pub e1: Vec<f64>,
    /// Σ|rounding error| of `s2` and of the squares.
    pub e2: Vec<f64>,
}

impl<T: Pixel> Columns<T> {
    /// Empties the accumulators `needs` asks for, for `width` columns.
    pub fn reset(&mut self, width: usize, needs: Needs) {
        fn fill<V: Copy>(v: &mut Vec<V>, width: usize, x: V) {
            v.clear();
            v.resize(width, x);
        }
        fill(&mut self.cnt, width, 0);
        if needs.minmax {
            fill(&mut self.mn, width, T::HIGHEST);
            fill(&mut self.mx, width, T::LOWEST);
        }
        if needs.sum {
            fill(&mut self.s1, width, 0.0);
            fill(&mut self.e1, width, 0.0);
        }
        if needs.squares {
            fill(&mut self.s2, width, 0.0);
            fill(&mut self.e2, width, 0.0);
        }
    }
}

/// A row kernel: adds `row` into the first `row.len()` columns. Arguments: the row, the band's
/// nodata value, whether the band has one, the columns.
pub(crate) type RowKernel<T> = fn(&[T], T, bool, &mut Columns<T>);

/// The kernel specialised for exactly the accumulators `needs` asks for (count always).
pub(crate) fn row_kernel<T: Pixel>(needs: Needs) -> RowKernel<T> {
    match (needs.minmax, needs.sum, needs.squares) {
        (false, false, false) => accumulate::<T, false, false, false>,
        (false, false, true) => accumulate::<T, false, false, true>,
        (false, true, false) => accumulate::<T, false, true, false>,
        (false, true, true) => accumulate::<T, false, true, true>,
        (true, false, false) => accumulate::<T, true, false, false>,
        (true, false, true) => accumulate::<T, true, false, true>,
        (true, true, false) => accumulate::<T, true, true, false>,
        (true, true, true) => accumulate::<T, true, true, true>,
    }
}

/// Slices `v` to `n` when the accumulator is on, to nothing when it is off (never indexed).
#[inline(always)]
fn part<V>(on: bool, v: &mut [V], n: usize) -> &mut [V] {
    if on { &mut v[..n] } else { &mut [] }
}

fn accumulate<T: Pixel, const MM: bool, const SUM: bool, const SQ: bool>(
    row: &[T],
    nodata: T,
    use_nodata: bool,
    c: &mut Columns<T>,
) {
    let n = row.len();
    let cnt = &mut c.cnt[..n];
    let mn = part(MM, &mut c.mn, n);
    let mx = part(MM, &mut c.mx, n);
    let s1 = part(SUM, &mut c.s1, n);
    let e1 = part(SUM, &mut c.e1, n);
    let s2 = part(SQ, &mut c.s2, n);
    let e2 = part(SQ, &mut c.e2, n);
    for k in 0..n {
        let x = row[k];
        let ok = x.is_data(nodata, use_nodata);
        cnt[k] += u32::from(ok);
        if MM {
            let v = x.canonical();
            mn[k] = if ok & (v < mn[k]) { v } else { mn[k] };
            mx[k] = if ok & (v > mx[k]) { v } else { mx[k] };
        }
        if SUM || SQ {
            let xf = if ok { x.to_f64() } else { 0.0 };
            if SUM {
                let s = s1[k];
                let t = s + xf;
                if T::SUM_MAY_ROUND {
                    let z = t - s;
                    e1[k] += ((s - (t - z)) + (xf - z)).abs();
                }
                s1[k] = t;
            }
            if SQ {
                let q = xf * xf;
                if T::SQUARE_MAY_ROUND {
                    e2[k] += two_prod(xf, xf).1.abs();
                }
                let s = s2[k];
                let t = s + q;
                if T::SQUARE_SUM_MAY_ROUND {
                    let z = t - s;
                    e2[k] += ((s - (t - z)) + (q - z)).abs();
                }
                s2[k] = t;
            }
        }
    }
}
