//! Where a source lands in a requested window, and which source pixel feeds each output
//! pixel: GDAL 3.6's VRTSimpleSource::GetSrcDstWindow followed by the nearest-neighbour loop of
//! GDALRasterBand::IRasterIO, re-derived step by step (same float operations, same epsilons) so
//! that every pixel choice — including fractional DstRect edges — equals GDAL's.

use rastagg_raster::Window;

/// GDAL's `INT_MAX` as a double: window coordinates are C ints there.
const INT_MAX: f64 = i32::MAX as f64;

/// A SrcRect or DstRect: offsets and sizes in pixels, possibly fractional.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    /// Left edge.
    pub x_off: f64,
    /// Top edge.
    pub y_off: f64,
    /// Width (> 0).
    pub x_size: f64,
    /// Height (> 0).
    pub y_size: f64,
}

impl Rect {
    /// A rect with every value snapped to the nearest integer when within 1e-3 of it, as GDAL
    /// does when it reads SrcRect/DstRect.
    pub fn snapped(x_off: f64, y_off: f64, x_size: f64, y_size: f64) -> Rect {
        Rect {
            x_off: round_if_close_to_int(x_off),
            y_off: round_if_close_to_int(y_off),
            x_size: round_if_close_to_int(x_size),
            y_size: round_if_close_to_int(y_size),
        }
    }

    /// The whole-pixel columns and rows this rect can touch: floor of the start to ceil of the
    /// end, clipped to `width × height`. A superset of the pixels GDAL writes (for the index).
    pub fn pixel_bounds(&self, width: u64, height: u64) -> Option<Window> {
        let span = |off: f64, size: f64, limit: u64| -> Option<(u64, u64)> {
            let lo = off.floor().max(0.0);
            let hi = (off + size).ceil().min(limit as f64);
            (lo < hi).then_some((lo as u64, hi as u64))
        };
        let (x0, x1) = span(self.x_off, self.x_size, width)?;
        let (y0, y1) = span(self.y_off, self.y_size, height)?;
        Some(Window::new(x0, y0, x1 - x0, y1 - y0))
    }
}

fn round_if_close_to_int(v: f64) -> f64 {
    let closest = (v + 0.5).floor();
    if (v - closest).abs() < 1e-3 {
        closest
    } else {
        v
    }
}

/// What one source contributes to one request: the part of the request buffer it writes and,
/// for each of those output columns and rows, the source pixel column and row to copy.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The written part of the request, relative to the request's top-left corner.
    pub out: Window,
    /// Source column (absolute, in the source raster) for each output column of `out`.
    pub cols: Vec<u64>,
    /// Source row for each output row of `out`.
    pub rows: Vec<u64>,
    /// True when GDAL copies the source 1:1 (an exact integer source window of the output's
    /// size); otherwise it resamples (nearest), which other resampling methods would change.
    pub exact: bool,
    /// True when the source window GDAL requests is larger than the output (GDAL would use
    /// the source's overviews, if it has any).
    pub downsampled: bool,
}

/// One axis of GetSrcDstWindow after the request is clipped to the source: the integer source
/// request (`n_off`, `n_size`), its floating-point form, and the output span.
struct Axis {
    n_off: i64,
    n_size: i64,
    df_off: f64,
    df_size: f64,
    modified: bool,
    out_off: i64,
    out_size: i64,
}

/// GDAL's first test: whether DstRect overlaps the request at all (checked before a source is
/// opened).
pub fn touches(dst: &Rect, req: Window) -> bool {
    let (xoff, yoff) = (req.x as f64, req.y as f64);
    let (xsize, ysize) = (req.cols as f64, req.rows as f64);
    !(xoff >= dst.x_off + dst.x_size
        || yoff >= dst.y_off + dst.y_size
        || xoff + xsize <= dst.x_off
        || yoff + ysize <= dst.y_off)
}

/// Plans the read of a source of `src_w × src_h` pixels mapped by `src`/`dst` into the 1:1
/// request `req` of the VRT band. `None` when the source writes nothing there.
pub fn plan(src_w: u64, src_h: u64, src: &Rect, dst: &Rect, req: Window) -> Option<Plan> {
    if src.x_size == 0.0 || src.y_size == 0.0 || dst.x_size == 0.0 || dst.y_size == 0.0 {
        return None;
    }
    if !touches(dst, req) {
        return None;
    }
    let (xoff, yoff) = (req.x as f64, req.y as f64);
    let (xsize, ysize) = (req.cols as f64, req.rows as f64);
    let (src_w, src_h) = (
        src_w.min(i32::MAX as u64) as i64,
        src_h.min(i32::MAX as u64) as i64,
    );
    let mut x = request_axis(
        xoff, xsize, src.x_off, src.x_size, dst.x_off, dst.x_size, src_w,
    )?;
    let mut y = request_axis(
        yoff, ysize, src.y_off, src.y_size, dst.y_off, dst.y_size, src_h,
    )?;
    let buf_w = req.cols.min(i32::MAX as u64) as i64;
    let buf_h = req.rows.min(i32::MAX as u64) as i64;
    x.out_size = buf_w;
    y.out_size = buf_h;
    if x.modified || y.modified {
        if x.modified {
            out_span(
                &mut x, xoff, xsize, buf_w, src.x_off, src.x_size, dst.x_off, dst.x_size,
            )?;
        }
        if y.modified {
            out_span(
                &mut y, yoff, ysize, buf_h, src.y_off, src.y_size, dst.y_off, dst.y_size,
            )?;
        }
        if x.out_size < 1 || y.out_size < 1 {
            return None;
        }
    }
    for a in [&mut x, &mut y] {
        a.df_off = round_if_close_to_int(a.df_off);
        a.df_size = round_if_close_to_int(a.df_size);
    }
    let (out_off_x, out_off_y) = (x.out_off as u64, y.out_off as u64);
    let (out_w, out_h) = (x.out_size as u64, y.out_size as u64);
    let (cols, rows, exact) = nearest(&x, &y, src_w, src_h);
    Some(Plan {
        out: Window::new(out_off_x, out_off_y, out_w, out_h),
        cols,
        rows,
        exact,
        downsampled: x.out_size < x.n_size || y.out_size < y.n_size,
    })
}

/// Clip the request to DstRect, translate it into source coordinates and clamp it to the
/// source, noting whether anything was cut (then the output span must be recomputed).
#[allow(clippy::too_many_arguments)]
fn request_axis(
    off: f64,
    size: f64,
    s_off: f64,
    s_size: f64,
    d_off: f64,
    d_size: f64,
    src_len: i64,
) -> Option<Axis> {
    let mut modified = false;
    let (mut r_off, mut r_size) = (off, size);
    if r_off < d_off {
        r_size = r_size + r_off - d_off;
        r_off = d_off;
        modified = true;
    }
    if r_off + r_size > d_off + d_size {
        r_size = d_off + d_size - r_off;
        modified = true;
    }
    let scale = s_size / d_size;
    let mut df_off = (r_off - d_off) * scale + s_off;
    let mut df_size = r_size * scale;
    if !df_off.is_finite() || !df_size.is_finite() || df_off > INT_MAX || df_size < 0.0 {
        return None;
    }
    if df_off < 0.0 {
        df_size += df_off;
        df_off = 0.0;
        modified = true;
    }
    let mut n_off = df_off.floor() as i64;
    if df_off - n_off as f64 > 1.0 - 1e-3 {
        n_off += 1;
        df_off = n_off as f64;
    }
    let mut n_size = if df_size > INT_MAX {
        INT_MAX as i64
    } else {
        (df_size + 0.5).floor() as i64
    };
    if n_size == 0 {
        n_size = 1;
    }
    if n_size > i32::MAX as i64 - n_off || n_off + n_size > src_len {
        n_size = src_len - n_off;
        modified = true;
    }
    if df_off + df_size > src_len as f64 {
        df_size = src_len as f64 - df_off;
        modified = true;
    }
    if n_off >= src_len || n_size <= 0 {
        return None;
    }
    Some(Axis {
        n_off,
        n_size,
        df_off,
        df_size,
        modified,
        out_off: 0,
        out_size: 0,
    })
}

/// For a clipped axis: the output pixels the (clipped) source request covers, with GDAL's 1e-3
/// tolerance at both edges, and the matching correction of the floating-point source window.
#[allow(clippy::too_many_arguments)]
fn out_span(
    a: &mut Axis,
    off: f64,
    size: f64,
    buf: i64,
    s_off: f64,
    s_size: f64,
    d_off: f64,
    d_size: f64,
) -> Option<()> {
    const EPS: f64 = 1e-3;
    let src_to_dst = |v: f64| ((v - s_off) / s_size) * d_size + d_off;
    let dst_ul = src_to_dst(a.df_off);
    let dst_lr = src_to_dst(a.df_off + a.df_size);
    let win_to_buf = buf as f64 / size;
    let out_off_f = (dst_ul - off) * win_to_buf;
    let out_off = if out_off_f <= 0.0 {
        0
    } else if out_off_f > INT_MAX {
        i32::MAX as i64
    } else {
        (out_off_f + EPS) as i64
    };
    let delta = (out_off_f - out_off as f64) / win_to_buf / d_size * s_size;
    a.df_off -= delta;
    a.df_size = (a.df_size + delta).min(INT_MAX);
    let mut right_f = (dst_lr - off) * win_to_buf;
    if right_f < out_off_f {
        return None;
    }
    if right_f > INT_MAX {
        right_f = INT_MAX;
    }
    let right = (right_f - EPS).ceil() as i64;
    let mut out_size = right - out_off;
    if out_size > i32::MAX as i64 - out_off || out_off + out_size > buf {
        out_size = buf - out_off;
    }
    let delta = (right as f64 - right_f) / win_to_buf / d_size * s_size;
    a.df_size = (a.df_size + delta).min(INT_MAX);
    a.out_off = out_off;
    a.out_size = out_size;
    Some(())
}

/// The source pixel for every output column and row: GDAL's 1:1 copy when the request is an
/// exact integer window of the output's size (then the flag is true), else its
/// nearest-neighbour stepping.
fn nearest(x: &Axis, y: &Axis, src_w: i64, src_h: i64) -> (Vec<u64>, Vec<u64>, bool) {
    const EPS: f64 = 1e-10;
    let integer_coords = x.n_off as f64 == x.df_off
        && y.n_off as f64 == y.df_off
        && x.n_size as f64 == x.df_size
        && y.n_size as f64 == y.df_size;
    let clamp = |v: f64, len: i64| v.max(0.0).min((len - 1) as f64) as u64;
    if integer_coords && x.n_size == x.out_size && y.n_size == y.out_size {
        let cols = (0..x.out_size).map(|i| (x.n_off + i) as u64).collect();
        let rows = (0..y.out_size).map(|j| (y.n_off + j) as u64).collect();
        return (cols, rows, true);
    }
    let inc_x = x.df_size / x.out_size as f64;
    let inc_y = y.df_size / y.out_size as f64;
    let rows = (0..y.out_size)
        .map(|j| clamp((j as f64 + 0.5) * inc_y + y.df_off + EPS, src_h))
        .collect();
    let start = 0.5 * inc_x + x.df_off + EPS;
    let cols = if integer_coords && (inc_x as i32) as f64 == inc_x {
        let (first, step) = (start as i64, inc_x as i64);
        (0..x.out_size)
            .map(|i| {
                first
                    .saturating_add(i.saturating_mul(step))
                    .clamp(0, src_w - 1) as u64
            })
            .collect()
    } else {
        let mut v = start;
        (0..x.out_size)
            .map(|_| {
                let c = clamp(v, src_w);
                v += inc_x;
                c
            })
            .collect()
    };
    (cols, rows, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(x: f64, y: f64, w: f64, h: f64) -> Rect {
        Rect::snapped(x, y, w, h)
    }

    #[test]
    fn one_to_one_tile() {
        let p = plan(
            10,
            10,
            &r(0., 0., 10., 10.),
            &r(20., 30., 10., 10.),
            Window::new(25, 0, 100, 100),
        )
        .unwrap();
        assert_eq!(p.out, Window::new(0, 30, 5, 10));
        assert_eq!(p.cols, (5..10).collect::<Vec<_>>());
        assert_eq!(p.rows, (0..10).collect::<Vec<_>>());
        assert!(p.exact && !p.downsampled);
        assert!(
            plan(
                10,
                10,
                &r(0., 0., 10., 10.),
                &r(20., 30., 10., 10.),
                Window::new(30, 0, 5, 5)
            )
            .is_none()
        );
    }

    #[test]
    fn upsampling_picks_floor_of_centre() {
        // 4 source pixels stretched over 10: source index floor((i + 0.5) * 0.4).
        let p = plan(
            4,
            1,
            &r(0., 0., 4., 1.),
            &r(0., 0., 10., 1.),
            Window::new(0, 0, 10, 1),
        )
        .unwrap();
        let want: Vec<u64> = (0..10)
            .map(|i| ((i as f64 + 0.5) * 0.4).floor() as u64)
            .collect();
        assert_eq!(p.cols, want);
    }

    #[test]
    fn fractional_edges_cover_partly_covered_pixels() {
        let p = plan(
            10,
            10,
            &r(0., 0., 10., 10.),
            &r(2.6, 0., 10., 10.),
            Window::new(0, 0, 20, 10),
        )
        .unwrap();
        assert_eq!(p.out.x, 2);
        assert_eq!(p.out.cols, 11); // pixels 2..=12: 12.6 is inside pixel 12
        assert_eq!(p.cols.first(), Some(&0));
        assert_eq!(p.cols.last(), Some(&9));
    }

    #[test]
    fn degenerate_inputs_give_nothing() {
        let req = Window::new(0, 0, 10, 10);
        assert!(plan(10, 10, &r(0., 0., 0., 10.), &r(0., 0., 10., 10.), req).is_none());
        assert!(plan(10, 10, &r(20., 0., 5., 5.), &r(0., 0., 10., 10.), req).is_none());
        assert!(
            plan(
                10,
                10,
                &r(0., 0., 1e300, 1e300),
                &r(0., 0., 1e-300, 1e-300),
                req
            )
            .is_none()
        );
        assert!(plan(10, 10, &r(0., 0., 5., 5.), &r(f64::NAN, 0., 5., 5.), req).is_none());
        // Huge (but valid) SrcRect reading a small source: clamped, no overflow.
        let p = plan(10, 10, &r(0., 0., 2e9, 2e9), &r(0., 0., 10., 10.), req);
        assert!(p.is_none_or(|p| p.cols.iter().all(|&c| c < 10)));
    }
}
