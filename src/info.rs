//! `rastagg info`: the metadata summary `gdalinfo` prints in its header, as text or JSON, with
//! GDAL's per-band checksum on request so anyone can check our decoding against GDAL.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Args;
use rastagg_pipeline::{Error, Source, SourceInfo};
use rastagg_raster::{GdalChecksum, Sample, Window, with_sample_type};
use rastagg_tiff::Interleave;
use serde_json::{Map, Value, json};

/// Arguments of `rastagg info`.
#[derive(Args, Debug)]
pub struct InfoArgs {
    /// The raster to describe (GeoTIFF, BigTIFF or GDAL VRT).
    file: PathBuf,
    /// Add each band's checksum, computed as `gdalinfo -checksum` does (decodes every pixel).
    #[arg(long)]
    checksum: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// Runs `rastagg info`.
pub fn run(args: &InfoArgs) -> Result<(), Error> {
    let source = Source::open(&args.file)?;
    let info = source.info(0)?;
    let checksums = (0..info.bands)
        .map(|band| {
            args.checksum
                .then(|| band_checksum(&source, band))
                .transpose()
        })
        .collect::<Result<Vec<_>, _>>()?;
    let summary = summarise(&source, &info, &checksums)?;
    if args.json {
        println!("{summary:#}");
    } else {
        print!("{}", render_text(&summary));
    }
    Ok(())
}

/// GDAL's checksum of one band, read a few block rows at a time so memory stays bounded while
/// the reader can still decode the blocks of one read in parallel.
fn band_checksum(source: &Source, band: usize) -> Result<u32, Error> {
    let info = source.info(band)?;
    with_sample_type!(info.sample_type, T => typed_checksum::<T>(source, &info, band))
}

/// [`band_checksum`] for the band's own sample type `T`.
fn typed_checksum<T: Sample>(
    source: &Source,
    info: &SourceInfo,
    band: usize,
) -> Result<u32, Error> {
    const READ_BYTES: u64 = 32 << 20;
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
        source.read_into(band, window, &mut buf)?;
        checksum.update(&buf);
        y += rows;
    }
    Ok(checksum.value())
}

/// Everything `info` reports, as JSON; the text form is rendered from it so both agree.
fn summarise(
    source: &Source,
    info: &SourceInfo,
    checksums: &[Option<u32>],
) -> Result<Value, Error> {
    let mut bands = Vec::new();
    for b in 0..info.bands {
        let band = source.info(b)?;
        let (block, scale, offset, nodata_text) = match source {
            Source::Tiff(t) => {
                let i = t.info();
                let md = i.metadata.bands.get(b);
                (
                    [i.block_width, i.block_height],
                    md.and_then(|m| m.scale),
                    md.and_then(|m| m.offset),
                    i.nodata.as_ref().map(|n| n.text.clone()),
                )
            }
            Source::Vrt(v) => {
                let (offset, scale) = v.offset_scale(b);
                (
                    [128.min(info.width), 128.min(info.height)],
                    scale,
                    offset,
                    band.nodata.map(|n| n.to_string()),
                )
            }
        };
        bands.push(json!({
            "band": b + 1,
            "type": band.sample_type.gdal_name(),
            "block": block,
            "nodata": band.nodata.map(number),
            "nodata_text": nodata_text,
            "scale": scale,
            "offset": offset,
            "checksum": checksums.get(b).copied().flatten(),
        }));
    }
    let mut out = json!({
        "file": source.path().display().to_string(),
        "width": info.width,
        "height": info.height,
        "geotransform": info.geo_transform.map(|g| g.0.to_vec()),
        "epsg": info.geo_keys.as_ref().and_then(|k| k.epsg()),
        "has_crs": info.geo_keys.is_some(),
        "bands": bands,
    });
    let extra = match source {
        Source::Tiff(t) => {
            let i = t.info();
            json!({
                "driver": "GTiff",
                "bigtiff": i.bigtiff,
                "byte_order": format!("{:?}", i.byte_order).to_lowercase(),
                "layout": if i.tiled { "tiles" } else { "strips" },
                "block": [i.block_width, i.block_height],
                "compression": i.compression.gdal_name().unwrap_or("NONE"),
                "predictor": i.predictor.code(),
                // GDAL reports BAND for any single-band file, whatever PlanarConfiguration says.
                "interleave": match i.interleave {
                    Interleave::Pixel if i.bands > 1 => "PIXEL",
                    _ => "BAND",
                },
                "pixel_is_point": i.geo_keys.as_ref().is_some_and(|k| k.pixel_is_point()),
                "overviews": i.overviews,
                "mask": i.has_mask,
            })
        }
        Source::Vrt(v) => json!({
            "driver": "VRT",
            "epsg": v.epsg(),
            "sources": v.source_count(),
            "files": v.file_count(),
        }),
    };
    if let (Some(out), Value::Object(extra)) = (out.as_object_mut(), extra) {
        out.extend::<Map<String, Value>>(extra);
    }
    Ok(out)
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
    let driver = match s["driver"].as_str() {
        Some("VRT") => "VRT/Virtual Raster",
        _ => "GTiff/GeoTIFF",
    };
    let _ = writeln!(out, "Driver: {driver}");
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
    if let Some(n) = s["sources"].as_u64() {
        let _ = writeln!(out, "Sources: {n} (in {} files)", s["files"]);
    } else {
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
    }
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
