//! Hand-checked examples: every statistic on a small Int16 raster, output types, nodata
//! collisions, area weights, and the errors a band accumulator gives.

mod common;

use common::{run, values};
use rastagg_core::{
    AxisMap, BandAccumulator, CoreError, Ddof, Grid, OutputBuffer, QuantileMethod, Resampling,
    StatOptions, StatSet,
};
use rastagg_raster::{SampleType, Window};

const ND: i16 = -1;

/// 6 × 4 Int16, nodata −1, factor 2: cells
/// (0,0) = {1,2,3,4}, (0,1) = {3}, (0,2) = {} ; (1,0) = {5,5,7,9}, (1,1) = {10,20,30,40},
/// (1,2) = {}.
#[rustfmt::skip]
const INPUT: [i16; 24] = [
    1, 2,   3, ND,  ND, ND,
    3, 4,  ND, ND,  ND, ND,
    5, 5,  10, 20,  ND, ND,
    7, 9,  30, 40,  ND, ND,
];

const OUT_ND: f64 = -9999.0;

fn aggregate(list: &str, options: StatOptions, out_nodata: f64) -> Vec<rastagg_core::StatOutput> {
    let grid = Grid::factor(6, 4, 2, 2).unwrap();
    let stats = StatSet::parse(list).unwrap().with_options(options);
    // Split into windows that cut every cell, fed in a scrambled order.
    run(
        &stats,
        &grid,
        &INPUT,
        Some(f64::from(ND)),
        out_nodata,
        &[1],
        &[1, 3],
        &[1, 3],
        5,
    )
}

#[test]
fn every_statistic_by_hand() {
    let all = "count,min,max,range,sum,mean,SD,rms,median,q1,q3,p95,mode";
    let outs = aggregate(all, StatOptions::default(), OUT_ND);
    let n = OUT_ND;
    let f = |v: f64| f64::from(v as f32);
    let expect: [(&str, [f64; 6]); 13] = [
        ("count", [4.0, 1.0, 0.0, 4.0, 4.0, 0.0]),
        ("min", [1.0, 3.0, n, 5.0, 10.0, n]),
        ("max", [4.0, 3.0, n, 9.0, 40.0, n]),
        ("range", [3.0, 0.0, n, 4.0, 30.0, n]),
        ("sum", [10.0, 3.0, n, 26.0, 100.0, n]),
        ("mean", [2.5, 3.0, n, 6.5, 25.0, n]),
        (
            "SD",
            [
                f(1.25f64.sqrt()),
                0.0,
                n,
                f(2.75f64.sqrt()),
                f(125f64.sqrt()),
                n,
            ],
        ),
        (
            "rms",
            [
                f(7.5f64.sqrt()),
                3.0,
                n,
                f(45f64.sqrt()),
                f(750f64.sqrt()),
                n,
            ],
        ),
        ("median", [2.0, 3.0, n, 5.0, 20.0, n]),
        ("q1", [1.0, 3.0, n, 5.0, 10.0, n]),
        ("q3", [3.0, 3.0, n, 7.0, 30.0, n]),
        ("p95", [4.0, 3.0, n, 9.0, 40.0, n]),
        ("mode", [1.0, 3.0, n, 5.0, 10.0, n]),
    ];
    for (token, want) in expect {
        assert_eq!(values(&outs, token), want, "{token}");
    }
    let types: Vec<(String, SampleType)> = outs
        .iter()
        .map(|o| (o.statistic.token(), o.buffer.sample_type()))
        .collect();
    use SampleType::*;
    let want_types = [
        I32, I16, I16, I32, F32, F32, F32, F32, I16, I16, I16, I16, I16,
    ];
    for ((token, t), w) in types.iter().zip(want_types) {
        assert_eq!(*t, w, "type of {token}");
    }
    assert!(outs.iter().all(|o| o.nodata_collisions == 0));
}

#[test]
fn options_change_sd_and_quantiles() {
    let opts = StatOptions {
        sd_ddof: Ddof::One,
        quantile_method: QuantileMethod::Linear,
    };
    let outs = aggregate("SD,median,q3", opts, OUT_ND);
    let f = |v: f64| f64::from(v as f32);
    // Sample SD of one value does not exist: nodata.
    assert_eq!(
        values(&outs, "SD"),
        [
            f((5.0f64 / 3.0).sqrt()),
            OUT_ND,
            OUT_ND,
            f((11.0f64 / 3.0).sqrt()),
            f((500.0f64 / 3.0).sqrt()),
            OUT_ND
        ]
    );
    assert_eq!(
        values(&outs, "median"),
        [2.5, 3.0, OUT_ND, 6.0, 25.0, OUT_ND]
    );
    assert_eq!(values(&outs, "q3"), [3.25, 3.0, OUT_ND, 7.5, 32.5, OUT_ND]);
    assert_eq!(outs[1].buffer.sample_type(), SampleType::F32);
}

#[test]
fn results_equal_to_nodata_are_counted() {
    // Output nodata 3: cell (0,1) has min = max = median = 3, cell (0,0) q3 = 3.
    let outs = aggregate("min,max,q3,count", StatOptions::default(), 3.0);
    let collisions: Vec<u64> = outs.iter().map(|o| o.nodata_collisions).collect();
    assert_eq!(collisions, [1, 1, 2, 0]);
}

#[test]
fn nodata_that_does_not_fit_widens_the_type() {
    let grid = Grid::factor(2, 1, 2, 1).unwrap();
    let stats = StatSet::parse("min,mean").unwrap();
    let outs = run(&stats, &grid, &[7u8, 9], None, -9999.0, &[], &[], &[], 0);
    assert_eq!(outs[0].buffer, OutputBuffer::I16(vec![7]));
    assert_eq!(outs[1].buffer, OutputBuffer::F32(vec![8.0]));
}

#[test]
fn area_weights_by_hand() {
    // One row of 3 inputs to 2 outputs: output 0 = input 0 + half of input 1, output 1 = half
    // of input 1 + input 2.
    let grid = Grid::new(
        AxisMap::resize(3, 2, Resampling::Area).unwrap(),
        AxisMap::factor(1, 1).unwrap(),
    );
    let stats = StatSet::parse("count,min,max,sum,mean").unwrap();
    let outs = run(
        &stats,
        &grid,
        &[1.0f32, 2.0, 4.0],
        None,
        OUT_ND,
        &[],
        &[1],
        &[],
        0,
    );
    assert_eq!(values(&outs, "count"), [2.0, 2.0]);
    assert_eq!(values(&outs, "min"), [1.0, 2.0]);
    assert_eq!(values(&outs, "max"), [2.0, 4.0]);
    assert_eq!(values(&outs, "sum"), [2.0, 5.0]);
    assert_eq!(
        values(&outs, "mean"),
        [
            f64::from((2.0f64 / 1.5) as f32),
            f64::from((5.0f64 / 1.5) as f32)
        ]
    );
}

#[test]
fn bad_windows_are_refused() {
    let grid = Grid::factor(6, 4, 2, 2).unwrap();
    let stats = StatSet::parse("median").unwrap();
    let mut acc = BandAccumulator::<i16>::new(&stats, &grid, 0..1, Some(-1.0), OUT_ND).unwrap();
    assert_eq!(acc.input_rows(), 0..2);
    let err = acc
        .add_window(Window::new(0, 0, 2, 2), &[1, 2, 3])
        .unwrap_err();
    assert!(matches!(err, CoreError::Window(_)), "{err}");
    let err = acc
        .add_window(Window::new(0, 1, 2, 2), &[1, 2, 3, 4])
        .unwrap_err();
    assert!(err.to_string().contains("outside input rows 0..2"), "{err}");
    let err = acc
        .add_window(Window::new(5, 0, 2, 1), &[1, 2])
        .unwrap_err();
    assert!(matches!(err, CoreError::Window(_)), "{err}");
    acc.add_window(Window::new(0, 0, 2, 2), &[1, 2, 3, 4])
        .unwrap();
    let err = acc
        .add_window(Window::new(0, 0, 2, 2), &[1, 2, 3, 4])
        .unwrap_err();
    assert!(err.to_string().contains("added twice"), "{err}");
    assert!(BandAccumulator::<i16>::new(&stats, &grid, 1..3, None, OUT_ND).is_err());
    assert!(BandAccumulator::<i16>::new(&stats, &grid, 1..1, None, OUT_ND).is_err());
}

#[test]
fn memory_estimate_counts_kept_values() {
    let grid = Grid::factor(1000, 100, 10, 10).unwrap();
    let mean = rastagg_core::band_memory_bytes(
        &StatSet::parse("mean").unwrap(),
        SampleType::F32,
        &grid,
        0..10,
    )
    .unwrap();
    let median = rastagg_core::band_memory_bytes(
        &StatSet::parse("median").unwrap(),
        SampleType::F32,
        &grid,
        0..10,
    )
    .unwrap();
    // The median keeps all 100 000 input values of the band (400 000 bytes).
    assert!(median >= 400_000 && median > mean, "{median} vs {mean}");
    assert!(mean < 100_000, "{mean}");
}
