//! Painting one source into a request buffer: read the source pixels a [`Plan`] needs (in
//! bounded chunks), then copy, convert, mask and scale them as GDAL's SimpleSource and
//! ComplexSource do.

use crate::convert::{SourceSample, Working, from_f32_simd, from_f64, works_in_f64};
use crate::dataset::SourceReader;
use crate::error::{Error, Result};
use crate::geometry::Plan;
use crate::model::SourceKind;
use rastagg_raster::{Sample, SampleType, Window, with_sample_type};
use std::ops::Range;

/// Most source pixels read at once for one source (bounds the temporary buffer; a 1:1 read of
/// 4096 × 4096 pixels is one chunk).
const CHUNK_PIXELS: u64 = 1 << 24;

/// A block of the plan: output columns and rows (indices into `plan.cols` / `plan.rows`) whose
/// source pixels are read in one window.
struct Chunk {
    cols: Range<usize>,
    rows: Range<usize>,
    window: Window,
}

/// Splits the plan so that no chunk's source window exceeds [`CHUNK_PIXELS`] (source indices
/// are non-decreasing along each axis, so spans grow monotonically).
fn chunks(plan: &Plan) -> Vec<Chunk> {
    let groups = |idx: &[u64], budget: u64| -> Vec<Range<usize>> {
        let mut out = Vec::new();
        let mut start = 0;
        while let Some(&first) = idx.get(start) {
            let mut end = start + 1;
            while idx
                .get(end)
                .is_some_and(|&i| i.saturating_sub(first) < budget)
            {
                end += 1;
            }
            out.push(start..end);
            start = end;
        }
        out
    };
    let span = |idx: &[u64]| -> (u64, u64) {
        let lo = idx.iter().min().copied().unwrap_or(0);
        let hi = idx.iter().max().copied().unwrap_or(0);
        (lo, hi - lo + 1)
    };
    let mut out = Vec::new();
    for cols in groups(&plan.cols, CHUNK_PIXELS) {
        let (x, w) = span(plan.cols.get(cols.clone()).unwrap_or_default());
        for rows in groups(&plan.rows, (CHUNK_PIXELS / w).max(1)) {
            let (y, h) = span(plan.rows.get(rows.clone()).unwrap_or_default());
            out.push(Chunk {
                cols: cols.clone(),
                rows,
                window: Window::new(x, y, w, h),
            });
        }
    }
    out
}

fn inconsistent(reader: &SourceReader<'_>) -> Error {
    Error::Format {
        path: reader.vrt_path().to_path_buf(),
        msg: "inconsistent source geometry".into(),
    }
}

/// Calls `f(dst_row, src_row, source_cols)` for every output row of `chunk`: `dst_row` is the
/// chunk's span of the output row, `src_row` the source row it reads (starting at column
/// `chunk.window.x`), `source_cols` the absolute source column of each output column.
fn each_row<S, T>(
    plan: &Plan,
    chunk: &Chunk,
    data: &[S],
    req_cols: u64,
    out: &mut [T],
    mut f: impl FnMut(&mut [T], &[S], &[u64]),
) -> Option<()> {
    let cols = plan.cols.get(chunk.cols.clone())?;
    let win = chunk.window;
    let width = usize::try_from(win.cols).ok()?;
    for r in chunk.rows.clone() {
        let src_row = plan.rows.get(r)?.checked_sub(win.y)?;
        let start = usize::try_from(src_row.checked_mul(win.cols)?).ok()?;
        let src = data.get(start..start.checked_add(width)?)?;
        let out_row = plan.out.y.checked_add(r as u64)?;
        let out_col = plan.out.x.checked_add(chunk.cols.start as u64)?;
        let o = usize::try_from(out_row.checked_mul(req_cols)?.checked_add(out_col)?).ok()?;
        let dst = out.get_mut(o..o.checked_add(cols.len())?)?;
        f(dst, src, cols);
    }
    Some(())
}

/// Gathers `src[c - x0]` for each source column `c` into `dst`, converting with `f`.
#[inline(always)]
fn gather<S: Copy + Default, T>(
    dst: &mut [T],
    src: &[S],
    cols: &[u64],
    x0: u64,
    mut f: impl FnMut(&mut T, S),
) {
    for (o, &c) in dst.iter_mut().zip(cols) {
        let v = src
            .get(c.wrapping_sub(x0) as usize)
            .copied()
            .unwrap_or_default();
        f(o, v);
    }
}

/// The source values of a row of a 1:1 plan (`exact`): the `n` values of `src` from the first
/// source column of `cols` on (`src` starts at column `x0`), when they are all there. Whole
/// runs, not gathers, let the per-value loops vectorise.
#[inline(always)]
fn row_span<'s, S>(src: &'s [S], cols: &[u64], x0: u64, n: usize, exact: bool) -> Option<&'s [S]> {
    let first = cols.first().map_or(0, |c| c.wrapping_sub(x0) as usize);
    src.get(first..first.saturating_add(n)).filter(|_| exact)
}

/// Paints one source (band already opened in `reader`) into the request buffer `out`, whose
/// rows are `req_cols` wide. `stype` is the source band's sample type, `T` the VRT band's.
pub(crate) fn paint<T: Sample>(
    reader: &SourceReader<'_>,
    stype: SampleType,
    kind: &SourceKind,
    plan: &Plan,
    req_cols: u64,
    out: &mut [T],
) -> Result<()> {
    match *kind {
        SourceKind::Simple if stype == T::TYPE => paint_same(reader, plan, req_cols, out),
        SourceKind::Complex {
            nodata: None,
            scaling: Some((0.0, offset)),
        } => {
            // GDAL writes the constant ScaleOffset without reading the source.
            let v: T = if works_in_f64(T::TYPE) {
                from_f64::<f64>(offset).to()
            } else {
                from_f64::<f32>(offset).to()
            };
            fill_rect(out, req_cols, plan.out, v).ok_or_else(|| inconsistent(reader))
        }
        _ => {
            with_sample_type!(stype, S => paint_converted::<T, S>(reader, kind, plan, req_cols, out))
        }
    }
}

/// Sets the pixels of `rect` (in a buffer of rows `req_cols` wide) to `v`.
fn fill_rect<T: Copy>(out: &mut [T], req_cols: u64, rect: Window, v: T) -> Option<()> {
    let n = usize::try_from(rect.cols).ok()?;
    for r in 0..rect.rows {
        let o = usize::try_from(
            rect.y
                .checked_add(r)?
                .checked_mul(req_cols)?
                .checked_add(rect.x)?,
        )
        .ok()?;
        out.get_mut(o..o.checked_add(n)?)?.fill(v);
    }
    Some(())
}

/// A SimpleSource of the band's own type: plain copies (straight into `out` when the source
/// fills whole output rows).
fn paint_same<T: Sample>(
    reader: &SourceReader<'_>,
    plan: &Plan,
    req_cols: u64,
    out: &mut [T],
) -> Result<()> {
    for chunk in chunks(plan) {
        let whole_rows = plan.exact
            && plan.out.x == 0
            && plan.out.cols == req_cols
            && chunk.cols.len() == plan.cols.len();
        if whole_rows {
            let first = plan.out.y.checked_add(chunk.rows.start as u64);
            let start = first.and_then(|f| usize::try_from(f.checked_mul(req_cols)?).ok());
            let len = chunk
                .window
                .rows
                .checked_mul(req_cols)
                .and_then(|n| usize::try_from(n).ok());
            let range = start
                .zip(len)
                .and_then(|(a, n)| out.get_mut(a..a.checked_add(n)?))
                .ok_or_else(|| inconsistent(reader))?;
            reader.read_into(chunk.window, range)?;
            continue;
        }
        let data: Vec<T> = reader.read(chunk.window)?;
        let x0 = chunk.window.x;
        let exact = plan.exact;
        each_row(
            plan,
            &chunk,
            &data,
            req_cols,
            out,
            |dst, src, cols| match row_span(src, cols, x0, dst.len(), exact) {
                Some(run) => dst.copy_from_slice(run),
                None => gather(dst, src, cols, x0, |o, v| *o = v),
            },
        )
        .ok_or_else(|| inconsistent(reader))?;
    }
    Ok(())
}

/// Any other source: read as the source's type `S`, converted, and for a ComplexSource masked
/// by NODATA and scaled in GDAL's working precision.
fn paint_converted<T: Sample, S: SourceSample>(
    reader: &SourceReader<'_>,
    kind: &SourceKind,
    plan: &Plan,
    req_cols: u64,
    out: &mut [T],
) -> Result<()> {
    for chunk in chunks(plan) {
        let data: Vec<S> = reader.read(chunk.window)?;
        let x0 = chunk.window.x;
        let done = match *kind {
            SourceKind::Simple => match simd_spans::<T, S>(reader, plan) {
                Some((lo, hi, block)) => {
                    each_row(plan, &chunk, &data, req_cols, out, |dst, src, cols| {
                        for (o, &c) in dst.iter_mut().zip(cols) {
                            let v = src
                                .get(c.wrapping_sub(x0) as usize)
                                .copied()
                                .unwrap_or_default();
                            *o = if in_simd_lane(c, lo, hi, block) {
                                from_f32_simd(v.to_f32())
                            } else {
                                v.convert()
                            };
                        }
                    })
                }
                None => each_row(plan, &chunk, &data, req_cols, out, |dst, src, cols| {
                    gather(dst, src, cols, x0, |o, v: S| *o = v.convert())
                }),
            },
            SourceKind::Complex { nodata, scaling } => {
                if works_in_f64(T::TYPE) {
                    complex::<T, S, f64>(plan, &chunk, &data, req_cols, out, nodata, scaling)
                } else {
                    complex::<T, S, f32>(plan, &chunk, &data, req_cols, out, nodata, scaling)
                }
            }
        };
        done.ok_or_else(|| inconsistent(reader))?;
    }
    Ok(())
}

/// For a 1:1 SimpleSource from Float32 into Int16, GDAL 3.6 converts each row span of the
/// source request within one source block 8 values at a time (with different NaN and rounding
/// results, see [`from_f32_simd`]) and the rest one by one: returns the request's column range
/// and the block width to tell the two apart, or `None` when the quirk does not apply.
fn simd_spans<T: Sample, S: SourceSample>(
    reader: &SourceReader<'_>,
    plan: &Plan,
) -> Option<(u64, u64, u64)> {
    if S::TYPE != SampleType::F32 || T::TYPE != SampleType::I16 || !plan.exact {
        return None;
    }
    let block = reader.block_width().filter(|&b| b > 0)?;
    let lo = *plan.cols.first()?;
    let hi = plan.cols.last()?.checked_add(1)?;
    Some((lo, hi, block))
}

/// Whether source column `c` of a request spanning columns `lo..hi` falls in the part of its
/// block span that GDAL converts 8 at a time.
fn in_simd_lane(c: u64, lo: u64, hi: u64, block: u64) -> bool {
    let start = (c / block).saturating_mul(block).max(lo);
    let end = (c / block).saturating_add(1).saturating_mul(block).min(hi);
    let len = end.saturating_sub(start);
    c.saturating_sub(start) < len - len % 8
}

/// ComplexSource pixels in working type `W`: a value equal (GDAL's ARE_REAL_EQUAL) to NODATA,
/// or NaN when NODATA is NaN, leaves the output untouched; others are scaled and converted.
fn complex<T: Sample, S: SourceSample, W: Working>(
    plan: &Plan,
    chunk: &Chunk,
    data: &[S],
    req_cols: u64,
    out: &mut [T],
    nodata: Option<f64>,
    scaling: Option<(f64, f64)>,
) -> Option<()> {
    let nodata = nodata.map(|v| {
        if S::TYPE == SampleType::F32 {
            crate::convert::adjust_float_max(v)
        } else {
            v
        }
    });
    let nan_nodata = nodata.is_some_and(f64::is_nan);
    let nodata_w: Option<W> = nodata
        .filter(|v| !v.is_nan() && W::in_range(*v))
        .map(from_f64::<W>);
    let x0 = chunk.window.x;
    // Without a NODATA value the test still runs, against a stand-in, and counts for nothing.
    let (test, nodata_w) = nodata_w.map_or((false, W::of(0u8)), |n| (true, n));
    let px = |o: &mut T, s: S| {
        let w = W::of(s);
        // Selects, not branches (a branch per value is most of the cost of a mosaic's read):
        // a hole keeps what `o` holds.
        let hole = (nan_nodata & w.is_nan()) | (test & w.near(nodata_w));
        let w = match scaling {
            Some((ratio, offset)) => w.scaled(ratio, offset),
            None => w,
        };
        let v: T = w.to();
        *o = if hole { *o } else { v };
    };
    each_row(
        plan,
        chunk,
        data,
        req_cols,
        out,
        |dst, src, cols| match row_span(src, cols, x0, dst.len(), plan.exact) {
            Some(run) => dst.iter_mut().zip(run).for_each(|(o, &s)| px(o, s)),
            None => gather(dst, src, cols, x0, px),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_bound_the_source_window() {
        let plan = Plan {
            out: Window::new(0, 0, 3, 5000),
            cols: vec![0, 10_000_000, 20_000_000],
            rows: (0..5000).collect(),
            exact: false,
            downsampled: true,
        };
        let cs = chunks(&plan);
        assert!(
            cs.iter()
                .all(|c| c.window.cols * c.window.rows <= CHUNK_PIXELS)
        );
        let covered: usize = cs.iter().map(|c| c.cols.len() * c.rows.len()).sum();
        assert_eq!(covered, 3 * 5000);
        let one = Plan {
            out: Window::new(0, 0, 100, 100),
            cols: (0..100).collect(),
            rows: (0..100).collect(),
            exact: true,
            downsampled: false,
        };
        assert_eq!(chunks(&one).len(), 1);
    }

    /// GDAL's ComplexSource rule for one Float32 value, value by value: NODATA (equal or
    /// nearly, or NaN for a NaN NODATA) keeps what the output held, others are scaled.
    fn painted(old: f32, s: f32, nodata: Option<f64>, scaling: Option<(f64, f64)>) -> f32 {
        let hole = match nodata {
            Some(n) if n.is_nan() => s.is_nan(),
            Some(n) => {
                let n = n as f32;
                s == n || (s - n).abs() < f32::EPSILON * (s + n).abs() * 2.0
            }
            None => false,
        };
        match (hole, scaling) {
            (true, _) => old,
            (false, Some((ratio, offset))) => (s as f64 * ratio + offset) as f32,
            (false, None) => s,
        }
    }

    #[test]
    fn complex_rows_paint_as_value_by_value() {
        let values = [
            -9999.0f32,
            -9999.001,
            -9999.002,
            -9999.005,
            1.5,
            f32::NAN,
            f32::INFINITY,
            -0.0,
            0.0,
            3e-39,
            7.25,
            -9998.99,
        ];
        let (req_cols, req_rows) = (13u64, 6u64);
        let out = Window::new(2, 1, 9, 4);
        let source = Window::new(5, 3, 9, 4);
        let data: Vec<f32> = (0..36).map(|i| values[(i * 7) % values.len()]).collect();
        for nodata in [Some(-9999.0), Some(f64::NAN), None] {
            for scaling in [None, Some((0.5, 3.0))] {
                // A 1:1 plan (whole row spans) and the same columns gathered one by one.
                for exact in [true, false] {
                    let plan = Plan {
                        out,
                        cols: (source.x..source.x + source.cols).collect(),
                        rows: (source.y..source.y + source.rows).collect(),
                        exact,
                        downsampled: false,
                    };
                    let chunk = chunks(&plan).remove(0);
                    let mut got = vec![42.0f32; (req_cols * req_rows) as usize];
                    let done = complex::<f32, f32, f32>(
                        &plan, &chunk, &data, req_cols, &mut got, nodata, scaling,
                    );
                    assert!(done.is_some());
                    for (k, &g) in got.iter().enumerate() {
                        let (r, c) = (k as u64 / req_cols, k as u64 % req_cols);
                        let inside = (out.y..out.y + out.rows).contains(&r)
                            && (out.x..out.x + out.cols).contains(&c);
                        let want = if inside {
                            let i = (r - out.y) * source.cols + (c - out.x);
                            painted(42.0, data[i as usize], nodata, scaling)
                        } else {
                            42.0
                        };
                        let same = g.to_bits() == want.to_bits() || (g.is_nan() && want.is_nan());
                        assert!(
                            same,
                            "{nodata:?} {scaling:?} {exact}: ({r}, {c}) {g} vs {want}"
                        );
                    }
                }
            }
        }
    }
}
