//! Aggregation core: statistics, accumulators and grid arithmetic, no I/O.
