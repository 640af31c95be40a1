//! Rectangular pixel windows.

/// A rectangle of pixels: `cols × rows` starting at column `x`, row `y` (0-based, row 0 at the
/// top). Buffers holding a window are row-major, `cols` values per row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Window {
    /// First column.
    pub x: u64,
    /// First row.
    pub y: u64,
    /// Width in pixels.
    pub cols: u64,
    /// Height in pixels.
    pub rows: u64,
}

impl Window {
    /// A window at (`x`, `y`) of `cols × rows` pixels.
    pub const fn new(x: u64, y: u64, cols: u64, rows: u64) -> Window {
        Window { x, y, cols, rows }
    }

    /// Number of pixels, or `None` if it does not fit in `usize`.
    pub fn len(&self) -> Option<usize> {
        self.cols
            .checked_mul(self.rows)
            .and_then(|n| usize::try_from(n).ok())
    }

    /// True when the window holds no pixel.
    pub const fn is_empty(&self) -> bool {
        self.cols == 0 || self.rows == 0
    }

    /// One past the last column, or `None` on overflow.
    pub fn x_end(&self) -> Option<u64> {
        self.x.checked_add(self.cols)
    }

    /// One past the last row, or `None` on overflow.
    pub fn y_end(&self) -> Option<u64> {
        self.y.checked_add(self.rows)
    }

    /// True when the window lies inside a raster of `width × height` pixels.
    pub fn fits_in(&self, width: u64, height: u64) -> bool {
        self.x_end().is_some_and(|e| e <= width) && self.y_end().is_some_and(|e| e <= height)
    }

    /// The overlap of two windows, or `None` when they do not overlap.
    pub fn intersect(&self, other: &Window) -> Option<Window> {
        let x0 = self.x.max(other.x);
        let y0 = self.y.max(other.y);
        let x1 = self.x_end()?.min(other.x_end()?);
        let y1 = self.y_end()?.min(other.y_end()?);
        (x0 < x1 && y0 < y1).then(|| Window::new(x0, y0, x1 - x0, y1 - y0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intersect_and_fit() {
        let a = Window::new(0, 0, 10, 10);
        let b = Window::new(5, 8, 10, 10);
        assert_eq!(a.intersect(&b), Some(Window::new(5, 8, 5, 2)));
        assert_eq!(a.intersect(&Window::new(10, 0, 1, 1)), None);
        assert!(b.fits_in(15, 18));
        assert!(!b.fits_in(14, 18));
        assert!(!Window::new(u64::MAX, 0, 2, 1).fits_in(u64::MAX, 1));
        assert_eq!(Window::new(0, 0, u64::MAX, 2).len(), None);
    }
}
