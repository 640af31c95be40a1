//! Choosing the height of output row bands and of input read chunks so that every worker's
//! band fits in the memory limit at once (DESIGN.md: memory is bounded by the band size).

use std::ops::Range;

use rastagg_core::{Grid, StatSet, band_memory_bytes};
use rastagg_raster::SampleType;

use crate::Error;
use crate::memory::human;
use crate::plan::OutputGrid;
use crate::source::SourceInfo;

/// Input bytes one read aims at: large enough for the reader to decode many blocks in
/// parallel, small next to the memory limit.
const CHUNK_BYTES: u64 = 16 << 20;
/// Tile height of the outputs: bands of whole tile rows let the writer encode them at once.
const OUTPUT_TILE_ROWS: u64 = 256;
/// Bands per worker aimed at, so that the last bands of an input keep every worker busy.
const BANDS_PER_WORKER: u64 = 4;

/// How one input is cut into units of work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BandPlan {
    /// The output rows of each band, in order, covering the output.
    pub bands: Vec<Range<u64>>,
    /// Input rows per read (a multiple of the input's block height).
    pub chunk_rows: u64,
    /// The memory the plan budgets for, all workers together.
    pub budget: u64,
}

/// Plans the bands of one input for `workers` workers within `mem_limit` bytes.
///
/// Band heights aim at [`BANDS_PER_WORKER`] bands per worker, rounded to a multiple of both
/// the output tile height and the number of output rows whose inputs fill whole input blocks,
/// then halve until `workers` bands, their read buffers and the writers' partial tile rows fit.
/// An input whose single-row band cannot fit is refused with the numbers.
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
    let chunk_rows = ((CHUNK_BYTES / row_bytes / block).max(1) * block)
        .min(input.height.div_ceil(block).saturating_mul(block));
    let chunk_bytes = chunk_rows.saturating_mul(row_bytes);
    // Writers keep at most a tile row per band in flight, plus the one being filled; a tile
    // row holds no more rows than the output has.
    let out_row_bytes: u64 = output_types
        .iter()
        .map(|t| out.width().saturating_mul(t.size() as u64))
        .sum();
    let writer_bytes = out_row_bytes
        .saturating_mul(OUTPUT_TILE_ROWS.min(height))
        .saturating_mul(workers + 1);
    let cost = |rows: u64| -> Option<u64> {
        let band = band_memory_bytes(stats, input.sample_type, &out.grid, 0..rows.min(height))?;
        band.checked_add(chunk_bytes)?
            .checked_mul(workers)?
            .checked_add(writer_bytes)
    };
    let ideal = height.div_ceil(workers * BANDS_PER_WORKER).max(1);
    let unit = alignment(&out.grid, block, ideal);
    let target = ((ideal + unit / 2) / unit).max(1) * unit;
    let mut rows = target.min(height).max(1);
    loop {
        match cost(rows) {
            Some(c) if c <= mem_limit => break,
            _ if rows == 1 => {
                return Err(Error::Memory(format!(
                    "--mem-limit {} is too small: {} worker(s) with one output row each need {} \
                     (input reads {} per worker, output tile rows {}); raise --mem-limit or \
                     lower --threads",
                    human(mem_limit),
                    workers,
                    cost(1).map_or("more than 16 EiB".into(), human),
                    human(chunk_bytes),
                    human(writer_bytes),
                )));
            }
            _ => rows = (rows / 2).max(1),
        }
    }
    let bands = (0..height.div_ceil(rows))
        .map(|k| k * rows..((k + 1) * rows).min(height))
        .collect();
    Ok(BandPlan {
        bands,
        chunk_rows,
        budget: cost(rows).unwrap_or(u64::MAX),
    })
}

/// The band height to round to: the largest of these that is at most twice `ideal` rows —
/// whole output tile rows that also start on input block boundaries; whole output tile rows;
/// input block boundaries alone; any row. Aligned bands let the writer encode whole tile rows
/// at once and keep blocks from being decoded by two bands.
fn alignment(grid: &Grid, block_height: u64, ideal: u64) -> u64 {
    // Output rows whose inputs span whole blocks (non-integer grids share rows anyway).
    let input_aligned = match grid.y.factor_value() {
        Some(f) => lcm(f, block_height) / f,
        None => 1,
    };
    [
        lcm(input_aligned, OUTPUT_TILE_ROWS),
        OUTPUT_TILE_ROWS,
        input_aligned,
    ]
    .into_iter()
    .find(|&u| u <= ideal.saturating_mul(2))
    .unwrap_or(1)
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

fn lcm(a: u64, b: u64) -> u64 {
    if a == 0 || b == 0 {
        return a.max(b);
    }
    (a / gcd(a, b)).saturating_mul(b)
}
