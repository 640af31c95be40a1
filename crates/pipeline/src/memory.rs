//! Memory sizes: parsing `--mem-limit` values and the default limit.

use crate::Error;

/// The most the default memory limit ever is, whatever the machine (4 GiB).
pub const DEFAULT_LIMIT_CAP: u64 = 4 << 30;

/// Parses a size such as `4GiB`, `512MiB`, `1.5G`, `300MB` or `1000000` (bytes).
///
/// Binary (`KiB`, `MiB`, `GiB`, `TiB`, also `K`, `M`, `G`, `T`) and decimal (`kB`, `MB`, `GB`,
/// `TB`) suffixes are accepted, case-insensitively, with an optional trailing `B`.
pub fn parse_size(text: &str) -> Result<u64, Error> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let bad = || {
        Error::Usage(format!(
            "invalid size `{text}` (examples: 4GiB, 512MiB, 2G)"
        ))
    };
    let value: f64 = number.parse().map_err(|_| bad())?;
    let multiplier: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kib" => 1024.0,
        "m" | "mib" => 1024.0 * 1024.0,
        "g" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "tb" => 1e12,
        _ => return Err(bad()),
    };
    let bytes = value * multiplier;
    if bytes.is_finite() && bytes >= 1.0 && bytes < u64::MAX as f64 {
        Ok(bytes as u64)
    } else {
        Err(bad())
    }
}

/// The default memory limit: a quarter of physical memory, capped at [`DEFAULT_LIMIT_CAP`];
/// the cap itself when physical memory cannot be read.
pub fn default_limit() -> u64 {
    physical_memory()
        .map(|m| (m / 4).min(DEFAULT_LIMIT_CAP))
        .unwrap_or(DEFAULT_LIMIT_CAP)
}

/// Total physical memory from `/proc/meminfo` (Linux), if it can be read.
fn physical_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

/// A size in bytes for messages: `3.2 GiB`, `640.0 MiB`, `12 B`.
pub fn human(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = "B";
    for u in UNITS {
        if value < 1024.0 {
            break;
        }
        value /= 1024.0;
        unit = u;
    }
    if unit == "B" {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {unit}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sizes() {
        assert_eq!(parse_size("4GiB").unwrap(), 4 << 30);
        assert_eq!(parse_size("512MiB").unwrap(), 512 << 20);
        assert_eq!(parse_size("512m").unwrap(), 512 << 20);
        assert_eq!(parse_size("1.5G").unwrap(), 3 << 29);
        assert_eq!(parse_size("300MB").unwrap(), 300_000_000);
        assert_eq!(parse_size("1000").unwrap(), 1000);
        for bad in ["", "GiB", "-1G", "4 XB", "1e999", "0"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn default_is_bounded() {
        let d = default_limit();
        assert!(d > 0 && d <= DEFAULT_LIMIT_CAP);
    }

    #[test]
    fn human_sizes() {
        assert_eq!(human(12), "12 B");
        assert_eq!(human(640 << 20), "640.0 MiB");
        assert_eq!(human(3 << 30), "3.0 GiB");
    }
}
