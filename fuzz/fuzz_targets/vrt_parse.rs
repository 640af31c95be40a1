//! VRT XML: parse and validate (`VrtDataset::from_xml`), then read a small window of every
//! band. The VRT is placed in `testdata/vrt/`, so seeds made from the fixtures there reach
//! their real sources; missing sources read as nodata.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rastagg_raster::Window;
use rastagg_vrt::{VrtDataset, VrtOptions};

/// Most bands read per input.
const MAX_BANDS: usize = 4;

fuzz_target!(|data: &[u8]| {
    let Ok(xml) = std::str::from_utf8(data) else {
        return;
    };
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/vrt/fuzz.vrt");
    let options = VrtOptions {
        missing_as_nodata: true,
        max_open_sources: 8,
        ..VrtOptions::default()
    };
    let Ok(vrt) = VrtDataset::from_xml(path, xml, options) else {
        return;
    };
    let _ = (
        vrt.geo_transform(),
        vrt.srs(),
        vrt.epsg(),
        vrt.source_count(),
    );
    let _ = vrt.geo_keys();
    let window = Window::new(0, 0, vrt.width().min(64), vrt.height().min(64));
    for band in 0..vrt.bands().min(MAX_BANDS) {
        let _ = (
            vrt.nodata(band),
            vrt.offset_scale(band),
            vrt.band_sample_type(band),
        );
        if let Ok(v) = vrt.read_window_f64(band, window) {
            assert_eq!(Some(v.len()), window.len());
        }
    }
    let _ = vrt.warnings();
});
