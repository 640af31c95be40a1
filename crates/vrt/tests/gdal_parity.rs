//! Every read GDAL 3.6 made of the fixture VRTs (testdata/vrt/oracle.txt) is reproduced value
//! for value: mosaics, overlaps, gaps, per-source NODATA, -srcnodata/-vrtnodata, fractional
//! DstRects, SrcRect/DstRect scaling, ScaleOffset/ScaleRatio, type conversions, several
//! bands, a nested VRT, and a sweep of random fractional geometries.

mod common;

use common::{check_any, fixture, oracle};
use rastagg_vrt::VrtDataset;
use std::collections::BTreeMap;

#[test]
fn every_gdal_read_is_reproduced() {
    let (reads, bin) = oracle();
    assert!(reads.len() > 150, "oracle too small: {}", reads.len());
    let mut datasets = BTreeMap::new();
    let mut failures = Vec::new();
    for read in &reads {
        let ds = datasets.entry(read.vrt.clone()).or_insert_with(|| {
            VrtDataset::open(fixture(&read.vrt)).unwrap_or_else(|e| panic!("{e}"))
        });
        if let Err(e) = check_any(ds, read, &bin) {
            failures.push(e);
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} reads differ:\n{}",
        failures.len(),
        reads.len(),
        failures.join("\n")
    );
}
