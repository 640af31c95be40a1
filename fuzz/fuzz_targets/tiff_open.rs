//! Header + IFD chain + tags + GeoKeys + GDAL metadata: `TiffFile::from_bytes`, then every
//! accessor of the parsed description.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rastagg_tiff::{Limits, TiffFile};

fuzz_target!(|data: &[u8]| {
    let Ok(file) = TiffFile::from_bytes("fuzz.tif", data.to_vec(), Limits::default()) else {
        return;
    };
    let info = file.info();
    let _ = format!("{info:?}");
    let blocks = info.blocks_per_band();
    assert!(blocks >= 1, "a parsed image has at least one block");
    for index in [0, blocks / 2, blocks - 1, blocks] {
        let window = info.block_window(index);
        assert_eq!(window.is_some(), index < blocks);
        if let Some(w) = window {
            assert!(w.fits_in(info.width, info.height), "block {index}: {w:?}");
        }
        let _ = file.block_codec(index).map(|c| c.decoded_len());
        for band in [0, info.bands.saturating_sub(1), info.bands] {
            let _ = file.block_bytes(band, index);
        }
    }
    let _ = info.epsg();
    if let Some(k) = &info.geo_keys {
        for [id, ..] in k.entries() {
            let _ = k.get(id);
        }
        let _ = k.pixel_is_point();
    }
    assert_eq!(info.metadata.bands.len(), info.bands);
});
