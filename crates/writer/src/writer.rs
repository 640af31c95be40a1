//! The writer: accepts rows or tiles from any number of threads, encodes tiles in parallel,
//! and hands them to the [`Sink`](crate::sink::Sink).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

use rastagg_raster::{Sample, spare, with_sample_type};
use rayon::prelude::*;

use crate::codec::TileCodec;
use crate::error::{Error, Result};
use crate::grid::{Grid, TileExtent};
use crate::options::{BigTiff, Options};
use crate::output::Output;
use crate::rows::{Complete, TileRows};
use crate::sink::{PutError, Sink};
use crate::tags::{Ifd, Value, geo_tags, nodata_tag};
use crate::tile::{ByteRows, Fill, Rows, TypedRows, cut_tile, downsample, recycle_tile};

/// Most tiles a file may have (all levels): keeps the offset tables a few hundred MB at most.
const MAX_TILES: u64 = 1 << 26;

/// Largest tile side: keeps one tile well under 4 GiB (COG block leaders are 32-bit).
const MAX_TILE_SIDE: u32 = 8192;

/// GDAL's `BIGTIFF=IF_SAFER` threshold on the uncompressed size.
const BIGTIFF_SAFER_BYTES: u128 = 2_000_000_000;

/// A single-band tiled GeoTIFF being written. See the crate documentation for the protocol.
///
/// `write_rows` and `write_tile` take `&self` and may be called from many threads at once;
/// the finished file's bytes do not depend on the order or the thread count.
pub struct GeoTiffWriter {
    path: PathBuf,
    options: Options,
    /// Full resolution, then COG overviews.
    levels: Vec<Grid>,
    codec: TileCodec,
    /// What a sparse tile reads back as.
    fill: Fill,
    big: bool,
    /// Set by the first failed call; every later call fails.
    failed: AtomicBool,
    state: Mutex<State>,
}

/// How the caller delivers pixels (one way per file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Rows,
    Tiles,
}

struct State {
    mode: Option<Mode>,
    /// Per level: tile rows still being filled.
    rows: Vec<TileRows>,
    sink: Sink,
}

/// One tile row to cut tiles from: its index and its samples, whose row 0 is image row
/// `first_row`.
struct Job<'a> {
    ty: u64,
    rows: &'a dyn Rows,
    first_row: u64,
}

/// An encoded tile and, for a COG, its halved pixels for the next level.
struct Done {
    tx: u64,
    ty: u64,
    /// `None`: leave sparse.
    encoded: Option<Vec<u8>>,
    block: Option<(TileExtent, Vec<u8>)>,
}

impl GeoTiffWriter {
    /// Starts writing `path`: checks the options and creates the temporary file (and, for a
    /// COG, the spool file) next to it. Nothing appears under `path` before
    /// [`finish`](GeoTiffWriter::finish) succeeds; an existing file there is replaced then.
    pub fn create(path: impl AsRef<Path>, options: Options) -> Result<GeoTiffWriter> {
        let path = path.as_ref().to_owned();
        let invalid = |msg: String| Error::Options {
            path: path.clone(),
            msg,
        };
        if let Some(msg) = options.problem() {
            return Err(invalid(msg));
        }
        if options.tile_width > MAX_TILE_SIDE || options.tile_height > MAX_TILE_SIDE {
            return Err(invalid(format!(
                "tiles larger than {MAX_TILE_SIDE} pixels a side"
            )));
        }
        let grid = Grid {
            width: options.width,
            height: options.height,
            tile_w: u64::from(options.tile_width),
            tile_h: u64::from(options.tile_height),
        };
        let levels = grid.levels(options.cog.is_some());
        let tiles: Vec<u64> = levels.iter().map(Grid::tiles).collect();
        if tiles.iter().sum::<u64>() > MAX_TILES {
            return Err(invalid(format!(
                "{} tiles exceed the limit of {MAX_TILES}; use larger tiles",
                tiles.iter().sum::<u64>()
            )));
        }
        let size = options.sample_type.size();
        let estimate: u128 = levels
            .iter()
            .map(|g| {
                u128::from(g.across() * g.tile_w) * u128::from(g.down() * g.tile_h) * size as u128
            })
            .sum();
        let big = match options.bigtiff {
            BigTiff::Yes => true,
            BigTiff::No => false,
            BigTiff::IfSafer => estimate > BIGTIFF_SAFER_BYTES,
        };
        let out = Output::create(&path, "tmp")?.early_syncs();
        let sink = if options.cog.is_some() {
            let spool = Output::create(&path, "spool")?;
            Sink::spooled(out, spool, &tiles, big, path.clone())
        } else {
            let ifd_for = |l, o, c| level_ifd(&options, &levels, l, o, c);
            Sink::direct(out, tiles[0], big, &ifd_for, path.clone())?
        };
        let codec = TileCodec {
            compression: options.compression,
            predictor: options.predictor_code(),
            sample_size: size,
            tile_width: options.tile_width as usize,
        };
        Ok(GeoTiffWriter {
            fill: Fill::new(options.sample_type, options.nodata),
            state: Mutex::new(State {
                mode: None,
                rows: levels.iter().map(|&g| TileRows::new(g, size)).collect(),
                sink,
            }),
            path,
            options,
            levels,
            codec,
            big,
            failed: AtomicBool::new(false),
        })
    }

    /// The final path of the file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The options the file is written with.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// True when the file is BigTIFF (decided at creation).
    pub fn is_bigtiff(&self) -> bool {
        self.big
    }

    /// Tiles per row of the full-resolution image.
    pub fn tiles_across(&self) -> u64 {
        self.levels[0].across()
    }

    /// Tile rows of the full-resolution image.
    pub fn tiles_down(&self) -> u64 {
        self.levels[0].down()
    }

    /// Writes full image rows `first_row ..` (`data.len() / width` of them, row-major): the
    /// easy path for a pipeline producing output row bands. Bands may arrive in any order and
    /// from any thread, and need not align with tiles; every row must be written exactly
    /// once. Tiles the band completes are encoded in parallel before this returns; rows of
    /// tile rows still incomplete are kept until the rest arrives.
    pub fn write_rows<T: Sample>(&self, first_row: u64, data: &[T]) -> Result<()> {
        self.guarded(|| self.rows_inner(first_row, data))
    }

    /// Writes tile (`tx`, `ty`) of the full-resolution image: `tile_width × tile_height`
    /// samples, row-major; values outside the image (edge tiles) are ignored. Encoded on the
    /// calling thread. Every tile must be written exactly once, and a file is written either
    /// by rows or by tiles.
    pub fn write_tile<T: Sample>(&self, tx: u64, ty: u64, data: &[T]) -> Result<()> {
        self.guarded(|| self.tile_inner(tx, ty, data))
    }

    /// Completes the file: writes the directory (for a COG, assembles the whole file), syncs
    /// it to disk and renames it into place. Fails, leaving nothing behind, if any pixel was
    /// never written or any earlier call failed.
    pub fn finish(self) -> Result<()> {
        if self.failed.load(Ordering::Acquire) {
            return Err(Error::Failed { path: self.path });
        }
        let GeoTiffWriter {
            path,
            options,
            levels,
            state,
            ..
        } = self;
        let state = state
            .into_inner()
            .map_err(|_| Error::Failed { path: path.clone() })?;
        let missing = state.sink.missing();
        if missing > 0 {
            let total: u64 = levels.iter().map(Grid::tiles).sum();
            return Err(Error::Incomplete {
                path,
                msg: format!("{missing} of {total} tiles were never written"),
            });
        }
        let ifd_for = |l, o, c| level_ifd(&options, &levels, l, o, c);
        state.sink.finish(&ifd_for)
    }

    fn guarded(&self, f: impl FnOnce() -> Result<()>) -> Result<()> {
        if self.failed.load(Ordering::Acquire) {
            return Err(Error::Failed {
                path: self.path.clone(),
            });
        }
        let result = f();
        if result.is_err() {
            self.failed.store(true, Ordering::Release);
        }
        result
    }

    fn usage(&self, msg: String) -> Error {
        Error::Usage {
            path: self.path.clone(),
            msg,
        }
    }

    fn lock(&self) -> Result<MutexGuard<'_, State>> {
        self.state.lock().map_err(|_| Error::Failed {
            path: self.path.clone(),
        })
    }

    /// Checks `T` against the file's type and records the delivery mode.
    fn begin<T: Sample>(&self, state: &mut State, mode: Mode) -> Result<()> {
        if T::TYPE != self.options.sample_type {
            return Err(self.usage(format!(
                "{} samples given for a {} file",
                T::TYPE,
                self.options.sample_type
            )));
        }
        match state.mode {
            Some(m) if m != mode => {
                Err(self.usage("a file is written by rows or by tiles, not both".to_owned()))
            }
            _ => {
                state.mode = Some(mode);
                Ok(())
            }
        }
    }

    fn rows_inner<T: Sample>(&self, first_row: u64, data: &[T]) -> Result<()> {
        let g = self.levels[0];
        let n = data.len() as u64;
        if n == 0 || !n.is_multiple_of(g.width) {
            return Err(self.usage(format!(
                "{n} samples are not a whole number of {}-sample rows",
                g.width
            )));
        }
        let count = n / g.width;
        let end = first_row
            .checked_add(count)
            .filter(|&e| e <= g.height)
            .ok_or_else(|| {
                self.usage(format!(
                    "{count} rows from row {first_row} pass the raster's {} rows",
                    g.height
                ))
            })?;
        let rows = TypedRows {
            data,
            width: g.width,
        };
        let mut whole = Vec::new();
        let mut completed: Vec<Complete> = Vec::new();
        {
            let mut state = self.lock()?;
            self.begin::<T>(&mut state, Mode::Rows)?;
            for ty in first_row / g.tile_h..=(end - 1) / g.tile_h {
                let (y0, span) = g.tile_row_span(ty);
                let (lo, hi) = (y0.max(first_row), (y0 + span).min(end));
                let twice = |row: u64| self.usage(format!("row {row} written twice"));
                if lo == y0 && hi == y0 + span {
                    if !state.rows[0].claim_whole(ty) {
                        return Err(twice(y0));
                    }
                    whole.push(ty);
                } else {
                    let bytes = rows.le_bytes(lo - first_row..hi - first_row);
                    match state.rows[0].add_rows(ty, lo, hi - lo, &bytes) {
                        Err(row) => return Err(twice(row)),
                        Ok(Some(c)) => completed.push(c),
                        Ok(None) => {}
                    }
                }
            }
        }
        let buffers = self.byte_rows(0, &completed);
        let mut jobs: Vec<Job> = whole
            .into_iter()
            .map(|ty| Job {
                ty,
                rows: &rows,
                first_row,
            })
            .collect();
        jobs.extend(buffers.iter().map(|(ty, r)| Job {
            ty: *ty,
            rows: r,
            first_row: g.tile_row_span(*ty).0,
        }));
        let encoded = self.encode_rows(0, &jobs);
        recycle_rows(completed);
        encoded
    }

    fn tile_inner<T: Sample>(&self, tx: u64, ty: u64, data: &[T]) -> Result<()> {
        let g = self.levels[0];
        if tx >= g.across() || ty >= g.down() {
            return Err(self.usage(format!(
                "tile ({tx}, {ty}) outside the {}×{} tile grid",
                g.across(),
                g.down()
            )));
        }
        if data.len() != g.tile_samples() {
            return Err(self.usage(format!(
                "tile of {} samples, expected {}×{}",
                data.len(),
                g.tile_w,
                g.tile_h
            )));
        }
        self.begin::<T>(&mut *self.lock()?, Mode::Tiles)?;
        let e = g.extent(tx, ty);
        let rows = TypedRows {
            data,
            width: g.tile_w,
        };
        let raw = cut_tile(
            &rows,
            (0, 0),
            (e.cols, e.rows),
            (g.tile_w, g.tile_h),
            T::SIZE,
        );
        let done = self.encode_tile(0, tx, ty, raw)?;
        self.store(0, vec![done])
    }

    /// Views completed tile rows of `level` as row sources.
    fn byte_rows<'a>(&self, level: usize, completed: &'a [Complete]) -> Vec<(u64, ByteRows<'a>)> {
        let width = self.levels[level].width;
        let sample_size = self.options.sample_type.size();
        completed
            .iter()
            .map(|(ty, data)| {
                (
                    *ty,
                    ByteRows {
                        data,
                        width,
                        sample_size,
                    },
                )
            })
            .collect()
    }

    /// Cuts and encodes every tile of the given tile rows of `level` in parallel, then stores
    /// them.
    fn encode_rows(&self, level: usize, jobs: &[Job]) -> Result<()> {
        let g = self.levels[level];
        let size = self.options.sample_type.size();
        let tasks: Vec<(&Job, u64)> = jobs
            .iter()
            .flat_map(|j| (0..g.across()).map(move |tx| (j, tx)))
            .collect();
        let done = tasks
            .par_iter()
            .map(|&(job, tx)| {
                let e = g.extent(tx, job.ty);
                let at = (e.x0, e.y0 - job.first_row);
                let raw = cut_tile(job.rows, at, (e.cols, e.rows), (g.tile_w, g.tile_h), size);
                self.encode_tile(level, tx, job.ty, raw)
            })
            .collect::<Result<Vec<Done>>>()?;
        self.store(level, done)
    }

    /// Sparse test, overview halving and compression of one tile.
    fn encode_tile(&self, level: usize, tx: u64, ty: u64, mut raw: Vec<u8>) -> Result<Done> {
        let g = self.levels[level];
        let e = g.extent(tx, ty);
        let size = self.options.sample_type.size();
        let sparse = self.options.sparse && self.fill.covers(&raw, e, g.tile_w, size);
        let block = match self.options.cog {
            Some(resampling) if level + 1 < self.levels.len() => {
                let nodata = self.options.nodata;
                let half = with_sample_type!(self.options.sample_type, T => {
                    downsample::<T>(&raw, e, g.tile_w, nodata, resampling)
                });
                let at = TileExtent {
                    x0: e.x0 / 2,
                    y0: e.y0 / 2,
                    cols: e.cols.div_ceil(2),
                    rows: e.rows.div_ceil(2),
                };
                Some((at, half))
            }
            _ => None,
        };
        let encoded = if sparse {
            None
        } else {
            let bytes = self.codec.encode(&mut raw).map_err(|msg| Error::Encode {
                path: self.path.clone(),
                msg,
            })?;
            Some(bytes)
        };
        recycle_tile(raw);
        Ok(Done {
            tx,
            ty,
            encoded,
            block,
        })
    }

    /// Hands encoded tiles of `level` to the sink and their halved pixels to the next level;
    /// encodes the next level's tile rows they complete.
    fn store(&self, level: usize, done: Vec<Done>) -> Result<()> {
        let mut completed = Vec::new();
        {
            let mut state = self.lock()?;
            let across = self.levels[level].across();
            for d in done {
                match state.sink.put(level, d.ty * across + d.tx, d.encoded) {
                    Ok(()) => {}
                    Err(PutError::Duplicate) => {
                        return Err(self.usage(format!("tile ({}, {}) written twice", d.tx, d.ty)));
                    }
                    Err(PutError::Failed(e)) => return Err(e),
                }
                let next_rows = state.rows.get_mut(level + 1);
                if let Some(c) = d
                    .block
                    .zip(next_rows)
                    .and_then(|((e, half), rows)| rows.add_block(e.x0, e.y0, e.cols, e.rows, &half))
                {
                    completed.push(c);
                }
            }
        }
        if completed.is_empty() {
            return Ok(());
        }
        let next = level + 1;
        let buffers = self.byte_rows(next, &completed);
        let jobs: Vec<Job> = buffers
            .iter()
            .map(|(ty, r)| Job {
                ty: *ty,
                rows: r,
                first_row: self.levels[next].tile_row_span(*ty).0,
            })
            .collect();
        let encoded = self.encode_rows(next, &jobs);
        recycle_rows(completed);
        encoded
    }
}

/// Gives the buffers of encoded tile rows back to the [`spare`] pool.
fn recycle_rows(completed: Vec<Complete>) {
    completed
        .into_iter()
        .for_each(|(_, data)| spare::give_back(data));
}

/// The IFD of `level` (0 = full resolution, with the georeferencing) given its tile offsets
/// and byte counts.
fn level_ifd(
    options: &Options,
    levels: &[Grid],
    level: usize,
    offsets: Value,
    counts: Value,
) -> Ifd {
    let g = levels[level];
    let st = options.sample_type;
    let format = if st.is_float() {
        3
    } else if st.is_signed_int() {
        2
    } else {
        1
    };
    let mut tags = vec![
        (256, Value::Long(vec![g.width as u32])),
        (257, Value::Long(vec![g.height as u32])),
        (258, Value::Short(vec![(st.size() * 8) as u16])),
        (259, Value::Short(vec![options.compression.tiff_code()])),
        (262, Value::Short(vec![1])),
        (277, Value::Short(vec![1])),
        (284, Value::Short(vec![1])),
        (322, Value::Long(vec![g.tile_w as u32])),
        (323, Value::Long(vec![g.tile_h as u32])),
        (324, offsets),
        (325, counts),
        (339, Value::Short(vec![format])),
    ];
    if level > 0 {
        tags.push((254, Value::Long(vec![1])));
    }
    if options.predictor_code() != 1 {
        tags.push((317, Value::Short(vec![options.predictor_code()])));
    }
    if level == 0 {
        tags.extend(geo_tags(
            options.geo_transform.as_ref(),
            options.geo_keys.as_ref(),
        ));
    }
    if let Some(v) = options.nodata {
        tags.push(nodata_tag(v));
    }
    Ifd(tags)
}
