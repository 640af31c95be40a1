//! The one error type of the aggregation core.

use thiserror::Error;

/// Everything the aggregation core can refuse. Messages are complete sentences a CLI can print
/// after the name of the input they concern.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum CoreError {
    /// A token of a statistic list is not a statistic.
    #[error(
        "unknown statistic `{0}` (expected count, min, max, range, sum, mean, SD, all, median, \
         q1, q3, mode, rms or pNN with NN from 0 to 100)"
    )]
    UnknownStatistic(String),
    /// The statistic list holds no token.
    #[error("no statistic requested")]
    NoStatistic,
    /// A grid cannot be built from the given sizes, factor or resolution.
    #[error("invalid grid: {0}")]
    Grid(String),
    /// A window handed to a band accumulator does not match it.
    #[error("invalid window: {0}")]
    Window(String),
    /// A band would need more memory than can be addressed.
    #[error("band too large: {0}")]
    TooLarge(String),
}

/// Result type of this crate.
pub type Result<T> = std::result::Result<T, CoreError>;
