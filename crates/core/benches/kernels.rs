//! Input pixels per second per core of the accumulation kernels: f32 and i16 input, factors 5
//! and 10 and area weights at a ratio of 2.5, `mean` alone and `count,min,max,sum,mean,SD`;
//! one band: the output rows of 50 input rows (factor 10: 100) of a 4000-column input, fed as
//! one window, on one thread, including the band's creation and `finish`, whose output buffers go back to the pool as the pipeline's do once written (new
//! ones every time cost page faults no run of the program pays). Times are the thread's CPU
//! time (Linux `/proc/thread-self/schedstat`), so the figures mean "per core" even on a busy
//! machine (falls back to wall time elsewhere). That counter advances at scheduler ticks, so
//! samples use flat sampling: every sample runs the same, large number of iterations (tens of
//! milliseconds) and tick lags average out.
//!
//! `f32_around_0` is the f32 input shifted to −15 … 15 (temperatures in °C): values near zero
//! make the magnitude proof of whole column blocks fail for the sums of squares, so each cell
//! is proved on its own (the run fold with per-cell proofs), as on real data; the other
//! inputs never take that path.
//!
//! Run: `cargo bench -p rastagg-core --bench kernels -- --warm-up-time 1 --measurement-time 3`;
//! with `RASTAGG_CPU=baseline` (or `avx2`) in the environment it measures the baseline (SSE2)
//! (or AVX2) copies of the loops instead of the widest ones the CPU runs.

// `criterion_group!` defines an undocumented public function.
#![allow(missing_docs)]

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use rastagg_core::{AxisMap, BandAccumulator, Grid, Pixel, Resampling, StatSet};
use rastagg_raster::Window;
use std::hint::black_box;

/// Thread CPU time in nanoseconds (`/proc/thread-self/schedstat`, first field).
struct CpuTime;

fn cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

static WALL: WallTime = WallTime;
static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

impl Measurement for CpuTime {
    type Intermediate = u64;
    type Value = u64;
    fn start(&self) -> u64 {
        cpu_ns().unwrap_or_else(|| {
            START
                .get_or_init(std::time::Instant::now)
                .elapsed()
                .as_nanos() as u64
        })
    }
    fn end(&self, i: u64) -> u64 {
        self.start().saturating_sub(i)
    }
    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }
    fn zero(&self) -> u64 {
        0
    }
    fn to_f64(&self, v: &u64) -> f64 {
        *v as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        WALL.formatter()
    }
}

const COLS: u64 = 4000;
const OUT_ROWS: u64 = 10;

/// Deterministic pseudo-random data around 300 (like land-surface temperatures), 5% nodata.
fn data<T: Pixel>(n: usize, make: impl Fn(f64) -> T, nodata: T) -> Vec<T> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let u = (state >> 11) as f64 / (1u64 << 53) as f64;
            if u < 0.05 {
                nodata
            } else {
                make(250.0 + 100.0 * u)
            }
        })
        .collect()
}

fn bench_type<T: Pixel>(
    c: &mut Criterion<CpuTime>,
    name: &str,
    make: impl Fn(f64) -> T + Copy,
    nd: T,
) {
    let mut group = c.benchmark_group(format!("kernel_{name}"));
    group.sampling_mode(SamplingMode::Flat);
    // Integer factors 5 and 10, and area weights at a ratio of 2.5 (2 km input to 5 km).
    let grids = [
        ("factor5", 5, None),
        ("factor10", 10, None),
        ("area2.5", 5, Some(2)),
    ];
    for (name, in_per_out, area_out) in grids {
        let rows = OUT_ROWS * in_per_out;
        let window = Window::new(0, 0, COLS, rows);
        let values = data((COLS * rows) as usize, make, nd);
        let grid = match area_out {
            None => Grid::factor(COLS, rows, in_per_out, in_per_out),
            Some(out_per) => {
                let axis = |n: u64| AxisMap::resize(n, n * out_per / in_per_out, Resampling::Area);
                axis(COLS).and_then(|x| Ok(Grid::new(x, axis(rows)?)))
            }
        }
        .unwrap_or_else(|e| panic!("{e}"));
        let out_rows = grid.y.out_size();
        group.throughput(Throughput::Elements(COLS * rows));
        for list in ["mean", "count,min,max,sum,mean,SD"] {
            let stats = StatSet::parse(list).unwrap_or_else(|e| panic!("{e}"));
            group.bench_function(format!("{name}/{list}"), |b| {
                b.iter(|| {
                    let mut acc = BandAccumulator::<T>::new(
                        &stats,
                        &grid,
                        0..out_rows,
                        Some(nd.to_f64()),
                        -9999.0,
                    )
                    .unwrap_or_else(|e| panic!("{e}"));
                    acc.add_window(window, black_box(&values))
                        .unwrap_or_else(|e| panic!("{e}"));
                    // Output buffers go back to the pool once written, as the pipeline's do.
                    for out in acc.finish() {
                        black_box(&out.buffer);
                        out.buffer.recycle();
                    }
                })
            });
        }
    }
    group.finish();
}

fn kernels(c: &mut Criterion<CpuTime>) {
    bench_type::<f32>(c, "f32", |v| v as f32, -9999.0);
    bench_type::<f32>(c, "f32_around_0", |v| ((v - 300.0) * 0.3) as f32, -9999.0);
    bench_type::<i16>(c, "i16", |v| (v * 10.0) as i16, -32768);
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(CpuTime);
    targets = kernels
}
criterion_main!(benches);
