//! A grid-bucket spatial index over source footprints, so a window read looks only at the
//! sources near it (thousands of tiles) instead of scanning them all.

use rastagg_raster::Window;

/// A footprint covering more grid cells than this is kept in a list checked by every query.
const MAX_CELLS_PER_ENTRY: u64 = 64;

/// Sources bucketed by the grid cells their footprints touch (CSR layout: one flat id list
/// with per-cell offsets). Ids are positions in the band's source list, i.e. document order.
#[derive(Debug, Clone, Default)]
pub struct SpatialIndex {
    cell_w: u64,
    cell_h: u64,
    nx: u64,
    ny: u64,
    offsets: Vec<u32>,
    ids: Vec<u32>,
    big: Vec<u32>,
}

impl SpatialIndex {
    /// Builds the index over `footprints` (None = covers nothing) in a `width × height` raster.
    pub fn build(footprints: &[Option<Window>], width: u64, height: u64) -> SpatialIndex {
        let n = footprints.iter().flatten().count() as u64;
        if n == 0 || width == 0 || height == 0 {
            return SpatialIndex::default();
        }
        // Cells about the size of a typical footprint, and never more cells than ~4 per source.
        let (mut cell_w, mut cell_h) = (
            median(footprints, |w| w.cols),
            median(footprints, |w| w.rows),
        );
        let max_cells = (4 * n).max(1024);
        while width
            .div_ceil(cell_w)
            .saturating_mul(height.div_ceil(cell_h))
            > max_cells
        {
            cell_w = cell_w.saturating_mul(2);
            cell_h = cell_h.saturating_mul(2);
        }
        let (nx, ny) = (width.div_ceil(cell_w), height.div_ceil(cell_h));
        let mut index = SpatialIndex {
            cell_w,
            cell_h,
            nx,
            ny,
            ..SpatialIndex::default()
        };
        let mut counts = vec![0u32; (nx * ny) as usize];
        let mut ranges = Vec::with_capacity(footprints.len());
        for (id, f) in footprints.iter().enumerate() {
            let cells = f.and_then(|w| index.cells(&w));
            let covers = cells.is_some();
            let small = cells.filter(|(cx, cy)| {
                (cx.end - cx.start) * (cy.end - cy.start) <= MAX_CELLS_PER_ENTRY
            });
            match (f, small) {
                (Some(_), Some((cx, cy))) => {
                    for y in cy.clone() {
                        for x in cx.clone() {
                            if let Some(c) = counts.get_mut((y * nx + x) as usize) {
                                *c += 1;
                            }
                        }
                    }
                    ranges.push(Some((cx, cy)));
                }
                (Some(_), None) if covers => {
                    index.big.push(id as u32);
                    ranges.push(None);
                }
                _ => ranges.push(None),
            }
        }
        let mut offsets = Vec::with_capacity(counts.len() + 1);
        let mut total = 0u32;
        offsets.push(0);
        for c in &counts {
            total = total.saturating_add(*c);
            offsets.push(total);
        }
        let mut fill = offsets.clone();
        let mut ids = vec![0u32; total as usize];
        for (id, r) in ranges.into_iter().enumerate() {
            let Some((cx, cy)) = r else { continue };
            for y in cy {
                for x in cx.clone() {
                    if let Some(slot) = fill.get_mut((y * nx + x) as usize) {
                        if let Some(dst) = ids.get_mut(*slot as usize) {
                            *dst = id as u32;
                        }
                        *slot += 1;
                    }
                }
            }
        }
        index.offsets = offsets;
        index.ids = ids;
        index
    }

    /// Grid cell ranges (columns, rows) a window touches; `None` if it is empty or outside.
    fn cells(&self, w: &Window) -> Option<(std::ops::Range<u64>, std::ops::Range<u64>)> {
        if w.is_empty() || self.nx == 0 {
            return None;
        }
        let x0 = w.x / self.cell_w;
        let y0 = w.y / self.cell_h;
        let x1 = (w.x_end()?.saturating_sub(1) / self.cell_w + 1).min(self.nx);
        let y1 = (w.y_end()?.saturating_sub(1) / self.cell_h + 1).min(self.ny);
        (x0 < x1 && y0 < y1).then_some((x0..x1, y0..y1))
    }

    /// Ids of every source whose footprint may intersect `w`, ascending (document order),
    /// without duplicates.
    pub fn query(&self, w: &Window) -> Vec<u32> {
        let mut out = self.big.clone();
        if let Some((cx, cy)) = self.cells(w) {
            for y in cy {
                let row = y * self.nx;
                let (a, b) = (row + cx.start, row + cx.end);
                let lo = self.offsets.get(a as usize).copied().unwrap_or(0) as usize;
                let hi = self.offsets.get(b as usize).copied().unwrap_or(0) as usize;
                out.extend_from_slice(self.ids.get(lo..hi).unwrap_or_default());
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

fn median(footprints: &[Option<Window>], f: impl Fn(&Window) -> u64) -> u64 {
    let mut v: Vec<u64> = footprints.iter().flatten().map(f).collect();
    v.sort_unstable();
    v.get(v.len() / 2).copied().unwrap_or(1).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn intersects(a: &Window, b: &Window) -> bool {
        a.intersect(b).is_some()
    }

    proptest! {
        #[test]
        fn finds_every_intersecting_footprint(
            boxes in prop::collection::vec(
                prop::option::of((0u64..500, 0u64..400, 1u64..200, 1u64..200)), 0..60),
            q in (0u64..600, 0u64..500, 1u64..300, 1u64..300),
        ) {
            // Footprints and queries lie inside the raster, as the reader makes them.
            let raster = Window::new(0, 0, 500, 400);
            let fps: Vec<Option<Window>> = boxes
                .iter()
                .map(|b| b.and_then(|(x, y, w, h)| Window::new(x, y, w, h).intersect(&raster)))
                .collect();
            let index = SpatialIndex::build(&fps, 500, 400);
            let Some(q) = Window::new(q.0, q.1, q.2, q.3).intersect(&raster) else { return Ok(()) };
            let found = index.query(&q);
            let want: Vec<u32> = fps
                .iter()
                .enumerate()
                .filter(|(_, f)| f.is_some_and(|f| intersects(&f, &q)))
                .map(|(i, _)| i as u32)
                .collect();
            // Every truly intersecting footprint is returned, in order, once.
            prop_assert!(want.iter().all(|id| found.contains(id)));
            prop_assert!(found.windows(2).all(|w| w[0] < w[1]));
        }
    }

    #[test]
    fn tile_grid_queries_are_local() {
        let fps: Vec<Option<Window>> = (0..40)
            .flat_map(|r| (0..40).map(move |c| Some(Window::new(c * 100, r * 100, 100, 100))))
            .collect();
        let index = SpatialIndex::build(&fps, 4000, 4000);
        let found = index.query(&Window::new(150, 250, 100, 100));
        assert_eq!(found, vec![81, 82, 121, 122]);
        assert_eq!(index.query(&Window::new(0, 0, 4000, 4000)).len(), 1600);
        assert!(index.query(&Window::new(5000, 0, 10, 10)).is_empty());
    }
}
