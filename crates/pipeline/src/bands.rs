//! Choosing the height of output row bands and of input read chunks so that every worker's
//! band fits in the memory limit at once (DESIGN.md: memory is bounded by the band size).

use std::ops::Range;

use rastagg_core::{Grid, StatSet, band_memory_bytes};
use rastagg_raster::{SampleType, lcm};

use crate::Error;
use crate::memory::human;
use crate::plan::OutputGrid;
use crate::source::SourceInfo;

/// Input bytes one read aims at: small enough that what a worker decodes is still in its
/// core's cache when the statistics read it, and small next to the memory limit; idle
/// workers share a read's blocks. (Measured on the 21600 × 10800 benchmark, 10-row reads
/// against 194-row ones: peak RSS 180-199 → 145-151 MB, time the same within noise.)
const CHUNK_BYTES: u64 = 1 << 20;
/// Tile height of the outputs: bands of whole tile rows let the writer encode them at once.
const OUTPUT_TILE_ROWS: u64 = 256;
/// Decoded input bytes one band aims at: the band's share of the input decides its height,
/// not the thread count, so the same input is always cut the same way (DESIGN.md: bands
/// planned from the grid alone). Small enough that an input gives many bands to share among
/// workers (the 21600 × 10800 Float32 benchmark at factor 5: 17 bands of 128 output rows).
const BAND_INPUT_BYTES: u64 = 32 << 20;

/// How one input is cut into units of work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BandPlan {
    /// The output rows of each band, in order, covering the output.
    pub bands: Vec<Range<u64>>,
    /// Input rows per read (a multiple of the input's block height).
    pub chunk_rows: u64,
    /// Input columns per read (the width, or a multiple of the input's block width): wide
    /// tiled inputs are read in column spans, so that a read stays near [`CHUNK_BYTES`]
    /// however wide the input is.
    pub chunk_cols: u64,
    /// How many bands may run at once: the workers, or fewer when the limit holds fewer.
    pub concurrency: usize,
    /// The memory the plan budgets for, all running bands together.
    pub budget: u64,
}

impl BandPlan {
    /// One running band's share of the budget.
    pub fn band_bytes(&self) -> u64 {
        self.budget / self.concurrency.max(1) as u64
    }
}

/// Plans the bands of one input for `workers` workers within `mem_limit` bytes.
///
/// Band heights aim at [`BAND_INPUT_BYTES`] of input each, rounded as [`alignment`] says, then
/// halve until `workers` bands, their read buffers and the writers' partial tile rows fit (so
/// the thread count changes the bands only when memory is tight). When not even `workers`
/// one-row bands fit, fewer bands run at once ([`BandPlan::concurrency`]); an input of which
/// not even one single-row band fits is refused with the numbers.
pub fn plan_bands(
    input: &SourceInfo,
    out: &OutputGrid,
    stats: &StatSet,
    output_types: &[SampleType],
    workers: usize,
    mem_limit: u64,
) -> Result<BandPlan, Error> {
    let workers = workers.max(1) as u64;
    let height = out.height();
    let size = input.sample_type.size() as u64;
    let row_bytes = input.width.saturating_mul(size).max(1);
    let block = input.block_height.clamp(1, input.height.max(1));
    // A read never holds more rows than the input has: small inputs budget what they read.
    // Whole output rows per read when that stays near the aim, so that no output row is
    // folded from two reads.
    let unit = match out.grid.y.factor_value().map(|f| lcm(f, block)) {
        Some(u) if u.saturating_mul(row_bytes) <= CHUNK_BYTES => u,
        _ => block,
    };
    let chunk_rows = ((CHUNK_BYTES / row_bytes / unit).max(1) * unit)
        .min(input.height.div_ceil(block).saturating_mul(block));
    // Whole rows when they are within the aim, else spans of whole blocks (never less than
    // one block: strips are read whole).
    let block_cols = input.block_width.clamp(1, input.width.max(1));
    let chunk_cols = if chunk_rows.saturating_mul(row_bytes) <= CHUNK_BYTES {
        input.width
    } else {
        let col_bytes = chunk_rows.saturating_mul(size).max(1);
        ((CHUNK_BYTES / col_bytes / block_cols).max(1) * block_cols).min(input.width)
    }
    .max(1);
    let chunk_bytes = chunk_rows.saturating_mul(chunk_cols).saturating_mul(size);
    // Writers keep at most a tile row per band in flight, plus the one being filled; a tile
    // row holds no more rows than the output has.
    let out_row_bytes: u64 = output_types
        .iter()
        .map(|t| out.width().saturating_mul(t.size() as u64))
        .sum();
    let writer_bytes = |running: u64| {
        out_row_bytes
            .saturating_mul(OUTPUT_TILE_ROWS.min(height))
            .saturating_mul(running + 1)
    };
    // The peak of `running` bands of `rows` output rows at once.
    let cost = |rows: u64, running: u64| -> Option<u64> {
        let band = band_memory_bytes(stats, input.sample_type, &out.grid, 0..rows.min(height))?;
        band.checked_add(chunk_bytes)?
            .checked_mul(running)?
            .checked_add(writer_bytes(running))
    };
    // Input rows per output row: the band's input bytes are this times its rows times a row.
    let ratio = input.height.max(1).div_ceil(height.max(1));
    let ideal = (BAND_INPUT_BYTES / row_bytes.saturating_mul(ratio).max(1)).clamp(1, height.max(1));
    let unit = alignment(&out.grid, block, ideal);
    let target = ((ideal + unit / 2) / unit).max(1) * unit;
    // The tallest bands, halving from the target, of which `running` fit at once.
    let fit = |running: u64| -> Option<u64> {
        let mut rows = target.min(height).max(1);
        loop {
            match cost(rows, running) {
                Some(c) if c <= mem_limit => return Some(rows),
                _ if rows == 1 => return None,
                _ => rows = (rows / 2).max(1),
            }
        }
    };
    // Every worker at once if one-row bands allow it, else fewer (the others wait).
    let Some((running, rows)) = (1..=workers)
        .rev()
        .find_map(|running| fit(running).map(|rows| (running, rows)))
    else {
        return Err(Error::Memory(format!(
            "--mem-limit {} is too small: one band of one output row needs {} (input reads {}, \
             output tile rows {}); raise --mem-limit",
            human(mem_limit),
            cost(1, 1).map_or("more than 16 EiB".into(), human),
            human(chunk_bytes),
            human(writer_bytes(1)),
        )));
    };
    let bands = (0..height.div_ceil(rows))
        .map(|k| k * rows..((k + 1) * rows).min(height))
        .collect();
    Ok(BandPlan {
        bands,
        chunk_rows,
        chunk_cols,
        concurrency: usize::try_from(running).unwrap_or(1),
        budget: cost(rows, running).unwrap_or(u64::MAX),
    })
}

/// The band height to round to. Preferred: whole output tile rows, or halves, quarters ...
/// of one, that also start on input block boundaries, the largest at most twice `ideal` rows
/// (aligned bands let the writer encode tile rows as soon as they are complete, and keep blocks
/// from being decoded by two bands). Else block boundaries alone, even for bands up to eight
/// times `ideal` (a block cut by two bands is decoded twice); else tile fractions alone; else
/// any row.
fn alignment(grid: &Grid, block_height: u64, ideal: u64) -> u64 {
    // Output rows whose inputs span whole blocks (non-integer grids share rows anyway).
    let input_aligned = match grid.y.factor_value() {
        Some(f) => lcm(f, block_height) / f,
        None => 1,
    };
    let fractions = || (0..9).map(|k| OUTPUT_TILE_ROWS >> k);
    let limit = ideal.saturating_mul(2);
    fractions()
        .map(|t| lcm(input_aligned, t))
        .find(|&u| u <= limit)
        .or(Some(input_aligned).filter(|&u| u <= ideal.saturating_mul(8)))
        .or_else(|| fractions().find(|&u| u <= limit))
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rastagg_core::output_type;

    /// The bands of a `width` × `height` Float32 input in blocks of `block` rows, factor 5,
    /// six statistics, for `workers` workers within `limit` bytes.
    fn bands(width: u64, height: u64, block: u64, workers: usize, limit: u64) -> Vec<Range<u64>> {
        plan(width, height, block, workers, limit).bands
    }

    /// The plan behind [`bands`].
    fn plan(width: u64, height: u64, block: u64, workers: usize, limit: u64) -> BandPlan {
        try_plan(width, height, (width, block), workers, limit).unwrap()
    }

    /// [`plan_bands`] for [`bands`]' input in blocks of `(columns, rows)`, refusals included.
    fn try_plan(
        width: u64,
        height: u64,
        (block_width, block): (u64, u64),
        workers: usize,
        limit: u64,
    ) -> Result<BandPlan, Error> {
        let input = SourceInfo {
            width,
            height,
            bands: 1,
            sample_type: SampleType::F32,
            nodata: Some(-9999.0),
            geo_transform: None,
            geo_keys: None,
            block_height: block,
            block_width,
        };
        let out = OutputGrid {
            grid: Grid::factor(width, height, 5, 5).unwrap(),
            geo_transform: None,
        };
        let stats = StatSet::parse("count,min,max,sum,mean,SD").unwrap();
        let types: Vec<_> = stats
            .stats()
            .iter()
            .map(|&s| output_type(s, SampleType::F32, &stats.options, -9999.0))
            .collect();
        plan_bands(&input, &out, &stats, &types, workers, limit)
    }

    #[test]
    fn reads_are_small_and_hold_whole_output_rows() {
        // One-row strips of 86 400 bytes: 10 rows (two output rows) come nearest 1 MiB.
        assert_eq!(plan(21_600, 10_800, 1, 2, 4 << 30).chunk_rows, 10);
        // 16-row strips: 80 rows (lcm with the factor 5) would be 6.6 MiB, so whole strips.
        assert_eq!(plan(21_600, 10_800, 16, 2, 4 << 30).chunk_rows, 16);
        // Narrow input: as many whole output rows as fit in 1 MiB.
        assert_eq!(plan(1_000, 10_000, 1, 2, 4 << 30).chunk_rows, 260);
        // 256-row tiles: one tile row.
        assert_eq!(plan(21_600, 10_800, 256, 2, 4 << 30).chunk_rows, 256);
        // Strips and narrow inputs: whole rows.
        assert_eq!(plan(21_600, 10_800, 256, 2, 4 << 30).chunk_cols, 21_600);
        assert_eq!(plan(1_000, 10_000, 1, 2, 4 << 30).chunk_cols, 1_000);
    }

    #[test]
    fn wide_tiled_inputs_are_read_in_spans_of_whole_tiles() {
        // 256 × 256 tiles: a tile row of the 21600-column file is 21 MiB; spans of four tiles
        // (1 MiB) instead, however wide the input.
        for width in [21_600, 200_000] {
            let p = try_plan(width, 10_800, (256, 256), 2, 4 << 30).unwrap();
            assert_eq!((p.chunk_rows, p.chunk_cols), (256, 1024), "{width}");
        }
        // Tiles wider than the aim: one tile.
        let p = try_plan(21_600, 10_800, (2048, 256), 2, 4 << 30).unwrap();
        assert_eq!(p.chunk_cols, 2048);
    }

    #[test]
    fn bands_follow_the_input_not_the_threads() {
        // The benchmark file: one-row strips; 32 MiB of input is 77 output rows, so bands
        // are half output tile rows, the same for 1, 2 and 8 workers.
        let strips = bands(21_600, 10_800, 1, 2, 4 << 30);
        assert_eq!(strips.len(), 17);
        assert!(
            strips
                .iter()
                .all(|b| b.start % 128 == 0 && b.end - b.start <= 128)
        );
        assert_eq!(bands(21_600, 10_800, 1, 1, 4 << 30), strips);
        assert_eq!(bands(21_600, 10_800, 1, 8, 4 << 30), strips);
        // 256-row tiles: bands stay on tile boundaries (lcm(5, 256) / 5 = 256 output rows)
        // rather than decode a tile twice.
        let tiles = bands(21_600, 10_800, 256, 2, 4 << 30);
        assert!(tiles.iter().all(|b| b.start % 256 == 0));
        assert_eq!(tiles.len(), 9);
        // A tight limit shrinks the bands.
        assert!(bands(21_600, 10_800, 1, 2, 150 << 20).len() > 17);
    }

    #[test]
    fn a_tight_limit_runs_fewer_bands_at_once_before_refusing() {
        // The benchmark file: each running band holds a 256-row tile row of the six outputs in
        // flight (25 MiB), plus one more: two workers' one-row bands need about 80 MiB, one
        // worker's about 55 MiB.
        let roomy = plan(21_600, 10_800, 1, 2, 4 << 30);
        assert_eq!(roomy.concurrency, 2);
        let squeezed = plan(21_600, 10_800, 1, 2, 60 << 20);
        assert_eq!(squeezed.concurrency, 1);
        assert!(squeezed.budget <= 60 << 20, "{}", squeezed.budget);
        // One band at a time: as tall as one band alone may be within the limit.
        assert_eq!(squeezed.bands, plan(21_600, 10_800, 1, 1, 60 << 20).bands);
        match try_plan(21_600, 10_800, (21_600, 1), 2, 40 << 20) {
            Err(Error::Memory(msg)) => {
                assert!(msg.contains("one band of one output row needs"), "{msg}")
            }
            other => panic!("not refused: {other:?}"),
        }
    }
}
