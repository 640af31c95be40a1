//! The text GDAL writes in the GDAL_NODATA tag: C's `%.18g`.

/// The GDAL_NODATA text for `value`, exactly as GDAL writes it: `printf("%.18g")` (glibc), with
/// every NaN written `nan`. Examples: `-9999`, `nan`, `-inf`, `0.100000000000000006`,
/// `-3.4028234663852886e+38`.
pub fn gdal_nodata_text(value: f64) -> String {
    if value.is_nan() {
        "nan".to_owned()
    } else {
        format_g(value, 18)
    }
}

/// C's `%.{precision}g` for a non-NaN value: the shorter of `%e` and `%f` forms with
/// `precision` significant digits, trailing zeros removed.
///
/// Rust's `{:.N e}` formatting is exact (correctly rounded, ties to even, as glibc does), so
/// the digits come from it and only the C layout rules are applied here.
fn format_g(value: f64, precision: usize) -> String {
    if value.is_infinite() {
        return if value < 0.0 { "-inf" } else { "inf" }.to_owned();
    }
    let p = precision.max(1);
    let sci = format!("{:.*e}", p - 1, value);
    let Some((mantissa, exp)) = sci.split_once('e') else {
        return sci;
    };
    let Ok(exp) = exp.parse::<i32>() else {
        return sci;
    };
    let p = p as i32;
    if exp < -4 || exp >= p {
        let sign = if exp < 0 { '-' } else { '+' };
        format!(
            "{}e{sign}{:02}",
            strip_fraction_zeros(mantissa),
            exp.unsigned_abs()
        )
    } else {
        let decimals = (p - 1 - exp) as usize;
        strip_fraction_zeros(&format!("{value:.decimals$}")).to_owned()
    }
}

/// Removes trailing zeros after a decimal point, and the point itself if nothing follows it.
fn strip_fraction_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gdal_examples() {
        assert_eq!(gdal_nodata_text(-9999.0), "-9999");
        assert_eq!(gdal_nodata_text(f64::NAN), "nan");
        assert_eq!(gdal_nodata_text(-f64::NAN), "nan");
        assert_eq!(gdal_nodata_text(f64::NEG_INFINITY), "-inf");
        assert_eq!(gdal_nodata_text(f64::INFINITY), "inf");
        assert_eq!(gdal_nodata_text(0.1), "0.100000000000000006");
        assert_eq!(gdal_nodata_text(f32::MIN as f64), "-3.4028234663852886e+38");
        assert_eq!(gdal_nodata_text(0.0), "0");
        assert_eq!(gdal_nodata_text(-0.0), "-0");
        assert_eq!(gdal_nodata_text(1e22), "1e+22");
        assert_eq!(gdal_nodata_text(1e-5), "1.00000000000000008e-05");
        assert_eq!(gdal_nodata_text(1e17), "100000000000000000");
        assert_eq!(gdal_nodata_text(1e18), "1e+18");
        assert_eq!(gdal_nodata_text(0.0001), "0.000100000000000000005");
        assert_eq!(gdal_nodata_text(5e-324), "4.94065645841246544e-324");
        // An exact tie at the 19th digit rounds to even, as glibc does.
        assert_eq!(gdal_nodata_text(2f64.powi(-26)), "1.49011611938476562e-08");
    }
}
