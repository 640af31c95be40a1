//! Running the aggregation of many inputs on a fixed set of worker threads.
//!
//! The unit of work is one band of output rows of one input. Workers pull units from a
//! [`Scheduler`] that opens inputs one after another: when the bands of one input are all
//! taken, the next input is opened, so small inputs overlap and a big one is split across
//! every worker. Each band reads the input rows it covers in block-aligned chunks, feeds them
//! to a [`BandAccumulator`] and hands the finished buffers to the output writers; the worker
//! that finishes an input's last band finishes its writers (which rename the outputs into
//! place). Workers are the `--threads` threads of a rayon pool, each running that loop
//! (`broadcast`): the parallel loops inside a band (block decoding, tile encoding) split onto
//! the same threads, taken up by a worker only while it waits inside such a loop, for the
//! memory a band needs ([`Scheduler::wait_for_band`]) or once no band is left, so no thread
//! ever blocks handing work to another pool (measured: 2 workers feeding a separate pool left
//! ~15% of the two cores idle, in waits and wake-ups spread over the whole run). Bands are
//! never pool tasks: a worker waiting for a decoding task would run a whole other band nested
//! inside its own, holding up its own band. Bands are planned from the grid and the memory
//! limit (which, when tight, also counts the workers), never from timing; the core's results
//! do not depend on the bands anyway, so the outputs are the same bytes whatever the thread
//! count.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant};

use rastagg_core::{
    BandAccumulator, OutputBuffer, Pixel, Resampling, StatSet, Statistic, output_type,
};
use rastagg_raster::{Window, spare, with_sample_type};
use rastagg_writer::{GeoTiffWriter, Options as WriterOptions};
use rayon::prelude::*;

use crate::Error;
use crate::bands::{BandPlan, plan_bands};
use crate::memory::human;
use crate::naming::{DEFAULT_RESOLUTION_NAME, output_path};
use crate::plan::{GridSpec, OutputGrid, plan};
use crate::source::{Source, SourceInfo};

/// Output nodata when neither `--nodata` nor the input gives one.
pub const DEFAULT_NODATA: f64 = -9999.0;

/// Everything one `aggregate` run is asked to do, besides the list of inputs.
#[derive(Debug, Clone)]
pub struct JobOptions {
    /// Folder the outputs are written to.
    pub out_dir: PathBuf,
    /// The statistics, one output file each.
    pub stats: StatSet,
    /// The output grid.
    pub grid: GridSpec,
    /// Rule for non-integer ratios.
    pub mode: Resampling,
    /// `<resname>` of the output names (`--resolution-name`).
    pub resolution_name: Option<String>,
    /// Output nodata (`--nodata`).
    pub nodata: Option<f64>,
    /// Input nodata override (`--src-nodata`).
    pub src_nodata: Option<f64>,
    /// The input band, 0-based.
    pub band: usize,
    /// Worker threads.
    pub threads: usize,
    /// Memory budget in bytes.
    pub mem_limit: u64,
    /// How outputs are compressed (and whether they are COGs) — the writer's options apart
    /// from the grid, type and nodata.
    pub writer: WriterTemplate,
    /// Redo inputs whose outputs all exist.
    pub overwrite: bool,
}

/// The output options common to every file of a run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WriterTemplate {
    /// Tile compression.
    pub compression: rastagg_writer::Compression,
    /// Cloud Optimized GeoTIFF with overviews.
    pub cog: bool,
}

impl JobOptions {
    /// The `<resname>` of output names: `--resolution-name`, else the mastergrid name given
    /// to `--resolution`, else `Aggregated`.
    pub fn resolution_name(&self) -> &str {
        self.resolution_name
            .as_deref()
            .or(self.grid.mastergrid_name())
            .unwrap_or(DEFAULT_RESOLUTION_NAME)
    }

    /// The output path of statistic `stat` of `input`.
    pub fn output_path(&self, input: &Path, stat: Statistic) -> PathBuf {
        output_path(&self.out_dir, input, self.resolution_name(), &stat.token())
    }
}

/// What became of one input.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Every output was written.
    Written {
        /// The output files, in the order of the statistics.
        outputs: Vec<PathBuf>,
        /// Things the user should know (valid results equal to nodata, missing VRT sources).
        warnings: Vec<String>,
    },
    /// Every output already existed and `--overwrite` was not given.
    Skipped,
    /// The input could not be aggregated; nothing was left under the output names.
    Failed(String),
}

/// Callbacks through which a run reports progress (the CLI draws a bar or logs lines).
pub trait Observer: Sync {
    /// Input `index` (of `total`) starts: `pixels` input pixels will be read.
    fn input_started(&self, index: usize, total: usize, path: &Path, pixels: u64);
    /// `pixels` more input pixels were aggregated.
    fn pixels_done(&self, pixels: u64);
    /// Input `index` is done, skipped or failed.
    fn input_finished(&self, index: usize, path: &Path, outcome: &Outcome);
}

/// The result of a run: every input's outcome, in input order, and the time taken.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// (input, outcome), in the order of the inputs.
    pub results: Vec<(PathBuf, Outcome)>,
    /// Wall-clock time of the run.
    pub elapsed: Duration,
}

impl Summary {
    /// Inputs whose outputs were written.
    pub fn done(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Written { .. }))
    }

    /// Inputs skipped because their outputs existed.
    pub fn skipped(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Skipped))
    }

    /// Inputs that failed.
    pub fn failed(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Failed(_)))
    }

    /// Output files written.
    pub fn outputs_written(&self) -> usize {
        self.results
            .iter()
            .map(|(_, o)| match o {
                Outcome::Written { outputs, .. } => outputs.len(),
                _ => 0,
            })
            .sum()
    }

    fn count(&self, f: impl Fn(&Outcome) -> bool) -> usize {
        self.results.iter().filter(|(_, o)| f(o)).count()
    }
}

/// Aggregates every input, `options.threads` bands at a time, and reports through `observer`.
pub fn run(inputs: &[PathBuf], options: &JobOptions, observer: &dyn Observer) -> Summary {
    let start = Instant::now();
    let workers = options.threads.max(1);
    let scheduler = Scheduler {
        inputs,
        options,
        observer,
        state: Mutex::new(State::default()),
        band_ended: Condvar::new(),
        outcomes: Mutex::new(vec![None; inputs.len()]),
    };
    // Every worker is a thread of this pool, so the parallel loops inside a band (block
    // decoding, tile encoding) stay on it and `--threads` bounds the whole run.
    match rayon::ThreadPoolBuilder::new().num_threads(workers).build() {
        Ok(pool) => {
            pool.broadcast(|_| scheduler.work());
        }
        // Threads of our own, their parallel loops on rayon's global pool.
        Err(_) => std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| scheduler.work());
            }
        }),
    }
    let outcomes = scheduler
        .outcomes
        .into_inner()
        .unwrap_or_else(|p| p.into_inner());
    Summary {
        results: inputs
            .iter()
            .cloned()
            .zip(
                outcomes
                    .into_iter()
                    .map(|o| o.unwrap_or_else(|| Outcome::Failed("not processed".into()))),
            )
            .collect(),
        elapsed: start.elapsed(),
    }
}

/// Locks a mutex, recovering the data if a worker panicked while holding it.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// How long a worker waiting for memory sleeps before looking for pool work again
/// ([`Scheduler::wait_for_band`]): a block's decoding takes about a millisecond.
const HELP_POLL: Duration = Duration::from_millis(1);

/// Hands out (input, band) units in order, opening inputs as they are reached.
struct Scheduler<'a> {
    inputs: &'a [PathBuf],
    options: &'a JobOptions,
    observer: &'a dyn Observer,
    state: Mutex<State>,
    /// Signalled whenever a band ends (`State::running` went down).
    band_ended: Condvar,
    outcomes: Mutex<Vec<Option<Outcome>>>,
}

/// A band counted in [`State::running`], with its share of the memory budget: ending it
/// (dropping this) counts it out and wakes the workers waiting to start one.
struct Running<'s, 'a> {
    scheduler: &'s Scheduler<'a>,
    bytes: u64,
}

impl<'s, 'a> Running<'s, 'a> {
    /// Counts a band of `bytes` into `load` (the running bands of `scheduler`'s locked state).
    fn start(scheduler: &'s Scheduler<'a>, load: &mut Load, bytes: u64) -> Self {
        load.bands += 1;
        load.bytes = load.bytes.saturating_add(bytes);
        Running { scheduler, bytes }
    }
}

impl Drop for Running<'_, '_> {
    fn drop(&mut self) {
        let mut state = lock(&self.scheduler.state);
        state.running.bands = state.running.bands.saturating_sub(1);
        state.running.bytes = state.running.bytes.saturating_sub(self.bytes);
        drop(state);
        self.scheduler.band_ended.notify_all();
    }
}

/// The input being handed out, the next input to open, and how many bands run now.
#[derive(Default)]
struct State {
    next_input: usize,
    current: Option<(Arc<InputJob>, usize)>,
    running: Load,
}

/// The bands running now, of any input (an input's last bands may still run when the next
/// one's start), and their shares of their plans' budgets.
#[derive(Debug, Default, Clone, Copy)]
struct Load {
    bands: usize,
    bytes: u64,
}

impl Load {
    /// Whether a band of `plan` may start now within `limit` bytes: when nothing runs, or
    /// when fewer bands run than the plan allows at once ([`BandPlan::concurrency`]) and its
    /// share of the plan's budget fits beside theirs.
    fn admits(&self, plan: &BandPlan, limit: u64) -> bool {
        let fits = self.bytes.saturating_add(plan.band_bytes()) <= limit;
        self.bands == 0 || (self.bands < plan.concurrency && fits)
    }
}

impl Scheduler<'_> {
    /// A worker's loop: run units until none is left.
    fn work(&self) {
        while let Some((job, band, running)) = self.next_unit() {
            job.run_band(band, self.observer);
            drop(running);
            if job.remaining.fetch_sub(1, Ordering::AcqRel) == 1 {
                let outcome = job.finish();
                self.record(job.index, outcome);
            }
        }
    }

    /// Waits for a running band to end and returns `state` locked again. On a thread of the
    /// pool, runs the pool's pending work first, `state` unlocked meanwhile: bands are never
    /// pool tasks, so that work is the running bands' parallel loops (block decoding, tile
    /// encoding), which a worker blocked here could not help with (a run whose memory limit
    /// holds one band at a time would be single-threaded); with nothing to run, sleeps until
    /// a band ends or for at most [`HELP_POLL`] (a band that ended while `state` was unlocked
    /// woke no one), then the caller looks again. Elsewhere, waits with `state` locked until
    /// then, so that no band's end goes unnoticed.
    fn wait_for_band<'s>(&'s self, state: MutexGuard<'s, State>) -> MutexGuard<'s, State> {
        if rayon::current_thread_index().is_none() {
            return self
                .band_ended
                .wait(state)
                .unwrap_or_else(|p| p.into_inner());
        }
        drop(state);
        let helped = matches!(rayon::yield_now(), Some(rayon::Yield::Executed));
        let state = lock(&self.state);
        if helped {
            return state;
        }
        self.band_ended
            .wait_timeout(state, HELP_POLL)
            .map_or_else(|p| p.into_inner().0, |(state, _)| state)
    }

    /// The next band to compute, opening the next input when the current one is handed out,
    /// with its place among the running bands: counted in when handed out, out when dropped
    /// (even by a panic: waiting workers would otherwise wait for ever).
    fn next_unit(&self) -> Option<(Arc<InputJob>, usize, Running<'_, '_>)> {
        let mut state = lock(&self.state);
        loop {
            let s = &mut *state;
            if let Some((job, next)) = &mut s.current {
                if *next < job.bands.bands.len() {
                    if s.running.admits(&job.bands, self.options.mem_limit) {
                        let bytes = job.bands.band_bytes();
                        let unit = (
                            Arc::clone(job),
                            *next,
                            Running::start(self, &mut s.running, bytes),
                        );
                        *next += 1;
                        return Some(unit);
                    }
                    // The memory limit holds no more bands now: wait for a running one (there
                    // is one) to end, helping the running bands meanwhile.
                    state = self.wait_for_band(state);
                    continue;
                }
                s.current = None;
            }
            let index = state.next_input;
            let path = self.inputs.get(index)?;
            state.next_input += 1;
            match InputJob::prepare(index, path, self.options) {
                Ok(Some(job)) => {
                    self.observer.input_started(
                        index,
                        self.inputs.len(),
                        path,
                        job.info.width.saturating_mul(job.info.height),
                    );
                    state.current = Some((Arc::new(job), 0));
                }
                Ok(None) => self.record(index, Outcome::Skipped),
                Err(e) => self.record(index, Outcome::Failed(e.to_string())),
            }
        }
    }

    fn record(&self, index: usize, outcome: Outcome) {
        if let Some(path) = self.inputs.get(index) {
            self.observer.input_finished(index, path, &outcome);
        }
        if let Some(slot) = lock(&self.outcomes).get_mut(index) {
            *slot = Some(outcome);
        }
    }
}

/// One input being aggregated: its source, plan, and open output writers.
struct InputJob {
    index: usize,
    source: Source,
    band: usize,
    info: SourceInfo,
    out: OutputGrid,
    stats: StatSet,
    in_nodata: Option<f64>,
    out_nodata: f64,
    bands: BandPlan,
    /// The warning that the memory limit runs fewer of this input's bands at once than there
    /// are threads (slower, not wrong), if it does.
    throttled: Option<String>,
    /// One writer per statistic; taken out (and finished or dropped) by the last band.
    writers: RwLock<Vec<GeoTiffWriter>>,
    outputs: Vec<PathBuf>,
    remaining: AtomicUsize,
    /// Per statistic: valid results equal to the output nodata.
    collisions: Vec<AtomicU64>,
    failure: Mutex<Option<String>>,
}

impl InputJob {
    /// Opens and plans input `path`; `None` when its outputs exist and are kept.
    fn prepare(index: usize, path: &Path, options: &JobOptions) -> Result<Option<InputJob>, Error> {
        let outputs: Vec<PathBuf> = options
            .stats
            .stats()
            .iter()
            .map(|&s| options.output_path(path, s))
            .collect();
        if !options.overwrite && outputs.iter().all(|p| p.exists()) {
            return Ok(None);
        }
        let in_context = |e: Error| e.in_file(path);
        let source = Source::open(path)?;
        let info = source.info(options.band)?;
        let out = plan(&info, &options.grid, options.mode).map_err(in_context)?;
        let in_nodata = options.src_nodata.or(info.nodata);
        let out_nodata = options.nodata.or(in_nodata).unwrap_or(DEFAULT_NODATA);
        let types: Vec<_> = options
            .stats
            .stats()
            .iter()
            .map(|&s| output_type(s, info.sample_type, &options.stats.options, out_nodata))
            .collect();
        let bands = plan_bands(
            &info,
            &out,
            &options.stats,
            &types,
            options.threads,
            options.mem_limit,
        )
        .map_err(in_context)?;
        std::fs::create_dir_all(&options.out_dir).map_err(|source| Error::Io {
            path: options.out_dir.clone(),
            source,
        })?;
        let writers = options
            .stats
            .stats()
            .iter()
            .zip(&types)
            .zip(&outputs)
            .map(|((&stat, &sample_type), output)| {
                let mut w = WriterOptions::new(out.width(), out.height(), sample_type);
                w.compression = options.writer.compression;
                w.geo_transform = out.geo_transform;
                w.geo_keys = info.geo_keys.clone();
                w.nodata = Some(out_nodata);
                w.cog = options.writer.cog.then_some(match stat {
                    Statistic::Count | Statistic::Mode => rastagg_writer::Resampling::Nearest,
                    _ => rastagg_writer::Resampling::Average,
                });
                GeoTiffWriter::create(output, w)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let at_once = bands.bands.len().min(options.threads);
        let throttled = (bands.concurrency < at_once).then(|| {
            format!(
                "{}: --mem-limit {} holds {} band(s) of it at once, for {} threads: slower \
                 (a higher --mem-limit lets every thread work)",
                path.display(),
                human(options.mem_limit),
                bands.concurrency,
                options.threads
            )
        });
        Ok(Some(InputJob {
            index,
            remaining: AtomicUsize::new(bands.bands.len()),
            collisions: types.iter().map(|_| AtomicU64::new(0)).collect(),
            band: options.band,
            stats: options.stats.clone(),
            writers: RwLock::new(writers),
            failure: Mutex::new(None),
            source,
            info,
            out,
            in_nodata,
            out_nodata,
            bands,
            throttled,
            outputs,
        }))
    }

    /// Computes and writes band `b`, recording the first failure.
    fn run_band(&self, b: usize, observer: &dyn Observer) {
        if lock(&self.failure).is_some() {
            return;
        }
        let result =
            with_sample_type!(self.info.sample_type, T => self.run_band_typed::<T>(b, observer));
        if let Err(e) = result {
            lock(&self.failure).get_or_insert_with(|| e.in_file(self.source.path()).to_string());
        }
    }

    fn run_band_typed<T: Pixel>(&self, b: usize, observer: &dyn Observer) -> Result<(), Error> {
        let Some(rows) = self.bands.bands.get(b).cloned() else {
            return Ok(());
        };
        let mut acc = BandAccumulator::<T>::new(
            &self.stats,
            &self.out.grid,
            rows.clone(),
            self.in_nodata,
            self.out_nodata,
        )?;
        self.feed(&mut acc, observer)?;
        let writers = self.writers.read().unwrap_or_else(|p| p.into_inner());
        for ((out, writer), collisions) in acc
            .finish()
            .into_iter()
            .zip(writers.iter())
            .zip(&self.collisions)
        {
            collisions.fetch_add(out.nodata_collisions, Ordering::Relaxed);
            write_buffer(writer, rows.start, &out.buffer)?;
            out.buffer.recycle();
        }
        Ok(())
    }

    /// Reads the input rows of `acc`'s band in chunks aligned to the chunk size (a multiple of
    /// the input's block height, so no block is decoded twice within a band), each in column
    /// spans of the plan's width (whole rows, or multiples of the block width).
    fn feed<T: Pixel>(
        &self,
        acc: &mut BandAccumulator<T>,
        observer: &dyn Observer,
    ) -> Result<(), Error> {
        let Range { start, end } = acc.input_rows();
        let chunk = self.bands.chunk_rows.max(1);
        let width = self.info.width;
        let span = self.bands.chunk_cols.clamp(1, width.max(1));
        // A spare buffer (rastagg_raster::spare): windows are megabytes, each read overwrites.
        let most = Window::new(0, start, span, chunk.min(end - start)).len();
        let mut buf = most
            .and_then(spare::overwritable::<T>)
            .ok_or_else(|| Error::Plan(format!("no memory for {chunk} input rows")))?;
        let mut read_all = |buf: &mut Vec<T>| -> Result<(), Error> {
            let mut y = start;
            while y < end {
                let next = ((y / chunk) + 1).saturating_mul(chunk).min(end);
                let mut x = 0;
                while x < width {
                    let window = Window::new(x, y, span.min(width - x), next - y);
                    let len = window
                        .len()
                        .ok_or_else(|| Error::Plan(format!("window {window:?} too large")))?;
                    buf.resize(len, T::default());
                    self.source.read_into(self.band, window, buf)?;
                    acc.add_window(window, buf)?;
                    observer.pixels_done(len as u64);
                    x += span;
                }
                y = next;
            }
            Ok(())
        };
        let read = read_all(&mut buf);
        spare::give_back(buf);
        read
    }

    /// Finishes (or, after a failure, drops) the writers: the outcome of the input.
    fn finish(&self) -> Outcome {
        let writers = std::mem::take(&mut *self.writers.write().unwrap_or_else(|p| p.into_inner()));
        if let Some(msg) = lock(&self.failure).take() {
            drop(writers); // removes the temporary files
            return Outcome::Failed(msg);
        }
        // In parallel: each finish writes a directory and syncs its file to disk.
        let finished: Result<Vec<()>, _> = writers.into_par_iter().map(|w| w.finish()).collect();
        if let Err(e) = finished {
            return Outcome::Failed(e.to_string());
        }
        let mut warnings = self.source.warnings();
        warnings.extend(self.throttled.clone());
        for ((stat, n), path) in self
            .stats
            .stats()
            .iter()
            .zip(&self.collisions)
            .zip(&self.outputs)
        {
            let n = n.load(Ordering::Relaxed);
            if n > 0 {
                warnings.push(format!(
                    "{}: {n} cell(s) of {stat} equal the output nodata {} and read back as nodata",
                    path.display(),
                    self.out_nodata
                ));
            }
        }
        Outcome::Written {
            outputs: self.outputs.clone(),
            warnings,
        }
    }
}

/// Writes a band of finished rows, whatever their type.
fn write_buffer(
    writer: &GeoTiffWriter,
    first_row: u64,
    buffer: &OutputBuffer,
) -> Result<(), Error> {
    match buffer {
        OutputBuffer::U8(v) => writer.write_rows(first_row, v),
        OutputBuffer::I8(v) => writer.write_rows(first_row, v),
        OutputBuffer::U16(v) => writer.write_rows(first_row, v),
        OutputBuffer::I16(v) => writer.write_rows(first_row, v),
        OutputBuffer::U32(v) => writer.write_rows(first_row, v),
        OutputBuffer::I32(v) => writer.write_rows(first_row, v),
        OutputBuffer::U64(v) => writer.write_rows(first_row, v),
        OutputBuffer::I64(v) => writer.write_rows(first_row, v),
        OutputBuffer::F32(v) => writer.write_rows(first_row, v),
        OutputBuffer::F64(v) => writer.write_rows(first_row, v),
    }?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A plan of `concurrency` bands at once within `budget` bytes.
    fn plan(concurrency: usize, budget: u64) -> BandPlan {
        BandPlan {
            bands: Vec::new(),
            chunk_rows: 1,
            chunk_cols: 1,
            concurrency,
            budget,
        }
    }

    #[test]
    fn bands_start_while_the_limit_holds_them() {
        let limit = 1000;
        let running = |bands: usize, bytes: u64| Load { bands, bytes };
        // Nothing running: any band starts (a plan never exceeds the limit on its own).
        assert!(running(0, 0).admits(&plan(1, 1000), limit));
        // One input's bands: as many as its plan allows at once.
        let two = plan(2, 900);
        assert!(running(1, 450).admits(&two, limit));
        assert!(!running(2, 900).admits(&two, limit));
        // The last band of an input planned one at a time (the whole limit) still runs: the
        // next input's bands wait, though its plan allows two at once.
        assert!(!running(1, 1000).admits(&two, limit));
        // ... and the other way round.
        assert!(!running(1, 450).admits(&plan(1, 1000), limit));
    }
}
