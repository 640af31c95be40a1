//! Tile rows that are only partly written: rows of a band that does not cover a whole tile
//! row, or overview pixels still waiting for the tiles above them. A tile row is handed out
//! (as little-endian bytes, full image width) the moment its last pixel arrives.

use std::collections::HashMap;

use rastagg_raster::spare;

use crate::grid::Grid;

/// A tile row being filled.
struct Pending {
    /// `grid.width × rows` samples, little-endian.
    data: Vec<u8>,
    /// Pixels received so far.
    filled: u64,
    /// Which of its image rows arrived whole (full-resolution rows only).
    rows_seen: Vec<bool>,
}

/// The partly written tile rows of one level, and which tile rows are done.
pub(crate) struct TileRows {
    grid: Grid,
    sample_size: usize,
    pending: HashMap<u64, Pending>,
    /// One bit per tile row: handed out already.
    done: Vec<u64>,
}

/// A complete tile row: its index and its samples (full width, little-endian).
pub(crate) type Complete = (u64, Vec<u8>);

impl TileRows {
    /// No tile row written yet.
    pub fn new(grid: Grid, sample_size: usize) -> TileRows {
        TileRows {
            grid,
            sample_size,
            pending: HashMap::new(),
            done: vec![0; grid.down().div_ceil(64) as usize],
        }
    }

    fn is_done(&self, ty: u64) -> bool {
        self.done[(ty / 64) as usize] & (1 << (ty % 64)) != 0
    }

    fn mark_done(&mut self, ty: u64) {
        self.done[(ty / 64) as usize] |= 1 << (ty % 64);
    }

    /// Claims tile row `ty` for a band covering it whole; false when any of it was written.
    pub fn claim_whole(&mut self, ty: u64) -> bool {
        if self.is_done(ty) || self.pending.contains_key(&ty) {
            return false;
        }
        self.mark_done(ty);
        true
    }

    fn entry(&mut self, ty: u64) -> &mut Pending {
        let (grid, size) = (self.grid, self.sample_size);
        self.pending.entry(ty).or_insert_with(|| {
            let rows = grid.tile_row_span(ty).1;
            let len = (grid.width * rows) as usize * size;
            // A spare buffer: tile rows are megabytes (hand it back once encoded). Every pixel
            // is written before the row is complete.
            Pending {
                data: spare::overwritable(len).unwrap_or_else(|| vec![0; len]),
                filled: 0,
                rows_seen: vec![false; rows as usize],
            }
        })
    }

    /// Adds full image rows `first .. first + count` (inside tile row `ty`). `Err(row)` names
    /// a row written before; `Ok(Some(..))` is the tile row when this completed it.
    pub fn add_rows(
        &mut self,
        ty: u64,
        first: u64,
        count: u64,
        bytes: &[u8],
    ) -> Result<Option<Complete>, u64> {
        if self.is_done(ty) {
            return Err(first);
        }
        let (y0, _) = self.grid.tile_row_span(ty);
        let width = self.grid.width;
        let p = self.entry(ty);
        let local = (first - y0) as usize;
        if let Some(i) = p.rows_seen[local..local + count as usize]
            .iter()
            .position(|&s| s)
        {
            return Err(first + i as u64);
        }
        p.rows_seen[local..local + count as usize].fill(true);
        let row_bytes = bytes.len() / count as usize;
        p.data[local * row_bytes..][..bytes.len()].copy_from_slice(bytes);
        p.filled += count * width;
        Ok(self.take_if_complete(ty))
    }

    /// Adds a block of `cols × rows` samples at image position (`x0`, `y0`), which must lie
    /// within one tile row; returns the tile row when this completed it.
    pub fn add_block(
        &mut self,
        x0: u64,
        y0: u64,
        cols: u64,
        rows: u64,
        bytes: &[u8],
    ) -> Option<Complete> {
        let ty = y0 / self.grid.tile_h;
        let (ty0, _) = self.grid.tile_row_span(ty);
        let (width, size) = (self.grid.width as usize, self.sample_size);
        let p = self.entry(ty);
        let row_bytes = cols as usize * size;
        for (r, src) in bytes.chunks_exact(row_bytes).enumerate() {
            let at = ((y0 - ty0) as usize + r) * width * size + x0 as usize * size;
            p.data[at..at + row_bytes].copy_from_slice(src);
        }
        p.filled += cols * rows;
        self.take_if_complete(ty)
    }

    fn take_if_complete(&mut self, ty: u64) -> Option<Complete> {
        let rows = self.grid.tile_row_span(ty).1;
        let p = self.pending.get(&ty)?;
        if p.filled < self.grid.width * rows {
            return None;
        }
        let p = self.pending.remove(&ty)?;
        self.mark_done(ty);
        Some((ty, p.data))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_complete_a_tile_row_once() {
        let g = Grid {
            width: 2,
            height: 5,
            tile_w: 16,
            tile_h: 4,
        };
        let mut t = TileRows::new(g, 1);
        assert_eq!(t.add_rows(0, 2, 2, &[5, 6, 7, 8]), Ok(None));
        assert_eq!(t.add_rows(0, 3, 1, &[9, 9]), Err(3));
        let done = t.add_rows(0, 0, 2, &[1, 2, 3, 4]);
        assert_eq!(done, Ok(Some((0, vec![1, 2, 3, 4, 5, 6, 7, 8]))));
        assert_eq!(t.add_rows(0, 0, 1, &[1, 2]), Err(0));
        assert!(t.claim_whole(1));
        assert!(!t.claim_whole(1));
        assert!(!t.claim_whole(0));
    }

    #[test]
    fn blocks_complete_a_tile_row() {
        let g = Grid {
            width: 3,
            height: 2,
            tile_w: 16,
            tile_h: 16,
        };
        let mut t = TileRows::new(g, 1);
        assert_eq!(t.add_block(2, 0, 1, 2, &[3, 6]), None);
        assert_eq!(
            t.add_block(0, 0, 2, 2, &[1, 2, 4, 5]),
            Some((0, vec![1, 2, 3, 4, 5, 6]))
        );
    }
}
