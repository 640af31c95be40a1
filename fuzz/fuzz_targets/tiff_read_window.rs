//! The whole read path: parse a TIFF, read a fuzzed window of a fuzzed band (as f64 and in
//! the image's own type) and decode one fuzzed block. Input: 16 bytes of parameters
//! (`rastagg_fuzz::read_window_case`), then the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rastagg_fuzz::read_window_case;
use rastagg_raster::{Sample, with_sample_type};
use rastagg_tiff::{Limits, TiffFile};

/// Largest block `decode_block` is asked for (values).
const MAX_BLOCK_VALUES: u64 = 1 << 22;

fuzz_target!(|data: &[u8]| {
    let Some((case, tiff)) = read_window_case(data) else {
        return;
    };
    let Ok(file) = TiffFile::from_bytes("fuzz.tif", tiff.to_vec(), Limits::default()) else {
        return;
    };
    let info = file.info().clone();
    let band = usize::from(case.band) % info.bands.max(1);
    let Some(window) = case.window(info.width, info.height) else {
        return;
    };
    let f64s = file.read_window_f64(band, window);
    if let Ok(v) = &f64s {
        assert_eq!(Some(v.len()), window.len());
    }
    with_sample_type!(info.sample_type, T => {
        let typed = file.read_window::<T>(band, window);
        // Both reads see the same pixels (or both fail).
        match (&typed, &f64s) {
            (Ok(t), Ok(f)) => {
                for (a, b) in t.iter().zip(f) {
                    assert_eq!(a.to_f64().to_bits(), b.to_bits());
                }
            }
            (Err(_), Err(_)) => {}
            (t, f) => panic!("typed read {:?} but f64 read {:?}", t.is_ok(), f.is_ok()),
        }
        let block_values = info.block_width.checked_mul(info.block_height);
        if let Some(n) = block_values.filter(|&n| n <= MAX_BLOCK_VALUES) {
            let index = u64::from(case.block) % info.blocks_per_band().max(1);
            let mut out = vec![T::default(); n as usize];
            let _ = file.decode_block::<T>(band, index, &mut out);
        }
    });
});
