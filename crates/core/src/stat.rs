//! Statistic definitions, their file-name tokens and the parser of statistic lists.

use std::fmt;
use std::str::FromStr;

use crate::error::{CoreError, Result};

/// A quantile statistic: which fraction of the sorted valid values it picks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quantile {
    /// The median (`median`), fraction 1/2.
    Median,
    /// The first quartile (`q1`), fraction 1/4.
    Q1,
    /// The third quartile (`q3`), fraction 3/4.
    Q3,
    /// A percentile `pNN`, NN from 0 to 100.
    Percentile(u8),
}

impl Quantile {
    /// The fraction as `numerator / 100`, exact for every quantile we name.
    pub const fn percent(self) -> u8 {
        match self {
            Quantile::Median => 50,
            Quantile::Q1 => 25,
            Quantile::Q3 => 75,
            Quantile::Percentile(p) => p,
        }
    }

    /// The fraction in [0, 1] as f64 (what numpy receives: `NN / 100`).
    pub fn fraction(self) -> f64 {
        f64::from(self.percent()) / 100.0
    }
}

/// One statistic an output cell can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Statistic {
    /// Number of valid input cells (`count`).
    Count,
    /// Smallest valid value (`min`).
    Min,
    /// Largest valid value (`max`).
    Max,
    /// `max - min` (`range`).
    Range,
    /// Sum of the valid values, area-weighted for non-integer ratios (`sum`).
    Sum,
    /// Mean of the valid values, area-weighted for non-integer ratios (`mean`).
    Mean,
    /// Standard deviation, population (ddof 0) unless [`StatOptions::sd_ddof`] says 1 (`SD`).
    Sd,
    /// A quantile (`median`, `q1`, `q3`, `pNN`).
    Quantile(Quantile),
    /// Most frequent valid value, ties to the smallest (`mode`).
    Mode,
    /// Root mean square (`rms`).
    Rms,
}

impl Statistic {
    /// The seven statistics `all` stands for, in the order `all` lists them.
    pub const ALL: [Statistic; 7] = [
        Statistic::Count,
        Statistic::Min,
        Statistic::Max,
        Statistic::Range,
        Statistic::Sum,
        Statistic::Mean,
        Statistic::Sd,
    ];

    /// The token naming this statistic on the command line and in output file names (`SD` is
    /// upper case, as DESIGN.md spells it; percentiles print without leading zeros: `p5`).
    pub fn token(self) -> String {
        match self {
            Statistic::Count => "count".into(),
            Statistic::Min => "min".into(),
            Statistic::Max => "max".into(),
            Statistic::Range => "range".into(),
            Statistic::Sum => "sum".into(),
            Statistic::Mean => "mean".into(),
            Statistic::Sd => "SD".into(),
            Statistic::Quantile(Quantile::Median) => "median".into(),
            Statistic::Quantile(Quantile::Q1) => "q1".into(),
            Statistic::Quantile(Quantile::Q3) => "q3".into(),
            Statistic::Quantile(Quantile::Percentile(p)) => format!("p{p}"),
            Statistic::Mode => "mode".into(),
            Statistic::Rms => "rms".into(),
        }
    }

    /// Parses one token (case-insensitive); `all` is not a single statistic and is refused here.
    pub fn parse_token(token: &str) -> Result<Statistic> {
        let lower = token.to_ascii_lowercase();
        let stat = match lower.as_str() {
            "count" => Statistic::Count,
            "min" => Statistic::Min,
            "max" => Statistic::Max,
            "range" => Statistic::Range,
            "sum" => Statistic::Sum,
            "mean" => Statistic::Mean,
            "sd" => Statistic::Sd,
            "median" => Statistic::Quantile(Quantile::Median),
            "q1" => Statistic::Quantile(Quantile::Q1),
            "q3" => Statistic::Quantile(Quantile::Q3),
            "mode" => Statistic::Mode,
            "rms" => Statistic::Rms,
            _ => lower
                .strip_prefix('p')
                .filter(|d| (1..=3).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|d| d.parse::<u8>().ok())
                .filter(|&p| p <= 100)
                .map(|p| Statistic::Quantile(Quantile::Percentile(p)))
                .ok_or_else(|| CoreError::UnknownStatistic(token.to_string()))?,
        };
        Ok(stat)
    }
}

impl fmt::Display for Statistic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.token())
    }
}

/// Which rule a quantile follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum QuantileMethod {
    /// GDAL's (`gdalwarp -r med/q1/q3`): sort the valid values and take index
    /// `ceil(q·n) − 1` (clamped to 0): always a real sample; the lower middle for even `n`.
    #[default]
    Gdal,
    /// numpy's `linear` (`np.quantile(values.astype(float64), q, method="linear")`).
    Linear,
}

/// The delta degrees of freedom of `SD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Ddof {
    /// Population standard deviation (divide by n), the default.
    #[default]
    Zero,
    /// Sample standard deviation (divide by n − 1; by Σw − 1 for area weights). A cell with a
    /// single valid value has no sample SD and is nodata.
    One,
}

/// Options that change how statistics are computed, not which.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct StatOptions {
    /// Delta degrees of freedom of `SD`.
    pub sd_ddof: Ddof,
    /// Rule of `median`, `q1`, `q3` and `pNN`.
    pub quantile_method: QuantileMethod,
}

/// The statistics one run computes, in the order they were requested, without duplicates.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StatSet {
    stats: Vec<Statistic>,
    /// How they are computed.
    pub options: StatOptions,
}

/// Which accumulators a statistic set needs; one pass fills exactly these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Needs {
    /// Running min and max.
    pub minmax: bool,
    /// Σx (or Σwx) and, for area weights, Σw.
    pub sum: bool,
    /// Σx² (or Σwx²).
    pub squares: bool,
    /// Every valid value of the cell (quantiles, mode).
    pub values: bool,
}

impl StatSet {
    /// Parses a comma-separated token list such as `"mean,max,min,SD"`, `"all"` or
    /// `"p95,median"`. Tokens are case-insensitive, blanks around them are ignored, duplicates
    /// are dropped; an unknown token is an error naming it.
    pub fn parse(list: &str) -> Result<StatSet> {
        let mut stats = Vec::new();
        for token in list.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            if token.eq_ignore_ascii_case("all") {
                stats.extend(Statistic::ALL);
            } else {
                stats.push(Statistic::parse_token(token)?);
            }
        }
        StatSet::new(stats)
    }

    /// A set of the given statistics (duplicates dropped, order kept); empty is an error.
    pub fn new(stats: impl IntoIterator<Item = Statistic>) -> Result<StatSet> {
        let mut unique: Vec<Statistic> = Vec::new();
        for s in stats {
            if !unique.contains(&s) {
                unique.push(s);
            }
        }
        if unique.is_empty() {
            return Err(CoreError::NoStatistic);
        }
        Ok(StatSet {
            stats: unique,
            options: StatOptions::default(),
        })
    }

    /// The same set with other options.
    pub fn with_options(mut self, options: StatOptions) -> StatSet {
        self.options = options;
        self
    }

    /// The statistics, in request order.
    pub fn stats(&self) -> &[Statistic] {
        &self.stats
    }

    /// The accumulators these statistics need.
    pub(crate) fn needs(&self) -> Needs {
        let mut n = Needs::default();
        for s in &self.stats {
            match s {
                Statistic::Count => {}
                Statistic::Min | Statistic::Max | Statistic::Range => n.minmax = true,
                Statistic::Sum | Statistic::Mean => n.sum = true,
                Statistic::Sd => {
                    n.sum = true;
                    n.squares = true;
                }
                Statistic::Rms => n.squares = true,
                Statistic::Quantile(_) | Statistic::Mode => n.values = true,
            }
        }
        n
    }
}

impl FromStr for StatSet {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<StatSet> {
        StatSet::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lists_and_keeps_order() {
        let s = StatSet::parse("mean,max, min ,SD").unwrap();
        assert_eq!(
            s.stats(),
            &[
                Statistic::Mean,
                Statistic::Max,
                Statistic::Min,
                Statistic::Sd
            ]
        );
        let all = StatSet::parse("all,mean").unwrap();
        assert_eq!(all.stats(), &Statistic::ALL);
        let q = StatSet::parse("p95,p5,P100,p0,median,q1,q3,mode,rms").unwrap();
        let tokens: Vec<String> = q.stats().iter().map(|s| s.token()).collect();
        assert_eq!(
            tokens,
            [
                "p95", "p5", "p100", "p0", "median", "q1", "q3", "mode", "rms"
            ]
        );
        assert_eq!(StatSet::parse("sd").unwrap().stats()[0].token(), "SD");
    }

    #[test]
    fn refuses_unknown_tokens() {
        for bad in ["avg", "p101", "p", "p9x", "p1000", "q2", "mean,foo"] {
            let e = StatSet::parse(bad).unwrap_err();
            assert!(matches!(e, CoreError::UnknownStatistic(_)), "{bad}: {e}");
        }
        assert_eq!(
            StatSet::parse("mean,foo").unwrap_err().to_string(),
            "unknown statistic `foo` (expected count, min, max, range, sum, mean, SD, all, \
             median, q1, q3, mode, rms or pNN with NN from 0 to 100)"
        );
        assert_eq!(StatSet::parse(" , ").unwrap_err(), CoreError::NoStatistic);
    }

    #[test]
    fn needs_only_what_is_asked() {
        let min = StatSet::parse("min").unwrap().needs();
        assert_eq!(
            min,
            Needs {
                minmax: true,
                ..Needs::default()
            }
        );
        let sd = StatSet::parse("SD").unwrap().needs();
        assert!(sd.sum && sd.squares && !sd.minmax && !sd.values);
        assert!(StatSet::parse("p10").unwrap().needs().values);
    }
}
