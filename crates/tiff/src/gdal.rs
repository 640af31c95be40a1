//! GDAL's private TIFF tags: GDAL_NODATA (42113, the nodata value as text) and GDAL_METADATA
//! (42112, an XML list of dataset and band metadata items).

use rastagg_raster::SampleType;

/// The band's nodata value from GDAL_NODATA.
#[derive(Debug, Clone, PartialEq)]
pub struct Nodata {
    /// The tag's text, trimmed of NULs and white space (`-9999`, `nan`, `-3.4028234663852886e+38`).
    pub text: String,
    /// The value as GDAL reports it: the text parsed as C's `atof` does (`nan`, `inf`, `-inf`
    /// accepted; no number gives 0); for Float32 bands snapped to ±FLT_MAX when within 1e-10
    /// of it and then rounded to f32, as GDAL's GTiff driver does.
    pub value: f64,
}

impl Nodata {
    /// Parses the text of a GDAL_NODATA tag of a band of type `t`.
    pub(crate) fn parse(raw: &str, t: SampleType) -> Nodata {
        let text = raw
            .trim_matches(|c: char| c == '\0' || c.is_whitespace())
            .to_string();
        let mut value = atof(&text);
        if t == SampleType::F32 {
            let max = f64::from(f32::MAX);
            if (value - max).abs() < 1e-10 * max {
                value = max;
            } else if (value + max).abs() < 1e-10 * max {
                value = -max;
            }
            value = f64::from(value as f32);
        }
        Nodata { text, value }
    }
}

/// C's `atof`: the longest prefix that is a number (NaN and infinities included), else 0.
fn atof(text: &str) -> f64 {
    let t = text.trim_start();
    if let Ok(v) = t.parse::<f64>() {
        return v;
    }
    let lower = t.to_ascii_lowercase();
    let unsigned = lower.trim_start_matches(['+', '-']);
    let negative = lower.starts_with('-');
    let special = if unsigned.starts_with("nan") {
        Some(f64::NAN)
    } else if unsigned.starts_with("inf") {
        Some(f64::INFINITY)
    } else {
        None
    };
    if let Some(v) = special {
        return if negative { -v } else { v };
    }
    (1..=t.len())
        .rev()
        .filter_map(|n| t.get(..n))
        .find_map(|p| p.parse::<f64>().ok())
        .unwrap_or(0.0)
}

/// The per-band items of GDAL_METADATA that GDAL maps to band properties.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BandMetadata {
    /// `role="scale"`: value = raw × scale + offset.
    pub scale: Option<f64>,
    /// `role="offset"`.
    pub offset: Option<f64>,
    /// `role="unittype"`: the unit of the values, e.g. `m` or `K`.
    pub unit_type: Option<String>,
    /// `role="description"`: the band's description.
    pub description: Option<String>,
    /// The band's other metadata items of the default domain (`STATISTICS_MEAN`, ...), in file
    /// order.
    pub items: Vec<(String, String)>,
}

/// The content of GDAL_METADATA: dataset-level items and one [`BandMetadata`] per band.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metadata {
    /// Dataset-level items of the default domain, as (name, value), in file order.
    pub items: Vec<(String, String)>,
    /// One entry per band (SamplesPerPixel), default when the file says nothing.
    pub bands: Vec<BandMetadata>,
}

impl Metadata {
    /// Parses the GDAL_METADATA XML for an image of `bands` bands. Malformed XML yields what
    /// could be read (GDAL ignores a tag it cannot parse, with a warning).
    pub(crate) fn parse(xml: Option<&str>, bands: usize) -> Metadata {
        let mut md = Metadata {
            items: Vec::new(),
            bands: vec![BandMetadata::default(); bands],
        };
        let Some(xml) = xml else { return md };
        let mut rest = xml;
        while let Some(start) = rest.find("<Item") {
            let Some(after) = rest.get(start + 5..) else {
                break;
            };
            let Some(tag_end) = after.find('>') else {
                break;
            };
            let attrs_text = after.get(..tag_end).unwrap_or_default();
            let (attrs_text, empty) = match attrs_text.strip_suffix('/') {
                Some(a) => (a, true),
                None => (attrs_text, false),
            };
            let body = after.get(tag_end + 1..).unwrap_or_default();
            let (value, next) = if empty {
                ("", body)
            } else {
                match body.find("</Item>") {
                    Some(e) => (
                        body.get(..e).unwrap_or_default(),
                        body.get(e + 7..).unwrap_or_default(),
                    ),
                    None => break,
                }
            };
            rest = next;
            md.add(&attributes(attrs_text), &unescape(&unescape(value)));
        }
        md
    }

    /// Files one item by its attributes.
    fn add(&mut self, attrs: &[(String, String)], value: &str) {
        let get = |k: &str| attrs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        if get("domain").is_some_and(|d| !d.is_empty()) {
            return;
        }
        let name = get("name").unwrap_or_default().to_string();
        let band = get("sample").map(|s| s.trim().parse::<usize>());
        let Some(band) = band else {
            self.items.push((name, value.to_string()));
            return;
        };
        let Some(b) = band.ok().and_then(|i| self.bands.get_mut(i)) else {
            return;
        };
        match get("role") {
            Some("scale") => b.scale = Some(atof(value)),
            Some("offset") => b.offset = Some(atof(value)),
            Some("unittype") => b.unit_type = Some(value.to_string()),
            Some("description") => b.description = Some(value.to_string()),
            Some(_) => {}
            None => b.items.push((name, value.to_string())),
        }
    }
}

/// The `name="value"` (or `'value'`) pairs of a start tag's attribute text, values unescaped.
fn attributes(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(eq) = rest.find('=') {
        let name = rest.get(..eq).unwrap_or_default().trim().to_string();
        let after = rest.get(eq + 1..).unwrap_or_default().trim_start();
        let Some(quote) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            break;
        };
        let inner = after.get(1..).unwrap_or_default();
        let Some(close) = inner.find(quote) else {
            break;
        };
        out.push((name, unescape(inner.get(..close).unwrap_or_default())));
        rest = inner.get(close + 1..).unwrap_or_default();
    }
    out
}

/// Replaces XML's predefined entities and character references; unknown ones stay as they are.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(rest.get(..amp).unwrap_or_default());
        let tail = rest.get(amp..).unwrap_or_default();
        let semi = tail.find(';').filter(|&s| s <= 12);
        let entity = semi.and_then(|s| tail.get(1..s));
        let decoded = entity.and_then(|e| match e {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => {
                let code = if let Some(hex) = e.strip_prefix("#x").or_else(|| e.strip_prefix("#X"))
                {
                    u32::from_str_radix(hex, 16).ok()
                } else {
                    e.strip_prefix('#').and_then(|d| d.parse().ok())
                };
                code.and_then(char::from_u32)
            }
        });
        match (decoded, semi) {
            (Some(c), Some(s)) => {
                out.push(c);
                rest = tail.get(s + 1..).unwrap_or_default();
            }
            _ => {
                out.push('&');
                rest = tail.get(1..).unwrap_or_default();
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodata_texts() {
        let parse = |t: &str| Nodata::parse(t, SampleType::F64);
        let n = parse("-9999\0");
        assert_eq!((n.text.as_str(), n.value), ("-9999", -9999.0));
        assert!(parse("nan").value.is_nan());
        assert!(parse("-nan ").value.is_nan());
        assert_eq!(parse("-inf").value, f64::NEG_INFINITY);
        assert_eq!(parse("inf").value, f64::INFINITY);
        assert_eq!(parse("-3.4028234663852886e+38").value, f32::MIN as f64);
        assert_eq!(parse("0.100000000000000006").value, 0.1);
        assert_eq!(parse(" 12abc").value, 12.0);
        assert_eq!(parse("1e").value, 1.0);
        assert_eq!(parse("junk").value, 0.0);
        assert_eq!(parse("").value, 0.0);
        let f32_value = |t: &str| Nodata::parse(t, SampleType::F32).value;
        assert_eq!(f32_value("0.1"), f64::from(0.1f32));
        assert_eq!(f32_value("-3.40282346638529e+38"), f64::from(f32::MIN));
        assert_eq!(f32_value("3.4028234663852886e+38"), f64::from(f32::MAX));
        assert!(f32_value("nan").is_nan());
    }

    #[test]
    fn metadata_items() {
        let xml = r#"<GDALMetadata>
  <Item name="AREA" >1 &amp;amp; 2</Item>
  <Item name="OFFSET" sample="0" role="offset">-273.15</Item>
  <Item name="SCALE" sample="0" role="scale">0.02</Item>
  <Item name="UNITTYPE" sample="1" role="unittype">K</Item>
  <Item name="DESCRIPTION" sample="1" role="description">a &amp;lt;b&amp;gt;</Item>
  <Item name="STATISTICS_MEAN" sample="1">3.5</Item>
  <Item name="X" domain="IMAGE_STRUCTURE">y</Item>
  <Item name="E" sample="7" role="scale">2</Item>
  <Item name='EMPTY'/>
</GDALMetadata>"#;
        let md = Metadata::parse(Some(xml), 2);
        assert_eq!(
            md.items,
            vec![
                ("AREA".into(), "1 & 2".into()),
                ("EMPTY".into(), String::new())
            ]
        );
        assert_eq!(md.bands[0].scale, Some(0.02));
        assert_eq!(md.bands[0].offset, Some(-273.15));
        assert_eq!(md.bands[1].unit_type.as_deref(), Some("K"));
        assert_eq!(md.bands[1].description.as_deref(), Some("a <b>"));
        assert_eq!(
            md.bands[1].items,
            vec![("STATISTICS_MEAN".into(), "3.5".into())]
        );
    }

    #[test]
    fn malformed_metadata_is_tolerated() {
        for xml in [
            "<Item",
            "<Item name=\"a\">x",
            "<Item name=>v</Item>",
            "&#xFFFFFFFF;",
            "<Item sample=\"-1\" role=\"scale\">1</Item>",
        ] {
            let md = Metadata::parse(Some(xml), 1);
            assert_eq!(md.bands.len(), 1);
        }
        assert_eq!(unescape("&#65;&#x42;&bogus;&"), "AB&bogus;&");
    }
}
