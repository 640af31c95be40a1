//! The aggregation core fed fuzzed grids, statistics, nodata and input values. Each case is
//! aggregated twice: as one band read in one window, and as several bands each fed many windows
//! in a fuzzed order; the two must agree bit for bit (the core promises results independent of
//! the split). Count, min and max are checked against a naive reference on every grid, and the
//! mean exactly on unweighted grids of integers narrow enough for f64 to sum them exactly.
#![no_main]

use std::ops::Range;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use rastagg_core::{
    AxisMap, BandAccumulator, Ddof, Grid, OutputBuffer, Pixel, QuantileMethod, Resampling,
    StatOptions, StatOutput, StatSet, Statistic,
};
use rastagg_raster::{SampleType, Window};

/// Largest input side.
const MAX_SIDE: u8 = 48;

#[derive(Debug, Arbitrary)]
enum Axis {
    Factor(u8),
    Area(u8),
    Corner(u8),
}

#[derive(Debug, Arbitrary)]
enum Values {
    U8(Vec<u8>),
    I8(Vec<i8>),
    U16(Vec<u16>),
    I16(Vec<i16>),
    U32(Vec<u32>),
    I32(Vec<i32>),
    U64(Vec<u64>),
    I64(Vec<i64>),
    F32(Vec<f32>),
    F64(Vec<f64>),
}

#[derive(Debug, Arbitrary)]
struct Case {
    width: u8,
    height: u8,
    x: Axis,
    y: Axis,
    stats: Vec<u8>,
    ddof_one: bool,
    linear: bool,
    /// `None`: no input nodata; `Some(Ok(i))`: the value of input pixel `i`; else that value.
    input_nodata: Option<Result<u16, f64>>,
    output_nodata: u8,
    fuzzed_output_nodata: f64,
    band_cuts: Vec<u8>,
    row_cuts: Vec<u8>,
    col_cuts: Vec<u8>,
    reverse: bool,
    values: Values,
}

const STATS: [&str; 16] = [
    "count", "min", "max", "range", "sum", "mean", "SD", "median", "q1", "q3", "p0", "p100", "p37",
    "mode", "rms", "all",
];

fn axis(a: &Axis, in_size: u64) -> AxisMap {
    let made = match *a {
        Axis::Factor(f) => AxisMap::factor(in_size, 1 + u64::from(f % 12)),
        Axis::Area(o) => AxisMap::resize(in_size, 1 + u64::from(o) % in_size, Resampling::Area),
        Axis::Corner(o) => AxisMap::resize(in_size, 1 + u64::from(o) % in_size, Resampling::Corner),
    };
    made.expect("valid axis")
}

/// Sorted, deduplicated cut points strictly inside `range`, with its ends.
fn cuts(range: Range<u64>, raw: &[u8]) -> Vec<u64> {
    let len = range.end - range.start;
    let mut c: Vec<u64> = raw
        .iter()
        .map(|&b| range.start + u64::from(b) % len.max(1))
        .filter(|&v| v > range.start)
        .collect();
    c.push(range.start);
    c.push(range.end);
    c.sort_unstable();
    c.dedup();
    c
}

/// The values of `window` of the `width`-wide input `full`, row-major.
fn window_data<T: Copy>(full: &[T], width: u64, w: Window) -> Vec<T> {
    (w.y..w.y + w.rows)
        .flat_map(|r| {
            let start = (r * width + w.x) as usize;
            full[start..start + w.cols as usize].iter().copied()
        })
        .collect()
}

/// Aggregates output rows `rows`, feeding the band's input rows as the windows `cuts` make.
fn band<T: Pixel>(c: &Case, setup: &Setup<T>, rows: Range<u64>, split: bool) -> Vec<StatOutput> {
    let mut acc = BandAccumulator::<T>::new(
        &setup.stats,
        &setup.grid,
        rows,
        setup.input_nodata,
        setup.output_nodata,
    )
    .expect("band accumulator of a small grid");
    let ins = acc.input_rows();
    let width = setup.grid.x.in_size();
    let mut windows = Vec::new();
    if split {
        let rcuts = cuts(ins.clone(), &c.row_cuts);
        let ccuts = cuts(0..width, &c.col_cuts);
        for r in rcuts.windows(2) {
            for k in ccuts.windows(2) {
                windows.push(Window::new(k[0], r[0], k[1] - k[0], r[1] - r[0]));
            }
        }
        if c.reverse {
            windows.reverse();
        }
    } else {
        windows.push(Window::new(0, ins.start, width, ins.end - ins.start));
    }
    for w in windows {
        let data = window_data(&setup.full, width, w);
        acc.add_window(w, &data).expect("window inside the band");
    }
    acc.finish()
}

struct Setup<T> {
    grid: Grid,
    stats: StatSet,
    full: Vec<T>,
    input_nodata: Option<f64>,
    output_nodata: f64,
}

fn bits(b: &OutputBuffer) -> Vec<u64> {
    (0..b.len())
        .map(|k| b.get_f64(k).unwrap_or(f64::NAN).to_bits())
        .collect()
}

fn run<T: Pixel>(c: &Case, values: &[T]) {
    let (w, h) = (
        1 + u64::from(c.width % MAX_SIDE),
        1 + u64::from(c.height % MAX_SIDE),
    );
    let grid = Grid::new(axis(&c.x, w), axis(&c.y, h));
    let list: Vec<&str> = c
        .stats
        .iter()
        .map(|&s| STATS[usize::from(s) % STATS.len()])
        .collect();
    let list = if list.is_empty() {
        "all".to_string()
    } else {
        list.join(",")
    };
    let stats = StatSet::parse(&list)
        .expect("known statistics")
        .with_options(StatOptions {
            sd_ddof: if c.ddof_one { Ddof::One } else { Ddof::Zero },
            quantile_method: if c.linear {
                QuantileMethod::Linear
            } else {
                QuantileMethod::Gdal
            },
        });
    let n = (w * h) as usize;
    let full: Vec<T> = (0..n)
        .map(|i| match values.len() {
            0 => T::default(),
            len => values[i % len],
        })
        .collect();
    let input_nodata = match c.input_nodata {
        None => None,
        Some(Ok(i)) => Some(full[usize::from(i) % n].to_f64()),
        Some(Err(v)) => Some(v),
    };
    let output_nodata = match c.output_nodata % 7 {
        0 => -9999.0,
        1 => 0.0,
        2 => f64::NAN,
        3 => 255.0,
        4 => -1.0,
        5 => 1e300,
        _ => c.fuzzed_output_nodata,
    };
    let setup = Setup {
        grid,
        stats,
        full,
        input_nodata,
        output_nodata,
    };
    let out_rows = setup.grid.y.out_size();

    let whole = band(c, &setup, 0..out_rows, false);
    let mut parts: Vec<Vec<StatOutput>> = Vec::new();
    for r in cuts(0..out_rows, &c.band_cuts).windows(2) {
        parts.push(band(c, &setup, r[0]..r[1], true));
    }
    for (k, a) in whole.iter().enumerate() {
        let mut joined = Vec::new();
        let mut collisions = 0;
        for p in &parts {
            assert_eq!(p[k].buffer.sample_type(), a.buffer.sample_type());
            joined.extend(bits(&p[k].buffer));
            collisions += p[k].nodata_collisions;
        }
        assert_eq!(
            joined,
            bits(&a.buffer),
            "{} differs when split",
            a.statistic
        );
        assert_eq!(collisions, a.nodata_collisions);
    }
    check_reference(&setup, &whole);
}

/// Count, min, max (and the mean where f64 sums integers exactly) against a naive reference.
fn check_reference<T: Pixel>(s: &Setup<T>, out: &[StatOutput]) {
    let nodata = s
        .input_nodata
        .and_then(T::exact_from_f64)
        .filter(|v| !v.to_f64().is_nan());
    let width = s.grid.x.in_size();
    let exact_mean = !s.grid.is_weighted()
        && matches!(
            T::TYPE,
            SampleType::U8
                | SampleType::I8
                | SampleType::U16
                | SampleType::I16
                | SampleType::U32
                | SampleType::I32
        );
    let out_cols = s.grid.x.out_size();
    for r in 0..s.grid.y.out_size() {
        for col in 0..out_cols {
            let cell = (r * out_cols + col) as usize;
            let mut valid: Vec<f64> = Vec::new();
            for y in s.grid.y.inputs(r) {
                for x in s.grid.x.inputs(col) {
                    let v = s.full[(y * width + x) as usize];
                    let f = v.to_f64();
                    // In the pixel type, as the core does: a 64-bit integer that rounds to
                    // the nodata's f64 is still valid unless it equals it exactly.
                    if !f.is_nan() && Some(v) != nodata {
                        valid.push(f);
                    }
                }
            }
            for o in out {
                let got = o.buffer.get_f64(cell).expect("cell in buffer");
                match o.statistic {
                    Statistic::Count => assert_eq!(got, valid.len() as f64, "count of {cell}"),
                    _ if valid.is_empty() => {}
                    Statistic::Min => {
                        let m = valid.iter().copied().fold(f64::INFINITY, f64::min);
                        assert_eq!(got, m, "min of cell {cell}");
                    }
                    Statistic::Max => {
                        let m = valid.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                        assert_eq!(got, m, "max of cell {cell}");
                    }
                    Statistic::Mean if exact_mean => {
                        let mean = valid.iter().sum::<f64>() / valid.len() as f64;
                        let want = match o.buffer.sample_type() {
                            SampleType::F32 => f64::from(mean as f32),
                            _ => mean,
                        };
                        assert_eq!(got.to_bits(), want.to_bits(), "mean of cell {cell}");
                    }
                    _ => {}
                }
            }
        }
    }
}

fuzz_target!(|c: Case| {
    match &c.values {
        Values::U8(v) => run(&c, v),
        Values::I8(v) => run(&c, v),
        Values::U16(v) => run(&c, v),
        Values::I16(v) => run(&c, v),
        Values::U32(v) => run(&c, v),
        Values::I32(v) => run(&c, v),
        Values::U64(v) => run(&c, v),
        Values::I64(v) => run(&c, v),
        Values::F32(v) => run(&c, v),
        Values::F64(v) => run(&c, v),
    }
});
