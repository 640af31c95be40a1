//! Output file names (DESIGN.md, "Output names").
//!
//! An input named with six dot-separated tokens, `VAR.YYYY.MM.TEMPORAL.RES.TYPE.tif` (the
//! mastergrid convention), gives `VAR.YYYY.MM.TEMPORAL.<resname>.<stat>.tif`: the resolution and
//! type tokens are replaced. Any other input gives `<stem>.<resname>.<stat>.tif`.

use std::path::{Path, PathBuf};

/// The `<resname>` used when neither `--resolution-name` nor a mastergrid resolution names it.
pub const DEFAULT_RESOLUTION_NAME: &str = "Aggregated";

/// The output path for statistic token `stat` of `input`, in `out_dir`.
///
/// `input`'s last extension (`.tif`, `.vrt`, ...) is dropped before its tokens are counted.
pub fn output_path(out_dir: &Path, input: &Path, resolution_name: &str, stat: &str) -> PathBuf {
    out_dir.join(format!(
        "{}.{resolution_name}.{stat}.tif",
        output_prefix(input)
    ))
}

/// The part of the output name taken from the input: the first four tokens of a six-token
/// mastergrid name, else the whole stem.
fn output_prefix(input: &Path) -> String {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tokens: Vec<&str> = stem.split('.').collect();
    match tokens.as_slice() {
        [var, year, month, temporal, _res, _type] => format!("{var}.{year}.{month}.{temporal}"),
        _ => stem,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mastergrid_names_keep_four_tokens() {
        let p = output_path(
            Path::new("out"),
            Path::new("/data/LST_Day.2015.01.Mean.1km.Data.tif"),
            "5km",
            "SD",
        );
        assert_eq!(p, Path::new("out/LST_Day.2015.01.Mean.5km.SD.tif"));
    }

    #[test]
    fn other_names_keep_the_stem() {
        let p = output_path(Path::new("o"), Path::new("dem.tif"), "Aggregated", "mean");
        assert_eq!(p, Path::new("o/dem.Aggregated.mean.tif"));
        let p = output_path(Path::new("o"), Path::new("a.b.c.tif"), "1km", "max");
        assert_eq!(p, Path::new("o/a.b.c.1km.max.tif"));
        let p = output_path(Path::new("o"), Path::new("mosaic.vrt"), "5km", "count");
        assert_eq!(p, Path::new("o/mosaic.5km.count.tif"));
        // Seven tokens is not the mastergrid convention.
        let p = output_path(Path::new("o"), Path::new("a.b.c.d.e.f.g.tif"), "5km", "min");
        assert_eq!(p, Path::new("o/a.b.c.d.e.f.g.5km.min.tif"));
    }
}
