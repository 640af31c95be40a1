//! GeoKeys, the geotransform tags, GDAL_NODATA and GDAL_METADATA: fuzzed values written into
//! an otherwise valid GeoTIFF (`rastagg_fuzz::TinyTiff`), parsed back, and the GeoKeys
//! accessors run on both the fuzzed and the parsed directory.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use rastagg_fuzz::TinyTiff;
use rastagg_raster::{GeoKeys, SampleType};
use rastagg_tiff::{Limits, TiffFile};

#[derive(Debug, Arbitrary)]
struct Case {
    sample_type: u8,
    bands: u8,
    pixel_scale: Vec<f64>,
    tiepoint: Vec<f64>,
    transformation: Vec<f64>,
    geo_directory: Vec<u16>,
    geo_doubles: Vec<f64>,
    geo_ascii: Option<String>,
    gdal_metadata: Option<String>,
    gdal_nodata: Option<String>,
}

/// Every accessor of a GeoKey directory.
fn exercise(keys: &GeoKeys) {
    for [id, ..] in keys.entries() {
        let _ = keys.get(id);
        let _ = keys.short(id);
    }
    let _ = keys.epsg();
    let _ = keys.pixel_is_point();
}

fuzz_target!(|case: Case| {
    let sample_type = SampleType::ALL[usize::from(case.sample_type) % SampleType::ALL.len()];
    let bands = u16::from(case.bands % 4) + 1;
    let tiff = TinyTiff {
        width: 2,
        height: 2,
        bands,
        sample_type: Some(sample_type),
        pixel_scale: case.pixel_scale,
        tiepoint: case.tiepoint,
        transformation: case.transformation,
        geo_directory: case.geo_directory,
        geo_doubles: case.geo_doubles,
        geo_ascii: case.geo_ascii,
        gdal_metadata: case.gdal_metadata,
        gdal_nodata: case.gdal_nodata,
    };
    let fuzzed_keys = GeoKeys {
        directory: tiff.geo_directory.clone(),
        doubles: tiff.geo_doubles.clone(),
        ascii: tiff.geo_ascii.clone().unwrap_or_default(),
    };
    exercise(&fuzzed_keys);

    let file = match TiffFile::from_bytes("fuzz.tif", tiff.build(), Limits::default()) {
        Ok(f) => f,
        Err(e) => panic!("a valid image with fuzzed tags must open: {e}"),
    };
    let info = file.info();
    assert_eq!(info.bands, usize::from(bands));
    assert_eq!(info.metadata.bands.len(), usize::from(bands));
    if tiff.geo_directory.is_empty() {
        assert!(info.geo_keys.is_none());
    } else {
        let keys = info.geo_keys.as_ref().expect("GeoKeys read back");
        assert_eq!(keys.directory, fuzzed_keys.directory);
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&keys.doubles), bits(&fuzzed_keys.doubles));
        assert_eq!(keys.ascii, fuzzed_keys.ascii);
        exercise(keys);
        assert_eq!(keys.epsg(), fuzzed_keys.epsg());
        assert_eq!(info.epsg(), fuzzed_keys.epsg());
    }
    match (&tiff.gdal_nodata, &info.nodata) {
        (None, None) => {}
        (Some(raw), Some(n)) => {
            let trimmed = raw.trim_matches(|c: char| c == '\0' || c.is_whitespace());
            assert_eq!(n.text, trimmed);
            if sample_type == SampleType::F32 && !n.value.is_nan() {
                assert_eq!(
                    f64::from(n.value as f32),
                    n.value,
                    "Float32 nodata is an f32"
                );
            }
        }
        (raw, n) => panic!("GDAL_NODATA {raw:?} read back as {n:?}"),
    }
    if let Some(gt) = info.geo_transform {
        let _ = format!("{gt:?}");
    }
});
