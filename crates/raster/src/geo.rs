//! The affine geotransform that maps pixel positions to georeferenced coordinates.

/// GDAL's six-term affine geotransform: the georeferenced position of pixel corner (col, row) is
/// `x = gt[0] + col·gt[1] + row·gt[2]`, `y = gt[3] + col·gt[4] + row·gt[5]`.
///
/// For a north-up raster `gt[2] == gt[4] == 0` and `gt[5]` is negative; (gt[0], gt[3]) is the
/// top-left corner of the top-left pixel (not its centre).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeoTransform(pub [f64; 6]);

impl GeoTransform {
    /// True when the raster has no rotation or shear terms.
    pub fn is_north_up(&self) -> bool {
        self.0[2] == 0.0 && self.0[4] == 0.0
    }

    /// The georeferenced coordinates of pixel corner (`col`, `row`); fractional positions are
    /// allowed (0.5, 0.5 is the centre of the first pixel).
    pub fn apply(&self, col: f64, row: f64) -> (f64, f64) {
        let g = &self.0;
        (
            g[0] + col * g[1] + row * g[2],
            g[3] + col * g[4] + row * g[5],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apply_north_up() {
        let gt = GeoTransform([-180.0, 0.5, 0.0, 90.0, 0.0, -0.5]);
        assert!(gt.is_north_up());
        assert_eq!(gt.apply(0.0, 0.0), (-180.0, 90.0));
        assert_eq!(gt.apply(2.0, 4.0), (-179.0, 88.0));
    }
}
