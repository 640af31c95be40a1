//! The VRT's `<SRS>`: the EPSG code named by the WKT's outermost AUTHORITY/ID, whether the CRS
//! is projected or geographic, and GeoKeys built from the two when no source provides its own.

use rastagg_raster::{GEOGRAPHIC_TYPE, GT_MODEL_TYPE, GT_RASTER_TYPE, GeoKeys, PROJECTED_CS_TYPE};

/// What the root WKT keyword says the CRS is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrsKind {
    /// `PROJCS` / `PROJCRS` / `PROJECTEDCRS`.
    Projected,
    /// `GEOGCS` / `GEOGCRS` / `GEOGRAPHICCRS` / `GEODCRS`-free geographic roots.
    Geographic,
    /// Anything else (compound, bound, engineering, vertical, `EPSG:n` shorthand, ...).
    Other,
}

/// The VRT's spatial reference: the text as written and what rastagg understood of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Srs {
    /// The `<SRS>` text verbatim (usually WKT).
    pub wkt: String,
    /// The EPSG code of the whole CRS (outermost `AUTHORITY["EPSG",..]` / `ID["EPSG",..]`, or
    /// an `EPSG:n` shorthand), when there is one.
    pub epsg: Option<u32>,
    /// Projected, geographic or other, from the WKT's root keyword.
    pub kind: CrsKind,
}

impl Srs {
    /// Interprets an `<SRS>` text.
    pub fn parse(text: &str) -> Srs {
        let wkt = text.trim().to_string();
        let (epsg, kind) = match shorthand_epsg(&wkt) {
            Some(code) => (Some(code), CrsKind::Other),
            None => wkt_root(&wkt)
                .map(|(keyword, code)| (code, kind_of(&keyword)))
                .unwrap_or((None, CrsKind::Other)),
        };
        Srs { wkt, epsg, kind }
    }

    /// GeoKeys naming this CRS by EPSG code (GTModelType 1 projected / 2 geographic,
    /// PixelIsArea), or `None` when the code is unknown, does not fit a GeoKey, or the kind is
    /// neither projected nor geographic.
    pub fn geo_keys(&self) -> Option<GeoKeys> {
        let code = u16::try_from(self.epsg?).ok()?;
        let (model, key) = match self.kind {
            CrsKind::Projected => (1, PROJECTED_CS_TYPE),
            CrsKind::Geographic => (2, GEOGRAPHIC_TYPE),
            CrsKind::Other => return None,
        };
        Some(GeoKeys {
            directory: vec![
                1,
                1,
                0,
                3, //
                GT_MODEL_TYPE,
                0,
                1,
                model, //
                GT_RASTER_TYPE,
                0,
                1,
                1, //
                key,
                0,
                1,
                code,
            ],
            doubles: Vec::new(),
            ascii: String::new(),
        })
    }
}

fn kind_of(keyword: &str) -> CrsKind {
    match keyword.to_ascii_uppercase().as_str() {
        "PROJCS" | "PROJCRS" | "PROJECTEDCRS" => CrsKind::Projected,
        "GEOGCS" | "GEOGCRS" | "GEOGRAPHICCRS" => CrsKind::Geographic,
        _ => CrsKind::Other,
    }
}

/// `EPSG:4326` (any case, optional spaces), as GDAL's SetFromUserInput accepts in `<SRS>`.
fn shorthand_epsg(s: &str) -> Option<u32> {
    let (auth, code) = s.split_once(':')?;
    if !auth.trim().eq_ignore_ascii_case("EPSG") {
        return None;
    }
    code.trim().parse().ok()
}

/// The root keyword of a WKT text and the EPSG code of its own AUTHORITY/ID child (not of a
/// nested datum or unit).
fn wkt_root(wkt: &str) -> Option<(String, Option<u32>)> {
    let open = wkt.find(['[', '('])?;
    let keyword = wkt.get(..open)?.trim().to_string();
    if keyword.is_empty()
        || !keyword
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return None;
    }
    let mut code = None;
    for child in top_level_children(wkt.get(open + 1..)?) {
        let Some(p) = child.find(['[', '(']) else {
            continue;
        };
        let name = child.get(..p).unwrap_or("").trim();
        if name.eq_ignore_ascii_case("AUTHORITY") || name.eq_ignore_ascii_case("ID") {
            let args = child.get(p + 1..).unwrap_or("");
            let mut parts = top_level_children(args).into_iter();
            let auth = parts.next().map(unquote);
            let value = parts.next().map(unquote);
            if auth.is_some_and(|a| a.eq_ignore_ascii_case("EPSG")) {
                code = value.and_then(|v| v.parse().ok());
            }
        }
    }
    Some((keyword, code))
}

fn unquote(s: &str) -> &str {
    s.trim().trim_matches('"').trim()
}

/// Splits the inside of a bracketed list (everything after its opening bracket) into its
/// comma-separated items at nesting depth 0, stopping at the closing bracket. Quoted text
/// (WKT doubles `""` inside quotes) is skipped over.
fn top_level_children(s: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let mut depth = 0usize;
    let mut in_quote = false;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '"' => in_quote = !in_quote,
            _ if in_quote => {}
            '[' | '(' => depth += 1,
            ']' | ')' if depth == 0 => {
                items.push(&s[start..i]);
                return items;
            }
            ']' | ')' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&s[start..]);
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    const UTM: &str = r#"PROJCS["WGS 84 / UTM zone 33N",GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433],AUTHORITY["EPSG","4326"]],PROJECTION["Transverse_Mercator"],UNIT["metre",1,AUTHORITY["EPSG","9001"]],AXIS["Easting",EAST],AUTHORITY["EPSG","32633"]]"#;

    #[test]
    fn outermost_authority() {
        let s = Srs::parse(UTM);
        assert_eq!((s.epsg, s.kind), (Some(32633), CrsKind::Projected));
        let k = s.geo_keys().unwrap();
        assert_eq!(k.epsg(), Some(32633));
        assert_eq!(k.short(GT_MODEL_TYPE), Some(1));
        // A projected CRS without its own AUTHORITY: the GEOGCS's 4326 must not be taken.
        let no_code = UTM.replace(r#",AUTHORITY["EPSG","32633"]]"#, "]");
        let s = Srs::parse(&no_code);
        assert_eq!((s.epsg, s.kind), (None, CrsKind::Projected));
        assert_eq!(s.geo_keys(), None);
    }

    #[test]
    fn wkt2_and_shorthand() {
        let s = Srs::parse(
            r#"GEOGCRS["WGS 84",DATUM["World Geodetic System 1984",ELLIPSOID["WGS 84",6378137,298.257223563]],CS[ellipsoidal,2],ID["EPSG",4326]]"#,
        );
        assert_eq!((s.epsg, s.kind), (Some(4326), CrsKind::Geographic));
        assert_eq!(s.geo_keys().unwrap().short(GEOGRAPHIC_TYPE), Some(4326));
        let s = Srs::parse(" epsg:3857 ");
        assert_eq!((s.epsg, s.kind), (Some(3857), CrsKind::Other));
        assert_eq!(s.geo_keys(), None);
        let s = Srs::parse(r#"GEOGCS["a]b""x",AUTHORITY["EPSG","4269"]]"#);
        assert_eq!(s.epsg, Some(4269));
        for junk in [
            "",
            "[[[",
            "PROJCS[",
            "AUTHORITY[\"EPSG\",\"1\"]",
            "X[AUTHORITY[\"EPSG\",\"99999999\"]]",
        ] {
            let s = Srs::parse(junk);
            assert_eq!(s.geo_keys(), None, "{junk}");
        }
    }
}
