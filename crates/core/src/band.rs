//! Streaming accumulation of one band of output rows.
//!
//! A [`BandAccumulator`] owns the accumulators of every output cell in a range of output rows.
//! Input windows arrive at any offset and in any order within the input rows that band covers;
//! [`BandAccumulator::finish`] turns the accumulators into one typed buffer per statistic.
//!
//! # Exactness
//! Every sum a cell keeps (Σx, Σx², and Σw for area weights) is the exact sum of its terms,
//! rounded once at the end, so results do not depend on how the input is split into windows
//! or bands, in which order windows arrive, or how many threads run the bands:
//! - `sum` = the exact Σx rounded to f64 (then to the output type); `mean` = that f64 divided
//!   by n. This is bit for bit the float64 mean numpy computes (`np.mean(x.astype(float64))`,
//!   cast) whenever numpy's own pairwise summation is exact, which it is for integer input
//!   while |Σx| < 2^53 and for float input whose values' magnitudes are close enough for
//!   float64 to hold every partial sum, as with real data (the fixtures test this). Otherwise
//!   ours is the correctly rounded sum divided by n and numpy's may differ from it in the
//!   last bits of the f64 (rarely visible after the cast to Float32).
//! - `rms` = √(fl(Σx²) / n); `SD` = √((n·Σx² − (Σx)²) / (n·(n − ddof))) from the exact
//!   sums: the numerator in double-double arithmetic, or, where it cancels (SD below about
//!   2^-22 of the mean, as for 1e6 + noise of 1e-3), exactly, with the quotient in
//!   double-double and the root Newton-corrected; so SD is within 1 ulp of the exact value in
//!   f64 however small it is next to the mean (and within 1 ulp of a two-pass float64
//!   reference after the cast to Float32).
//! - area weights are exact integers: the overlap of an input and an output cell in units of
//!   1/out_size per axis ([`AxisMap::overlap`]), w = wx·wy. Σw, Σw·x and Σw·x² are exact
//!   (products split with TwoProduct where they could round); `mean` = fl(Σwx) / fl(Σw),
//!   `sum` = fl(Σwx) / (unit_x·unit_y), `rms` and `SD` as above with W = Σw.
//! - 64-bit integers enter sums as their f64 values (exact up to 2^53).
//!
//! ## Extreme values
//! - Finite values of any magnitude: exact sums hold squares and weighted products exactly
//!   however large or small (their unit is 2^-2148, see [`ExactSum`]), and the finishing scales
//!   Σx² by a power of two when it is beyond 2^±500, so `SD` and `rms` are within 1 ulp of
//!   the exact value whenever that is representable, even when Σx² or n·Σx² is not (SD of
//!   [1e200, −1e200] is 1e200; numpy's two-pass float64 `std` gives ∞ there). `sum` is the
//!   exact sum rounded once (±∞ when beyond f64); `mean` is that rounded sum divided by n (or
//!   Σw) with an unbounded exponent range, so it stays finite when only the sum overflows
//!   (mean of [1e308, 1e308] is 1e308). `range` is `max − min` rounded once (∞ past f64::MAX).
//!   Fast-path proofs refuse f64 squares below 2^-480 (they could underflow unseen).
//! - ±∞ among the valid values (NaN never is: it is nodata): `sum` and `mean` as IEEE, decided
//!   by the infinities alone (+∞ + −∞ is NaN); `SD` NaN and `rms` +∞ (numpy's float64
//!   two-pass `std` and `sqrt(mean(x²))`); `range` IEEE `max − min` (NaN for [∞, ∞], as
//!   `np.ptp`); `min`, `max`, `count`, quantiles and `mode` take infinities like any value.
//!
//! The integer-factor and corner kernels add in plain f64 and *prove* exactness once per
//! block of columns, and per cell piece only where that fails (see `kernel::sums_exact`:
//! magnitudes for f32 and integers, accumulated rounding errors for f64). Area weights on
//! f32 and integers of up to 16 bits (whose weighted products are exact) take the same column
//! pass, over input rows of one row weight at a time, add those totals times their row
//! weight, and fold an output row's cells once, from those totals times column weights, in
//! plain f64 under the same proofs (a cell's terms counted as Σw values, its total weight in
//! units); where the proof over all of an output row's rows fails for a block, run by run
//! of rows of one weight, and per cell where that fails too. Other types, and cells whose
//! own proof fails, add TwoSum-checked double-f64 pairs pixel by pixel. A cell whose proof
//! fails for a window gets an [`ExactSum`] per sum, and that window's pixels of the cell are
//! added to it term by term: slower, still exact.
//!
//! # Memory
//! Per output cell: a count, min/max if asked, the fast sums if asked (8–48 bytes; area
//! weights: Σw too, or three checked pairs, 72 bytes, for types without exact products), a
//! pointer to exact sums (allocated only for cells whose proof failed). Quantiles and mode keep every
//! valid input value of the band: `band input cells × sample size` bytes. See
//! [`band_memory_bytes`].

use std::ops::Range;

use rastagg_raster::{SampleType, Window, spare};

use crate::cpu::{fastest, fused};
use crate::error::{CoreError, Result};
use crate::exact::{DoubleDouble, ExactSum, TINY_SQUARE_ROOT, ldexp, pow2, two_prod, two_sum};
use crate::grid::{AxisMap, Grid};
use crate::kernel::{
    ColumnPass, Columns, Extent, ROW_LIMIT, all_nodata, column_pass, prove_cells, range_exact,
    sums_exact, tracks_min_abs, tracks_minmax,
};
use crate::output::{OutputBuffer, output_type};
use crate::pixel::Pixel;
use crate::stat::{Ddof, Needs, QuantileMethod, StatSet, Statistic};
use crate::values::{mode, quantile_gdal, quantile_linear};

/// Rows summed per column before folding into cells; keeps column counts within u32 and
/// 16-bit sums provably exact in f64.
const ROW_CHUNK: u64 = ROW_LIMIT;

/// Columns per block of the column pass: the column totals of 256 columns (up to 36 bytes
/// each) stay in L1 between the pass and the fold.
const COLUMN_BLOCK: usize = 256;

/// Columns per vector of the widest pass (f32 in AVX-512): blocks end at a multiple of it
/// where they can.
const VECTOR: usize = 16;

/// The exact sums of one cell.
#[derive(Debug, Clone, Default)]
struct ExactCell {
    /// Σx (Σwx).
    s1: ExactSum,
    /// Σx² (Σwx²).
    s2: ExactSum,
    /// Σw (area weights only).
    w: ExactSum,
}

/// A cell's exact sums, if its proofs failed (an item of `BandAccumulator::exact`).
type Slot<'a> = &'a Option<Box<ExactCell>>;

/// A cell's fast Σx² and (f32 input) its low parts.
type Squares = (f64, f64);

/// A cell's fast sums `S` and its Σw (area grids; a stand-in elsewhere).
type Weighted<S> = (S, f64);

/// One finished statistic of a band.
#[derive(Debug, Clone, PartialEq)]
pub struct StatOutput {
    /// Which statistic.
    pub statistic: Statistic,
    /// The values, row-major over the band's output rows, typed by [`output_type`].
    pub buffer: OutputBuffer,
    /// Cells whose valid result equals the output nodata (they would read back as nodata; the
    /// CLI warns with this number).
    pub nodata_collisions: u64,
}

/// Accumulators for every output cell of a band of output rows, for one input sample type.
#[derive(Debug)]
pub struct BandAccumulator<T: Pixel> {
    stats: StatSet,
    needs: Needs,
    grid: Grid,
    out_rows: Range<u64>,
    in_rows: Range<u64>,
    out_cols: usize,
    nodata: T,
    use_nodata: bool,
    output_nodata: f64,
    count: Vec<u64>,
    min: Vec<T>,
    max: Vec<T>,
    s1: Vec<f64>,
    s2: Vec<f64>,
    s3: Vec<f64>,
    /// Area weights with exact products ([`short_products`]): Σw per cell, beside Σwx and Σwx²
    /// in the fast sums.
    sw: Vec<f64>,
    /// Other area weights: Σw, Σwx, Σwx² per cell as checked double-f64 pairs.
    pairs: Vec<[PairSum; 3]>,
    /// Area weights: what Σwx is divided by to give `sum` (the weights are integers in units of
    /// 1/unit_x × 1/unit_y of an input cell).
    sum_scale: f64,
    exact: Vec<Option<Box<ExactCell>>>,
    values: Vec<T>,
    value_start: Vec<usize>,
    value_len: Vec<usize>,
    columns: Columns<T>,
    /// Area grids: the column totals of an output row's input rows, weighted by row
    /// ([`Columns::add_weighted`]), which its cells fold from.
    weighted: Columns<T>,
    /// Scratch of [`BandAccumulator::fold_run`], kept to spare allocations.
    run: RunTotals<T>,
    /// The column pieces of the last window's columns and their blocks, kept for the next
    /// window over the same columns (computing them per 10-row read of a 21600-column input
    /// cost ~3%, and grouping them per output row ~7% of the factor-5 kernel benchmark).
    layout: Option<Layout>,
    kernel: ColumnPass<T>,
}

/// The totals of the cells of one run of pieces: counts, minima, maxima, Σx, Σx² and the low
/// parts of split squares.
#[derive(Debug, Default)]
struct RunTotals<T> {
    n: Vec<u32>,
    lo: Vec<T>,
    hi: Vec<T>,
    /// Smallest non-zero magnitudes, for cells proved one by one.
    amin: Vec<T>,
    /// Whether each cell's sums are proved exact (cells proved one by one).
    proved: Vec<bool>,
    parts: [Vec<f64>; 3],
    /// Σw of each cell (area grids, beside their weighted `parts`).
    sw: Vec<f64>,
}

impl<T> RunTotals<T> {
    /// An area grid's cell sums: the weighted `parts` and `sw`.
    fn weighted(&self) -> [&[f64]; 4] {
        let [p1, p2, p3] = &self.parts;
        [p1, p2, p3, &self.sw]
    }

    /// [`RunTotals::weighted`], to fill.
    fn weighted_mut(&mut self) -> [&mut Vec<f64>; 4] {
        let [p1, p2, p3] = &mut self.parts;
        [p1, p2, p3, &mut self.sw]
    }
}

/// What a run fold needs, beside its pieces, to prove its cells one by one (their block's
/// proof failed), and to add a cell whose proof fails from the window's pixels: the window's
/// rows of the output row, the window and its pixels.
#[derive(Clone, Copy)]
struct CellProofs<'a, T> {
    ys: &'a Range<u64>,
    window: &'a Window,
    data: &'a [T],
}

/// A vector of `n` copies of `v`, or an error instead of an allocation failure.
fn filled<V: Clone + Send + 'static>(n: usize, v: V, what: &str) -> Result<Vec<V>> {
    let mut out = spare::with_capacity(n)
        .ok_or_else(|| CoreError::TooLarge(format!("cannot allocate {n} {what}")))?;
    out.resize(n, v);
    Ok(out)
}

impl<T: Pixel> Drop for BandAccumulator<T> {
    /// Keeps the band's buffers for the next band on this thread (see [`spare`]).
    fn drop(&mut self) {
        spare::give_back(std::mem::take(&mut self.count));
        spare::give_back(std::mem::take(&mut self.min));
        spare::give_back(std::mem::take(&mut self.max));
        spare::give_back(std::mem::take(&mut self.s1));
        spare::give_back(std::mem::take(&mut self.s2));
        spare::give_back(std::mem::take(&mut self.s3));
        spare::give_back(std::mem::take(&mut self.sw));
        spare::give_back(std::mem::take(&mut self.pairs));
        let mut exact = std::mem::take(&mut self.exact);
        exact.clear();
        spare::give_back(exact);
        spare::give_back(std::mem::take(&mut self.values));
        spare::give_back(std::mem::take(&mut self.value_start));
        spare::give_back(std::mem::take(&mut self.value_len));
    }
}

/// Output indices of `axis` fed by the non-empty input range `ins`, within `limit`.
fn outputs_in(axis: &AxisMap, ins: &Range<u64>, limit: &Range<u64>) -> Range<u64> {
    let first = axis.outputs_of(ins.start).start;
    let last = axis.outputs_of(ins.end - 1).end;
    clip(first..last, limit)
}

/// The overlap of two ranges.
fn clip(a: Range<u64>, b: &Range<u64>) -> Range<u64> {
    a.start.max(b.start)..a.end.min(b.end).max(a.start.max(b.start))
}

impl<T: Pixel> BandAccumulator<T> {
    /// Accumulators for output rows `out_rows` of `grid`. `input_nodata` is the band's nodata
    /// (NaN is always excluded anyway; a value the type cannot hold matches no pixel);
    /// `output_nodata` fills cells without valid input and decides the output types.
    pub fn new(
        stats: &StatSet,
        grid: &Grid,
        out_rows: Range<u64>,
        input_nodata: Option<f64>,
        output_nodata: f64,
    ) -> Result<BandAccumulator<T>> {
        if out_rows.is_empty() || out_rows.end > grid.y.out_size() {
            return Err(CoreError::Grid(format!(
                "output rows {out_rows:?} are not a non-empty part of 0..{}",
                grid.y.out_size()
            )));
        }
        let needs = stats.needs();
        let cells = grid
            .cells_in_rows(out_rows.end - out_rows.start)
            .and_then(|c| usize::try_from(c).ok())
            .ok_or_else(|| CoreError::TooLarge(format!("output rows {out_rows:?}")))?;
        let out_cols = usize::try_from(grid.x.out_size())
            .map_err(|_| CoreError::TooLarge("output width".into()))?;
        let sized = |on: bool| if on { cells } else { 0 };
        let sum_scale = grid.x.unit() as f64 * grid.y.unit() as f64;
        // Area grids keep fast sums too where their products are exact, else checked pairs.
        let fast_sums = !grid.is_weighted() || short_products::<T>(sum_scale);
        let sums = needs.sum || needs.squares;
        let (value_start, value_len, values) = if needs.values {
            let mut start = filled(cells, 0usize, "value offsets")?;
            let mut total = 0usize;
            for (k, r) in out_rows.clone().enumerate() {
                let ys = grid.y.inputs(r);
                for c in 0..out_cols {
                    let xs = grid.x.inputs(c as u64);
                    let n = (ys.end - ys.start)
                        .checked_mul(xs.end - xs.start)
                        .and_then(|n| usize::try_from(n).ok())
                        .ok_or_else(|| CoreError::TooLarge("cell inputs".into()))?;
                    if let Some(s) = start.get_mut(k * out_cols + c) {
                        *s = total;
                    }
                    total = total
                        .checked_add(n)
                        .ok_or_else(|| CoreError::TooLarge("band values".into()))?;
                }
            }
            (
                start,
                filled(cells, 0usize, "value counts")?,
                filled(total, T::default(), "values")?,
            )
        } else {
            (Vec::new(), Vec::new(), Vec::new())
        };
        if sum_scale > 2f64.powi(52) {
            return Err(CoreError::Grid(format!(
                "output sizes {}×{} are too large for exact area weights",
                grid.x.out_size(),
                grid.y.out_size()
            )));
        }
        let (nodata, use_nodata) = match input_nodata.and_then(T::exact_from_f64) {
            Some(v) if !v.is_nan() => (v, true),
            _ => (T::default(), false),
        };
        Ok(BandAccumulator {
            stats: stats.clone(),
            needs,
            grid: grid.clone(),
            in_rows: grid.y.inputs_of(out_rows.clone()),
            out_rows,
            out_cols,
            nodata,
            use_nodata,
            output_nodata,
            count: filled(cells, 0u64, "counts")?,
            min: filled(sized(needs.minmax), T::HIGHEST, "minima")?,
            max: filled(sized(needs.minmax), T::LOWEST, "maxima")?,
            s1: filled(sized(needs.sum && fast_sums), 0.0, "sums")?,
            s2: filled(sized(needs.squares && fast_sums), 0.0, "sums")?,
            s3: filled(
                sized(needs.squares && fast_sums && T::SPLIT_SQUARES),
                0.0,
                "sums",
            )?,
            sw: filled(
                sized(sums && fast_sums && grid.is_weighted()),
                0.0,
                "weights",
            )?,
            pairs: filled(sized(sums && !fast_sums), [PairSum::default(); 3], "sums")?,
            sum_scale,
            exact: filled(sized(sums), None, "cells")?,
            values,
            value_start,
            value_len,
            columns: Columns::default(),
            weighted: Columns::default(),
            run: RunTotals::default(),
            layout: None,
            kernel: column_pass::<T>(needs),
        })
    }

    /// The input rows this band reads (windows must lie within them).
    pub fn input_rows(&self) -> Range<u64> {
        self.in_rows.clone()
    }

    /// The output rows this band produces.
    pub fn output_rows(&self) -> Range<u64> {
        self.out_rows.clone()
    }

    /// Adds the input pixels of `window` (input pixel coordinates, row-major `data`). The
    /// window must lie within [`BandAccumulator::input_rows`] and the input width; pixels must
    /// not be added twice (the sums would count them twice; quantiles refuse it).
    pub fn add_window(&mut self, window: Window, data: &[T]) -> Result<()> {
        if window.len() != Some(data.len()) {
            return Err(CoreError::Window(format!(
                "{} values for a {}×{} window",
                data.len(),
                window.cols,
                window.rows
            )));
        }
        let inside_rows =
            window.y >= self.in_rows.start && window.y_end().is_some_and(|e| e <= self.in_rows.end);
        if !inside_rows || !window.fits_in(self.grid.x.in_size(), self.in_rows.end) {
            return Err(CoreError::Window(format!(
                "window at column {}, row {} of {}×{} lies outside input rows {:?} and columns \
                 0..{} of this band",
                window.x,
                window.y,
                window.cols,
                window.rows,
                self.in_rows,
                self.grid.x.in_size()
            )));
        }
        if window.is_empty() {
            return Ok(());
        }
        let rows = window.y..window.y + window.rows;
        let cols = window.x..window.x + window.cols;
        // Windows of a band usually span the same columns (whole rows, in the CLI).
        let layout = match self.layout.take() {
            Some(layout) if layout.span == cols => layout,
            _ => self.layout_of(cols),
        };
        let pieces = &layout.pieces;
        let out_rows = outputs_in(&self.grid.y, &rows, &self.out_rows);
        for r in out_rows {
            let ys = clip(self.grid.y.inputs(r), &rows);
            if self.grid.is_weighted() {
                self.add_weighted(r, &ys, &layout, &window, data);
            } else {
                self.add_disjoint(r, &ys, &layout, &window, data);
            }
            if self.needs.values {
                // (An error ends the band; the layout is then simply not kept.)
                self.collect_values(r, &ys, pieces, &window, data)?;
            }
        }
        self.layout = Some(layout);
        Ok(())
    }

    /// The pieces of window columns `span`, their blocks and runs.
    fn layout_of(&self, span: Range<u64>) -> Layout {
        let pieces = self.column_pieces(&span);
        let (blocks, runs) = blocks_of(&pieces);
        Layout {
            span,
            pieces,
            blocks,
            runs,
        }
    }

    /// The output columns the window's columns feed, each with its window-local column range
    /// and per-column weights (area grids only).
    fn column_pieces(&self, cols: &Range<u64>) -> Vec<Piece> {
        let x = &self.grid.x;
        let outs = outputs_in(x, cols, &(0..x.out_size()));
        outs.filter_map(|c| {
            let xs = clip(x.inputs(c), cols);
            if xs.is_empty() {
                return None;
            }
            let weights = if x.is_weighted() {
                xs.clone().map(|i| x.overlap(i, c) as f64).collect()
            } else {
                Vec::new()
            };
            Some(Piece {
                col: c as usize,
                local: (xs.start - cols.start) as usize..(xs.end - cols.start) as usize,
                weights,
            })
        })
        .collect()
    }

    fn cell(&self, r: u64, c: usize) -> usize {
        (r - self.out_rows.start) as usize * self.out_cols + c
    }

    /// The exact sums of `cell`, created from its fast sums on first use.
    fn promote(&mut self, cell: usize) -> Option<&mut ExactCell> {
        let fast = |v: &[f64]| v.get(cell).copied().unwrap_or(0.0);
        let (f1, f2, f3) = (fast(&self.s1), fast(&self.s2), fast(&self.s3));
        let fw = fast(&self.sw);
        let pairs = self.pairs.get(cell).copied();
        let slot = self.exact.get_mut(cell)?;
        Some(slot.get_or_insert_with(|| {
            let mut e = ExactCell {
                s1: ExactSum::from_f64(f1),
                s2: ExactSum::from_f64(f2),
                w: ExactSum::default(),
            };
            e.s2.add(f3);
            e.w.add(fw);
            if let Some(p) = pairs {
                for (t, q) in [&mut e.w, &mut e.s1, &mut e.s2].into_iter().zip(p) {
                    t.add(q.hi);
                    t.add(q.lo);
                }
            }
            Box::new(e)
        }))
    }

    /// The column pass over window rows `ys` of window columns `cols` into `self.columns`
    /// (`rows` holds the row slices, kept by the caller to spare allocations): the extent the
    /// block's proof needs, or `None`, the pass skipped, when every value is nodata.
    fn block_pass<'d>(
        &mut self,
        rows: &mut Vec<&'d [T]>,
        ys: Range<u64>,
        cols: &Range<usize>,
        w: &Window,
        data: &'d [T],
    ) -> Option<Extent<T>> {
        let width = w.cols as usize;
        rows.clear();
        rows.extend(ys.filter_map(|j| {
            let off = (j - w.y) as usize * width;
            data.get(off + cols.start..off + cols.end)
        }));
        if all_nodata(rows, self.nodata, self.use_nodata) {
            return None;
        }
        Some((self.kernel)(
            rows,
            self.nodata,
            self.use_nodata,
            &mut self.columns,
        ))
    }

    /// Integer-factor and corner grids: the vectorised column pass over each block of the
    /// layout (about [`COLUMN_BLOCK`] columns, so that the column totals stay in L1), then a
    /// fold per cell. One proof covers the sums of every cell of a block; cells of a block it
    /// fails for are proved one by one.
    fn add_disjoint(&mut self, r: u64, ys: &Range<u64>, layout: &Layout, w: &Window, data: &[T]) {
        let sums = self.needs.sum || self.needs.squares;
        let mut rows: Vec<&[T]> = Vec::new();
        for block in &layout.blocks {
            let b0 = block.cols.start;
            let pieces = layout.pieces.get(block.pieces.clone()).unwrap_or(&[]);
            let runs = layout.runs.get(block.runs.clone()).unwrap_or(&[]);
            let mut start = ys.start;
            while start < ys.end {
                let end = (start + ROW_CHUNK).min(ys.end);
                let Some(extent) = self.block_pass(&mut rows, start..end, &block.cols, w, data)
                else {
                    start = end;
                    continue;
                };
                let most = (end - start).saturating_mul(block.widest as u64);
                let block_exact = sums && sums_exact(&extent, most, self.needs);
                if (block_exact || !sums) && !T::ROUNDING_CHECKED {
                    self.fold_proved(r, &layout.pieces, runs, b0, None);
                } else if !T::ROUNDING_CHECKED {
                    let ys = start..end;
                    let proofs = CellProofs {
                        ys: &ys,
                        window: w,
                        data,
                    };
                    self.fold_proved(r, &layout.pieces, runs, b0, Some(proofs));
                } else {
                    for p in pieces {
                        self.fold_columns(r, start..end, p, b0, block_exact, w, data);
                    }
                }
                start = end;
            }
        }
    }

    /// Folds the columns of every piece of a block (column totals start at window column `b0`)
    /// into its cell, when no addition needs a rounding check (all types but f64), run by run
    /// (`runs` of the block, which index `pieces`, the window's) so that each accumulator folds
    /// in one straight loop. Without `proofs`, the block's proof covers every sum (or none is
    /// asked); with them, each cell is proved on its own, as [`BandAccumulator::fold_columns`]
    /// does, and a cell whose proof fails is added from the pixels.
    fn fold_proved(
        &mut self,
        r: u64,
        pieces: &[Piece],
        runs: &[Run],
        b0: usize,
        proofs: Option<CellProofs<'_, T>>,
    ) {
        for run in runs {
            let Some(run @ [head, ..]) = pieces.get(run.clone()) else {
                continue;
            };
            let width = head.local.len();
            let first = self.cell(r, head.col);
            let from = head.local.start - b0;
            // The run's loops are compiled for AVX2 and AVX-512 too (inlined into each copy).
            match width {
                1 => fastest!(self.fold_run::<1>(first, from, run, width, proofs)),
                2 => fastest!(self.fold_run::<2>(first, from, run, width, proofs)),
                3 => fastest!(self.fold_run::<3>(first, from, run, width, proofs)),
                4 => fastest!(self.fold_run::<4>(first, from, run, width, proofs)),
                5 => fastest!(self.fold_run::<5>(first, from, run, width, proofs)),
                8 => fastest!(self.fold_run::<8>(first, from, run, width, proofs)),
                10 => fastest!(self.fold_run::<10>(first, from, run, width, proofs)),
                _ => fastest!(self.fold_run::<0>(first, from, run, width, proofs)),
            }
        }
    }

    /// [`BandAccumulator::fold_proved`] for the side-by-side `pieces` of one run, of `width`
    /// columns, from column total `from`, feeding cells `first..first + pieces.len()`, each
    /// proved on its own when `proofs` is given. `W` is `width` when it is one of the common
    /// factors (the loops then unroll), 0 otherwise.
    #[inline(always)]
    fn fold_run<const W: usize>(
        &mut self,
        first: usize,
        from: usize,
        pieces: &[Piece],
        width: usize,
        proofs: Option<CellProofs<'_, T>>,
    ) {
        let run = pieces.len();
        let w = if W == 0 { width } else { W };
        let needs = self.needs;
        let cols = &self.columns;
        let t = &mut self.run;
        let span = from..from + run * w;
        // The per-cell totals, one accumulator at a time, into `out` (resized to `run`; the
        // identity `id` for every cell when the accumulator is off).
        #[inline(always)]
        fn totals<V: Copy, const W: usize>(
            src: Option<&[V]>,
            w: usize,
            run: usize,
            out: &mut Vec<V>,
            id: V,
            op: impl Fn(V, V) -> V,
        ) {
            let w = if W == 0 { w } else { W };
            if src.is_none() {
                out.clear();
            }
            out.resize(run, id);
            for (o, ch) in out.iter_mut().zip(src.unwrap_or(&[]).chunks_exact(w)) {
                *o = ch.iter().fold(id, |a, &x| op(a, x));
            }
        }
        totals::<u32, W>(cols.cnt.get(span.clone()), w, run, &mut t.n, 0, |a, b| {
            a + b
        });
        for (c, &k) in self.count.iter_mut().skip(first).zip(&t.n) {
            *c += u64::from(k);
        }
        // Cells proved one by one need their extents whether min/max are asked or not (the
        // identities when the pass tracks none: their proof then reads no extent).
        let extents = needs.minmax || (proofs.is_some() && tracks_minmax::<T>(needs));
        if needs.minmax || proofs.is_some() {
            let lo = cols.mn.get(span.clone()).filter(|_| extents);
            totals::<T, W>(
                lo,
                w,
                run,
                &mut t.lo,
                T::HIGHEST,
                |a, x| if x < a { x } else { a },
            );
            let hi = cols.mx.get(span.clone()).filter(|_| extents);
            totals::<T, W>(
                hi,
                w,
                run,
                &mut t.hi,
                T::LOWEST,
                |a, x| if x > a { x } else { a },
            );
        }
        if needs.minmax {
            let cells = self.min.iter_mut().zip(self.max.iter_mut()).skip(first);
            for ((m, x), (&l, &h)) in cells.zip(t.lo.iter().zip(&t.hi)) {
                *m = l.canonical().lower(*m);
                *x = h.canonical().higher(*x);
            }
        }
        if !(needs.sum || needs.squares) {
            return;
        }
        let mut all_proved = true;
        if proofs.is_some() {
            let small = cols
                .min_abs()
                .get(span.clone())
                .filter(|_| tracks_min_abs::<T>(needs.sum, needs.squares));
            totals::<T, W>(small, w, run, &mut t.amin, T::HIGHEST, |a, x| {
                if x < a { x } else { a }
            });
            all_proved = prove_cells(&t.n, &t.lo, &t.hi, &t.amin, needs, &mut t.proved);
        }
        let on = [needs.sum, needs.squares, needs.squares && T::SPLIT_SQUARES];
        for ((part, src), on) in t
            .parts
            .iter_mut()
            .zip([&cols.s1, &cols.s2, &cols.s3])
            .zip(on)
        {
            let src = if on { src.get(span.clone()) } else { None };
            totals::<f64, W>(src, w, run, part, 0.0, |a, x| a + x);
        }
        // Cells without exact sums whose fast sums take these parts exactly are done in
        // one pass, but for the cells whose proofs failed (their parts zeroed there), which
        // are added from their pixels; otherwise every cell (rare) goes on its own.
        if all_fast(&self.exact, first..first + run) {
            if !all_proved {
                for part in &mut t.parts {
                    for (p, &ok) in part.iter_mut().zip(&t.proved) {
                        *p = if ok { *p } else { 0.0 };
                    }
                }
            }
            let [p1, p2, p3] = &t.parts;
            let fast = [&mut self.s1, &mut self.s2, &mut self.s3];
            if add_exact(fast, first, [p1, p2, p3]) {
                if !all_proved && let Some(p) = proofs {
                    self.recompute_unproved(first, pieces, p);
                }
                return;
            }
        }
        let t = std::mem::take(&mut self.run);
        for (i, &k) in t.n.iter().enumerate() {
            let proved = t.proved.get(i).copied().unwrap_or(false);
            if k > 0 && (proved || proofs.is_none()) {
                let [p1, p2, p3] = t.parts.each_ref().map(|p| p.get(i).copied().unwrap_or(0.0));
                self.merge(first + i, [p1, p2, p3, 0.0]);
            }
        }
        self.run = t;
        if let Some(p) = proofs {
            self.recompute_unproved(first, pieces, p);
        }
    }

    /// Adds the cells of a run (`pieces`, feeding cells from `first`) that have values and
    /// whose proofs failed (`self.run`'s counts and proofs) from their pixels.
    fn recompute_unproved(&mut self, first: usize, pieces: &[Piece], p: CellProofs<'_, T>) {
        let t = std::mem::take(&mut self.run);
        let cells = t.n.iter().zip(&t.proved).zip(pieces).enumerate();
        for (i, ((&k, &proved), piece)) in cells {
            if k > 0 && !proved {
                self.recompute(first + i, p.ys.clone(), piece, p.window, p.data);
            }
        }
        self.run = t;
    }

    /// Folds the columns of piece `p` (column totals start at window column `b0`) into its
    /// cell, for rounding-checked input (f64), whose additions of column totals are checked
    /// too (other types fold run by run: [`BandAccumulator::fold_proved`]); `proved` says the
    /// block's proof already covers its sums.
    #[allow(clippy::too_many_arguments)]
    fn fold_columns(
        &mut self,
        r: u64,
        ys: Range<u64>,
        p: &Piece,
        b0: usize,
        proved: bool,
        w: &Window,
        data: &[T],
    ) {
        let cell = self.cell(r, p.col);
        let cols = &self.columns;
        let local = p.local.start - b0..p.local.end - b0;
        let needs = self.needs;
        // The piece's extent: for min/max, and for its own proof when the block's failed.
        let tracked = tracks_minmax::<T>(needs) && (needs.minmax || !proved);
        let split = needs.squares && T::SPLIT_SQUARES;
        let (Some(cnt), Some(s1), Some(s2), Some(s3), Some(lo), Some(hi)) = (
            cols.cnt.get(local.clone()),
            part(needs.sum, &cols.s1, &local),
            part(needs.squares, &cols.s2, &local),
            part(split, &cols.s3, &local),
            part(tracked, &cols.mn, &local),
            part(tracked, &cols.mx, &local),
        ) else {
            return;
        };
        // One loop over the piece's columns for every total (independent chains).
        let (mut n, mut mn, mut mx) = (0u64, T::HIGHEST, T::LOWEST);
        let (mut p1, mut p2, mut p3) = (0.0, 0.0, 0.0);
        // Whether no checked addition rounded.
        let mut unrounded = true;
        for j in 0..cnt.len() {
            n += u64::from(cnt[j]);
            if tracked {
                mn = if lo[j] < mn { lo[j] } else { mn };
                mx = if hi[j] > mx { hi[j] } else { mx };
            }
            let mut add = |p: &mut f64, v: f64| {
                let (t, e) = two_sum(*p, v);
                unrounded &= e == 0.0 && t.is_finite();
                *p = t;
            };
            if needs.sum {
                add(&mut p1, s1[j]);
            }
            if needs.squares {
                add(&mut p2, s2[j]);
            }
            if split {
                add(&mut p3, s3[j]);
            }
        }
        if n == 0 {
            return;
        }
        if let Some(c) = self.count.get_mut(cell) {
            *c += n;
        }
        if needs.minmax {
            let (lo, hi) = (mn.canonical(), mx.canonical());
            fold_min_max(&mut self.min, &mut self.max, cell, lo, hi);
        }
        if !(needs.sum || needs.squares) {
            return;
        }
        let exact = (proved || range_exact(cols, local, n, mn, mx, needs)) && unrounded;
        if exact {
            self.merge(cell, [p1, p2, p3, 0.0]);
        } else {
            self.recompute(cell, ys, p, w, data);
        }
    }

    /// Adds exact window partial sums (Σx, Σx² or its high parts, low parts, and on area grids
    /// Σw; weighted: Σwx, Σwx²) into a cell's fast sums, or its exact sums once the fast sums
    /// would round.
    #[inline]
    fn merge(&mut self, cell: usize, parts: [f64; 4]) {
        if self.exact.get(cell).is_some_and(Option::is_none) {
            let fast = [&self.s1, &self.s2, &self.s3, &self.sw];
            let mut sums = [0.0; 4];
            let mut exact = true;
            for ((sum, v), p) in sums.iter_mut().zip(fast).zip(parts) {
                if let Some(&s) = v.get(cell) {
                    let (t, e) = two_sum(s, p);
                    exact &= e == 0.0 && t.is_finite();
                    *sum = t;
                }
            }
            if exact {
                let fast = [&mut self.s1, &mut self.s2, &mut self.s3, &mut self.sw];
                for (v, t) in fast.into_iter().zip(sums) {
                    if let Some(s) = v.get_mut(cell) {
                        *s = t;
                    }
                }
                return;
            }
        }
        if let Some(e) = self.promote(cell) {
            e.s1.add(parts[0]);
            e.s2.add(parts[1]);
            e.s2.add(parts[2]);
            e.w.add(parts[3]);
        }
    }

    /// Adds the window's pixels of one cell to its exact sums (the fast proof failed). f32
    /// values (whose squares f64 holds exactly) are first summed as checked double-f64 pairs,
    /// which enter the exact sums as two terms each when no update rounded (nearly always: the
    /// proofs fail on a value close to zero next to large ones, well within a pair's 106 bits);
    /// otherwise, and for other types, value by value.
    fn recompute(&mut self, cell: usize, ys: Range<u64>, p: &Piece, w: &Window, data: &[T]) {
        let (nodata, use_nodata, needs) = (self.nodata, self.use_nodata, self.needs);
        let values = || {
            ys.clone()
                .filter_map(|j| {
                    let off = (j - w.y) as usize * w.cols as usize;
                    data.get(off + p.local.start..off + p.local.end)
                })
                .flatten()
                .filter(|x| x.is_data(nodata, use_nodata))
                .map(|x| x.to_f64())
        };
        if T::SPLIT_SQUARES {
            let (mut s1, mut s2) = (PairSum::default(), PairSum::default());
            for x in values() {
                s1.add(x);
                s2.add(x * x);
            }
            if s1.exact && s2.exact {
                let Some(e) = self.promote(cell) else { return };
                for (on, sum, pair) in [(needs.sum, &mut e.s1, s1), (needs.squares, &mut e.s2, s2)]
                {
                    if on {
                        sum.add(pair.hi);
                        sum.add(pair.lo);
                    }
                }
                return;
            }
        }
        let Some(e) = self.promote(cell) else { return };
        for xf in values() {
            if needs.sum {
                e.s1.add(xf);
            }
            if needs.squares {
                e.s2.add_product(xf, xf);
            }
        }
    }

    /// Area-weighted grids. Where weighted products are exact ([`short_products`]), the
    /// input rows of output row `r` go through the column pass block by block
    /// ([`Self::add_weighted_block`]); other types go pixel by pixel
    /// ([`Self::add_weighted_pixels`]).
    fn add_weighted(&mut self, r: u64, ys: &Range<u64>, layout: &Layout, w: &Window, data: &[T]) {
        if !short_products::<T>(self.sum_scale) {
            self.add_weighted_pixels(r, ys, &layout.pieces, w, data);
            return;
        }
        let mut rows: Vec<&[T]> = Vec::new();
        let mut start = ys.start;
        while start < ys.end {
            let end = ys.end.min(start + ROW_CHUNK);
            for block in &layout.blocks {
                self.add_weighted_block(r, start..end, block, &layout.pieces, &mut rows, w, data);
            }
            start = end;
        }
    }

    /// Input rows `ys` of output row `r` over the columns of `block` (whose pieces are those
    /// of `pieces`, the window's; `rows` is scratch for [`Self::block_pass`]): one column pass
    /// per run of rows of one row weight, their totals weighted and added together
    /// ([`Self::weighted_pass`]), then one fold into the cells ([`Self::fold_weighted`]), not
    /// one per run (a ratio of 2.5 has two runs per output row). Cells whose proof over all
    /// the rows fails (a value near zero among large ones) go run by run, as the proof of a
    /// run's rows only may hold: the passes again, and a fold of those cells per run.
    #[allow(clippy::too_many_arguments)]
    fn add_weighted_block<'d>(
        &mut self,
        r: u64,
        ys: Range<u64>,
        block: &Block,
        pieces: &[Piece],
        rows: &mut Vec<&'d [T]>,
        w: &Window,
        data: &'d [T],
    ) {
        let pieces = pieces.get(block.pieces.clone()).unwrap_or(&[]);
        let b0 = block.cols.start;
        let Some(seen) = self.weighted_pass(r, ys.clone(), block, rows, w, data) else {
            return;
        };
        let mut retry = Vec::new();
        let again = (!seen.alone).then_some(&mut retry);
        self.fold_weighted(r, &ys, seen, b0, pieces, again, w, data);
        if retry.is_empty() {
            return;
        }
        let mut start = ys.start;
        while start < ys.end {
            let end = self.row_run_end(r, start..ys.end);
            if let Some(seen) = self.weighted_pass(r, start..end, block, rows, w, data) {
                self.fold_weighted(r, &(start..end), seen, b0, &retry, None, w, data);
            }
            start = end;
        }
    }

    /// The end of the run of rows of one weight in output row `r` that starts `ys`.
    fn row_run_end(&self, r: u64, ys: Range<u64>) -> u64 {
        let wy = self.grid.y.overlap(ys.start, r);
        (ys.start + 1..ys.end)
            .find(|&j| self.grid.y.overlap(j, r) != wy)
            .unwrap_or(ys.end)
    }

    /// The column pass over each run of rows of one weight of `ys` (of output row `r`), over
    /// the columns of `block`, into `self.weighted` ([`Columns::add_weighted`]); `None` when
    /// no value is data.
    fn weighted_pass<'d>(
        &mut self,
        r: u64,
        ys: Range<u64>,
        block: &Block,
        rows: &mut Vec<&'d [T]>,
        w: &Window,
        data: &'d [T],
    ) -> Option<WeightedRows<T>> {
        let mut seen: Option<WeightedRows<T>> = None;
        let mut start = ys.start;
        while start < ys.end {
            let end = self.row_run_end(r, start..ys.end);
            let wy = self.grid.y.overlap(start, r);
            let weight = wy.saturating_mul(end - start);
            if let Some(e) = self.block_pass(rows, start..end, &block.cols, w, data) {
                let (n, fresh, needs) = (block.cols.len(), seen.is_none(), self.needs);
                let (to, from) = (&mut self.weighted, &self.columns);
                fastest!(to.add_weighted(from, n, wy as f64, fresh, needs));
                seen = Some(match seen {
                    Some(s) => WeightedRows {
                        extent: s.extent.union(e),
                        weight: s.weight.saturating_add(weight),
                        alone: false,
                    },
                    None => WeightedRows {
                        extent: e,
                        weight,
                        alone: true,
                    },
                });
            }
            start = end;
        }
        seen
    }

    /// Folds `self.weighted`, the weighted column totals of rows `ys` of output row `r` (what
    /// [`Self::weighted_pass`] saw of them), into the cells of `pieces` (one block's, whose
    /// columns start at window column `b0`): per cell the totals times the column weights.
    /// The block's proof covers every such product and sum: each cell's weighted terms are,
    /// in all, at most Σw (integer) copies of its values, so the proof of Σw values of the
    /// block's extent bounds them all (and Σw is exact below 2^53). Where it fails, each cell
    /// proves its own sums from its columns' extent, as integer factors do; a cell whose
    /// proof fails too is left to `retry` (untouched) when given, else goes pixel by pixel.
    #[allow(clippy::too_many_arguments)]
    fn fold_weighted(
        &mut self,
        r: u64,
        ys: &Range<u64>,
        seen: WeightedRows<T>,
        b0: usize,
        pieces: &[Piece],
        mut retry: Option<&mut Vec<Piece>>,
        w: &Window,
        data: &[T],
    ) {
        let needs = self.needs;
        let sums = needs.sum || needs.squares;
        // A piece's weighted terms are at most this many copies of values in all (Σw).
        let most = |p: &Piece| seen.weight.saturating_mul(p.weight());
        let heaviest = pieces.iter().map(most).max().unwrap_or(0);
        // Σw's parts are integers up to `most`: exact while f64 holds every integer up to it,
        // which the magnitude proof does not cover (it holds whatever `most` is for a block
        // without a non-zero value).
        let block_proved =
            !sums || (heaviest <= 1 << 53 && sums_exact(&seen.extent, heaviest, needs));
        // Cells proving their own sums need their extents whether min/max are asked or not.
        let extents = needs.minmax || (!block_proved && tracks_minmax::<T>(needs));
        // The cells' weighted sums, kept to be merged together (zeros for cells without
        // values or added pixel by pixel).
        let mut run = std::mem::take(&mut self.run);
        for v in run.weighted_mut() {
            v.clear();
            v.resize(if sums { pieces.len() } else { 0 }, 0.0);
        }
        // Cells whose sums wait in `run`.
        let mut filled = 0;
        for (i, p) in pieces.iter().enumerate() {
            let cell = self.cell(r, p.col);
            let local = p.local.start - b0..p.local.end - b0;
            let cols = &self.weighted;
            let t = piece_totals(cols, &local, &p.weights, needs, extents);
            if t.n == 0 {
                continue;
            }
            if !block_proved {
                let m = most(p);
                if m > 1 << 53 || !range_exact(cols, local.clone(), m, t.lo, t.hi, needs) {
                    match retry.as_deref_mut() {
                        Some(again) => again.push(p.clone()),
                        None => self.add_weighted_pixels(r, ys, std::slice::from_ref(p), w, data),
                    }
                    continue;
                }
            }
            if let Some(c) = self.count.get_mut(cell) {
                *c += t.n;
            }
            if needs.minmax {
                let (lo, hi) = (t.lo.canonical(), t.hi.canonical());
                fold_min_max(&mut self.min, &mut self.max, cell, lo, hi);
            }
            filled += 1;
            for (v, part) in run.weighted_mut().into_iter().zip(t.parts) {
                if let Some(v) = v.get_mut(i) {
                    *v = part;
                }
            }
        }
        if sums {
            self.merge_pieces(r, pieces, filled, &run);
        }
        self.run = run;
    }

    /// Merges the weighted sums of `pieces` (side by side, of output row `r`) from `run`'s
    /// `parts` and `sw` into their cells, `filled` of which have some: at once where all do,
    /// no cell keeps exact sums and every addition is exact (inland blocks), else cell by cell
    /// ([`BandAccumulator::merge`]; blocks with empty cells, as at coasts, skip those).
    fn merge_pieces(&mut self, r: u64, pieces: &[Piece], filled: usize, run: &RunTotals<T>) {
        let parts = run.weighted();
        if let Some(head) = pieces.first().filter(|_| filled == pieces.len()) {
            let first = self.cell(r, head.col);
            let side_by_side = pieces.iter().zip(head.col..).all(|(p, c)| p.col == c);
            if side_by_side && all_fast(&self.exact, first..first + pieces.len()) {
                let fast = [&mut self.s1, &mut self.s2, &mut self.s3, &mut self.sw];
                if add_exact(fast, first, parts) {
                    return;
                }
            }
        }
        for (i, p) in pieces.iter().enumerate() {
            let at = |v: &[f64]| v.get(i).copied().unwrap_or(0.0);
            let cell_parts = parts.map(at);
            // (A cell without values, or added pixel by pixel, has nothing to merge.)
            if cell_parts != [0.0; 4] {
                let cell = self.cell(r, p.col);
                self.merge(cell, cell_parts);
            }
        }
    }

    /// Adds a cell's exact partial sums `pairs` (Σw, Σwx, Σwx²) into its fast sums when each
    /// is one f64 ([`BandAccumulator::merge`]) or its pairs, or else into its exact sums;
    /// false, changing nothing, when `pairs` are not exact themselves.
    fn merge_pairs(&mut self, cell: usize, pairs: &[PairSum; 3]) -> bool {
        if !pairs.iter().all(|q| q.exact) {
            return false;
        }
        if self.pairs.is_empty() && pairs.iter().all(|q| q.lo == 0.0) {
            let [w, s1, s2] = pairs.each_ref().map(|q| q.hi);
            self.merge(cell, [s1, s2, 0.0, w]);
            return true;
        }
        let fast = self.exact.get(cell).is_some_and(Option::is_none);
        if let Some(cp) = self.pairs.get_mut(cell).filter(|_| fast) {
            let mut merged = *cp;
            for (m, q) in merged.iter_mut().zip(pairs) {
                m.add(q.hi);
                m.add(q.lo);
            }
            if merged.iter().all(|m| m.exact) {
                *cp = merged;
                return true;
            }
        }
        if let Some(e) = self.promote(cell) {
            for (t, q) in [&mut e.w, &mut e.s1, &mut e.s2].into_iter().zip(pairs) {
                t.add(q.hi);
                t.add(q.lo);
            }
        }
        true
    }

    /// Area-weighted grids pixel by pixel: per input row and output cell, the exact terms
    /// (TwoProduct) of Σw, Σwx and Σwx² are summed into checked double-f64 pairs and added to
    /// the cell's sums once; when a pair cannot prove itself exact, term by term.
    fn add_weighted_pixels(
        &mut self,
        r: u64,
        ys: &Range<u64>,
        pieces: &[Piece],
        w: &Window,
        data: &[T],
    ) {
        let (nodata, use_nodata, needs) = (self.nodata, self.use_nodata, self.needs);
        let sums = needs.sum || needs.squares;
        // f32 and ≤16-bit integers have at most 24 significant bits; x² of them at most 48, and
        // f32(x²) is a normal f32 (so that x² − f32(x²) has 24 bits too) only from 2^-63 to
        // 1.8e19, which f32 values pass: check the value.
        let short_products = short_products::<T>(self.sum_scale);
        let short_range = pow2(-63)..1e19;
        // TwoProduct's terms of w·x² are exact unless x² underflows (overflow shows as a
        // non-finite term, which the pairs refuse).
        let tiny = TINY_SQUARE_ROOT;
        for j in ys.clone() {
            let wy = self.grid.y.overlap(j, r) as f64;
            let off = (j - w.y) as usize * w.cols as usize;
            for p in pieces {
                let cell = self.cell(r, p.col);
                let Some(row) = data.get(off + p.local.start..off + p.local.end) else {
                    continue;
                };
                let mut n = 0u64;
                let mut mn = T::HIGHEST;
                let mut mx = T::LOWEST;
                let mut pairs = [PairSum::default(); 3];
                let mut terms_exact = true;
                for (k, &x) in row.iter().enumerate() {
                    if !x.is_data(nodata, use_nodata) {
                        continue;
                    }
                    n += 1;
                    let v = x.canonical();
                    mn = if v < mn { v } else { mn };
                    mx = if v > mx { v } else { mx };
                    if sums {
                        let wx = p.weights.get(k).copied().unwrap_or(1.0);
                        let xf = x.to_f64();
                        let a = xf.abs();
                        let short = short_products && (a == 0.0 || short_range.contains(&a));
                        terms_exact &= short || !needs.squares || a == 0.0 || a >= tiny;
                        weighted_terms(wx * wy, xf, needs, short, |i, t| pairs[i].add(t));
                    }
                }
                if let Some(c) = self.count.get_mut(cell) {
                    *c += n;
                }
                if needs.minmax && n > 0 {
                    fold_min_max(&mut self.min, &mut self.max, cell, mn, mx);
                }
                if !sums || n == 0 || (terms_exact && self.merge_pairs(cell, &pairs)) {
                    continue;
                }
                let Some(e) = self.promote(cell) else {
                    continue;
                };
                // Term by term, with exact products whatever the magnitudes.
                for (k, &x) in row.iter().enumerate() {
                    if x.is_data(nodata, use_nodata) {
                        let wx = p.weights.get(k).copied().unwrap_or(1.0) * wy;
                        let xf = x.to_f64();
                        e.w.add(wx);
                        if needs.sum {
                            e.s1.add_product(wx, xf);
                        }
                        if needs.squares {
                            e.s2.add_weighted_square(wx, xf);
                        }
                    }
                }
            }
        }
    }

    /// Keeps the valid values of the window's pixels of output row `r` (quantiles, mode).
    fn collect_values(
        &mut self,
        r: u64,
        ys: &Range<u64>,
        pieces: &[Piece],
        w: &Window,
        data: &[T],
    ) -> Result<()> {
        for j in ys.clone() {
            let off = (j - w.y) as usize * w.cols as usize;
            for p in pieces {
                let cell = self.cell(r, p.col);
                let Some(row) = data.get(off + p.local.start..off + p.local.end) else {
                    continue;
                };
                let start = self.value_start.get(cell).copied().unwrap_or(0);
                let end = self
                    .value_start
                    .get(cell + 1)
                    .copied()
                    .unwrap_or(self.values.len());
                let Some(len) = self.value_len.get_mut(cell) else {
                    continue;
                };
                for &x in row
                    .iter()
                    .filter(|x| x.is_data(self.nodata, self.use_nodata))
                {
                    let slot = self
                        .values
                        .get_mut(start + *len)
                        .filter(|_| start + *len < end)
                        .ok_or_else(|| {
                            CoreError::Window(format!(
                                "output cell (row {r}, column {}) received more pixels than it \
                                 covers: a window was added twice",
                                p.col
                            ))
                        })?;
                    *slot = x.canonical();
                    *len += 1;
                }
            }
        }
        Ok(())
    }

    /// Σx and Σw of a cell rounded to f64 (weighted: Σwx, Σw): the `hi` parts of
    /// [`BandAccumulator::sums`] without the rest (mean needs no more). When Σx is beyond f64
    /// (finite terms; only an exact sum can be there, the fast sums are proved finite), both are
    /// scaled by the same power of two instead, so that their ratio, the mean, stays finite.
    #[inline]
    fn sum_and_weight(&self, cell: usize) -> (f64, f64) {
        let n = self.count.get(cell).copied().unwrap_or(0) as f64;
        if let Some(e) = self.exact.get(cell).and_then(Option::as_deref) {
            let w = if self.grid.is_weighted() {
                e.w.round()
            } else {
                n
            };
            return exact_ratio(&e.s1, w);
        }
        if let Some([w, s1, _]) = self.pairs.get(cell) {
            return (s1.hi + s1.lo, w.hi + w.lo);
        }
        (
            self.s1.get(cell).copied().unwrap_or(0.0),
            self.weight(cell, n),
        )
    }

    /// The weight of a cell with fast sums and `n` valid values: `n`, or Σw on area grids.
    #[inline(always)]
    fn weight(&self, cell: usize, n: f64) -> f64 {
        if self.sw.is_empty() {
            n
        } else {
            self.sw.get(cell).copied().unwrap_or(0.0)
        }
    }

    /// The `sum` of a cell: Σx (weighted: Σwx / the weights' unit) rounded to f64; rounded once
    /// more after the division, in an unbounded exponent range, when Σwx is beyond f64.
    #[inline]
    fn sum(&self, cell: usize) -> f64 {
        let scale = self.sum_scale;
        if let Some(e) = self.exact.get(cell).and_then(Option::as_deref) {
            let s = e.s1.round();
            if s.is_infinite() && e.s1.is_finite() {
                return scaled_quotient(&e.s1, scale);
            }
            return s / scale;
        }
        if let Some([_, s1, _]) = self.pairs.get(cell) {
            return (s1.hi + s1.lo) / scale;
        }
        self.s1.get(cell).copied().unwrap_or(0.0) / scale
    }

    /// The exact sums of a cell, if its proofs failed.
    fn exact_cell(&self, cell: usize) -> Option<&ExactCell> {
        self.exact.get(cell).and_then(Option::as_deref)
    }

    /// The sums of a cell as [`Moments`]: (Σx, Σx², Σw) (weighted: Σwx, Σwx², Σw) as
    /// double-doubles, scaled when Σx² is far from 1.
    #[inline(always)]
    fn sums(&self, cell: usize) -> Moments {
        let n = self.count.get(cell).copied().unwrap_or(0) as f64;
        let dd = |hi: f64, lo: f64| {
            let (hi, lo) = two_sum(hi, lo);
            DoubleDouble { hi, lo }
        };
        if let Some(e) = self.exact.get(cell).and_then(Option::as_deref) {
            let w = if self.grid.is_weighted() {
                e.w.round_dd()
            } else {
                DoubleDouble::from_f64(n)
            };
            if !(e.s1.is_finite() && e.s2.is_finite()) {
                return Moments::infinite(w);
            }
            let q = e.s2.round_dd();
            // (Exact squares below the subnormals can round to 0: scaled, they do not.)
            if unscaled(q.hi) && (q.hi != 0.0 || e.s2.log2().is_none()) {
                return Moments::new(e.s1.round_dd(), q, w);
            }
            return Moments::of_exact(e, w);
        }
        // Only f64 input's fast sums can be far from 1: squares of f32 (proved exact) and of
        // integers lie within 2^-298 ..= 2^128, their sums below 2^220.
        let far = |m: Moments| {
            if T::TYPE == SampleType::F64 {
                m.rescaled()
            } else {
                m
            }
        };
        if let Some([w, s1, s2]) = self.pairs.get(cell) {
            return far(Moments::new(
                dd(s1.hi, s1.lo),
                dd(s2.hi, s2.lo),
                dd(w.hi, w.lo),
            ));
        }
        let fast = |v: &[f64]| v.get(cell).copied().unwrap_or(0.0);
        far(Moments::plain(
            self.weight(cell, n),
            fast(&self.s1),
            fast(&self.s2),
            fast(&self.s3),
        ))
    }

    /// Finishes the band: one buffer per requested statistic, in request order.
    pub fn finish(mut self) -> Vec<StatOutput> {
        if self.needs.values {
            for (cell, &len) in self.value_len.iter().enumerate() {
                let start = self.value_start.get(cell).copied().unwrap_or(0);
                if let Some(v) = self.values.get_mut(start..start + len) {
                    v.sort_unstable_by(|a, b| a.total_cmp(b));
                }
            }
        }
        self.stats
            .stats()
            .iter()
            .map(|&stat| {
                let (buffer, nodata_collisions) = self.stat_buffer(stat);
                StatOutput {
                    statistic: stat,
                    buffer,
                    nodata_collisions,
                }
            })
            .collect()
    }

    /// The sorted valid values of a cell.
    fn cell_values(&self, cell: usize) -> &[T] {
        let start = self.value_start.get(cell).copied().unwrap_or(0);
        let len = self.value_len.get(cell).copied().unwrap_or(0);
        self.values.get(start..start + len).unwrap_or(&[])
    }

    /// The buffer of one statistic. The match on the statistic is outside the loops over
    /// cells, so each loop is monomorphised for its statistic: a straight loop over the
    /// arrays the statistic reads gives most cells their value (the `quick_*` methods), the
    /// general per-cell path (a closure here) the others.
    fn stat_buffer<'a>(&'a self, stat: Statistic) -> (OutputBuffer, u64) {
        let n = |k: usize| self.count.get(k).copied().unwrap_or(0);
        let ddof = self.stats.options.sd_ddof;
        // The sums of a cell with valid values (others are nodata).
        let moments = |k: usize| Some(k).filter(|&k| n(k) > 0).map(|k| self.sums(k));
        let extreme = |v: &[T], k: usize| v.get(k).copied().filter(|_| n(k) > 0).map(Value::Sample);
        let count = self.count.iter().copied();
        // Area weights in checked pairs keep no fast sums (`s1`, `s2` empty): every cell takes
        // the general path.
        let s1 = self.s1.iter().copied();
        // Each cell's Σw on area grids; elsewhere a stand-in of the same length, which the
        // quick paths ignore (they take the count), so that zipping it runs over every cell.
        let weights = |stand_in: &'a [f64]| {
            let w = if self.sw.is_empty() {
                stand_in
            } else {
                &self.sw[..]
            };
            w.iter().copied()
        };
        let squares = self
            .s2
            .iter()
            .copied()
            .zip(self.low_squares().iter().copied());
        let none = |_: ()| Quick::GENERAL;
        match stat {
            Statistic::Count => self.build_buffer(
                stat,
                count,
                #[inline(always)]
                |n| self.quick_count(n),
                |k| Some(Value::Int(n(k).into())),
            ),
            Statistic::Min | Statistic::Max => {
                let v = if stat == Statistic::Min {
                    &self.min
                } else {
                    &self.max
                };
                self.build_buffer(
                    stat,
                    count.zip(v.iter().copied()),
                    #[inline(always)]
                    |x| self.quick_sample(x),
                    |k| extreme(v, k),
                )
            }
            Statistic::Range => {
                let ends = count.zip(self.min.iter().copied().zip(self.max.iter().copied()));
                self.build_buffer(
                    stat,
                    ends,
                    #[inline(always)]
                    |x| self.quick_range(x),
                    |k| {
                        let (Some(Value::Sample(lo)), Some(Value::Sample(hi))) =
                            (extreme(&self.min, k), extreme(&self.max, k))
                        else {
                            return None;
                        };
                        Some(match (lo.to_i128(), hi.to_i128()) {
                            (Some(a), Some(b)) => Value::Int(b - a),
                            _ => Value::Real(hi.to_f64() - lo.to_f64()),
                        })
                    },
                )
            }
            Statistic::Sum => {
                let sums = count.zip(s1).zip(self.exact.iter());
                self.build_buffer(
                    stat,
                    sums,
                    #[inline(always)]
                    |x| self.quick_sum(x),
                    |k| {
                        Some(k)
                            .filter(|&k| n(k) > 0)
                            .map(|k| Value::Real(self.sum(k)))
                    },
                )
            }
            Statistic::Mean => {
                let sums = count.zip(s1.zip(weights(&self.s1))).zip(self.exact.iter());
                self.build_buffer(
                    stat,
                    sums,
                    #[inline(always)]
                    |x| self.quick_mean(x),
                    |k| {
                        Some(k).filter(|&k| n(k) > 0).map(|k| {
                            let (s, w) = self.sum_and_weight(k);
                            Value::Real(s / w)
                        })
                    },
                )
            }
            Statistic::Rms => {
                let sums = count
                    .zip(squares.zip(weights(&self.s2)))
                    .zip(self.exact.iter());
                self.build_buffer(
                    stat,
                    sums,
                    #[inline(always)]
                    |x| self.quick_rms(x),
                    |k| moments(k).map(|m| Value::Real(m.rms())),
                )
            }
            Statistic::Sd => {
                let sums = count
                    .zip(s1.zip(squares).zip(weights(&self.s1)))
                    .zip(self.exact.iter());
                let general = |k| {
                    moments(k)
                        .and_then(|m| m.standard_deviation(ddof, || self.exact_cell(k)))
                        .map(Value::Real)
                };
                // Products' errors by FMA where the quick loop runs in a copy that has it
                // (the same values, a fifth fewer instructions in the whole `finish`).
                if fused() {
                    self.build_buffer(
                        stat,
                        sums,
                        #[inline(always)]
                        |x| self.quick_standard_deviation::<true>(x),
                        general,
                    )
                } else {
                    self.build_buffer(
                        stat,
                        sums,
                        #[inline(always)]
                        |x| self.quick_standard_deviation::<false>(x),
                        general,
                    )
                }
            }
            Statistic::Quantile(q) => {
                let nothing = std::iter::empty();
                match self.stats.options.quantile_method {
                    QuantileMethod::Gdal => self.build_buffer(stat, nothing, none, |k| {
                        quantile_gdal(self.cell_values(k), q).map(Value::Sample)
                    }),
                    QuantileMethod::Linear => self.build_buffer(stat, nothing, none, |k| {
                        quantile_linear(self.cell_values(k), q).map(Value::Real)
                    }),
                }
            }
            Statistic::Mode => self.build_buffer(stat, std::iter::empty(), none, |k| {
                mode(self.cell_values(k)).map(Value::Sample)
            }),
        }
    }

    /// The low parts of Σx² (f32 input), or, for types that keep none, a stand-in of the same
    /// length that the quick paths ignore (so that zipping it runs over every cell).
    fn low_squares(&self) -> &[f64] {
        if T::SPLIT_SQUARES { &self.s3 } else { &self.s2 }
    }

    /// `count` (n): exact in f64 below 2^53, so any cell in practice.
    #[inline(always)]
    fn quick_count(&self, n: u64) -> Quick {
        let n = n as f64;
        Quick::new(n, false, whole(n))
    }

    /// `min` or `max` (v) of a cell of n values: floats as they are, integers while f64 holds
    /// them.
    #[inline(always)]
    fn quick_sample(&self, (n, v): (u64, T)) -> Quick {
        let v = v.to_f64();
        Quick::new(v, n == 0, T::SIGNIFICAND_BITS > 0 || whole(v))
    }

    /// `range`: `max − min` in f64, for integers while f64 holds both ends. Their difference
    /// is then exact too, but for Int64 input, where it can pass 2^53: its range is Float64,
    /// rounded once either way.
    #[inline(always)]
    fn quick_range(&self, (n, (lo, hi)): (u64, (T, T))) -> Quick {
        let (lo, hi) = (lo.to_f64(), hi.to_f64());
        let exact = T::SIGNIFICAND_BITS > 0 || (whole(lo) & whole(hi));
        Quick::new(hi - lo, n == 0, exact)
    }

    /// `sum` of a cell without exact sums ([`BandAccumulator::sum`]).
    #[inline(always)]
    fn quick_sum(&self, ((n, s), e): ((u64, f64), Slot<'_>)) -> Quick {
        Quick::new(s / self.sum_scale, n == 0, e.is_none())
    }

    /// `mean` of a cell without exact sums ([`BandAccumulator::sum_and_weight`]).
    #[inline(always)]
    fn quick_mean(&self, ((n, (s, w)), e): ((u64, Weighted<f64>), Slot<'_>)) -> Quick {
        Quick::new(s / self.quick_weight(n, w), n == 0, e.is_none())
    }

    /// The weight of a cell of `n` values in the quick loops, given its Σw (or a stand-in) `w`
    /// ([`BandAccumulator::weight`]).
    #[inline(always)]
    fn quick_weight(&self, n: u64, w: f64) -> f64 {
        if self.sw.is_empty() { n as f64 } else { w }
    }

    /// `rms` of a cell without exact sums whose Σx² needs no scaling (only f64 input's can).
    #[inline(always)]
    fn quick_rms(&self, ((n, ((q, q2), w)), e): ((u64, Weighted<Squares>), Slot<'_>)) -> Quick {
        let q2 = if T::SPLIT_SQUARES { q2 } else { 0.0 };
        let m = Moments::plain(self.quick_weight(n, w), 0.0, q, q2);
        Quick::new(m.rms(), n == 0, e.is_none() && self.unscaled_moments(&m))
    }

    /// `SD` of a cell without exact sums whose Σx² needs no scaling and whose numerator does
    /// not cancel (`FUSED`: see [`Moments::double_double_standard_deviation`]).
    #[inline(always)]
    fn quick_standard_deviation<const FUSED: bool>(
        &self,
        ((n, ((s, (q, q2)), w)), e): ((u64, Weighted<(f64, Squares)>), Slot<'_>),
    ) -> Quick {
        let q2 = if T::SPLIT_SQUARES { q2 } else { 0.0 };
        let m = Moments::plain(self.quick_weight(n, w), s, q, q2);
        let denominator = m.denominator(self.stats.options.sd_ddof);
        let (sd, cancelled) =
            m.double_double_standard_deviation::<FUSED>(denominator.unwrap_or(1.0));
        let sure = e.is_none() && self.unscaled_moments(&m) && !cancelled;
        Quick::new(sd, n == 0 || denominator.is_none(), sure)
    }

    /// Whether fast sums need no scaling ([`Moments::rescaled`], f64 input only): then they
    /// are what [`BandAccumulator::sums`] gives.
    #[inline(always)]
    fn unscaled_moments(&self, m: &Moments) -> bool {
        T::TYPE != SampleType::F64 || unscaled(m.q.hi)
    }

    /// Builds the typed buffer of statistic `stat` and counts valid cells equal to the nodata.
    /// `quick` gives the cells their values in one straight loop over `inputs` (one item per
    /// cell); the cells it is not sure of, or that `inputs` does not reach, take `general`.
    /// `quick` should be an `#[inline(always)]` closure, so that it is inlined into the
    /// loop's AVX2 and AVX-512 copies.
    fn build_buffer<I: Iterator>(
        &self,
        stat: Statistic,
        inputs: I,
        quick: impl Fn(I::Item) -> Quick + Copy,
        general: impl Fn(usize) -> Option<Value<T>>,
    ) -> (OutputBuffer, u64) {
        let ty = output_type(stat, T::TYPE, &self.stats.options, self.output_nodata);
        macro_rules! typed {
            ($variant:ident, $o:ty) => {{
                let (v, n) = self.fill::<$o, I>(inputs, quick, general);
                (OutputBuffer::$variant(v), n)
            }};
        }
        match ty {
            SampleType::U8 => typed!(U8, u8),
            SampleType::I8 => typed!(I8, i8),
            SampleType::U16 => typed!(U16, u16),
            SampleType::I16 => typed!(I16, i16),
            SampleType::U32 => typed!(U32, u32),
            SampleType::I32 => typed!(I32, i32),
            SampleType::U64 => typed!(U64, u64),
            SampleType::I64 => typed!(I64, i64),
            SampleType::F32 => typed!(F32, f32),
            SampleType::F64 => typed!(F64, f64),
        }
    }

    /// [`BandAccumulator::build_buffer`] for output type `O`: the quick loop (compiled for
    /// AVX2 or AVX-512 where the CPU has them), then the general path for the cells it left.
    fn fill<O: Pixel, I: Iterator>(
        &self,
        inputs: I,
        quick: impl Fn(I::Item) -> Quick + Copy,
        general: impl Fn(usize) -> Option<Value<T>>,
    ) -> (Vec<O>, u64) {
        let nodata = self.output_nodata;
        let nd = O::exact_from_f64(nodata).unwrap_or_else(|| O::cast_from_f64(nodata));
        let cells = self.count.len();
        let mut out = spare::with_capacity(cells).unwrap_or_default();
        out.resize(cells, nd);
        // From the pool too: a flag per cell is hundreds of KiB a band, and musl maps and
        // unmaps every block that large (a fresh one per statistic per band: about 13 000 of
        // the benchmark's page faults).
        let mut left: Vec<bool> = spare::with_capacity(cells).unwrap_or_default();
        left.resize(cells, true);
        let (mut collisions, done) = if general_only() {
            (0, 0)
        } else {
            fastest!(quick_fill(inputs, quick, &mut out, &mut left, nd))
        };
        // Most bands have no cell left: then nothing need look for them.
        let todo = if done < cells { &left[..] } else { &[] };
        for ((k, o), _) in out.iter_mut().enumerate().zip(todo).filter(|(_, l)| **l) {
            *o = match general(k) {
                None => nd,
                Some(v) => {
                    let o = convert::<T, O>(v);
                    collisions += u64::from(same(o, nd));
                    o
                }
            };
        }
        spare::give_back(left);
        (out, collisions)
    }
}

/// `(fl(Σ), w)` for an exact sum Σ and a weight `w` ≥ 1, or, when Σ is beyond f64's range
/// with finite terms, `(fl(Σ · 2^-k), w · 2^-k)`: both stay normal (k ≤ 200, as Σ < 2^1200),
/// so their ratio is still fl(Σ) / w correctly rounded, in an unbounded exponent range.
#[inline(never)]
fn exact_ratio(sum: &ExactSum, w: f64) -> (f64, f64) {
    let s = sum.round();
    if s.is_infinite() && sum.is_finite() {
        let k = sum.log2().unwrap_or(0) - 1000;
        return (sum.round_scaled(k), ldexp(w, -k));
    }
    (s, w)
}

/// `fl(Σ) / d` for an exact sum Σ of finite terms beyond f64's range, in an unbounded exponent
/// range: ±∞ unless `d` brings it back.
#[cold]
#[inline(never)]
fn scaled_quotient(sum: &ExactSum, d: f64) -> f64 {
    let k = sum.log2().unwrap_or(0);
    ldexp(sum.round_scaled(k) / d, k)
}

/// Whether Σx² (`q`, an f64 or the high part of a double-double) needs no scaling: within
/// 2^±500, W·Σx² and (Σx)² (at most W·Σx²) and the error terms of their double-double products
/// stay normal for any W up to 2^100 (Σw is below 2^92).
#[inline(always)]
fn unscaled(q: f64) -> bool {
    // The biased exponent of |q| within 523..=1523 (2^-500 ≤ |q| < 2^501): one comparison.
    let biased = (q.to_bits() >> 52) & 0x7ff;
    biased.wrapping_sub(523) <= 1000 || q == 0.0
}

/// A cell's sums for SD and rms, scaled by a power of two so that the double-double arithmetic
/// neither overflows nor underflows, whatever the magnitude of the data: `s` = Σx · 2^-k,
/// `q` = Σx² · 2^-2k (weighted: Σwx, Σwx²), `w` = Σw (never scaled). `k` is 0 unless Σx² is
/// beyond 2^±500, so ordinary data is computed exactly as without scaling. An infinity among
/// the values (NaN never is: it is nodata) makes `q` +∞ and `s` NaN, which IEEE arithmetic
/// carries to the results numpy gives.
#[derive(Debug, Clone, Copy)]
struct Moments {
    s: DoubleDouble,
    q: DoubleDouble,
    w: DoubleDouble,
    k: i32,
}

impl Moments {
    /// Unscaled sums.
    #[inline(always)]
    fn new(s: DoubleDouble, q: DoubleDouble, w: DoubleDouble) -> Moments {
        Moments { s, q, w, k: 0 }
    }

    /// Unscaled fast sums of a cell: weight `n` (its count, or Σw on area grids), Σx (Σwx) =
    /// `s`, Σx² (Σwx²) = `q` + `q_lo`.
    #[inline(always)]
    fn plain(n: f64, s: f64, q: f64, q_lo: f64) -> Moments {
        let (hi, lo) = two_sum(q, q_lo);
        Moments::new(
            DoubleDouble::from_f64(s),
            DoubleDouble { hi, lo },
            DoubleDouble::from_f64(n),
        )
    }

    /// The sums of a cell with an infinite value: Σx² +∞, Σx NaN (whatever its true IEEE
    /// value: SD is NaN either way), the weight.
    fn infinite(w: DoubleDouble) -> Moments {
        Moments::new(
            DoubleDouble::from_f64(f64::NAN),
            DoubleDouble::from_f64(f64::INFINITY),
            w,
        )
    }

    /// The exact sums of a cell whose Σx² is beyond f64 or far from 1 (and finite terms):
    /// scaled (exactly) to about 1, Σx alike by its root.
    #[cold]
    #[inline(never)]
    fn of_exact(e: &ExactCell, w: DoubleDouble) -> Moments {
        // |k| ≤ 1100: Σwx² lies within 2^-2148 .. 2^2200.
        let k = e.s2.log2().unwrap_or(0).div_euclid(2);
        Moments {
            s: e.s1.round_dd_scaled(k),
            q: e.s2.round_dd_scaled(2 * k),
            w,
            k: k as i32,
        }
    }

    /// Finite f64 sums (fast or pair sums, which their proofs keep finite and whose Σx² is 0
    /// or at least 2^-960: squares below that fail the proofs) scaled when Σx² is far from 1:
    /// multiplications by powers of two, exact but for parts that underflow, which are below
    /// 2^-500 of Σx² and change nothing. Branch-free (a factor of 1 when in range), so that
    /// the loop over cells stays straight.
    #[inline(always)]
    fn rescaled(self) -> Moments {
        let biased = ((self.q.hi.to_bits() >> 52) & 0x7ff) as i32;
        let k = if unscaled(self.q.hi) {
            0
        } else {
            (biased - 1023) >> 1
        };
        // 2^-k, |k| ≤ 512.
        let f = f64::from_bits(((1023 - k) as u64) << 52);
        let by = |d: DoubleDouble, f: f64| DoubleDouble {
            hi: d.hi * f,
            lo: d.lo * f,
        };
        Moments {
            s: by(self.s, f),
            q: by(by(self.q, f), f),
            k,
            ..self
        }
    }

    /// √(Σx² / W): +∞ with an infinite value (as numpy's float64 `sqrt(mean(x²))`).
    #[inline(always)]
    fn rms(&self) -> f64 {
        ldexp((self.q.hi / self.w.hi).sqrt(), i64::from(self.k))
    }

    /// √((W·Q − S²) / (W·(W − ddof))) with the numerator in double-double arithmetic, or
    /// exactly where that cancels ([`Moments::cancelled_standard_deviation`]); NaN with an
    /// infinite value (as numpy's float64 two-pass `std`: ∞ − ∞); `None` when the sample SD
    /// of a single value (or of total weight ≤ 1) is asked.
    #[inline(always)]
    fn standard_deviation<'e>(
        &self,
        ddof: Ddof,
        exact: impl FnOnce() -> Option<&'e ExactCell>,
    ) -> Option<f64> {
        let denominator = self.denominator(ddof)?;
        let (sd, cancelled) = self.double_double_standard_deviation::<false>(denominator);
        if cancelled {
            return Some(self.cancelled_standard_deviation(denominator, exact()));
        }
        Some(sd)
    }

    /// The divisor `W − ddof` of the variance; `None` for the sample SD of total weight ≤ 1.
    #[inline(always)]
    fn denominator(&self, ddof: Ddof) -> Option<f64> {
        match ddof {
            Ddof::Zero => Some(self.w.hi),
            Ddof::One if self.w.hi > 1.0 => Some(self.w.hi - 1.0),
            Ddof::One => None,
        }
    }

    /// SD with the numerator `W·Q − S²` in double-double arithmetic, and whether that
    /// cancelled too much to trust (then [`Moments::cancelled_standard_deviation`] is the SD).
    /// Branch-free, so that loops over cells vectorise. `FUSED`: products' errors by FMA, for
    /// code compiled with it: the same result wherever both TwoProducts are exact, which they
    /// are in the quick loop, whose values are the proved sums of a cell: nothing near
    /// overflow (f64 input: Σx² below 2^501, [`BandAccumulator::unscaled_moments`]; other
    /// types are bounded by their range), and every operand a multiple of the input's lowest
    /// bit, whose products are at least 2^-1074 (f64: the proofs refuse non-zero values below
    /// 2^-480, so multiples of 2^-532; f32: of 2^-149; integers: whole).
    #[inline(always)]
    fn double_double_standard_deviation<const FUSED: bool>(&self, denominator: f64) -> (f64, bool) {
        let w = self.w;
        let d = w.mul::<FUSED>(self.q).sub(self.s.mul::<FUSED>(self.s));
        // The double-double difference is within 2^-100 · W·Q: enough unless it is below
        // 2^-45 · W·Q. NaN (Q infinite) passes.
        let cancelled = d.hi.abs() < pow2(-45) * (w.hi * self.q.hi);
        let d = d.hi + d.lo;
        // A tiny negative from rounding is 0; NaN (an infinite value) stays NaN, never a
        // plausible-looking 0.
        let d = if d.is_nan() { d } else { d.max(0.0) };
        let sd = ldexp((d / w.hi / denominator).sqrt(), i64::from(self.k));
        (sd, cancelled)
    }

    /// SD for a cell whose `W·Q − S²` cancels by more than 45 bits (SD below about 2^-22 of
    /// the mean, such as 1e6 + noise of 1e-3, where the double-double difference could be off
    /// by tens of ulps): the numerator exact ([`Moments::variance_numerator_exact`]), the
    /// quotient and the root rounded once in effect ([`sqrt_quotient`]), so within 1 ulp.
    #[cold]
    #[inline(never)]
    fn cancelled_standard_deviation(&self, denominator: f64, exact: Option<&ExactCell>) -> f64 {
        let d = self.variance_numerator_exact(exact);
        let d = if d.hi > 0.0 {
            d
        } else {
            DoubleDouble::from_f64(0.0)
        };
        let (hi, lo) = two_prod(self.w.hi, denominator);
        ldexp(sqrt_quotient(d, DoubleDouble { hi, lo }), i64::from(self.k))
    }

    /// `W·Q − S²` from the exact products of the parts, rounded to a double-double: W a
    /// double-double (exact: Σw is an integer below 2^92), S and Q exact double-doubles or,
    /// from exact sums, in three parts (exact for sums of up to 159 significant bits, within
    /// 2^-159 · W·Q beyond). For cells whose numerator cancels, rare enough to afford it.
    fn variance_numerator_exact(&self, exact: Option<&ExactCell>) -> DoubleDouble {
        let (s, q) = match exact {
            Some(e) => {
                let k = i64::from(self.k);
                (e.s1.round_parts_scaled(k), e.s2.round_parts_scaled(2 * k))
            }
            None => ([self.s.hi, self.s.lo, 0.0], [self.q.hi, self.q.lo, 0.0]),
        };
        let mut d = ExactSum::default();
        // Smallest products first, so that the sum's limbs grow upwards.
        for &q in q.iter().rev() {
            for w in [self.w.lo, self.w.hi] {
                d.add_product(w, q);
            }
        }
        for &a in s.iter().rev() {
            for &b in s.iter().rev() {
                d.add_product(-a, b);
            }
        }
        d.round_dd()
    }
}

/// `√(n / d)` for double-doubles `n ≥ 0` and `d > 0`, within about half an ulp (plus 2^-100):
/// the quotient to double-double accuracy, then the root with one Newton correction, so that
/// only the last rounding counts. NaN and ∞ as IEEE's `sqrt(n.hi / d.hi)`.
fn sqrt_quotient(n: DoubleDouble, d: DoubleDouble) -> f64 {
    let q = n.hi / d.hi;
    // n − q·d: n.hi − p is exact (p is within an ulp of n.hi).
    let (p, e) = two_prod(q, d.hi);
    let rest = (((n.hi - p) - e) + n.lo) - q * d.lo;
    let (q, ql) = two_sum(q, rest / d.hi);
    let r = q.sqrt();
    if !(r > 0.0 && r.is_finite()) {
        // 0, NaN or ∞ (or a quotient whose correction is NaN: fall back to the plain root).
        return if ql.is_nan() { (n.hi / d.hi).sqrt() } else { r };
    }
    // √(q + ql) ≈ r + (q + ql − r²) / 2r, with q − r² exact.
    let (rr, re) = two_prod(r, r);
    r + (((q - rr) - re) + ql) / (2.0 * r)
}

/// How a window's columns feed the output columns: computed once per span of window columns.
#[derive(Debug)]
struct Layout {
    /// The window's columns.
    span: Range<u64>,
    /// The columns feeding each output column, in order.
    pieces: Vec<Piece>,
    /// The blocks of the column pass, in order.
    blocks: Vec<Block>,
    /// The runs of every block, block after block.
    runs: Vec<Run>,
}

/// What [`BandAccumulator::weighted_pass`] saw of an output row's input rows.
#[derive(Debug, Clone, Copy)]
struct WeightedRows<T> {
    /// The extent of their values.
    extent: Extent<T>,
    /// Σ of the weights of those of their rows that went into the totals (the others, all
    /// nodata, add no terms).
    weight: u64,
    /// Whether one run of rows of one weight holds all their data: then no fold run by run
    /// could prove more.
    alone: bool,
}

/// Pieces that one column pass takes together.
#[derive(Debug)]
struct Block {
    /// Which pieces (of [`Layout::pieces`]).
    pieces: Range<usize>,
    /// Their window-local columns.
    cols: Range<usize>,
    /// The most columns of one piece.
    widest: usize,
    /// Its runs (of [`Layout::runs`]).
    runs: Range<usize>,
}

/// Side-by-side pieces of one width feeding consecutive output columns (all of a block but
/// its edges, usually), so that each accumulator folds in one straight loop: which pieces
/// (of [`Layout::pieces`]).
type Run = Range<usize>;

/// The blocks of `pieces` for the column pass (an area grid's pieces share their edge
/// columns: the blocks then do too), and their runs: about
/// [`COLUMN_BLOCK`] columns each, so that the column totals stay in L1.
fn blocks_of(pieces: &[Piece]) -> (Vec<Block>, Vec<Run>) {
    let (mut blocks, mut runs) = (Vec::new(), Vec::new());
    let mut first = 0;
    while let Some(head) = pieces.get(first) {
        let b0 = head.local.start;
        let mut last = first + 1;
        while pieces
            .get(last)
            .is_some_and(|p| p.local.end - b0 <= COLUMN_BLOCK)
        {
            last += 1;
        }
        // End the block at a whole number of vectors when a piece ends there: the passes'
        // loops then have no partial vector (at factor 5, 240 columns rather than 255),
        // though at AVX-512 the compiler still leaves the generic pass's last 8 columns to
        // scalar code. Not the last block of the window: a shorter one would only add one.
        let on_vector = |k: &usize| {
            pieces
                .get(k - 1)
                .is_some_and(|p| (p.local.end - b0) % VECTOR == 0)
        };
        if last < pieces.len()
            && let Some(k) = (first + 1..=last).rev().find(on_vector)
        {
            last = k;
        }
        let block = pieces.get(first..last).unwrap_or(&[]);
        let widest = block.iter().map(|p| p.local.len()).max().unwrap_or(0);
        let b1 = block.last().map_or(b0, |p| p.local.end);
        let first_run = runs.len();
        let mut rest = block;
        let mut at = first;
        while let Some(head) = rest.first() {
            let width = head.local.len();
            let n = rest
                .iter()
                .enumerate()
                .take_while(|(i, p)| {
                    p.col == head.col + i
                        && p.local.start == head.local.start + i * width
                        && p.local.len() == width
                })
                .count()
                .max(1); // (the head always counts: a guard, never a change)
            runs.push(at..at + n);
            rest = rest.get(n..).unwrap_or(&[]);
            at += n;
        }
        blocks.push(Block {
            pieces: first..last,
            cols: b0..b1,
            widest,
            runs: first_run..runs.len(),
        });
        first = last;
    }
    (blocks, runs)
}

/// The columns of a window that feed one output column.
#[derive(Debug, Clone)]
struct Piece {
    /// Output column.
    col: usize,
    /// Window-local column range.
    local: Range<usize>,
    /// Area weight of each of those columns (empty for disjoint grids).
    weights: Vec<f64>,
}

impl Piece {
    /// Σ of the column weights (of whole cells: the column count), integers.
    fn weight(&self) -> u64 {
        if self.weights.is_empty() {
            self.local.len() as u64
        } else {
            self.weights.iter().map(|&w| w as u64).sum()
        }
    }
}

/// `v[range]` when `on` (`None` if it is too short), nothing when off (never indexed).
fn part<'a, V>(on: bool, v: &'a [V], range: &Range<usize>) -> Option<&'a [V]> {
    if on { v.get(range.clone()) } else { Some(&[]) }
}

/// Whether none of `cells` keeps exact sums (`exact`: the band's), so that all have fast
/// sums only. A fold without early exit: it vectorises, where `all` tests cell by cell.
fn all_fast<E>(exact: &[Option<E>], cells: Range<usize>) -> bool {
    exact
        .get(cells)
        .is_some_and(|e| e.iter().fold(true, |all, x| all & x.is_none()))
}

/// Adds `parts[k][i]` to `sums[k][first + i]` for every k and i when each of these additions
/// is exact and finite (TwoSum, in straight loops that vectorise), and says so; otherwise
/// changes nothing. Sums not kept (empty) are skipped: their parts are zeros.
#[inline(always)]
fn add_exact<const N: usize>(sums: [&mut Vec<f64>; N], first: usize, parts: [&[f64]; N]) -> bool {
    let mut clean = true;
    for (sums, part) in sums.iter().zip(parts) {
        for (&s, &p) in sums.iter().skip(first).zip(part) {
            let (v, e) = two_sum(s, p);
            clean &= e == 0.0 && v.is_finite();
        }
    }
    if clean {
        for (sums, part) in sums.into_iter().zip(parts) {
            for (s, &p) in sums.iter_mut().skip(first).zip(part) {
                *s += p;
            }
        }
    }
    clean
}

/// The column totals of one piece of an area grid, over the rows of one output row (or of
/// one run of rows of one weight) in a window, weighted.
struct PieceTotals<T> {
    /// Valid values.
    n: u64,
    /// Their extremes (the identities when not asked for).
    lo: T,
    hi: T,
    /// Σw·x, Σw·f32(x²), Σw·(x² − f32(x²)) and Σw (zeros when not asked for).
    parts: [f64; 4],
}

/// [`PieceTotals`] of the piece over columns `local` (window-local) of the row-weighted
/// totals `c` ([`Columns::add_weighted`]) with column weights `weights` (none: an axis of
/// whole cells, weight 1): one loop over the piece's few columns for every total (separate
/// folds over 2 to 3 columns cost more in loop set-up than in sums). `extents`: whether
/// min/max are wanted.
#[inline(always)]
fn piece_totals<T: Pixel>(
    c: &Columns<T>,
    local: &Range<usize>,
    weights: &[f64],
    needs: Needs,
    extents: bool,
) -> PieceTotals<T> {
    let mut t = PieceTotals {
        n: 0,
        lo: T::HIGHEST,
        hi: T::LOWEST,
        parts: [0.0; 4],
    };
    let split = needs.squares && T::SPLIT_SQUARES;
    let at = |v: &[f64], j: usize| v.get(j).copied().unwrap_or(0.0);
    let [s1, s2, s3, sw] = &mut t.parts;
    for (k, j) in local.clone().enumerate() {
        let Some(&count) = c.cnt.get(j) else { break };
        let w = weights.get(k).copied().unwrap_or(1.0);
        t.n += u64::from(count);
        *sw += w * at(&c.sw, j);
        if extents {
            // Selects, not branches: which value wins is data, and unpredictable.
            let (lo, hi) = (c.mn.get(j).copied(), c.mx.get(j).copied());
            let (lo, hi) = (lo.unwrap_or(T::HIGHEST), hi.unwrap_or(T::LOWEST));
            t.lo = if lo < t.lo { lo } else { t.lo };
            t.hi = if hi > t.hi { hi } else { t.hi };
        }
        if needs.sum {
            *s1 += w * at(&c.s1, j);
        }
        if needs.squares {
            *s2 += w * at(&c.s2, j);
        }
        if split {
            *s3 += w * at(&c.s3, j);
        }
    }
    t
}

/// Whether weighted terms `w·x`, `w·f32(x²)` and `w·(x² − f32(x²))` of `T` are exact
/// products: values of at most 24 significant bits (f32, integers of up to 16 bits) and
/// integer weights below 2^29 (`sum_scale`, the largest). Area grids then keep fast sums, as
/// integer factors do; others keep checked pairs.
fn short_products<T: Pixel>(sum_scale: f64) -> bool {
    let short_type = T::SPLIT_SQUARES || (T::SIGNIFICAND_BITS == 0 && T::SIZE <= 2);
    short_type && sum_scale <= pow2(29)
}

/// The exact terms of one weighted value: `w` to sum 0 (Σw), the parts of `w·x` to sum 1
/// (Σwx), the parts of `w·x²` to sum 2 (Σwx²). With `short` (integer weights below 2^29 and
/// values of at most 24 significant bits whose square is a normal f32), `w·x` and `w·hi`,
/// `w·lo` of the two 24-bit halves of `x²` are exact products and need no TwoProduct. Without,
/// the terms are exact unless they overflow (non-finite, refused by the pairs) or `x²`
/// underflows (`|x|` below 2^-480, refused by the caller).
#[inline]
fn weighted_terms(w: f64, x: f64, needs: Needs, short: bool, mut add: impl FnMut(usize, f64)) {
    add(0, w);
    if short {
        if needs.sum {
            add(1, w * x);
        }
        if needs.squares {
            let q = x * x;
            let hi = f64::from(q as f32);
            add(2, w * hi);
            add(2, w * (q - hi));
        }
        return;
    }
    if needs.sum {
        let (a, b) = two_prod(w, x);
        add(1, a);
        add(1, b);
    }
    if needs.squares {
        let (q, qe) = two_prod(x, x);
        for (a, b) in [two_prod(w, q), two_prod(w, qe)] {
            add(2, a);
            add(2, b);
        }
    }
}

/// A running sum kept as `hi + lo` with TwoSum, exact while no update of `lo` rounded.
#[derive(Debug, Clone, Copy)]
struct PairSum {
    hi: f64,
    lo: f64,
    exact: bool,
}

impl Default for PairSum {
    fn default() -> PairSum {
        PairSum {
            hi: 0.0,
            lo: 0.0,
            exact: true,
        }
    }
}

impl PairSum {
    #[inline]
    fn add(&mut self, v: f64) {
        let (hi, e) = two_sum(self.hi, v);
        let (lo, e2) = two_sum(self.lo, e);
        self.exact &= e2 == 0.0 && hi.is_finite();
        self.hi = hi;
        self.lo = lo;
    }
}

/// Folds a window's minimum and maximum into a cell's.
fn fold_min_max<T: Pixel>(min: &mut [T], max: &mut [T], cell: usize, mn: T, mx: T) {
    if let Some(m) = min.get_mut(cell) {
        *m = mn.lower(*m);
    }
    if let Some(m) = max.get_mut(cell) {
        *m = mx.higher(*m);
    }
}

/// A cell result before conversion to the output type.
#[derive(Debug, Clone, Copy)]
enum Value<T> {
    /// An input value (min, max, GDAL quantile, mode).
    Sample(T),
    /// An exact integer (count, integer range).
    Int(i128),
    /// A computed real.
    Real(f64),
}

/// A cell's result from a quick loop ([`quick_fill`]).
#[derive(Debug, Clone, Copy)]
struct Quick {
    /// The value, to be cast to the output type.
    value: f64,
    /// The cell has no value: nodata.
    empty: bool,
    /// The quick loop is not sure of the cell (exact sums, cancellation, a value f64 does
    /// not carry exactly, or a statistic without a quick path): it takes the general path.
    general: bool,
}

impl Quick {
    /// Every cell to the general path.
    const GENERAL: Quick = Quick {
        value: 0.0,
        empty: false,
        general: true,
    };

    /// `value` (or nodata when `empty`) if `sure`, else the general path's.
    #[inline(always)]
    fn new(value: f64, empty: bool, sure: bool) -> Quick {
        Quick {
            value,
            empty,
            general: !sure,
        }
    }
}

/// Whether an integer-valued `v` is below 2^53 in magnitude, where f64 holds every integer:
/// then casting it to any output type gives what [`convert`] gives for the integer.
#[inline(always)]
fn whole(v: f64) -> bool {
    v.abs() < pow2(53)
}

/// Whether the quick loops are off, so that every cell takes the general path: tests compare
/// the two ways.
#[cfg(test)]
fn general_only() -> bool {
    tests::GENERAL_ONLY.with(std::cell::Cell::get)
}

/// Whether the quick loops are off: never outside tests.
#[cfg(not(test))]
#[inline(always)]
fn general_only() -> bool {
    false
}

/// Whether two output values are equal, NaN equal to NaN (a valid value reading back as
/// nodata).
#[inline(always)]
fn same<O: Pixel>(a: O, b: O) -> bool {
    (a == b) | (a.is_nan() & b.is_nan())
}

/// The quick loop of [`BandAccumulator::fill`]: each cell's [`Quick`] value cast to the output
/// type (nodata where it has none), `left` cleared unless it takes the general path; returns
/// the number of the other cells whose value equals the nodata, and the number of cells it
/// gave their value (the others, and those `inputs` does not reach, take the general path).
/// Branch-free over slices zipped into one index, so that it vectorises. Values convert by
/// [`Pixel::cast_whole`]: integer output types only ever receive whole numbers here, since
/// [`output_type`] gives them to `count` and to `min`, `max` and `range` of integer input
/// alone (the proptest of the `tests` module checks every statistic and type against the
/// general path).
#[inline(always)]
fn quick_fill<I: Iterator, O: Pixel>(
    inputs: I,
    quick: impl Fn(I::Item) -> Quick,
    out: &mut [O],
    left: &mut [bool],
    nd: O,
) -> (u64, usize) {
    let mut collisions = 0u64;
    let mut done = 0usize;
    for ((o, l), x) in out.iter_mut().zip(left.iter_mut()).zip(inputs) {
        let q = quick(x);
        let v = if q.empty { nd } else { O::cast_whole(q.value) };
        *o = v;
        *l = q.general;
        done += usize::from(!q.general);
        collisions += u64::from(!q.empty & !q.general & same(v, nd));
    }
    (collisions, done)
}

/// Converts a cell result to the output type: exactly for integers that fit (the output type
/// is chosen so that they do), by rounding to nearest for reals.
fn convert<T: Pixel, O: Pixel>(v: Value<T>) -> O {
    match v {
        Value::Sample(t) => match t.to_i128() {
            Some(i) => O::from_i128(i).unwrap_or_else(|| O::cast_from_f64(t.to_f64())),
            None => O::cast_from_f64(t.to_f64()),
        },
        Value::Int(i) => O::from_i128(i).unwrap_or_else(|| O::cast_from_f64(i as f64)),
        Value::Real(f) => O::cast_from_f64(f),
    }
}

/// Estimated peak bytes of a band accumulator for output rows `out_rows` of `grid` with input
/// type `input`, including its finished buffers: what the CLI's band planner budgets.
/// Quantiles and mode keep every input value of the band, which usually dominates.
pub fn band_memory_bytes(
    stats: &StatSet,
    input: SampleType,
    grid: &Grid,
    out_rows: Range<u64>,
) -> Option<u64> {
    let needs = stats.needs();
    let cells = grid.cells_in_rows(out_rows.end.checked_sub(out_rows.start)?)?;
    let size = input.size() as u64;
    let mut per_cell = 8u64; // count
    if needs.minmax {
        per_cell += 2 * size;
    }
    if needs.sum || needs.squares {
        per_cell += 8 + 24; // exact pointer, three fast sums
        if grid.is_weighted() {
            let scale = grid.x.unit() as f64 * grid.y.unit() as f64;
            let short = rastagg_raster::with_sample_type!(input, T => short_products::<T>(scale));
            // Σw beside the fast sums, or three checked pairs.
            per_cell += if short { 8 } else { 3 * 24 };
        }
    }
    if needs.values {
        per_cell += 16;
    }
    let outputs: u64 = stats
        .stats()
        .iter()
        .map(|&s| output_type(s, input, &stats.options, -9999.0).size() as u64)
        .sum();
    per_cell += outputs;
    let values = if needs.values {
        grid.inputs_per_band(out_rows)?.checked_mul(size)?
    } else {
        0
    };
    let columns = grid.x.in_size().checked_mul(4 + 2 * size + 32)?;
    cells
        .checked_mul(per_cell)?
        .checked_add(values)?
        .checked_add(columns)
}

#[cfg(test)]
mod tests;
