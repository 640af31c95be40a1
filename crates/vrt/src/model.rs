//! The VRT document as rastagg understands it: validated against what GDAL accepts, with every
//! element either used, known to be harmless for reading pixels, or refused by name.

use crate::geometry::Rect;
use crate::srs::Srs;
use crate::xml::Element;
use rastagg_raster::{GeoTransform, SampleType};

/// GDAL keeps raster sizes and window coordinates in C ints.
const MAX_DIMENSION: u64 = i32::MAX as u64;

/// Dataset-level elements that do not change the pixels GDAL reads at full resolution.
const HARMLESS_DATASET: &[&str] = &[
    "Metadata",
    "GCPList",
    "MaskBand",
    "OverviewList",
    "Description",
];
/// Band-level elements that do not change the pixels GDAL reads at full resolution.
const HARMLESS_BAND: &[&str] = &[
    "ColorInterp",
    "Description",
    "Metadata",
    "UnitType",
    "CategoryNames",
    "ColorTable",
    "Histograms",
    "OverviewList",
    "Overview",
    "MaskBand",
];
/// Children of a source that rastagg reads or that GDAL ignores for pixel values.
const SIMPLE_SOURCE_CHILDREN: &[&str] = &[
    "SourceFilename",
    "SourceBand",
    "SourceProperties",
    "SrcRect",
    "DstRect",
];

/// A parsed VRT: everything but the files themselves.
#[derive(Debug, Clone)]
pub(crate) struct Doc {
    pub width: u64,
    pub height: u64,
    pub srs: Option<Srs>,
    pub geo_transform: Option<GeoTransform>,
    pub bands: Vec<BandDef>,
}

/// One `<VRTRasterBand>`.
#[derive(Debug, Clone)]
pub(crate) struct BandDef {
    pub sample_type: SampleType,
    pub nodata: Option<f64>,
    pub hide_nodata: bool,
    pub offset: Option<f64>,
    pub scale: Option<f64>,
    pub sources: Vec<SourceDef>,
}

/// One `<SimpleSource>` or `<ComplexSource>`.
#[derive(Debug, Clone)]
pub(crate) struct SourceDef {
    /// `SourceFilename` text as written.
    pub filename: String,
    /// The `relativeToVRT` attribute.
    pub relative: bool,
    /// 0-based source band (`SourceBand` − 1).
    pub band: usize,
    /// SrcRect and DstRect, or `None` when both are absent (whole source at the origin).
    pub rects: Option<(Rect, Rect)>,
    /// Source size from `SourceProperties`, when given.
    pub declared_size: Option<(u64, u64)>,
    /// True when the source asks for a resampling other than nearest (allowed only where no
    /// resampling happens).
    pub resampled: Option<String>,
    pub kind: SourceKind,
}

/// What a source does with its pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum SourceKind {
    /// Every pixel is copied.
    Simple,
    /// NODATA pixels are transparent; values are scaled `v·ratio + offset`.
    Complex {
        /// The source's NODATA, compared with the raw value.
        nodata: Option<f64>,
        /// `(ScaleRatio, ScaleOffset)` when either is given.
        scaling: Option<(f64, f64)>,
    },
}

/// A validation failure: which kind and the message (the caller adds the path).
#[derive(Debug)]
pub(crate) enum Problem {
    Format(String),
    Unsupported(String),
    Limit(String),
}

type Res<T> = Result<T, Problem>;

fn format<T>(msg: impl Into<String>) -> Res<T> {
    Err(Problem::Format(msg.into()))
}

fn unsupported<T>(what: &str) -> Res<T> {
    Err(Problem::Unsupported(format!(
        "unsupported VRT element <{what}>"
    )))
}

/// A number as GDAL writes them (`nan`, `inf`, `-9999`, `1e+30`); GDAL would read garbage as 0,
/// we refuse it.
pub(crate) fn number(text: &str, what: &str) -> Res<f64> {
    let t = text.trim();
    let lower = t.to_ascii_lowercase();
    let v = match lower.as_str() {
        "nan" | "-nan" | "+nan" | "1.#qnan" | "-1.#qnan" => Some(f64::NAN),
        "inf" | "+inf" | "infinity" => Some(f64::INFINITY),
        "-inf" | "-infinity" => Some(f64::NEG_INFINITY),
        _ => t.parse::<f64>().ok(),
    };
    v.map_or_else(|| format(format!("{what}: not a number: {t:?}")), Ok)
}

fn integer(text: &str, what: &str) -> Res<u64> {
    text.trim().parse::<u64>().or_else(|_| {
        format(format!(
            "{what}: not a non-negative integer: {:?}",
            text.trim()
        ))
    })
}

/// Parses and validates the text of a VRT file. Sources are converted as soon as their
/// element is complete, so the XML tree never holds them all.
pub(crate) fn parse(text: &str) -> Res<Doc> {
    let mut bands: Vec<Vec<SourceDef>> = Vec::new();
    let mut current: Vec<SourceDef> = Vec::new();
    let mut failure: Option<Problem> = None;
    let root = crate::xml::parse_with(text, |depth, parent, e| {
        let is_source = ["SimpleSource", "ComplexSource"]
            .iter()
            .any(|n| n.eq_ignore_ascii_case(&e.name));
        if depth == 3 && is_source && parent.eq_ignore_ascii_case("VRTRasterBand") {
            return match source(e) {
                Ok(s) => {
                    current.push(s);
                    Ok(true)
                }
                Err(p) => {
                    let msg = format!("{p:?}");
                    failure = Some(p);
                    Err(msg)
                }
            };
        }
        if depth == 2 && e.name.eq_ignore_ascii_case("VRTRasterBand") {
            bands.push(std::mem::take(&mut current));
        }
        Ok(false)
    });
    let root = match (root, failure) {
        (_, Some(p)) => return Err(p),
        (Err(msg), None) => return Err(Problem::Format(msg)),
        (Ok(r), None) => r,
    };
    doc(&root, bands)
}

/// Validates the root element of a VRT file; `sources` holds each band's sources, already
/// taken out of the tree.
fn doc(root: &Element, sources: Vec<Vec<SourceDef>>) -> Res<Doc> {
    let mut sources = sources.into_iter();
    if !root.name.eq_ignore_ascii_case("VRTDataset") {
        return format(format!("not a VRT: root element is <{}>", root.name));
    }
    if let Some(sub) = root.attr("subClass") {
        return Err(Problem::Unsupported(format!(
            "unsupported VRT dataset subClass {sub:?}"
        )));
    }
    let size = |name: &str| -> Res<u64> {
        let text = root
            .attr(name)
            .ok_or_else(|| Problem::Format(format!("missing {name}")))?;
        let v = number(text, name)?;
        if !(v >= 1.0 && v.fract() == 0.0) {
            return format(format!("{name} must be a positive integer, not {text:?}"));
        }
        if v > MAX_DIMENSION as f64 {
            return Err(Problem::Limit(format!(
                "{name} {text} exceeds GDAL's limit {MAX_DIMENSION}"
            )));
        }
        Ok(v as u64)
    };
    let (width, height) = (size("rasterXSize")?, size("rasterYSize")?);
    let mut d = Doc {
        width,
        height,
        srs: None,
        geo_transform: None,
        bands: Vec::new(),
    };
    for child in &root.children {
        let name = child.name.as_str();
        if name.eq_ignore_ascii_case("SRS") {
            let text = child.text.trim();
            d.srs = (!text.is_empty()).then(|| Srs::parse(text));
        } else if name.eq_ignore_ascii_case("GeoTransform") {
            d.geo_transform = Some(geo_transform(&child.text)?);
        } else if name.eq_ignore_ascii_case("VRTRasterBand") {
            let b = band(child, d.bands.len() + 1, sources.next().unwrap_or_default())?;
            d.bands.push(b);
        } else if !HARMLESS_DATASET
            .iter()
            .any(|h| h.eq_ignore_ascii_case(name))
        {
            return unsupported(name);
        }
    }
    if d.bands.is_empty() {
        return format("no <VRTRasterBand>");
    }
    Ok(d)
}

fn geo_transform(text: &str) -> Res<GeoTransform> {
    let parts: Vec<&str> = text.split(',').collect();
    if parts.len() != 6 {
        return format(format!("GeoTransform needs 6 numbers: {:?}", text.trim()));
    }
    let mut gt = [0.0; 6];
    for (slot, p) in gt.iter_mut().zip(parts) {
        *slot = number(p, "GeoTransform")?;
    }
    Ok(GeoTransform(gt))
}

fn band(e: &Element, position: usize, sources: Vec<SourceDef>) -> Res<BandDef> {
    if let Some(sub) = e.attr("subClass") {
        return Err(Problem::Unsupported(format!(
            "unsupported VRTRasterBand subClass {sub:?}"
        )));
    }
    let declared = e.attr("band").map(|n| integer(n, "band")).transpose()?;
    if declared.is_some_and(|n| n != position as u64) {
        return format(format!(
            "VRTRasterBand band=\"{}\" out of order (expected {position})",
            declared.unwrap_or_default()
        ));
    }
    let type_name = e.attr("dataType").unwrap_or("Byte");
    let sample_type = SampleType::from_gdal_name(type_name).ok_or_else(|| {
        Problem::Unsupported(format!("unsupported VRT band dataType {type_name:?}"))
    })?;
    let mut b = BandDef {
        sample_type,
        nodata: None,
        hide_nodata: false,
        offset: None,
        scale: None,
        sources,
    };
    for child in &e.children {
        let name = child.name.as_str();
        let lower = name.to_ascii_lowercase();
        match lower.as_str() {
            "nodatavalue" => b.nodata = Some(number(&child.text, "NoDataValue")?),
            "hidenodatavalue" => b.hide_nodata = number(&child.text, "HideNoDataValue")? != 0.0,
            "offset" => b.offset = Some(number(&child.text, "Offset")?),
            "scale" => b.scale = Some(number(&child.text, "Scale")?),
            _ if HARMLESS_BAND.iter().any(|h| h.eq_ignore_ascii_case(name)) => {}
            _ => return unsupported(name),
        }
    }
    Ok(b)
}

fn source(e: &Element) -> Res<SourceDef> {
    let complex = e.name.eq_ignore_ascii_case("ComplexSource");
    for child in &e.children {
        let n = child.name.as_str();
        let known = SIMPLE_SOURCE_CHILDREN.iter().any(|k| k.eq_ignore_ascii_case(n))
            // GDAL ignores NODATA in a SimpleSource, so do we.
            || n.eq_ignore_ascii_case("NODATA")
            || (complex && ["ScaleOffset", "ScaleRatio"].iter().any(|k| k.eq_ignore_ascii_case(n)))
            || (complex && n.eq_ignore_ascii_case("UseMaskBand") && !truthy(&child.text));
        if !known {
            return unsupported(n);
        }
    }
    let file = e
        .child("SourceFilename")
        .ok_or(Problem::Format("source without <SourceFilename>".into()))?;
    let filename = file.text.trim().to_string();
    if filename.is_empty() {
        return format("empty <SourceFilename>");
    }
    if filename.starts_with("/vsi") || filename.contains("<VRTDataset") {
        return Err(Problem::Unsupported(format!(
            "unsupported source name {filename:?} (GDAL virtual file)"
        )));
    }
    let relative = match file.attr("relativeToVRT") {
        Some(v) => number(v, "relativeToVRT")? != 0.0,
        None => false,
    };
    let band_text = e.child_text("SourceBand").unwrap_or("1");
    if band_text.to_ascii_lowercase().starts_with("mask") {
        return Err(Problem::Unsupported(format!(
            "unsupported <SourceBand>{band_text}</SourceBand> (mask band)"
        )));
    }
    let band_no = integer(band_text, "SourceBand")?;
    if band_no == 0 {
        return format("SourceBand 0 (bands are numbered from 1)");
    }
    let rects = match (e.child("SrcRect"), e.child("DstRect")) {
        (Some(s), Some(d)) => Some((rect(s, "SrcRect")?, rect(d, "DstRect")?)),
        (None, None) => None,
        _ => {
            return Err(Problem::Unsupported(
                "a source with only one of SrcRect/DstRect".into(),
            ));
        }
    };
    let declared_size = e.child("SourceProperties").and_then(|p| {
        let w = p.attr("RasterXSize")?.trim().parse().ok()?;
        let h = p.attr("RasterYSize")?.trim().parse().ok()?;
        Some((w, h))
    });
    let resampled = e
        .attr("resampling")
        .filter(|r| !r.eq_ignore_ascii_case("nearest") && !r.eq_ignore_ascii_case("near"))
        .map(str::to_string);
    let kind = if complex {
        let nodata = e
            .child_text("NODATA")
            .map(|t| number(t, "NODATA"))
            .transpose()?;
        let offset = e
            .child_text("ScaleOffset")
            .map(|t| number(t, "ScaleOffset"))
            .transpose()?;
        let ratio = e
            .child_text("ScaleRatio")
            .map(|t| number(t, "ScaleRatio"))
            .transpose()?;
        let scaling = (offset.is_some() || ratio.is_some())
            .then(|| (ratio.unwrap_or(1.0), offset.unwrap_or(0.0)));
        SourceKind::Complex { nodata, scaling }
    } else {
        SourceKind::Simple
    };
    Ok(SourceDef {
        filename,
        relative,
        band: (band_no - 1) as usize,
        rects,
        declared_size,
        resampled,
        kind,
    })
}

fn truthy(text: &str) -> bool {
    matches!(
        text.trim().to_ascii_lowercase().as_str(),
        "1" | "true" | "yes" | "on"
    )
}

/// A SrcRect/DstRect with GDAL's checks: offsets within int range, sizes positive and at most
/// INT_MAX (a test written so NaN fails it).
fn rect(e: &Element, what: &str) -> Res<Rect> {
    let get = |name: &str| -> Res<f64> {
        let t = e
            .attr(name)
            .ok_or_else(|| Problem::Format(format!("{what} without {name}")))?;
        number(t, what)
    };
    let (x, y, w, h) = (get("xOff")?, get("yOff")?, get("xSize")?, get("ySize")?);
    let int = i32::MAX as f64;
    let ok_off = |v: f64| v >= -int - 1.0 && v <= int;
    let ok_size = |v: f64| v > 0.0 && v <= int;
    if !(ok_off(x) && ok_off(y) && ok_size(w) && ok_size(h)) {
        return format(format!("wrong values in {what}: {x} {y} {w} {h}"));
    }
    Ok(Rect::snapped(x, y, w, h))
}
