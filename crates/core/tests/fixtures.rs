//! The core against GDAL and numpy, through fixtures made by
//! `testdata/core/make_area_fixtures.py` (gdalwarp -ts for non-integer ratios, numpy float64 for
//! integer factors), stored as raw little-endian arrays described by `fixtures.json`.

mod common;

use std::path::PathBuf;

use common::{run, ulps_f32, values};
use rastagg_core::{AxisMap, Grid, QuantileMethod, Resampling, StatOptions, StatSet};
use serde_json::Value;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/core")
}

fn desc() -> Value {
    let text = std::fs::read_to_string(dir().join("fixtures.json")).expect("fixtures.json");
    serde_json::from_str(&text).expect("valid json")
}

fn read_f32(name: &Value) -> Vec<f32> {
    let bytes = std::fs::read(dir().join(name.as_str().expect("file name"))).expect("fixture");
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

fn read_i32(name: &Value) -> Vec<i32> {
    let bytes = std::fs::read(dir().join(name.as_str().expect("file name"))).expect("fixture");
    bytes
        .chunks_exact(4)
        .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

fn num(v: &Value) -> u64 {
    v.as_u64().expect("integer")
}

#[test]
fn area_mode_matches_gdalwarp_on_interior_cells() {
    let d = desc();
    let (cols, rows) = (num(&d["cols"]), num(&d["rows"]));
    let (oc, or) = (num(&d["area"]["out_cols"]), num(&d["area"]["out_rows"]));
    let input = read_f32(&d["input"]);
    let nodata = d["nodata"].as_f64().expect("nodata");
    let grid = Grid::new(
        AxisMap::resize(cols, oc, Resampling::Area).unwrap(),
        AxisMap::resize(rows, or, Resampling::Area).unwrap(),
    );
    let stats = StatSet::parse("mean,min,max,median").unwrap();
    // Split into windows too: the comparison must hold whatever the split.
    let outs = run(
        &stats,
        &grid,
        &input,
        Some(nodata),
        nodata,
        &[4],
        &[7, 20],
        &[5, 17],
        3,
    );
    let outputs = &d["area"]["outputs"];
    for (token, method, max_ulps) in [
        ("mean", "average", 1),
        ("min", "min", 0),
        ("max", "max", 0),
        ("median", "med", 0),
    ] {
        let want = read_f32(&outputs[method]);
        let got = values(&outs, token);
        let mut checked = 0;
        // Interior cells: GDAL's edge cells weight a missing remainder; ours do not.
        for r in 0..or - 1 {
            for c in 0..oc - 1 {
                let k = (r * oc + c) as usize;
                let (g, w) = (got[k] as f32, want[k]);
                assert!(
                    ulps_f32(g, w) <= max_ulps,
                    "{token} cell ({r}, {c}): ours {g}, gdalwarp -r {method} {w}"
                );
                checked += usize::from(w != nodata as f32);
            }
        }
        assert!(
            checked > 50,
            "{token}: only {checked} valid interior cells compared"
        );
    }
}

#[test]
fn integer_factors_match_numpy_float64() {
    let d = desc();
    let (cols, rows) = (num(&d["cols"]), num(&d["rows"]));
    let f = &d["factor"];
    let input = read_f32(&d["input"]);
    let nodata = d["nodata"].as_f64().expect("nodata");
    let grid = Grid::factor(cols, rows, num(&f["fx"]), num(&f["fy"])).unwrap();
    assert_eq!(
        (grid.x.out_size(), grid.y.out_size()),
        (num(&f["out_cols"]), num(&f["out_rows"]))
    );
    let stats = StatSet::parse("count,mean,sum,SD,rms,min,max").unwrap();
    let outs = run(
        &stats,
        &grid,
        &input,
        Some(nodata),
        nodata,
        &[3],
        &[13, 14],
        &[9],
        11,
    );
    let count: Vec<f64> = read_i32(&f["count"]).into_iter().map(f64::from).collect();
    assert_eq!(values(&outs, "count"), count);
    // Bit for bit, except SD (two-pass numpy vs exact sums): within 1 ulp.
    for (token, max_ulps) in [
        ("mean", 0),
        ("sum", 0),
        ("rms", 0),
        ("min", 0),
        ("max", 0),
        ("SD", 1),
    ] {
        let want = read_f32(&f["outputs"][token]);
        let got = values(&outs, token);
        assert_eq!(got.len(), want.len());
        for (k, (&g, &w)) in got.iter().zip(&want).enumerate() {
            assert!(
                ulps_f32(g as f32, w) <= max_ulps,
                "{token} cell {k}: ours {g}, numpy {w}"
            );
        }
    }
    let linear = StatOptions {
        quantile_method: QuantileMethod::Linear,
        ..StatOptions::default()
    };
    let stats = StatSet::parse("median").unwrap().with_options(linear);
    let outs = run(
        &stats,
        &grid,
        &input,
        Some(nodata),
        nodata,
        &[],
        &[],
        &[],
        0,
    );
    let want = read_f32(&f["outputs"]["median_linear"]);
    for (k, (&g, &w)) in values(&outs, "median").iter().zip(&want).enumerate() {
        assert_eq!(g as f32, w, "linear median cell {k}");
    }
}
