//! GDAL_NODATA text: `gdal_nodata_text` must equal C's `%.18g` (checked against Python's
//! `'%.18g' %`, which formats like glibc) on special values, powers of two and ten, exact
//! ties at the 19th digit, and random bit patterns.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::{Rng, gdal_available};
use rastagg_writer::gdal_nodata_text;

fn values() -> Vec<f64> {
    let mut v = vec![
        0.0,
        -0.0,
        1.0,
        -1.0,
        -9999.0,
        0.1,
        0.5,
        1e-4,
        1e-5,
        9.999999999999999e-5,
        1e17,
        1e18,
        99999999999999999.0,
        123456789012345678.0,
        f64::MAX,
        f64::MIN,
        f64::MIN_POSITIVE,
        5e-324,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f32::MAX as f64,
        f32::MIN as f64,
        f32::MIN_POSITIVE as f64,
        -3.4e38,
        255.0,
        65535.0,
        4294967295.0,
        -2147483648.0,
        9007199254740993.0,
    ];
    for e in -1074..1024 {
        v.push(2f64.powi(e));
        v.push(-3.0 * 2f64.powi(e - 2));
    }
    for e in -330..309 {
        v.push(format!("1e{e}").parse().unwrap_or(0.0));
    }
    // k·2^-m with many digits: some end exactly in 5 at the 19th significant digit.
    for m in 20..80 {
        for k in [1u64, 3, 5, 7, 11, 12345, 987654321, 4503599627370497] {
            v.push(k as f64 * 2f64.powi(-m));
        }
    }
    let mut rng = Rng(99);
    for _ in 0..20000 {
        let x = f64::from_bits(rng.next());
        if x.is_finite() {
            v.push(x);
        }
        v.push(f64::from(f32::from_bits(rng.next() as u32)));
        v.push((rng.unit() - 0.5) * 10f64.powi((rng.next() % 40) as i32 - 20));
    }
    v.retain(|x| !x.is_nan());
    v
}

#[test]
fn matches_c_printf_18g() {
    if !gdal_available() {
        return;
    }
    let values = values();
    let input: String = values.iter().map(|x| format!("{x:?}\n")).collect();
    let mut child = Command::new("/usr/bin/python3")
        .args([
            "-c",
            "import sys\nfor l in sys.stdin: print('%.18g' % float(l))",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3");
    let mut stdin = child.stdin.take().expect("stdin");
    let feeder = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().expect("output");
    feeder.join().expect("feeder").expect("write");
    let expected = String::from_utf8(out.stdout).expect("utf8");
    let expected: Vec<&str> = expected.lines().collect();
    assert_eq!(expected.len(), values.len());
    let mut wrong = 0;
    for (x, want) in values.iter().zip(&expected) {
        let got = gdal_nodata_text(*x);
        if got != *want {
            wrong += 1;
            eprintln!("{x:?}: got {got}, C gives {want}");
        }
    }
    assert_eq!(wrong, 0, "{wrong} of {} values differ", values.len());
}
