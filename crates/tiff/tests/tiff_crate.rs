//! A second, independent decoder: the `tiff` crate (image-rs) decodes every fixture it can
//! and its pixels must equal both GDAL's stored pixels and ours. Left out: ZSTD (not compiled
//! in: that feature is C) and sparse files (it reads a block at offset 0 as data instead of
//! as empty); files it refuses or panics on (0.11.3 asserts on some band-interleaved tiled
//! files) are listed, not failed, as long as most fixtures are cross-checked.

mod common;

use std::io::Cursor;

use common::{Fixture, check_all, fixtures, fnv1a64, hex, read_le, to_le_bytes};
use rastagg_tiff::{TiffFile, Window};
use tiff::decoder::{Decoder, DecodingResult};

/// The whole image as the `tiff` crate decodes it, as little-endian bytes in the fixtures'
/// layout (band after band); `Err` when it cannot read the file.
fn decode_with_tiff_crate(f: &Fixture) -> Result<Vec<u8>, String> {
    let bytes = std::fs::read(&f.tif).map_err(|e| e.to_string())?;
    let mut dec = Decoder::new(Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let mut result = DecodingResult::U8(Vec::new());
    let layout = dec
        .read_image_to_buffer(&mut result)
        .map_err(|e| e.to_string())?;
    let samples = match &result {
        DecodingResult::U8(v) => to_le_bytes(v),
        DecodingResult::I8(v) => to_le_bytes(v),
        DecodingResult::U16(v) => to_le_bytes(v),
        DecodingResult::I16(v) => to_le_bytes(v),
        DecodingResult::U32(v) => to_le_bytes(v),
        DecodingResult::I32(v) => to_le_bytes(v),
        DecodingResult::U64(v) => to_le_bytes(v),
        DecodingResult::I64(v) => to_le_bytes(v),
        DecodingResult::F32(v) => to_le_bytes(v),
        DecodingResult::F64(v) => to_le_bytes(v),
        DecodingResult::F16(_) => return Err("half floats".into()),
    };
    if samples.len() < layout.complete_len {
        return Err("only the first plane was decoded".into());
    }
    let (w, h, bands) = f.size();
    let size = f.sample_type().size();
    let band_len = (w * h) as usize * size;
    if samples.len() != band_len * bands {
        return Err(format!(
            "{} bytes decoded, {} expected",
            samples.len(),
            band_len * bands
        ));
    }
    let planar = f.json["interleave"] == "BAND";
    if bands == 1 || planar {
        return Ok(samples);
    }
    // Pixel-interleaved: split the bands apart.
    let mut out = Vec::with_capacity(samples.len());
    for b in 0..bands {
        for px in samples.chunks_exact(size * bands) {
            out.extend_from_slice(&px[b * size..(b + 1) * size]);
        }
    }
    Ok(out)
}

/// Every band of the fixture with our reader, band after band.
fn decode_with_ours(f: &Fixture) -> Result<Vec<u8>, String> {
    let file = TiffFile::open(&f.tif).map_err(|e| e.to_string())?;
    let (w, h, bands) = f.size();
    let mut out = Vec::new();
    for b in 0..bands {
        out.extend(read_le(&file, b, Window::new(0, 0, w, h)).map_err(|e| e.to_string())?);
    }
    Ok(out)
}

#[test]
fn tiff_crate_agrees_with_gdal_and_with_us() {
    let all: Vec<Fixture> = fixtures()
        .into_iter()
        .filter(|f| f.json["compression"] != "ZSTD")
        .filter(|f| {
            let mut bands = f.json["band_info"].as_array().into_iter().flatten();
            bands.all(|b| b["empty_blocks"].as_array().is_none_or(Vec::is_empty))
        })
        .collect();
    let skipped = std::sync::Mutex::new(Vec::new());
    check_all(
        "tiff crate",
        &all,
        |f| &f.name,
        |f| {
            let decoded = std::panic::catch_unwind(|| decode_with_tiff_crate(f))
                .unwrap_or_else(|p| Err(format!("panicked: {}", common::panic_message(&p))));
            let theirs = match decoded {
                Ok(v) => v,
                Err(e) => {
                    skipped
                        .lock()
                        .expect("lock")
                        .push(format!("{}: {e}", f.name));
                    return Vec::new();
                }
            };
            let (_, _, bands) = f.size();
            let band_len = theirs.len() / bands;
            let mut problems = Vec::new();
            for b in 0..bands {
                let band = &theirs[b * band_len..(b + 1) * band_len];
                let gdal = hex(&f.band(b)["fnv1a64"]).expect("fnv1a64");
                if fnv1a64(band) != gdal {
                    problems.push(format!("band {b}: tiff crate differs from GDAL"));
                }
            }
            match decode_with_ours(f) {
                Ok(ours) if ours == theirs => {}
                Ok(_) => problems.push("tiff crate differs from ours".into()),
                Err(e) => problems.push(format!("ours failed: {e}")),
            }
            problems
        },
    );
    let skipped = skipped.into_inner().expect("lock");
    println!("tiff crate could not read {} fixtures:", skipped.len());
    for s in &skipped {
        println!("  {s}");
    }
    // The comparison must stay meaningful: most non-ZSTD fixtures are cross-checked.
    assert!(
        skipped.len() * 5 < all.len(),
        "the tiff crate read only {} of {} fixtures",
        all.len() - skipped.len(),
        all.len()
    );
}
