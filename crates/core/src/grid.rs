//! Grid arithmetic: which input rows/columns feed which output rows/columns, with what weight.
//!
//! One [`AxisMap`] per axis. Three rules:
//! - integer factor N: output o covers inputs `N·o .. N·o+N` (clipped at the edge);
//! - `corner` (MAP's raster_utilities): input i goes wholly to output
//!   `floor(i / (in_size / out_size))`, computed in f64 exactly so;
//! - `area` (GDAL's): every input cell overlapping output o contributes, weighted by the
//!   fraction of the input cell inside o. Overlaps are computed in exact integer arithmetic
//!   (units of 1/out_size of an input cell) and rounded once to f64.
//!
//! Aligned axes (`--align`, [`aligned_axis`]) start their first output cell `d` input cells
//! before the input: output o covers inputs `[o·ratio − d, (o+1)·ratio − d)`. With a whole
//! ratio and a whole `d` that is an integer factor shifted by `d` cells (each input cell wholly
//! in one output, unweighted); otherwise `area` weights with the shift in exact integer units,
//! or `corner` with input i wholly in output `floor((i + d) / ratio)`.

use std::ops::Range;

use rastagg_raster::gcd;

use crate::error::{CoreError, Result};

/// How a non-integer size ratio is resampled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Resampling {
    /// GDAL's: area-weighted mean/sum/SD/rms over every overlapping input cell.
    #[default]
    Area,
    /// MAP raster_utilities': each input cell wholly to `floor(i / (in_size / out_size))`.
    Corner,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Rule {
    Factor(u64),
    /// First input index of every output index, plus `in_size` at the end.
    Corner(Vec<u64>),
    /// Output `o` spans `[o·span, (o+1)·span)` and input `i` spans
    /// `[i·unit + shift, (i+1)·unit + shift)`, in units of 1/`unit` of an input cell:
    /// `span / unit` input cells per output cell, the first output starting `shift / unit`
    /// input cells before the input (`shift < span`). `span`, `unit` and `shift` have no
    /// common divisor, so `unit == 1` exactly when every input cell lies wholly in one output
    /// (a shifted integer factor: unweighted).
    Area {
        span: u64,
        unit: u64,
        shift: u64,
    },
}

/// The mapping of one axis of the input grid onto one axis of the output grid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AxisMap {
    in_size: u64,
    out_size: u64,
    rule: Rule,
}

impl AxisMap {
    /// Integer factor `factor`: output size `ceil(in_size / factor)`, edge cells take what
    /// exists.
    pub fn factor(in_size: u64, factor: u64) -> Result<AxisMap> {
        if in_size == 0 || factor == 0 {
            return Err(CoreError::Grid(format!(
                "input size {in_size} and factor {factor} must both be at least 1"
            )));
        }
        Ok(AxisMap {
            in_size,
            out_size: in_size.div_ceil(factor),
            rule: Rule::Factor(factor),
        })
    }

    /// Resamples `in_size` cells to `out_size` cells (1 ≤ out_size ≤ in_size). When
    /// `in_size / out_size` is an integer this is that integer factor, whatever `mode` says.
    pub fn resize(in_size: u64, out_size: u64, mode: Resampling) -> Result<AxisMap> {
        if out_size == 0 || out_size > in_size {
            return Err(CoreError::Grid(format!(
                "output size {out_size} must be between 1 and the input size {in_size} \
                 (rastagg aggregates, it does not upsample)"
            )));
        }
        if in_size.is_multiple_of(out_size) {
            return AxisMap::factor(in_size, in_size / out_size);
        }
        AxisMap::ratio(in_size, out_size, (in_size, out_size, 0), mode)
    }

    /// An axis whose output cells are `ratio` input cells wide, whatever the input size: the
    /// output covers the whole input in `ceil(in_size / ratio)` cells (less
    /// [`SNAP_TOLERANCE`] of a cell, so float noise never adds one) and the last cell runs
    /// past the input, aggregating what exists (`--resolution` with a non-integer ratio).
    /// `ratio` is taken as the nearest fraction p/q with q ≤ 2^20, exact for the ratios of
    /// decimal pixel sizes; a whole `ratio` is that integer factor.
    pub fn scaled(in_size: u64, ratio: f64, mode: Resampling) -> Result<AxisMap> {
        if !(ratio.is_finite() && ratio >= 1.0 - SNAP_TOLERANCE) || in_size == 0 {
            return Err(CoreError::Grid(format!(
                "cannot aggregate {in_size} cells by a ratio of {ratio} (at least 1)"
            )));
        }
        let k = ratio.round();
        if (ratio / k - 1.0).abs() <= SNAP_TOLERANCE {
            return AxisMap::factor(in_size, k as u64);
        }
        let (span, unit) = fraction(ratio, 1 << 20, ratio * 1e-12);
        let out_size = ((in_size as f64 / ratio - SNAP_TOLERANCE).ceil() as u64).max(1);
        AxisMap::ratio(in_size, out_size, (span, unit, 0), mode)
    }

    /// `out_size` output cells each `span / unit` input cells wide (`span ≥ unit ≥ 1`), the
    /// first starting `shift / unit` input cells before the input (`shift < span`). A whole
    /// ratio with a whole shift is the partition it describes, whatever `mode` says.
    fn ratio(
        in_size: u64,
        out_size: u64,
        (span, unit, shift): (u64, u64, u64),
        mode: Resampling,
    ) -> Result<AxisMap> {
        let g = gcd(gcd(span, unit), shift);
        let (span, unit, shift) = (span / g, unit / g, shift / g);
        let rule = match mode {
            _ if unit == 1 && shift == 0 => Rule::Factor(span),
            Resampling::Area => Rule::Area { span, unit, shift },
            _ if unit == 1 => Rule::Area { span, unit, shift },
            Resampling::Corner => {
                let ratio = span as f64 / unit as f64;
                let offset = shift as f64 / unit as f64;
                let mut starts = Vec::new();
                starts
                    .try_reserve_exact(usize::try_from(out_size).unwrap_or(usize::MAX))
                    .map_err(|_| CoreError::TooLarge(format!("{out_size} output cells")))?;
                let mut next = 0u64;
                for i in 0..in_size {
                    let o = corner_index(i, ratio, offset, out_size);
                    while next <= o {
                        starts.push(i);
                        next += 1;
                    }
                }
                // Outputs no input maps to (the end of a scaled axis) are empty.
                while next <= out_size {
                    starts.push(in_size);
                    next += 1;
                }
                Rule::Corner(starts)
            }
        };
        Ok(AxisMap {
            in_size,
            out_size,
            rule,
        })
    }

    /// Number of input cells.
    pub fn in_size(&self) -> u64 {
        self.in_size
    }

    /// Number of output cells.
    pub fn out_size(&self) -> u64 {
        self.out_size
    }

    /// The integer factor, if this axis is one.
    pub fn factor_value(&self) -> Option<u64> {
        match self.rule {
            Rule::Factor(n) => Some(n),
            _ => None,
        }
    }

    /// True when input cells can be shared by two outputs with fractional weights (`area` with
    /// a non-integer ratio or shift); false when each input cell belongs wholly to one output.
    pub fn is_weighted(&self) -> bool {
        matches!(self.rule, Rule::Area { unit, .. } if unit > 1)
    }

    /// The input cells that contribute to output `out` (empty past the end).
    pub fn inputs(&self, out: u64) -> Range<u64> {
        if out >= self.out_size {
            return self.in_size..self.in_size;
        }
        match &self.rule {
            Rule::Factor(n) => out * n..((out + 1) * n).min(self.in_size),
            Rule::Corner(starts) => {
                let at = |k: u64| {
                    usize::try_from(k)
                        .ok()
                        .and_then(|k| starts.get(k).copied())
                        .unwrap_or(self.in_size)
                };
                at(out)..at(out + 1)
            }
            Rule::Area { span, unit, shift } => {
                let (p, q, s) = (u128::from(*span), u128::from(*unit), u128::from(*shift));
                let n = u128::from(self.in_size);
                // Inputs i with i·q + s < (o+1)·p and (i+1)·q + s > o·p; s < p.
                let lo = ((u128::from(out) * p).saturating_sub(s) / q).min(n);
                let hi = ((u128::from(out) + 1) * p)
                    .saturating_sub(s)
                    .div_ceil(q)
                    .min(n);
                lo as u64..hi as u64
            }
        }
    }

    /// The input cells that contribute to any output in `outs`.
    pub fn inputs_of(&self, outs: Range<u64>) -> Range<u64> {
        let outs = outs.start.min(self.out_size)..outs.end.min(self.out_size);
        if outs.is_empty() {
            return self.in_size..self.in_size;
        }
        self.inputs(outs.start).start..self.inputs(outs.end - 1).end
    }

    /// The outputs input cell `i` contributes to (one, or two for a shared `area` cell).
    pub fn outputs_of(&self, i: u64) -> Range<u64> {
        if i >= self.in_size {
            return self.out_size..self.out_size;
        }
        match &self.rule {
            Rule::Factor(n) => i / n..i / n + 1,
            Rule::Corner(starts) => {
                let o = starts.partition_point(|&s| s <= i) as u64 - 1;
                o..o + 1
            }
            Rule::Area { span, unit, shift } => {
                let (p, q, s) = (u128::from(*span), u128::from(*unit), u128::from(*shift));
                let m = u128::from(self.out_size);
                let first = ((u128::from(i) * q + s) / p).min(m);
                let last = ((u128::from(i) + 1) * q + s).div_ceil(p).min(m);
                first as u64..last as u64
            }
        }
    }

    /// The overlap of input cell `i` with output cell `out`, exactly, in units of
    /// 1/[`AxisMap::unit`] of an input cell (for factor and corner rules: 1 when `i` belongs
    /// to `out`, else 0).
    pub fn overlap(&self, i: u64, out: u64) -> u64 {
        match self.rule {
            Rule::Area { span, unit, shift } => {
                let (p, q, s) = (u128::from(span), u128::from(unit), u128::from(shift));
                let (i, o) = (u128::from(i), u128::from(out));
                // Input i spans [i·q + s, (i+1)·q + s), output o spans [o·p, (o+1)·p).
                let lo = (i * q + s).max(o * p);
                let hi = ((i + 1) * q + s).min((o + 1) * p);
                // At most q: fits.
                hi.saturating_sub(lo) as u64
            }
            _ => u64::from(self.inputs(out).contains(&i)),
        }
    }

    /// The denominator of [`AxisMap::overlap`]: for `area` the number of parts an input cell
    /// is cut into (the output size for [`AxisMap::resize`]), else 1.
    pub fn unit(&self) -> u64 {
        match self.rule {
            Rule::Area { unit, .. } => unit,
            _ => 1,
        }
    }

    /// The fraction of input cell `i` that lies inside output cell `out`:
    /// `overlap(i, out) / unit()`, rounded once.
    pub fn weight(&self, i: u64, out: u64) -> f64 {
        self.overlap(i, out) as f64 / self.unit() as f64
    }
}

/// The first convergent p/q of the continued fraction of `x` (≥ 0) within `tolerance` of it,
/// or the last with q ≤ `max_den`: exact for ratios such as 0.3/0.25 = 6/5 that f64 holds only
/// approximately.
fn fraction(x: f64, max_den: u64, tolerance: f64) -> (u64, u64) {
    // Convergents h/k of the continued fraction of x.
    let (mut h0, mut h1, mut k0, mut k1) = (0u64, 1u64, 1u64, 0u64);
    let mut rest = x;
    loop {
        let a = rest.floor();
        let (Some(h2), Some(k2)) = (
            (a as u64).checked_mul(h1).and_then(|v| v.checked_add(h0)),
            (a as u64).checked_mul(k1).and_then(|v| v.checked_add(k0)),
        ) else {
            break;
        };
        if k2 > max_den {
            break;
        }
        (h0, h1, k0, k1) = (h1, h2, k1, k2);
        let f = rest - a;
        if (h1 as f64 / k1 as f64 - x).abs() <= tolerance || f == 0.0 {
            break;
        }
        rest = 1.0 / f;
    }
    (h1, k1.max(1))
}

/// MAP raster_utilities' output index of input `i` on an axis whose first output starts
/// `offset` input cells before the input: `floor((i + offset) / ratio)` in f64, clamped to the
/// last output (`offset` is 0 but for aligned axes, and `i + 0.0` is `i` exactly).
fn corner_index(i: u64, ratio: f64, offset: f64, out_size: u64) -> u64 {
    (((i as f64 + offset) / ratio).floor() as u64).min(out_size - 1)
}

/// The two axes of an aggregation: columns (`x`) and rows (`y`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grid {
    /// Columns.
    pub x: AxisMap,
    /// Rows.
    pub y: AxisMap,
}

impl Grid {
    /// A grid from its two axes.
    pub fn new(x: AxisMap, y: AxisMap) -> Grid {
        Grid { x, y }
    }

    /// Integer factors per axis for an input of `cols × rows`.
    pub fn factor(cols: u64, rows: u64, fx: u64, fy: u64) -> Result<Grid> {
        Ok(Grid::new(
            AxisMap::factor(cols, fx)?,
            AxisMap::factor(rows, fy)?,
        ))
    }

    /// True when some input cell is shared between outputs with fractional weights.
    pub fn is_weighted(&self) -> bool {
        self.x.is_weighted() || self.y.is_weighted()
    }

    /// Number of output cells in `out_rows` full rows, or `None` on overflow.
    pub fn cells_in_rows(&self, out_rows: u64) -> Option<u64> {
        self.x.out_size().checked_mul(out_rows)
    }

    /// Number of input cells read for output rows `out_rows` (shared rows and columns counted
    /// once per output they feed), or `None` on overflow.
    pub fn inputs_per_band(&self, out_rows: Range<u64>) -> Option<u64> {
        let ys: u64 = out_rows
            .map(|r| self.y.inputs(r).end - self.y.inputs(r).start)
            .sum();
        let xs: u64 = (0..self.x.out_size())
            .map(|c| self.x.inputs(c).end - self.x.inputs(c).start)
            .sum();
        xs.checked_mul(ys)
    }
}

/// The pixel size of a mastergrid name: `1km` = 1/120°, `5km` = 1/24°, `10km` = 1/12°.
pub fn mastergrid_resolution(name: &str) -> Option<f64> {
    match name {
        "1km" => Some(1.0 / 120.0),
        "5km" => Some(1.0 / 24.0),
        "10km" => Some(1.0 / 12.0),
        _ => None,
    }
}

/// Relative tolerance under which a pixel size is taken as its exact form, and under which a
/// size ratio or an extent is taken as a whole number.
pub const SNAP_TOLERANCE: f64 = 1e-6;

/// The exact form of a rounded pixel size: `0.00833333` becomes 1/120, `30.0000001` becomes 30.
/// A size `s` is snapped to `1/n` (or to `n`) when `|s·n − 1|` (or `|s/n − 1|`) is at most
/// [`SNAP_TOLERANCE`]; the sign is kept; any other size is returned unchanged.
pub fn snap_pixel_size(size: f64) -> f64 {
    let a = size.abs();
    if !a.is_finite() || a == 0.0 {
        return size;
    }
    let snapped = if a <= 1.0 {
        let n = (1.0 / a).round();
        ((a * n - 1.0).abs() <= SNAP_TOLERANCE).then(|| 1.0 / n)
    } else {
        let n = a.round();
        ((a / n - 1.0).abs() <= SNAP_TOLERANCE).then_some(n)
    };
    snapped.map_or(size, |s| s.copysign(size))
}

/// The axis for output pixels of `out_pixel` units over `in_size` input pixels of `in_pixel`
/// units (signs ignored; both snapped with [`snap_pixel_size`], so 1 km → 5 km is the factor 5
/// even from 0.00833333). A ratio within [`SNAP_TOLERANCE`] of a whole number is that integer
/// factor; any other is [`AxisMap::scaled`]: `ceil(extent / out_pixel)` cells of exactly
/// `out_pixel`, less the tolerance so that float noise never adds a cell.
pub fn resolution_axis(
    in_size: u64,
    in_pixel: f64,
    out_pixel: f64,
    mode: Resampling,
) -> Result<AxisMap> {
    let (i, o) = pixel_sizes(in_size, in_pixel, out_pixel)?;
    AxisMap::scaled(in_size, o / i, mode)
}

/// The snapped, unsigned input and output pixel sizes of a resolution, or why they cannot be
/// aggregated one to the other.
fn pixel_sizes(in_size: u64, in_pixel: f64, out_pixel: f64) -> Result<(f64, f64)> {
    let i = snap_pixel_size(in_pixel).abs();
    let o = snap_pixel_size(out_pixel).abs();
    if !(i.is_finite() && o.is_finite() && i > 0.0 && o > 0.0) || in_size == 0 {
        return Err(CoreError::Grid(format!(
            "cannot plan {in_size} pixels of size {in_pixel} to pixels of size {out_pixel}"
        )));
    }
    if o / i < 1.0 - SNAP_TOLERANCE {
        return Err(CoreError::Grid(format!(
            "output pixel size {out_pixel} is finer than the input's {in_pixel} \
             (rastagg aggregates, it does not upsample)"
        )));
    }
    Ok((i, o))
}

/// An axis aligned to a global grid ([`aligned_axis`]) and where its first output cell starts.
#[derive(Debug, Clone, PartialEq)]
pub struct AlignedAxis {
    /// Which input cells feed which output cell.
    pub axis: AxisMap,
    /// The coordinate of the outer edge of the first output cell, a multiple of the output
    /// pixel size: the output geotransform's origin on this axis.
    pub origin: f64,
}

/// Largest denominator of an aligned area axis' exact units (1/unit of an input cell), so that
/// the product of both axes' units stays below the 2^52 that exact area weights allow.
const MAX_ALIGNED_UNIT: u64 = 1 << 26;

/// The axis for output pixels of `out_pixel` units aligned to the global grid of multiples of
/// `out_pixel` (`--align`, like `gdalwarp -tap`). The input has `in_size` pixels of `in_pixel`
/// units (signed: negative for the rows of a north-up raster) from coordinate `in_origin`.
///
/// The output extent is the input's snapped outward to multiples of the output pixel size
/// (`floor` at the start, `ceil` at the end, along the axis' direction); a bound within
/// [`SNAP_TOLERANCE`] of an output cell of a multiple counts as on it, so float noise never adds
/// a cell. Pixel sizes are snapped as by [`resolution_axis`]. The first output cell then starts
/// `d = |in_origin − origin| / |in_pixel|` input cells before the input, and output o covers
/// inputs `[o·ratio − d, (o+1)·ratio − d)`. `d` is taken as the simplest fraction within
/// [`SNAP_TOLERANCE`] of an input cell (denominators kept so that the exact units stay at most
/// 2^26 per axis), the ratio as in [`AxisMap::scaled`]. A whole ratio with a whole `d` is a
/// shifted integer factor (each input cell wholly in one output, unweighted, whatever `mode`);
/// otherwise `area` weights overlaps exactly and `corner` puts input i wholly into output
/// `floor((i + d) / ratio)`, in f64. Cells past the input aggregate only what exists.
pub fn aligned_axis(
    in_size: u64,
    in_origin: f64,
    in_pixel: f64,
    out_pixel: f64,
    mode: Resampling,
) -> Result<AlignedAxis> {
    let (i, o) = pixel_sizes(in_size, in_pixel, out_pixel)?;
    let sign = if in_pixel < 0.0 { -1.0 } else { 1.0 };
    // The input's bounds in output cells, along the axis' direction.
    let start = in_origin * sign / o;
    let end = start + in_size as f64 * i / o;
    let mut first = (start + SNAP_TOLERANCE).floor();
    let last = (end - SNAP_TOLERANCE).ceil();
    let limit = 2f64.powi(53);
    if !(first.abs() < limit && last.abs() < limit) {
        return Err(CoreError::Grid(format!(
            "cannot align {in_size} pixels of size {in_pixel} from {in_origin} to multiples of \
             {out_pixel}"
        )));
    }
    let ratio = o / i;
    let k = ratio.round();
    let (span, unit) = if (ratio / k - 1.0).abs() <= SNAP_TOLERANCE {
        (k as u64, 1)
    } else {
        fraction(ratio, 1 << 20, ratio * 1e-12)
    };
    let d = (start - first).max(0.0) * ratio;
    let (dp, dq) = fraction(d, MAX_ALIGNED_UNIT / unit, SNAP_TOLERANCE);
    let units = unit / gcd(unit, dq) * dq;
    let (Some(span), Some(mut shift)) =
        (span.checked_mul(units / unit), dp.checked_mul(units / dq))
    else {
        return Err(CoreError::Grid(format!(
            "cannot align pixels of size {in_pixel} to multiples of {out_pixel}: ratio too large"
        )));
    };
    if shift >= span {
        // d rounded up to a whole output cell: the input starts on the next multiple.
        shift -= span;
        first += 1.0;
    }
    let out_size = ((last - first) as u64).max(1);
    let axis = AxisMap::ratio(in_size, out_size, (span, units, shift), mode)?;
    Ok(AlignedAxis {
        axis,
        // + 0.0: a zero origin is +0, not -0.
        origin: first * o * sign + 0.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factor_axis_clips_the_edge() {
        let a = AxisMap::factor(11, 5).unwrap();
        assert_eq!(a.out_size(), 3);
        assert_eq!(a.inputs(0), 0..5);
        assert_eq!(a.inputs(2), 10..11);
        assert_eq!(a.inputs(3), 11..11);
        assert_eq!(a.inputs_of(1..3), 5..11);
        assert_eq!(a.outputs_of(7), 1..2);
        assert_eq!(a.weight(7, 1), 1.0);
        assert_eq!(a.weight(7, 0), 0.0);
        assert!(AxisMap::factor(0, 5).is_err());
        assert!(AxisMap::factor(5, 0).is_err());
    }

    #[test]
    fn area_axis_weights_overlaps() {
        // 5 inputs to 2 outputs: ratio 2.5; output 0 = [0, 2.5), output 1 = [2.5, 5).
        let a = AxisMap::resize(5, 2, Resampling::Area).unwrap();
        assert!(a.is_weighted());
        assert_eq!(a.inputs(0), 0..3);
        assert_eq!(a.inputs(1), 2..5);
        assert_eq!(a.outputs_of(2), 0..2);
        assert_eq!(a.outputs_of(1), 0..1);
        assert_eq!(a.weight(2, 0), 0.5);
        assert_eq!(a.weight(2, 1), 0.5);
        assert_eq!(a.weight(1, 0), 1.0);
        assert_eq!(a.weight(4, 0), 0.0);
        // Integer ratios become factors whatever the mode.
        assert_eq!(
            AxisMap::resize(10, 2, Resampling::Area)
                .unwrap()
                .factor_value(),
            Some(5)
        );
        assert!(AxisMap::resize(5, 6, Resampling::Area).is_err());
    }

    #[test]
    fn corner_axis_follows_its_rule() {
        let (n, m) = (10u64, 3u64);
        let a = AxisMap::resize(n, m, Resampling::Corner).unwrap();
        let ratio = n as f64 / m as f64;
        for i in 0..n {
            let o = (i as f64 / ratio).floor() as u64;
            assert_eq!(a.outputs_of(i), o..o + 1, "input {i}");
            assert!(a.inputs(o).contains(&i));
        }
        assert_eq!(a.inputs(0), 0..4);
        assert_eq!(a.inputs(2), 7..10);
    }

    #[test]
    fn resolutions_snap_and_plan() {
        assert_eq!(snap_pixel_size(0.00833333), 1.0 / 120.0);
        assert_eq!(snap_pixel_size(-0.00833333), -1.0 / 120.0);
        assert_eq!(snap_pixel_size(0.0416666), 0.0416666); // 1/24 is 0.041666667: too far
        assert_eq!(snap_pixel_size(0.04166667), 1.0 / 24.0);
        assert_eq!(snap_pixel_size(30.00000001), 30.0);
        assert_eq!(snap_pixel_size(0.3), 0.3);
        let five = mastergrid_resolution("5km").unwrap();
        assert_eq!(
            resolution_axis(43200, 0.00833333, five, Resampling::Area)
                .unwrap()
                .factor_value(),
            Some(5)
        );
        assert_eq!(
            resolution_axis(
                43200,
                1.0 / 120.0,
                mastergrid_resolution("10km").unwrap(),
                Resampling::Area
            )
            .unwrap()
            .factor_value(),
            Some(10)
        );
        assert_eq!(mastergrid_resolution("1km"), Some(1.0 / 120.0));
        assert_eq!(mastergrid_resolution("2km"), None);
        // 100 pixels of 30 m to 70 m: 3000/70 = 42.86 → 43 cells.
        let a = resolution_axis(100, 30.0, 70.0, Resampling::Area).unwrap();
        assert_eq!((a.out_size(), a.factor_value()), (43, None));
        // Each output is 7/3 inputs wide, the last runs past the input: 42·7/3 = 98 .. 100.
        assert_eq!(a.inputs(1), 2..5);
        assert_eq!((a.overlap(2, 0), a.overlap(2, 1), a.unit()), (1, 2, 3));
        assert_eq!(a.inputs(42), 98..100);
        let c = resolution_axis(100, 30.0, 70.0, Resampling::Corner).unwrap();
        assert_eq!(
            (c.out_size(), c.inputs(1), c.inputs(42)),
            (43, 3..5, 98..100)
        );
        // 100 pixels of 30 m to 75 m: 40 cells exactly, float noise must not add one.
        let a = resolution_axis(100, 30.0, 75.0000000001, Resampling::Area).unwrap();
        assert_eq!(a.out_size(), 40);
        // 0.3 / 0.25 is 6/5 exactly, not its f64 approximation.
        let a = resolution_axis(10, 0.25, 0.3, Resampling::Area).unwrap();
        assert_eq!((a.out_size(), a.unit()), (9, 5));
        assert!(resolution_axis(100, 30.0, 10.0, Resampling::Area).is_err());
        assert!(resolution_axis(100, 30.0, f64::NAN, Resampling::Area).is_err());
    }

    /// The overlap of input i = [i·q + s, (i+1)·q + s) with output o = [o·p, (o+1)·p), straight
    /// from the definition, in units of 1/q of an input cell.
    fn overlap_reference(i: u64, o: u64, (p, q, s): (u64, u64, u64)) -> u64 {
        let lo = (i * q + s).max(o * p);
        let hi = ((i + 1) * q + s).min((o + 1) * p);
        hi.saturating_sub(lo)
    }

    /// The contiguous range of `0..n` where `f` holds (empty at `n` when nowhere).
    fn where_true(n: u64, f: impl Fn(u64) -> bool) -> Range<u64> {
        let hits: Vec<u64> = (0..n).filter(|&k| f(k)).collect();
        match (hits.first(), hits.last()) {
            (Some(&a), Some(&b)) => {
                assert_eq!(hits.len() as u64, b - a + 1, "not contiguous");
                a..b + 1
            }
            _ => n..n,
        }
    }

    proptest::proptest! {
        /// Shifted area and partition rules against the brute-force overlaps of their
        /// definition: inputs, outputs_of, overlap, unit, weight, is_weighted.
        #[test]
        fn shifted_axes_match_brute_force(
            in_size in 1u64..60,
            q in 1u64..7,
            extra in 0u64..30,
            s_pick in 0u64..1000,
        ) {
            let p = q + extra;
            let s = s_pick % p;
            let out_size = (in_size * q + s).div_ceil(p);
            let def = (p, q, s);
            let a = AxisMap::ratio(in_size, out_size, def, Resampling::Area).unwrap();
            let g = gcd(gcd(p, q), s);
            proptest::prop_assert_eq!(a.unit(), q / g);
            proptest::prop_assert_eq!(a.is_weighted(), q / g > 1);
            proptest::prop_assert_eq!(a.factor_value().is_some(), q / g == 1 && s == 0);
            for o in 0..out_size {
                let want = where_true(in_size, |i| overlap_reference(i, o, def) > 0);
                let want = if want.is_empty() { in_size..in_size } else { want };
                proptest::prop_assert_eq!(a.inputs(o), want, "inputs of {}", o);
            }
            for i in 0..in_size {
                let want = where_true(out_size, |o| overlap_reference(i, o, def) > 0);
                proptest::prop_assert_eq!(a.outputs_of(i), want, "outputs of {}", i);
                let mut total = 0;
                for o in 0..out_size {
                    let r = overlap_reference(i, o, def);
                    proptest::prop_assert_eq!(a.overlap(i, o), r / g, "overlap {} {}", i, o);
                    proptest::prop_assert_eq!(a.weight(i, o), r as f64 / q as f64);
                    total += r;
                }
                // Every input cell lies wholly within the outputs.
                proptest::prop_assert_eq!(total, q);
            }
            // Corner: input i wholly in floor((i + s/q) / (p/q)) in f64; the partition when the
            // ratio and the shift are whole.
            let c = AxisMap::ratio(in_size, out_size, def, Resampling::Corner).unwrap();
            proptest::prop_assert!(!c.is_weighted());
            let (ratio, offset) = ((p / g) as f64 / (q / g) as f64, (s / g) as f64 / (q / g) as f64);
            for i in 0..in_size {
                let o = (((i as f64 + offset) / ratio).floor() as u64).min(out_size - 1);
                proptest::prop_assert_eq!(c.outputs_of(i), o..o + 1, "corner output of {}", i);
                proptest::prop_assert!(c.inputs(o).contains(&i));
                if q / g == 1 {
                    proptest::prop_assert_eq!(a.outputs_of(i), o..o + 1);
                }
            }
        }

        /// Aligned axes on whole input cells: the output starts on a multiple of R at most one
        /// cell before the input, ends at most one cell after it, and input i goes to output
        /// floor((i + d) / ratio).
        #[test]
        fn whole_aligned_axes_are_shifted_factors(
            in_size in 1u64..200,
            n in 1u64..13,
            origin_cells in -5000i64..5000,
            north_up in proptest::bool::ANY,
        ) {
            let px = 1.0 / 120.0;
            let sign = if north_up { -1.0 } else { 1.0 };
            let origin = origin_cells as f64 * px * sign;
            let al = aligned_axis(in_size, origin, px * sign, n as f64 * px, Resampling::Area)
                .unwrap();
            let d = origin_cells.rem_euclid(n as i64) as u64;
            let out_size = (in_size + d).div_ceil(n);
            proptest::prop_assert_eq!(al.axis.out_size(), out_size);
            proptest::prop_assert!(!al.axis.is_weighted());
            proptest::prop_assert_eq!(al.axis.factor_value().is_some(), d == 0);
            let want_origin = (origin_cells - d as i64) / n as i64;
            proptest::prop_assert!(
                (al.origin - want_origin as f64 * n as f64 * px * sign).abs() < 1e-9,
                "origin {} for {} cells of {}", al.origin, want_origin, n
            );
            for i in 0..in_size {
                let o = (i + d) / n;
                proptest::prop_assert_eq!(al.axis.outputs_of(i), o..o + 1);
                proptest::prop_assert_eq!(al.axis.overlap(i, o), 1);
            }
            for o in 0..out_size {
                let want = (o * n).saturating_sub(d)..((o + 1) * n - d).min(in_size);
                proptest::prop_assert_eq!(al.axis.inputs(o), want);
            }
        }
    }

    #[test]
    fn aligned_axes_snap_the_extent_outward() {
        let five = mastergrid_resolution("5km").unwrap();
        // 53 columns of 1/120° from 2 pixels east of a 1/24° multiple: the extent 10 + 2/120 ..
        // 10 + 55/120 snaps to 10 .. 10 + 55/120 = 251·R exactly (in f64 251.00000000000003 R,
        // which must not add a column: gdalwarp -tap adds one there).
        let x = aligned_axis(53, 10.0 + 2.0 / 120.0, 1.0 / 120.0, five, Resampling::Area).unwrap();
        assert_eq!((x.origin, x.axis.out_size()), (10.0, 11));
        assert_eq!((x.axis.factor_value(), x.axis.is_weighted()), (None, false));
        assert_eq!(
            (x.axis.inputs(0), x.axis.inputs(1), x.axis.inputs(10)),
            (0..3, 3..8, 48..53)
        );
        // Rows: top 3 pixels south of a multiple, 41 rows: 50 .. 50 − 45/120 in 9 rows.
        let y = aligned_axis(41, 50.0 - 3.0 / 120.0, -1.0 / 120.0, five, Resampling::Area).unwrap();
        assert_eq!((y.origin, y.axis.out_size()), (50.0, 9));
        assert_eq!((y.axis.inputs(0), y.axis.inputs(8)), (0..2, 37..41));
        // Rounded input pixel sizes are exact 1/n, origins within 1e-6 of a cell are on it.
        let r = aligned_axis(
            41,
            -180.0 + 2.0 * 0.00833333,
            0.00833333,
            five,
            Resampling::Area,
        );
        let r = r.unwrap();
        assert_eq!(
            (r.origin, r.axis.inputs(0), r.axis.out_size()),
            (-180.0, 0..3, 9)
        );
        let on = aligned_axis(40, 90.0 + 1e-12, -0.00833333, five, Resampling::Area).unwrap();
        assert_eq!((on.origin, on.axis.factor_value()), (90.0, Some(5)));
        // South-up rows (positive pixel height) snap their first edge down.
        let s = aligned_axis(10, -40.0 + 1.0, 0.5, 2.0, Resampling::Area).unwrap();
        assert_eq!(
            (s.origin, s.axis.out_size(), s.axis.inputs(0)),
            (-40.0, 3, 0..2)
        );
        // Negative coordinates: -0.05 is 1.2 cells of 1/24 west of 0: origin −2/24, d = 4.
        let w = aligned_axis(7, -0.05, 1.0 / 120.0, five, Resampling::Area).unwrap();
        assert_eq!(
            (w.origin, w.axis.inputs(0), w.axis.inputs(1)),
            (-2.0 * five, 0..1, 1..6)
        );
        // A zero origin is +0.
        let z = aligned_axis(10, 0.0, -1.0, 5.0, Resampling::Area).unwrap();
        assert!(z.origin == 0.0 && z.origin.is_sign_positive());
    }

    #[test]
    fn aligned_non_integer_axes_weight_or_follow_corner() {
        // 100 pixels of 30 m from 500015 to 70 m multiples: origin 500010, d = 5/30 = 1/6 of
        // an input cell, ratio 7/3: units of 1/6 of an input cell, output 0 = [500010, 500080).
        let a = aligned_axis(100, 500015.0, 30.0, 70.0, Resampling::Area).unwrap();
        assert_eq!(a.origin, 500010.0);
        // (503015 − 500010) / 70 = 42.93: 43 cells.
        assert_eq!(a.axis.out_size(), 43);
        assert!(a.axis.is_weighted());
        assert_eq!(
            (a.axis.unit(), a.axis.inputs(0), a.axis.inputs(1)),
            (6, 0..3, 2..5)
        );
        // Input 2 = [500075, 500105): 5 m in output 0, 25 m in output 1.
        assert_eq!((a.axis.overlap(2, 0), a.axis.overlap(2, 1)), (1, 5));
        assert_eq!(a.axis.outputs_of(2), 0..2);
        assert_eq!(a.axis.inputs(42), 97..100);
        // Corner: input i wholly in floor((i + 1/6) / (7/3)).
        let c = aligned_axis(100, 500015.0, 30.0, 70.0, Resampling::Corner).unwrap();
        assert!(!c.axis.is_weighted());
        for i in 0..100u64 {
            let o = (((i as f64 + 1.0 / 6.0) / (7.0 / 3.0)).floor() as u64).min(42);
            assert_eq!(c.axis.outputs_of(i), o..o + 1, "input {i}");
        }
        // A whole ratio with a fractional shift (half a pixel off the grid) is weighted in area
        // mode: output 0 = [0, 5), input 0 = [0.5, 1.5) in input cells.
        let h = aligned_axis(10, 0.5, 1.0, 5.0, Resampling::Area).unwrap();
        assert_eq!((h.origin, h.axis.out_size(), h.axis.unit()), (0.0, 3, 2));
        assert_eq!(
            (h.axis.inputs(0), h.axis.overlap(4, 0), h.axis.overlap(4, 1)),
            (0..5, 1, 1)
        );
        // Errors: finer output, non-finite origin.
        assert!(aligned_axis(10, 0.0, 30.0, 10.0, Resampling::Area).is_err());
        assert!(aligned_axis(10, f64::NAN, 30.0, 60.0, Resampling::Area).is_err());
        assert!(aligned_axis(10, 1e300, 1.0, 2.0, Resampling::Area).is_err());
    }
}
