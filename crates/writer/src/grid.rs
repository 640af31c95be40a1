//! Tile grids of the full-resolution image and of its overviews.

/// The tiling of one image (full resolution or an overview level).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Grid {
    /// Image width in pixels.
    pub width: u64,
    /// Image height in pixels.
    pub height: u64,
    /// Tile width in pixels.
    pub tile_w: u64,
    /// Tile height in pixels.
    pub tile_h: u64,
}

/// The pixels of one tile that lie inside the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TileExtent {
    /// First image column.
    pub x0: u64,
    /// First image row.
    pub y0: u64,
    /// Columns inside the image (the rest of the tile is padding).
    pub cols: u64,
    /// Rows inside the image.
    pub rows: u64,
}

impl Grid {
    /// Tiles per row.
    pub fn across(&self) -> u64 {
        self.width.div_ceil(self.tile_w)
    }

    /// Tile rows.
    pub fn down(&self) -> u64 {
        self.height.div_ceil(self.tile_h)
    }

    /// Number of tiles (callers have checked it fits comfortably; see `MAX_TILES`).
    pub fn tiles(&self) -> u64 {
        self.across() * self.down()
    }

    /// Samples in one full tile, padding included.
    pub fn tile_samples(&self) -> usize {
        (self.tile_w * self.tile_h) as usize
    }

    /// Image rows covered by tile row `ty`: (first row, row count).
    pub fn tile_row_span(&self, ty: u64) -> (u64, u64) {
        let y0 = ty * self.tile_h;
        (y0, self.tile_h.min(self.height - y0))
    }

    /// The part of tile (`tx`, `ty`) inside the image.
    pub fn extent(&self, tx: u64, ty: u64) -> TileExtent {
        let x0 = tx * self.tile_w;
        let (y0, rows) = self.tile_row_span(ty);
        TileExtent {
            x0,
            y0,
            cols: self.tile_w.min(self.width - x0),
            rows,
        }
    }

    /// The next overview level: half the size, rounded up, same tiles.
    pub fn half(&self) -> Grid {
        Grid {
            width: self.width.div_ceil(2),
            height: self.height.div_ceil(2),
            ..*self
        }
    }

    /// True when one tile covers the image.
    pub fn fits_one_tile(&self) -> bool {
        self.width <= self.tile_w && self.height <= self.tile_h
    }

    /// The full-resolution grid followed, for a COG, by overviews halving until one tile
    /// covers the image (GDAL's COG rule).
    pub fn levels(self, overviews: bool) -> Vec<Grid> {
        let mut levels = vec![self];
        let mut g = self;
        while overviews && !g.fits_one_tile() {
            g = g.half();
            levels.push(g);
        }
        levels
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cog_levels_match_gdal() {
        // GDAL's COG driver, 600×500 with 256² tiles: 600×500, 300×250, 150×125.
        let g = Grid {
            width: 600,
            height: 500,
            tile_w: 256,
            tile_h: 256,
        };
        let sizes: Vec<_> = g.levels(true).iter().map(|l| (l.width, l.height)).collect();
        assert_eq!(sizes, [(600, 500), (300, 250), (150, 125)]);
        assert_eq!(g.levels(false).len(), 1);
        let e = g.extent(2, 1);
        assert_eq!(
            e,
            TileExtent {
                x0: 512,
                y0: 256,
                cols: 88,
                rows: 244
            }
        );
        assert_eq!((g.across(), g.down(), g.tiles()), (3, 2, 6));
    }
}
