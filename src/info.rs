//! `rastagg info`: the metadata summary `gdalinfo` prints in its header, as text or JSON, with
//! GDAL's per-band checksum on request so anyone can check our decoding against GDAL.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Args;
use rastagg_raster::{GdalChecksum, Sample, Window, with_sample_type};
use rastagg_tiff::{ImageInfo, Interleave, TiffFile};
use serde_json::{Value, json};

/// Arguments of `rastagg info`.
#[derive(Args, Debug)]
pub struct InfoArgs {
    /// The raster to describe (GeoTIFF or BigTIFF).
    file: PathBuf,
    /// Add each band's checksum, computed as `gdalinfo -checksum` does (decodes every pixel).
    #[arg(long)]
    checksum: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// Errors of `rastagg info`: all come from reading the file.
pub type Error = rastagg_tiff::Error;

/// Runs `rastagg info`.
pub fn run(args: &InfoArgs) -> Result<(), Error> {
    let tiff = TiffFile::open(&args.file)?;
    let checksums = if args.checksum {
        (0..tiff.info().bands)
            .map(|band| band_checksum(&tiff, band))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .map(Some)
            .collect()
    } else {
        vec![None; tiff.info().bands]
    };
    let summary = summarise(&tiff, &checksums);
    if args.json {
        println!("{summary:#}");
    } else {
        print!("{}", render_text(&summary));
    }
    Ok(())
}

/// GDAL's checksum of one band, read a few block rows at a time so memory stays bounded while
/// the reader can still decode the blocks of one read in parallel.
fn band_checksum(tiff: &TiffFile, band: usize) -> Result<u32, Error> {
    with_sample_type!(tiff.info().sample_type, T => typed_checksum::<T>(tiff, band))
}

/// [`band_checksum`] for the band's own sample type `T`.
fn typed_checksum<T: Sample>(tiff: &TiffFile, band: usize) -> Result<u32, Error> {
    const READ_BYTES: u64 = 32 << 20;
    let info = tiff.info();
    let row_bytes = (info.width * T::SIZE as u64).max(1);
    let block_rows = info.block_height.max(1);
    let rows_per_read = (READ_BYTES / row_bytes / block_rows).max(1) * block_rows;
    let mut checksum = GdalChecksum::new();
    let mut buf = Vec::new();
    let mut y = 0;
    while y < info.height {
        let rows = rows_per_read.min(info.height - y);
        let window = Window::new(0, y, info.width, rows);
        buf.resize(window.len().unwrap_or(0), T::default());
        tiff.read_window_into(band, window, &mut buf)?;
        checksum.update(&buf);
        y += rows;
    }
    Ok(checksum.value())
}

/// Everything `info` reports, as JSON; the text form is rendered from it so both agree.
fn summarise(tiff: &TiffFile, checksums: &[Option<u32>]) -> Value {
    let info: &ImageInfo = tiff.info();
    let bands: Vec<Value> = (0..info.bands)
        .map(|b| {
            let md = info.metadata.bands.get(b);
            json!({
                "band": b + 1,
                "type": info.sample_type.gdal_name(),
                "block": [info.block_width, info.block_height],
                "nodata": info.nodata.as_ref().map(|n| number(n.value)),
                "nodata_text": info.nodata.as_ref().map(|n| n.text.clone()),
                "scale": md.and_then(|m| m.scale),
                "offset": md.and_then(|m| m.offset),
                "checksum": checksums.get(b).copied().flatten(),
            })
        })
        .collect();
    json!({
        "file": tiff.path().display().to_string(),
        "driver": "GTiff",
        "width": info.width,
        "height": info.height,
        "bigtiff": info.bigtiff,
        "byte_order": format!("{:?}", info.byte_order).to_lowercase(),
        "layout": if info.tiled { "tiles" } else { "strips" },
        "block": [info.block_width, info.block_height],
        "compression": info.compression.gdal_name().unwrap_or("NONE"),
        "predictor": info.predictor.code(),
        // GDAL reports BAND for any single-band file, whatever PlanarConfiguration says.
        "interleave": match info.interleave {
            Interleave::Pixel if info.bands > 1 => "PIXEL",
            _ => "BAND",
        },
        "geotransform": info.geo_transform.map(|g| g.0.to_vec()),
        "epsg": info.epsg(),
        "has_crs": info.geo_keys.is_some(),
        "pixel_is_point": info.geo_keys.as_ref().is_some_and(|k| k.pixel_is_point()),
        "overviews": info.overviews,
        "mask": info.has_mask,
        "bands": bands,
    })
}

/// A float as JSON: a number when finite, else GDAL's text (`nan`, `inf`, `-inf`).
fn number(v: f64) -> Value {
    if v.is_finite() {
        json!(v)
    } else if v.is_nan() {
        json!("nan")
    } else if v > 0.0 {
        json!("inf")
    } else {
        json!("-inf")
    }
}

/// The text report, laid out like `gdalinfo`'s header.
fn render_text(s: &Value) -> String {
    let mut out = String::new();
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    // Writing to a String cannot fail.
    let _ = writeln!(out, "Driver: GTiff/GeoTIFF");
    let _ = writeln!(out, "Files: {}", text(&s["file"]));
    let _ = writeln!(out, "Size is {}, {}", s["width"], s["height"]);
    let crs = match (&s["epsg"], &s["has_crs"]) {
        (Value::Number(code), _) => format!("EPSG:{code}"),
        (_, Value::Bool(true)) => "GeoKeys without an EPSG code".into(),
        _ => "none".into(),
    };
    let _ = writeln!(out, "Coordinate System is: {crs}");
    if let Some(gt) = s["geotransform"].as_array() {
        let g: Vec<f64> = gt.iter().filter_map(Value::as_f64).collect();
        if let [x0, dx, rx, y0, ry, dy] = g[..] {
            if rx == 0.0 && ry == 0.0 {
                let _ = writeln!(out, "Origin = ({x0:.15},{y0:.15})");
                let _ = writeln!(out, "Pixel Size = ({dx:.15},{dy:.15})");
            } else {
                let _ = writeln!(out, "GeoTransform =");
                let _ = writeln!(out, "  {x0}, {dx}, {rx}");
                let _ = writeln!(out, "  {y0}, {ry}, {dy}");
            }
        }
    }
    if s["pixel_is_point"] == Value::Bool(true) {
        let _ = writeln!(out, "Metadata:\n  AREA_OR_POINT=Point");
    }
    let _ = writeln!(out, "Image Structure Metadata:");
    if let Some(c) = s["compression"].as_str().filter(|&c| c != "NONE") {
        let _ = writeln!(out, "  COMPRESSION={c}");
    }
    let _ = writeln!(out, "  INTERLEAVE={}", text(&s["interleave"]));
    if s["predictor"].as_u64().is_some_and(|p| p > 1) {
        let _ = writeln!(out, "  PREDICTOR={}", s["predictor"]);
    }
    let _ = writeln!(
        out,
        "Layout: {} of {}x{}, {}{}-endian{}{}",
        text(&s["layout"]),
        s["block"][0],
        s["block"][1],
        if s["bigtiff"] == Value::Bool(true) {
            "BigTIFF, "
        } else {
            ""
        },
        text(&s["byte_order"]),
        match s["overviews"].as_u64() {
            Some(n) if n > 0 => format!(", {n} overviews (not read)"),
            _ => String::new(),
        },
        if s["mask"] == Value::Bool(true) {
            ", mask (not read)"
        } else {
            ""
        },
    );
    for band in s["bands"].as_array().into_iter().flatten() {
        let _ = writeln!(
            out,
            "Band {} Block={}x{} Type={}",
            band["band"],
            band["block"][0],
            band["block"][1],
            text(&band["type"])
        );
        if !band["checksum"].is_null() {
            let _ = writeln!(out, "  Checksum={}", band["checksum"]);
        }
        if let Some(nodata) = band["nodata_text"].as_str() {
            let _ = writeln!(out, "  NoData Value={nodata}");
        }
        if !band["scale"].is_null() || !band["offset"].is_null() {
            let or_default = |v: &Value, d: f64| v.as_f64().unwrap_or(d);
            let _ = writeln!(
                out,
                "  Offset: {},   Scale:{}",
                or_default(&band["offset"], 0.0),
                or_default(&band["scale"], 1.0)
            );
        }
    }
    out
}
