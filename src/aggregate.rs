//! `rastagg aggregate`: argument parsing, progress display and the final summary around
//! [`rastagg_pipeline::run`].

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use rastagg_core::{Ddof, QuantileMethod, Resampling, StatOptions, StatSet};
use rastagg_pipeline::{
    Error, GridSpec, JobOptions, Observer, Outcome, Summary, WriterTemplate, default_limit,
    expand_inputs, human, parse_size,
};
use rastagg_writer::Compression;
use serde_json::json;

/// Arguments of `rastagg aggregate`.
#[derive(Args, Debug)]
#[command(
    group(clap::ArgGroup::new("target").required(true).args(["factor", "resolution", "size"])),
    after_help = "Example (the monthly 1 km → 5 km job, four statistics, LZW like the notebook):\n  \
        rastagg aggregate covariates/*.1km.Data.tif -o out/ --stats mean,max,min,SD \\\n      \
        --resolution 5km --nodata -9999 --compress lzw"
)]
pub struct AggregateArgs {
    /// Input GeoTIFFs or VRTs; `-` reads paths from standard input, `@list.txt` from a file.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Output folder (created if missing).
    #[arg(short, long)]
    out_dir: PathBuf,
    /// Statistics, comma-separated: count, min, max, range, sum, mean, SD, median, q1, q3,
    /// pNN, mode, rms; `all` = count,min,max,range,sum,mean,SD.
    #[arg(long, default_value = "mean")]
    stats: String,
    /// Integer factor: N, or NX,NY (input pixels per output pixel).
    #[arg(long)]
    factor: Option<String>,
    /// Output pixel size in the input's units, or a mastergrid name: 1km, 5km, 10km.
    #[arg(long)]
    resolution: Option<String>,
    /// With --resolution: snap the output extent outward to multiples of the resolution (like
    /// gdalwarp -tap), so that outputs line up with a global grid (mastergrids). Input cells
    /// fall wholly into one output when the ratio and the offset are whole input cells;
    /// otherwise --mode decides.
    #[arg(long)]
    align: bool,
    /// Output size ROWSxCOLS over the input's extent.
    #[arg(long)]
    size: Option<String>,
    /// The resolution token of output names (default: the mastergrid name, else Aggregated).
    #[arg(long)]
    resolution_name: Option<String>,
    /// Output nodata (default: the input's nodata, else -9999).
    #[arg(long, allow_negative_numbers = true)]
    nodata: Option<f64>,
    /// Input nodata, overriding the file's.
    #[arg(long, allow_negative_numbers = true)]
    src_nodata: Option<f64>,
    /// Input band, 1-based.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    band: u32,
    /// Rule for non-integer ratios (and --align's fractional offsets): area (GDAL's, weighted)
    /// or corner (MAP raster_utilities').
    #[arg(long, value_enum, default_value_t = Mode::Area)]
    mode: Mode,
    /// Quantile rule: gdal (a real sample, like gdalwarp -r med) or linear (numpy's).
    #[arg(long, value_enum, default_value_t = QuantileRule::Gdal)]
    quantile_method: QuantileRule,
    /// Delta degrees of freedom of SD: 0 (population) or 1 (sample).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=1))]
    ddof: u8,
    /// Worker threads (default: all cores).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    threads: Option<u32>,
    /// Memory budget, e.g. 4GiB or 512MiB (default: a quarter of RAM, at most 4 GiB).
    #[arg(long)]
    mem_limit: Option<String>,
    /// Output compression.
    #[arg(long, value_enum, default_value_t = Compress::Deflate)]
    compress: Compress,
    /// Compression level (deflate 1-9; zstd: 1). Without it, deflate codes only runs of zero
    /// bytes (rastagg's own run-length encoder): files about 2% larger than GDAL's default
    /// level 6 for a seventh of its CPU; pass 6 to match GDAL.
    #[arg(long)]
    level: Option<u32>,
    /// Write Cloud Optimized GeoTIFFs with overviews.
    #[arg(long)]
    cog: bool,
    /// Redo inputs whose outputs all exist.
    #[arg(long)]
    overwrite: bool,
    /// No progress bar or log lines (errors are still printed).
    #[arg(long, short)]
    quiet: bool,
    /// Print the summary as JSON on standard output.
    #[arg(long)]
    json: bool,
}

/// `--mode`.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Mode {
    Area,
    Corner,
}

/// `--quantile-method`.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum QuantileRule {
    Gdal,
    Linear,
}

/// `--compress`.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Compress {
    Deflate,
    Lzw,
    Zstd,
    None,
}

impl AggregateArgs {
    /// The inputs and job options, or a usage error.
    fn job(&self) -> Result<(Vec<PathBuf>, JobOptions), Error> {
        let inputs = expand_inputs(&self.inputs, std::io::stdin())?;
        let mut grid = match (&self.factor, &self.resolution, &self.size) {
            (Some(f), None, None) => GridSpec::parse_factor(f)?,
            (None, Some(r), None) => GridSpec::parse_resolution(r)?,
            (None, None, Some(s)) => GridSpec::parse_size(s)?,
            _ => {
                return Err(Error::Usage(
                    "give exactly one of --factor, --resolution, --size".into(),
                ));
            }
        };
        if self.align {
            grid = grid.aligned()?;
        }
        let options = StatOptions {
            sd_ddof: if self.ddof == 1 {
                Ddof::One
            } else {
                Ddof::Zero
            },
            quantile_method: match self.quantile_method {
                QuantileRule::Gdal => QuantileMethod::Gdal,
                QuantileRule::Linear => QuantileMethod::Linear,
            },
        };
        let stats = StatSet::parse(&self.stats)
            .map_err(|e| Error::Usage(format!("--stats: {e}")))?
            .with_options(options);
        let compression = match (self.compress, self.level) {
            (Compress::Deflate, None) => Compression::DeflateRuns,
            (Compress::Deflate, Some(level)) => Compression::Deflate { level },
            (Compress::Zstd, level) => Compression::Zstd {
                level: level.unwrap_or(1),
            },
            (Compress::Lzw, None) => Compression::Lzw,
            (Compress::None, None) => Compression::None,
            (_, Some(_)) => {
                return Err(Error::Usage(
                    "--level applies to deflate and zstd only".into(),
                ));
            }
        };
        let threads = match self.threads {
            Some(n) => n as usize,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        let mem_limit = match &self.mem_limit {
            Some(text) => parse_size(text)?,
            None => default_limit(),
        };
        let job = JobOptions {
            out_dir: self.out_dir.clone(),
            stats,
            grid,
            mode: match self.mode {
                Mode::Area => Resampling::Area,
                Mode::Corner => Resampling::Corner,
            },
            resolution_name: self.resolution_name.clone(),
            nodata: self.nodata,
            src_nodata: self.src_nodata,
            band: self.band as usize - 1,
            threads,
            mem_limit,
            writer: WriterTemplate {
                compression,
                cog: self.cog,
            },
            overwrite: self.overwrite,
        };
        Ok((inputs, job))
    }
}

/// Runs `rastagg aggregate`; the exit code is 0 when every input was written or skipped, 1
/// when one failed, 2 for a usage error.
pub fn run(args: &AggregateArgs) -> u8 {
    let (inputs, job) = match args.job() {
        Ok(v) => v,
        Err(e) => {
            eprintln!("rastagg: {e}");
            return 2;
        }
    };
    if let Some(w) = rastagg_core::cpu_env_warning() {
        eprintln!("rastagg: warning: {w}");
    }
    let display = Display::new(args.quiet, inputs.len());
    let summary = rastagg_pipeline::run(&inputs, &job, &display);
    display.done();
    if args.json {
        println!("{:#}", summary_json(&summary));
    } else if !args.quiet {
        eprintln!(
            "rastagg: {} done, {} skipped, {} failed; {} output(s) written in {:.1} s (threads {}, memory limit {})",
            summary.done(),
            summary.skipped(),
            summary.failed(),
            summary.outputs_written(),
            summary.elapsed.as_secs_f64(),
            job.threads,
            human(job.mem_limit),
        );
    }
    if summary.failed() > 0 { 1 } else { 0 }
}

/// The summary as JSON, for scripts.
fn summary_json(summary: &Summary) -> serde_json::Value {
    let inputs: Vec<_> = summary
        .results
        .iter()
        .map(|(path, outcome)| {
            let path = path.display().to_string();
            match outcome {
                Outcome::Written { outputs, warnings } => json!({
                    "input": path,
                    "status": "done",
                    "outputs": outputs.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
                    "warnings": warnings,
                }),
                Outcome::Skipped => json!({"input": path, "status": "skipped"}),
                Outcome::Failed(e) => json!({"input": path, "status": "failed", "error": e}),
            }
        })
        .collect();
    json!({
        "done": summary.done(),
        "skipped": summary.skipped(),
        "failed": summary.failed(),
        "outputs_written": summary.outputs_written(),
        "seconds": summary.elapsed.as_secs_f64(),
        "inputs": inputs,
    })
}

/// Progress on standard error: a bar on a terminal, log lines otherwise, nothing when quiet
/// (failures and warnings are printed in every case).
struct Display {
    bar: Option<ProgressBar>,
    log: bool,
    total: usize,
    /// (inputs started, their pixels): to extrapolate the run's pixel count for the ETA.
    started: Mutex<(u64, u64)>,
    finished: Mutex<usize>,
}

impl Display {
    fn new(quiet: bool, total: usize) -> Display {
        let terminal = std::io::stderr().is_terminal();
        let bar = (!quiet && terminal).then(|| {
            let bar = ProgressBar::new(0);
            let style = ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:30} {percent:>3}% {msg} {per_sec} ETA {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Display {
            bar,
            log: !quiet && !terminal,
            total,
            started: Mutex::new((0, 0)),
            finished: Mutex::new(0),
        }
    }

    fn print(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    fn done(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Observer for Display {
    fn input_started(&self, index: usize, total: usize, path: &Path, pixels: u64) {
        let mut started = self.started.lock().unwrap_or_else(|p| p.into_inner());
        started.0 += 1;
        started.1 += pixels;
        if let Some(bar) = &self.bar {
            // The run's pixels, extrapolated from the inputs opened so far.
            bar.set_length(started.1 / started.0 * total as u64);
            bar.set_message(format!("[{}/{total}] {}", index + 1, path.display()));
        }
        if self.log {
            eprintln!("[{}/{total}] {}: started", index + 1, path.display());
        }
    }

    fn pixels_done(&self, pixels: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(pixels);
        }
    }

    fn input_finished(&self, index: usize, path: &Path, outcome: &Outcome) {
        let mut finished = self.finished.lock().unwrap_or_else(|p| p.into_inner());
        *finished += 1;
        let prefix = format!("[{}/{}]", index + 1, self.total);
        match outcome {
            Outcome::Failed(e) => self.print(&format!("rastagg: error: {e}")),
            Outcome::Written { outputs, warnings } => {
                for w in warnings {
                    self.print(&format!("rastagg: warning: {w}"));
                }
                if self.log {
                    eprintln!(
                        "{prefix} {}: wrote {} output(s)",
                        path.display(),
                        outputs.len()
                    );
                }
            }
            Outcome::Skipped => {
                if self.log {
                    eprintln!("{prefix} {}: skipped (outputs exist)", path.display());
                }
            }
        }
    }
}
