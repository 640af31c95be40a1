//! Expanding the command line's INPUT list: plain paths, `-` (paths from standard input) and
//! `@list.txt` (paths from a file), one path per line, blank lines and `#` comments ignored.

use std::io::{self, BufRead, Read};
use std::path::{Path, PathBuf};

use crate::Error;

/// Expands `args` into the list of raster paths, reading `-` from `stdin`.
///
/// Relative paths inside a list file are taken relative to the current directory, like the
/// paths a shell glob gives.
pub fn expand_inputs(args: &[PathBuf], stdin: impl Read) -> Result<Vec<PathBuf>, Error> {
    let mut stdin = Some(stdin);
    let mut out = Vec::new();
    for arg in args {
        if arg.as_os_str() == "-" {
            let Some(reader) = stdin.take() else {
                return Err(Error::Usage("`-` given more than once".into()));
            };
            read_list(io::BufReader::new(reader), Path::new("<stdin>"), &mut out)?;
        } else if let Some(list) = arg.to_str().and_then(|s| s.strip_prefix('@')) {
            let file = std::fs::File::open(list).map_err(|source| Error::Io {
                path: PathBuf::from(list),
                source,
            })?;
            read_list(io::BufReader::new(file), Path::new(list), &mut out)?;
        } else {
            out.push(arg.clone());
        }
    }
    if out.is_empty() {
        return Err(Error::Usage("no input files".into()));
    }
    Ok(out)
}

/// Appends the paths listed in `reader` (named `name` in errors) to `out`.
fn read_list(reader: impl BufRead, name: &Path, out: &mut Vec<PathBuf>) -> Result<(), Error> {
    for line in reader.lines() {
        let line = line.map_err(|source| Error::Io {
            path: name.to_path_buf(),
            source,
        })?;
        let line = line.trim();
        if !line.is_empty() && !line.starts_with('#') {
            out.push(PathBuf::from(line));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_stdin_and_list_files() {
        let dir = std::env::temp_dir().join(format!("rastagg-inputs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let list = dir.join("list.txt");
        std::fs::write(&list, "# monthly\nb.tif\n\n  c.tif  \n").unwrap();
        let args = vec![
            PathBuf::from("a.tif"),
            PathBuf::from(format!("@{}", list.display())),
            PathBuf::from("-"),
        ];
        let got = expand_inputs(&args, "d.tif\ne.vrt\n".as_bytes()).unwrap();
        let want: Vec<PathBuf> = ["a.tif", "b.tif", "c.tif", "d.tif", "e.vrt"]
            .iter()
            .map(PathBuf::from)
            .collect();
        assert_eq!(got, want);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn refuses_empty_and_missing_lists() {
        assert!(matches!(
            expand_inputs(&[], io::empty()),
            Err(Error::Usage(_))
        ));
        let missing = [PathBuf::from("@/nonexistent/list.txt")];
        let err = expand_inputs(&missing, io::empty()).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/list.txt"), "{err}");
        let twice = [PathBuf::from("-"), PathBuf::from("-")];
        assert!(matches!(
            expand_inputs(&twice, "a.tif".as_bytes()),
            Err(Error::Usage(_))
        ));
    }
}
